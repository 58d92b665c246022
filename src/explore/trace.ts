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

/** The steps that led to each state, as the search found them: state id → its parent and the step from it. */
export class Paths {
  private readonly parent: number[] = [-1];
  private readonly via: (StepInfo | undefined)[] = [undefined];

  /** Records a new state reached from `from` by `step`; returns its id. */
  add(from: number, step: StepInfo): number {
    this.parent.push(from);
    this.via.push(step);
    return this.parent.length - 1;
  }

  /** A shorter path to a known `state`: from `from` by `step`. */
  reach(state: number, from: number, step: StepInfo): void {
    this.parent[state] = from;
    this.via[state] = step;
  }

  /** The step that reached `state` (none for the initial state). */
  stepTo(state: number): StepInfo | undefined {
    return this.via[state];
  }

  /**
   * The trace to `state`, then `last` (the violating step), its objects named
   * as in `world` — any world of the run at or after the trace's end names
   * them as the steps' own worlds would.
   */
  trace(machine: Machine, state: number, world: World, last?: StepInfo): TraceStep[] {
    const infos: StepInfo[] = [];
    for (let s = state; s > 0; s = this.parent[s]!) infos.push(this.via[s]!);
    infos.reverse();
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
}
