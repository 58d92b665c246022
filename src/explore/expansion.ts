/**
 * Expanding one state: everything the search needs to know of it, as plain
 * data — what the state itself breaks (a run that ends, is stuck, or was
 * stopped by the model) and each successor with its key, its cost and what
 * its step breaks. The search decides from this alone, so a state can be
 * expanded where its world is: in the searching thread, or in a worker that
 * holds it (parallel.ts), with the same decisions either way.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { initialWorld } from '../runtime/initial.js';
import { Machine, type StepInfo, type Violation } from '../runtime/machine.js';
import { Monitor } from '../runtime/monitor.js';
import type { Natives } from '../runtime/natives.js';
import type { World } from '../runtime/world.js';
import type { SearchOptions } from './budget.js';
import { keyLayout, keyNames, StateKeys, type KeyLayout } from './key.js';
import { endOfRun, unanswered } from './run-end.js';
import { owed, Successors, type Successor } from './successors.js';
import { symmetricKey } from './symmetry/canonical.js';
import { detectSymmetry, type Symmetry } from './symmetry/detect.js';

/** A successor as the search weighs it. `W` and `I` are how its world and its step are held (the objects, or a worker's handles). */
export interface SuccessorRecord<W, I> {
  /** Its world; undefined for a step that leaves the state as it was (a DMA that changes nothing). */
  readonly world: W | undefined;
  /** Its state's key (defined with `world`). */
  readonly key: string | undefined;
  readonly info: I;
  /** The length the step adds to a trace it ends: 1, plus the local steps its thread owes. */
  readonly charged: number;
  /** A thread's local step: it costs nothing until the thread acts again. */
  readonly free: boolean;
  readonly violations: readonly Violation[];
  /** The spec's own bound, met by this step: the search stops. */
  readonly bound: { readonly message: string; readonly uri: string; readonly at: number } | undefined;
}

/** A state as the search weighs it. */
export interface StateRecord<W, I> {
  /** The model stopped the run here: nothing follows. */
  readonly halted: boolean;
  /** The local steps all threads owe: what a trace ending here adds. */
  readonly owedAll: number;
  /** The `leads_to` rules a run ending here leaves unanswered (for a halted or stuck state). */
  readonly unanswered: readonly Violation[];
  /** No thread can move and not all are done: what each waits on. */
  readonly waiting?: readonly { readonly thread: string; readonly on: string }[];
  /** Every thread is done: what the end of the run breaks, and what main owes. */
  readonly end?: { readonly violations: readonly Violation[]; readonly owed: number };
  /** The key of the one local step the partial-order reduction took alone. */
  readonly ampleKey?: string;
  /** The successors, in order; a record may be reused for the next, so read it before taking that. */
  readonly successors: Iterable<SuccessorRecord<W, I>>;
}

/**
 * What expands states of one scenario: the machine, its initial world, the
 * key layout and the symmetry found in it. Built the same way from the same
 * program, every thread's expander makes the same keys and decisions.
 */
export class Expander {
  readonly monitor: Monitor;
  readonly machine: Machine;
  readonly w0: World;
  readonly layout: KeyLayout;
  readonly symmetry: Symmetry | undefined;
  readonly keyOf: (w: World) => string;
  private readonly successors: Successors;

