/** What one step is, as the machine, the models and the search see it: its trace record, its outcome, its bounds. */
import type { Violation } from './natives.js';
import type { Value } from './values.js';
import type { World } from './world.js';

/** Frames deeper than this end the run as incomplete: a runaway recursion, not a verdict. */
export const MAX_DEPTH = 200;
/** Instructions one step may run before it is called a runaway callback. */
export const MAX_STEP_INSTRUCTIONS = 100_000;

/** One step as a trace shows it. */
export interface StepInfo {
  /** `main`, `t1`, or `hw:nic`. */
  readonly thread: string;
  /** What happened: `dma_buf_map_attachment(attachment#6) → sg_table#7`. */
  readonly text: string;
  /** Where: the source of the statement (or callback) that made the step. */
  readonly uri: string;
  readonly at: number;
  /**
   * The locks the stepping thread holds after the step, in object order
   * (empty for a DMA step). This and the next two are object numbers, named
   * only when a trace is built: `showValue` on any later world of the same
   * run names an object as this step's world would (kinds, device names and
   * a mutex's owner never change), so no step pays for names never shown.
   */
  readonly locks: readonly number[];
  /** Objects the step created, in order; lock objects are left out (`locks` shows them). */
  readonly created: readonly number[];
  /** Objects the step ended, in order; as for `created`, lock objects left out. */
  readonly ended: readonly number[];
  /**
   * The step changed nothing but its own thread's frames and did nothing a
   * rule observes (an action call or a callback's entry that no rule names,
   * with the local work after it). Another thread cannot tell whether it has
   * happened, so the explorer may take it alone (partial-order reduction),
   * and a trace may drop it when its thread does nothing later.
   */
  readonly local: boolean;
  /**
   * The step's own call, as structured fields, when the machine runs with
   * `detail` (a trace being replayed for its report): what was called, with
   * which arguments, and what it returned within the step.
   */
  readonly call?: { readonly name: string; readonly args: readonly Value[]; readonly result?: string };
  // A scenario line's call (`bind`, `unbind`) names drivers by index in `args`: see callText.
}

/** The empty list of `StepInfo`'s `locks`, `created` and `ended`, shared so that most steps allocate none. */
export const NO_OBJECTS: readonly number[] = Object.freeze([]);

export interface StepOutcome {
  readonly world: World;
  readonly info: StepInfo;
  readonly violations: readonly Violation[];
  /** The number of options at each nondeterministic choice the step met, in order. */
  readonly points: number[];
  /** A bound was exceeded: the run cannot be judged (incomplete). */
  readonly bound?: { readonly message: string; readonly uri: string; readonly at: number };
}
