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
import { Machine, type StepInfo } from '../runtime/machine.js';
import { Monitor, type MonitorContext } from '../runtime/monitor.js';
import type { Natives } from '../runtime/natives.js';
import type { World } from '../runtime/world.js';
import type { Value } from '../runtime/values.js';
import { equal, ref } from '../runtime/values.js';
import { ORDERED, worldKey } from './key.js';
import type { TraceStep } from './result.js';
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

/** A replayed step: its record (with `call`, under `detail`) and the worlds before and after it. */
export interface ReplayedStep {
  readonly info: StepInfo;
  readonly before: World;
  readonly after: World;
}

const END = 'the scenario ends';

/**
 * Replays `steps` in `scenario`. Where two successors read the same (two
 * choices that print alike), each is tried, depth first, and the longest
 * replay wins; the number of runs tried is bounded, so a pathological trace
 * cannot take the replay exponential.
 */
export function replayTrace(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, steps: readonly RecordedStep[], detail = false): ReplayResult & { readonly path?: readonly ReplayedStep[] } {
  const monitor = new Monitor(program, natives);
  const machine = new Machine(program, natives, monitor, detail);
  const path: ReplayedStep[] = [];
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
      if (want) path.push({ info: { thread: 'main', text: END, uri: '', at: 0, locks: [], created: [], ended: [], local: false }, before: w, after: w });
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
      path.push({ info: r.info, before: w, after: r.world });
      if (walk(r.world, i + 1, more)) return true;
      path.pop();
    }
    if (i >= deepest.replayed) deepest = { replayed: i, departs: { step: i + 1, expected: want, offered }, violated };
    return false;
  };
  walk(w0, 0, []);
  return done ? { ...done, path } : deepest;
}

/**
 * A found trace with each step's call and changes filled in, by replaying it
 * with `detail`: the search records neither (it would cost every state), a
 * report wants both. A trace that does not replay (it should; a model whose
 * steps print alike differently is the one way) is returned as it was.
 */
export function detailTrace(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, trace: readonly TraceStep[]): TraceStep[] {
  const r = replayTrace(program, natives, scenario, trace.map((s) => ({ thread: s.thread, event: s.event })), true);
  if (r.departs || !r.path || r.path.length !== trace.length) return [...trace];
  const machine = new Machine(program, natives, new Monitor(program, natives));
  return trace.map((s, i) => {
    const { info, before, after } = r.path![i]!;
    const show = (v: Value) => machine.show(after, v);
    const changes = changed(program, natives, before, after, show);
    return {
      ...s,
      ...(info.call ? { call: { name: info.call.name, args: info.call.args.map(show), ...(info.call.result !== undefined ? { result: info.call.result } : {}) } } : {}),
      ...(Object.keys(changes).length ? { changes } : {}),
    };
  });
}

/** The driver state fields and the readable fields of objects (the models' declared ones, an own kind's) that differ between two worlds. */
function changed(program: CompiledProgram, natives: Natives, before: World, after: World, show: (v: Value) => string): Record<string, string> {
  const out: Record<string, string> = {};
  program.drivers.forEach((d, di) => {
    d.fieldNames.forEach((name, fi) => {
      const v = after.fields[di]?.[fi] ?? null;
      if (!equal(before.fields[di]?.[fi] ?? null, v)) out[`${d.name}.${name}`] = show(v);
    });
  });
  for (let id = 0; id < before.objects.length; id++) {
    const b = before.objects[id]!;
    const a = after.objects[id]!;
    if (b === a) continue;
    const readable = program.program.kinds.get(a.kind)?.fields.keys() ?? Object.keys(natives.kind(a.kind)?.fields ?? {});
    for (const f of readable) {
      const v = a.f[f] ?? null;
      if (!equal(b.f[f] ?? null, v)) out[`${show(ref(id))}.${f}`] = show(v);
    }
  }
  return out;
}

/** A value as the Informal Trace Format writes it (ITF, as Quint and Apalache read it). */
export type ItfValue = boolean | string | { readonly '#bigint': string } | { readonly '#set': readonly ItfValue[] };

/**
 * The states of a trace, by replaying it: the initial state, then the state
 * after each step, each as the driver state fields (`drv.field`) in ITF
 * values, with the step that led to it. Undefined when the trace does not
 * replay.
 */
export function traceStates(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, trace: readonly RecordedStep[]): { thread: string; event: string; vars: Record<string, ItfValue> }[] | undefined {
  const r = replayTrace(program, natives, scenario, trace, false);
  if (r.departs || !r.path) return undefined;
  const machine = new Machine(program, natives, new Monitor(program, natives));
  const itf = (w: World, v: Value): ItfValue => {
    if (typeof v === 'boolean') return v;
    if (typeof v === 'number') return { '#bigint': String(v) };
    if (Array.isArray(v)) return { '#set': v.map((x) => itf(w, x)) };
    return machine.show(w, v as Value);
  };
  const vars = (w: World) => {
    const out: Record<string, ItfValue> = {};
    program.drivers.forEach((d, di) => d.fieldNames.forEach((name, fi) => (out[`${d.name}.${name}`] = itf(w, w.fields[di]?.[fi] ?? null))));
    return out;
  };
  const first = r.path[0]?.before;
  const states = first ? [{ thread: '', event: 'the scenario starts', vars: vars(first) }] : [];
  for (const p of r.path) states.push({ thread: p.info.thread, event: p.info.text, vars: vars(p.after) });
  return states;
}
