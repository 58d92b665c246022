/**
 * The successors of a state: every step of every thread that can move, each
 * nondeterministic choice a step meets, and each hardware step — cut down by
 * the reductions: a local step taken alone (partial-order reduction), a
 * twin's steps left to its first twin, a choice among interchangeable objects
 * made once (symmetry).
 */
import type { CompiledProgram } from '../runtime/compiled.js';
import type { Machine, StepOutcome } from '../runtime/machine.js';
import type { World } from '../runtime/world.js';
import type { KeyLayout } from './key.js';
import type { Symmetry } from './symmetry/detect.js';
import { interchangeable, twins as findTwins } from './symmetry/twins.js';

const NO_CHOICES: readonly number[] = [];

export interface Expansion {
  readonly outcomes: StepOutcome[];
  /** The key of the one local step taken alone, when the partial-order reduction took one. */
  readonly ampleKey?: string;
  /** Whether some scenario thread could move (hardware steps do not count). */
  readonly moved: boolean;
}

export class Successors {
  /** Local steps taken alone so far. */
  localSteps = 0;

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
    const outcomes: StepOutcome[] = [];
    let moved = false;
    // Twins of interchangeable members: their steps lead where their first twin's do.
    const twins = this.symmetry ? findTwins(w, this.symmetry, this.layout, this.program, (t) => machine.canStep(w, t)) : undefined;
    const same = twins ? (t: number) => (a: number, b: number) => interchangeable(twins, t, a, b) : () => undefined;
    // Partial-order reduction: a local step (StepInfo.local) commutes with every step
    // of every other thread and no rule sees it, so it is taken alone. The proviso
    // that its successor be new keeps a cycle of local steps from postponing the
    // other threads forever: a state whose local successor is known is expanded fully,
    // reusing the steps tried here.
    const tried = new Map<number, StepOutcome>();
    if (this.por) {
      for (let t = 0; t < w.threads.length; t++) {
        if (twins?.skip.has(t) || !machine.canStep(w, t)) continue;
        const r = machine.step(w, t, NO_CHOICES, same(t));
        if (r.info.local && r.points.length === 0 && r.violations.length === 0 && !r.bound) {
          const key = this.keyOf(r.world);
          if (!visited(key)) {
            this.localSteps++;
            return { outcomes: [r], ampleKey: key, moved: true };
          }
        }
        tried.set(t, r);
      }
    }
    for (let t = 0; t < w.threads.length; t++) {
      if (!machine.canStep(w, t)) continue;
      moved = true;
      if (twins?.skip.has(t)) continue;
      // Each step is tried with the first option at every choice it meets, then with each other option.
      const pending: number[][] = [[]];
      while (pending.length > 0) {
        const choices = pending.pop()!;
        const r = (choices.length === 0 ? tried.get(t) : undefined) ?? machine.step(w, t, choices, same(t));
        outcomes.push(r);
        for (let i = choices.length; i < r.points.length; i++) {
          for (let c = 1; c < r.points[i]!; c++) pending.push([...choices, ...new Array<number>(i - choices.length).fill(0), c]);
        }
      }
    }
    // The hardware of armed, present devices may DMA at any step.
    for (const [m, a] of machine.hardwareSteps(w)) outcomes.push(machine.hardware(w, m, a));
    return { outcomes, moved };
  }
}
