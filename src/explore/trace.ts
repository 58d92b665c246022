/** Counterexample traces: the steps from the initial state to a finding, as users read them. */
import type { Machine, StepInfo } from '../runtime/machine.js';
import { ref } from '../runtime/values.js';
import type { World } from '../runtime/world.js';
import type { TraceStep } from './result.js';

/**
 * Drops from a violation's trace the local steps (StepInfo.local) of threads
 * that do nothing later in it: the partial-order reduction takes local steps
 * as soon as they can happen, so a trace may carry steps the violation does
 * not need. Without them the trace is still a run — no other thread can tell
 * a local step happened — and on every spec the tests run (all examples, bugs
 * and fixtures) it is as long as the trace the search finds without the
 * reduction. `infos` is pruned in place.
 */
export function pruneLocal(infos: StepInfo[], last: StepInfo): void {
  const later = new Set<string>([last.thread]);
  let keep = infos.length;
  for (let i = infos.length - 1; i >= 0; i--) {
    const s = infos[i]!;
    if (s.local && !later.has(s.thread)) continue;
    later.add(s.thread);
    infos[--keep] = s;
  }
  infos.splice(0, keep);
}

/**
 * The steps that led to each state, as the search found them: state id → its
 * parent and the step from it. `I` is how a step is held: its record, or a
 * worker's handle to it (parallel.ts).
 */
export class Paths<I = StepInfo> {
  private readonly parent: number[] = [-1];
  private readonly via: (I | undefined)[] = [undefined];

  /** Records a new state reached from `from` by `step`; returns its id. */
  add(from: number, step: I): number {
    this.parent.push(from);
    this.via.push(step);
    return this.parent.length - 1;
  }

  /** A shorter path to a known `state`: from `from` by `step`. */
  reach(state: number, from: number, step: I): void {
    this.parent[state] = from;
    this.via[state] = step;
  }

  /** The step that reached `state` (none for the initial state). */
  stepTo(state: number): I | undefined {
    return this.via[state];
  }

  /** The steps from the initial state to `state`, in order. */
  chain(state: number): I[] {
    const out: I[] = [];
    for (let s = state; s > 0; s = this.parent[s]!) out.push(this.via[s]!);
    return out.reverse();
  }

  /**
   * The trace to `state`, then `last` (the violating step), its objects named
   * as in `world` — any world of the run at or after the trace's end names
   * them as the steps' own worlds would.
   */
  trace(this: Paths<StepInfo>, machine: Machine, state: number, world: World, last?: StepInfo): TraceStep[] {
    return traceSteps(machine, this.chain(state), world, last);
  }
}

/** The trace of `infos`, then `last` (the violating step), its objects named as in `world`. */
export function traceSteps(machine: Machine, infos: StepInfo[], world: World, last?: StepInfo): TraceStep[] {
  if (last) {
    pruneLocal(infos, last);
    infos.push(last);
  }
  const names = (ids: readonly number[]) => ids.map((id) => machine.show(world, ref(id)));
  return infos.map((i, n) => ({
    step: n + 1,
    thread: i.thread,
    event: i.text,
    uri: i.uri,
    offset: i.at,
    locks: names(i.locks).sort(),
    created: names(i.created),
    ended: names(i.ended),
  }));
}
