/**
 * Replaying a trace: re-running a recorded run step by step against a spec,
 * which may have changed since the trace was taken. A step is matched by
 * what a trace says of it (its thread and its event text), not by internal
 * numbers, so a trace from JSON replays against any version of the spec that
 * still allows the same run, and the first step the spec no longer allows is
 * where it departs. Reductions play no part: every successor of every
 * thread, choice and device is offered at each step.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { initialWorld } from '../runtime/initial.js';
import { Machine } from '../runtime/machine.js';
import { Monitor, type MonitorContext } from '../runtime/monitor.js';
import type { Natives } from '../runtime/natives.js';
import type { World } from '../runtime/world.js';
import { ORDERED, worldKey } from './key.js';
import { Successors } from './successors.js';

/** A step of a recorded trace, as the trace names it. */
export interface RecordedStep {
  readonly thread: string;
  readonly event: string;
}

/** What replaying a trace found. */
export interface ReplayResult {
  /** How many of the trace's steps the spec still allows, in order (all of them when `departs` is absent). */
  readonly replayed: number;
  /** The first step the spec does not allow, and what it offers there instead. */
  readonly departs?: { readonly step: number; readonly expected: RecordedStep; readonly offered: readonly RecordedStep[] };
  /** The rules the replayed run violates, in the order it violates them (a rule once). */
  readonly violated: readonly string[];
}

const END = 'the scenario ends';

/**
 * Replays `steps` in `scenario`. Where two successors read the same (two
 * choices that print alike), each is tried, depth first, and the longest
 * replay wins; the number of runs tried is bounded, so a pathological trace
 * cannot take the replay exponential.
 */
export function replayTrace(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, steps: readonly RecordedStep[]): ReplayResult {
  const monitor = new Monitor(program, natives);
  const machine = new Machine(program, natives, monitor);
  const w0 = initialWorld(program, natives, scenario, monitor);
  const succ = new Successors(machine, program, ORDERED, (w) => worldKey(w, w0.objects.length, ORDERED, w0.objects), undefined, false);
  let budget = 10_000;
  let done: ReplayResult | undefined;
  let deepest: ReplayResult = { replayed: 0, violated: [] };

  /** How a run that has replayed every step ends: its end-of-run rules, or a deadlock. */
  const ending = (w: World, violated: readonly string[]): string[] => {
    const out = [...violated];
    const add = (rule: string) => {
      if (!out.includes(rule)) out.push(rule);
    };
    const cx: MonitorContext = { world: w, thread: -1, violate: (rule) => add(rule), show: (v) => machine.show(w, v) };
    if (w.threads.every((t) => t.done)) monitor.finished(cx);
    if (!w.halted && !w.threads.some((_, t) => machine.canStep(w, t)) && machine.signalSteps(w).length === 0 && !w.threads.every((t) => t.done)) add('deadlock');
    monitor.unanswered(cx);
    return out;
  };

  const walk = (w: World, i: number, violated: readonly string[]): boolean => {
    const want = steps[i];
    if (!want || (want.thread === 'main' && want.event === END && i === steps.length - 1 && w.threads.every((t) => t.done))) {
      done = { replayed: steps.length, violated: ending(w, violated) };
      return true;
    }
    const offered: RecordedStep[] = [];
    for (const { r } of succ.expand(w, () => false).successors) {
      const got = { thread: r.info.thread, event: r.info.text };
      if (got.thread !== want.thread || got.event !== want.event) {
        if (offered.length < 12 && !offered.some((o) => o.thread === got.thread && o.event === got.event)) offered.push(got);
        continue;
      }
      if (--budget < 0) break;
      const more = [...violated, ...r.violations.map((v) => v.rule).filter((rule) => !violated.includes(rule))];
      if (walk(r.world, i + 1, more)) return true;
    }
    if (i >= deepest.replayed) deepest = { replayed: i, departs: { step: i + 1, expected: want, offered }, violated };
    return false;
  };
  walk(w0, 0, []);
  return done ?? deepest;
}
