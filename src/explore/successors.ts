/**
 * The successors of a state: every step of every thread that can move, each
 * nondeterministic choice a step meets, and each hardware step — cut down by
 * the reductions: a local step taken alone (partial-order reduction), a
 * twin's steps left to its first twin, a choice among interchangeable objects
 * made once (symmetry). Successors come one at a time, so a search that hits
 * a bound in the middle of a state with a million choices stops there.
 */
import type { CompiledProgram } from '../runtime/compiled.js';
import type { Machine, StepOutcome } from '../runtime/machine.js';
import type { World } from '../runtime/world.js';
import type { KeyLayout } from './key.js';
import type { Symmetry } from './symmetry/detect.js';
import { interchangeable, twins as findTwins } from './symmetry/twins.js';

const NO_CHOICES: readonly number[] = [];

/** A successor and the thread that took its step (-1: hardware). */
export interface Successor {
  readonly r: StepOutcome;
  readonly thread: number;
}

export interface Expansion {
  /** The successors, computed as they are taken. */
  readonly successors: Iterable<Successor>;
  /** The key of the one local step taken alone, when the partial-order reduction took one. */
  readonly ampleKey?: string;
  /** Whether some scenario thread could move (hardware steps do not count). */
  readonly moved: boolean;
}

/**
 * The local steps a thread has taken since its last step that was not local:
 * a trace keeps them only if the thread does something after them (see
 * `pruneLocal`), so they are owed, not yet counted, in the trace's length.
 */
export function owed(w: World, t: number): number {
  return w.threads[t]?.owed ?? 0;
}

/** Records in a successor's world what its step owes (the stepping thread's copy is the successor's own). */
function settle(r: StepOutcome, t: number, before: World): void {
  const th = r.world.threads[t];
  if (!th || r.world === before) return;
  const o = r.info.local ? owed(before, t) + 1 : 0;
  if (o === 0) delete th.owed;
  else th.owed = o;
}

export class Successors {
  constructor(
    private readonly machine: Machine,
    private readonly program: CompiledProgram,
    private readonly layout: KeyLayout,
    private readonly keyOf: (w: World) => string,
    private readonly symmetry: Symmetry | undefined,
    private readonly por: boolean,
  ) {}

  /** Every successor of `w` the search must see; `visited` tells states already found. */
  expand(w: World, visited: (key: string) => boolean): Expansion {
    const machine = this.machine;
    // Twins of interchangeable members: their steps lead where their first twin's do.
    const twins = this.symmetry ? findTwins(w, this.symmetry, this.layout, this.program, (t) => machine.canStep(w, t)) : undefined;
    const same = twins ? (t: number) => (a: number, b: number) => interchangeable(twins, t, a, b) : () => undefined;
    const step = (t: number, choices: readonly number[]): StepOutcome => {
      const r = machine.step(w, t, choices, same(t));
      settle(r, t, w);
      return r;
    };
    // Partial-order reduction: a local step (StepInfo.local) commutes with every step
    // of every other thread and no rule sees it, so it is taken alone. The proviso
    // that its successor be new keeps a cycle of local steps from postponing the
    // other threads forever: a state whose local successor is known is expanded fully,
    // reusing the steps tried here.
    const tried = new Map<number, StepOutcome>();
    if (this.por) {
      for (let t = 0; t < w.threads.length; t++) {
        if (twins?.skip.has(t) || !machine.canStep(w, t)) continue;
        const r = step(t, NO_CHOICES);
        if (r.info.local && r.points.length === 0 && r.violations.length === 0 && !r.bound) {
          const key = this.keyOf(r.world);
          if (!visited(key)) {
            return { successors: [{ r, thread: t }], ampleKey: key, moved: true };
          }
        }
        tried.set(t, r);
      }
    }
    let moved = false;
    for (let t = 0; t < w.threads.length && !moved; t++) moved = machine.canStep(w, t);
    // A device's pending signal may still wake a waiter: such a state is not stuck.
    if (!moved) moved = machine.signalSteps(w).length > 0;
    return { successors: this.all(w, tried, twins?.skip, step), moved };
  }

  private *all(w: World, tried: Map<number, StepOutcome>, skip: ReadonlySet<number> | undefined, step: (t: number, choices: readonly number[]) => StepOutcome): Generator<Successor> {
    const machine = this.machine;
    for (let t = 0; t < w.threads.length; t++) {
      if (skip?.has(t) || !machine.canStep(w, t)) continue;
      // Each step is tried with the first option at every choice it meets, then with each
      // other option. An entry stands for the options `next`, `next - 1`, …, 1 of choice
      // point `at` after the prefix `base`, so a choice of a million options costs one entry.
      const pending: { base: readonly number[]; at: number; next: number }[] = [];
      let choices: readonly number[] | undefined = NO_CHOICES;
      while (choices) {
        const r = (choices.length === 0 ? tried.get(t) : undefined) ?? step(t, choices);
        for (let i = choices.length; i < r.points.length; i++) if (r.points[i]! > 1) pending.push({ base: choices, at: i, next: r.points[i]! - 1 });
        yield { r, thread: t };
        const top = pending[pending.length - 1];
        if (!top) break;
        choices = [...top.base, ...new Array<number>(top.at - top.base.length).fill(0), top.next];
        if (--top.next === 0) pending.pop();
      }
    }
    // The hardware of armed, present devices may DMA at any step.
    for (const [m, a] of machine.hardwareSteps(w)) yield { r: machine.hardware(w, m, a), thread: -1 };
    // A device signals a fence when its DMA is over: a state of its own.
    for (const [m, id] of machine.signalSteps(w)) yield { r: machine.signal(w, m, id), thread: -1 };
  }
}