  constructor(
    readonly program: CompiledProgram,
    readonly natives: Natives,
    readonly scenario: ScenarioRt,
    options: Pick<SearchOptions, 'reduce' | 'exact'>,
  ) {
    this.monitor = new Monitor(program, natives);
    this.machine = new Machine(program, natives, this.monitor);
    const w0 = (this.w0 = initialWorld(program, natives, scenario, this.monitor));
    const fixed = w0.objects.length;
    // Fields no code reads are left out of the keys (the dead-field reduction), unless reductions are off.
    const layout = (this.layout = keyLayout(natives, options.reduce === false ? undefined : program));
    // Interchangeable drivers (symmetry) are merged unless reductions are off.
    // A primitive whose objects the symmetry proofs do not cover (a device's fence) keeps its spec unmerged.
    const unmerged = program.bodies.some((b) => b.code.some((i) => i.op === 'prim' && natives.primitive(i.name)?.unmerged === true));
    const symmetry = (this.symmetry = options.reduce === false || unmerged ? undefined : detectSymmetry(program, scenario, w0, layout));
    // One key writer per expander; a fingerprint of each key unless whole keys are asked for.
    const keys = new StateKeys(keyNames(natives, program));
    const write = options.exact ? keys.exact.bind(keys) : keys.fingerprint.bind(keys);
    this.keyOf = symmetry ? (w: World) => symmetricKey(w, program, symmetry, layout, write) : (w: World) => write(w, fixed, layout, w0.objects);
    this.successors = new Successors(this.machine, program, layout, this.keyOf, symmetry, options.reduce !== false);
  }

  /** Expands `w`; `visited` tells states already found, for the partial-order reduction's proviso. */
  expand(w: World, visited: (key: string) => boolean): StateRecord<World, StepInfo> {
    const machine = this.machine;
    const owedAll = w.threads.reduce((n, _, t) => n + owed(w, t), 0);
    if (w.halted) return { halted: true, owedAll, unanswered: unanswered(machine, this.monitor, w), successors: [] };
    const { successors, ampleKey, moved } = this.successors.expand(w, visited);
    const allDone = w.threads.every((th) => th.done);
    const stuck = !moved && !allDone;
    // Keys are made as the successors are taken: a search stopped by a bound makes no more.
    const records = new Records(successors, w, ampleKey, this.keyOf);
    return {
      halted: false,
      owedAll,
      unanswered: stuck ? unanswered(machine, this.monitor, w) : [],
      ...(stuck ? { waiting: w.threads.flatMap((th, i) => (th.done ? [] : [{ thread: th.label, on: machine.blockedOn(w, i) }])) } : {}),
      ...(allDone ? { end: { violations: endOfRun(machine, this.monitor, w), owed: owed(w, 0) } } : {}),
      ...(ampleKey !== undefined ? { ampleKey } : {}),
      successors: records,
    };
  }
}

/**
 * The successors of one state as records, made as they are taken. The one
 * record is reused for each successor: a reader takes what it needs from it
 * before it asks for the next (a search of a million states makes millions
 * of successors, and a record each was a tenth of the garbage).
 */
class Records implements Iterable<SuccessorRecord<World, StepInfo>>, Iterator<SuccessorRecord<World, StepInfo>> {
  private readonly it: Iterator<Successor>;
  private readonly rec: { -readonly [K in keyof SuccessorRecord<World, StepInfo>]: SuccessorRecord<World, StepInfo>[K] } = { world: undefined, key: undefined, info: undefined as unknown as StepInfo, charged: 0, free: false, violations: [], bound: undefined };

  private readonly result: IteratorResult<SuccessorRecord<World, StepInfo>> = { done: false, value: this.rec };

  constructor(
    successors: Iterable<Successor>,
    private readonly w: World,
    private readonly ampleKey: string | undefined,
    private readonly keyOf: (w: World) => string,
  ) {
    this.it = successors[Symbol.iterator]();
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<SuccessorRecord<World, StepInfo>> {
    const n = this.it.next();
    if (n.done) return { done: true, value: undefined };
    const { r, thread } = n.value;
    const rec = this.rec;
    const same = r.world === this.w;
    rec.world = same ? undefined : r.world;
    rec.key = same || r.bound ? undefined : (this.ampleKey ?? this.keyOf(r.world));
    rec.info = r.info;
    // The violating step ends its trace, which then keeps its thread's owed steps.
    rec.charged = thread < 0 ? 1 : 1 + owed(this.w, thread);
    rec.free = thread >= 0 && r.info.local;
    rec.violations = r.violations;
    rec.bound = r.bound;
    return this.result;
  }
}
