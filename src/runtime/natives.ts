/**
 * What the run-time needs from models, and what it offers them: a primitive
 * is a signature plus step functions over the world; an object kind is the
 * checker's view of it (fields, lockable) plus how the run-time treats its
 * objects (how traces name them, how `lock` takes them); hardware steps are
 * the DMA a device does on its own. The models (src/models/) implement these
 * interfaces and the registry hands them to the machine, so nothing here
 * names a kind or a primitive of any model.
 */
import type { Program } from '../semantics/program.js';
import type { KindSpec, PrimitiveSig } from '../semantics/vocabulary.js';
import type { CompiledProgram, FixedObject } from './compiled.js';
import type { Value } from './values.js';
import type { NativeFrame, Obj, World } from './world.js';

/** How a primitive's step ends. */
export type NativeResult =
  /** Returns a value to the caller. */
  | { readonly k: 'ret'; readonly v: Value }
  /** Fails with an errno (`"!ENODEV"`); the caller fails in turn unless it used `try`. */
  | { readonly k: 'fail'; readonly e: string }
  /** Calls a compiled body (an ops callback, probe, remove) and resumes in `phase` with its result. */
  | { readonly k: 'call'; readonly body: number; readonly args: Value[]; readonly phase: number }
  /** Blocks until `ready` holds, then resumes in `phase`. */
  | { readonly k: 'wait'; readonly phase: number }
  /** The model cannot go on (a violation was reported with `fatal`). */
  | { readonly k: 'halt' };

/** The result a callback delivers back to the primitive that called it. */
export type CallResult = { readonly ok: Value } | { readonly fail: string };

/** A violation found in a step: a rule's name and what happened. */
export interface Violation {
  readonly rule: string;
  readonly message: string;
}

/** What a primitive can see and do during a step. */
export interface ModelContext {
  /** The world being stepped: a private copy, change it freely. */
  readonly world: World;
  readonly program: CompiledProgram;
  /** Index of the thread taking the step. */
  readonly thread: number;
  /** Index of the driver whose code made the call (directly or through `fn`s it called), or -1 (a scenario line). */
  readonly callerDriver: number;
  /** Whether `faults on` is in force. */
  readonly faults: boolean;

  /**
   * The object a reference names (alive or not), or undefined for a value
   * that is not a reference; the step's own, to change (`own` in world.ts).
   * Write objects only through this: `world.objects` holds shared, frozen
   * ones, and a reference taken from it goes stale once `obj` copies its object.
   */
  obj(v: Value): Obj | undefined;
  /** Creates an object and reports `create(x)`; returns its reference. */
  create(kind: string, fields: Record<string, Value>): string;
  /** Ends an object: reports `destroy(x)` and checks every `lifetime … within` rule against it. */
  destroy(ref: Value): void;
  /** Reports a lifecycle event to the constraint monitors. */
  emit(name: string, args: readonly Value[]): void;
  /** Records a violation of a built-in rule (`model.double_unmap`); the run goes on. */
  violate(rule: string, message: string): void;
  /** Records a violation after which the model cannot go on; return `{ k: 'halt' }` next. */
  fatal(rule: string, message: string): NativeResult;
  /** A nondeterministic choice among `n` outcomes; the explorer tries each. */
  choose(n: number): number;
  /**
   * Whether objects `a` and `b` are interchangeable in this step: they belong
   * to drivers the symmetry reduction treats as twins here, in the same place,
   * so choosing one leads where choosing the other would, up to renaming. A
   * model choosing among objects may offer one of each such kind. Always
   * false when reductions are off.
   */
  interchangeable(a: Value, b: Value): boolean;
  /** The compiled body of an ops table's callback (`&drv.table` and a slot), if the table fills it. */
  callback(ops: Value, slot: string): number | undefined;
  /** A flag of an ops table (`allow_peer2peer`), false when unset. */
  flag(ops: Value, slot: string): boolean;
  /** How a value reads in a trace: `sg_table#7`, `gpu`, `ENODEV`. */
  show(v: Value): string;
}

/** A primitive: its signature (what the checker knows) and its step functions. */
export interface PrimitiveImpl {
  readonly sig: PrimitiveSig;
  /** The step that calls it: gets the arguments, returns how the step ends. */
  start(cx: ModelContext, args: readonly Value[], frame: NativeFrame): NativeResult;
  /** Resumes after a callback returned (or a wait ended) in `frame.phase`. */
  resume?(cx: ModelContext, frame: NativeFrame, result: CallResult): NativeResult;
  /** For a waiting frame: whether it may go on. Must not change the world. */
  ready?(world: World, frame: NativeFrame, program: CompiledProgram): boolean;
  /** What a waiting frame waits for, for deadlock reports. */
  waitsFor?(world: World, frame: NativeFrame, show: (v: Value) => string): string;
  /**
   * The frame's registers from this index on hold a set: the order of its
   * elements means nothing to the primitive, so the explorer treats states
   * that differ only in that order as one (`dma_buf_move_notify`'s pending
   * attachments, which it notifies in every order).
   */
  readonly unorderedRegsFrom?: number;
  /**
   * Its objects are not part of what the symmetry reduction has been proven
   * on (a fence a device signals, whose signal is a step of its own): a spec
   * that calls it is explored without symmetry and twins.
   */
  readonly unmerged?: true;
}

/** How `lock x { }`, `held(x)` and the traces treat an object of a lockable kind. */
export interface LockProtocol {
  /** The threads holding it (a mutex: at most one; an rw_semaphore's readers: several). */
  holders(o: Obj): readonly number[];
  /** Whether `thread` holds it. */
  holds(o: Obj, thread: number): boolean;
  /** Whether `thread` may take it now, exclusively (the `lock` statement). */
  free(o: Obj, thread: number): boolean;
  take(o: Obj, thread: number): void;
  release(o: Obj, thread: number): void;
}

/** An object kind as the run-time treats it: the checker's view plus behaviour. */
export interface KindImpl extends KindSpec {
  /** How traces and messages name an object of the kind; `KIND#ID` by default. */
  show?(o: Obj, id: number, show: (v: Value) => string): string;
  /** Its end is not written into a step's text (an IOVA ends with its mapping, which is). */
  readonly quietEnd?: boolean;
  /** Its fields may still be read after it ended (a removed pci_dev's name and bridge). */
  readonly readableAfterEnd?: boolean;
  /** Fields (not for specs to read) that hold a thread index (-1 for none) or a sorted list of them: renamed with threads by the symmetry reduction. */
  readonly threadFields?: readonly string[];
  /** Fields holding a set whose order no step depends on; a model that walks one must walk it in every order. */
  readonly setFields?: readonly string[];
  /** For a lockable kind: what `lock` and `held` do with it. */
  readonly lock?: LockProtocol;
  /** For a kind with `inState`: the fields of the object a driver's state field of this kind starts with. */
  stateObject?(label: string): Record<string, Value>;
}

/** What a hardware step did: its text for the trace and the rules it broke. */
export interface HardwareStepResult {
  readonly text: string;
  readonly violations: readonly Violation[];
}

/**
 * Steps hardware takes on its own, as an implicit thread per device: the DMA
 * of armed devices (`world.armed`). Each may happen at any step of any thread.
 */
export interface HardwareImpl {
  /** Which entries of `world.armed` may do a DMA now. */
  enabled(world: World, index: number): boolean;
  /** What a DMA through `world.armed[index]` hits. Must not change the world. */
  run(world: World, index: number, show: (v: Value) => string): HardwareStepResult;
}

/** What a signal did: the device whose hardware thread took the step, its text, where the source set it up, and the rules it broke. */
export interface SignalStepResult {
  readonly device: number;
  readonly text: string;
  readonly at: number;
  readonly body: number;
  readonly violations: readonly Violation[];
}

/**
 * Events a device causes on its own that change the world (a device
 * signalling a fence when its DMA is over). Unlike a DMA, a signal is a state
 * of its own: it may wake a waiter, so a state with one pending is never a
 * deadlock.
 */
export interface SignalImpl {
  /** The signals `world` allows now, each named by a number of the model's choosing (an object id), in a fixed order. */
  pending(world: World): readonly number[];
  /** Carries one out on a private copy of the world. */
  fire(world: World, id: number, show: (v: Value) => string): SignalStepResult;
}

export type { FixedObject };

/**
 * A model's say over when threads it started may run: a thread a gate
 * blocks cannot step, and counts as stuck (the work model holds a work item's
 * second run until its first has finished).
 */
export interface ThreadGate {
  /** What thread `t` waits for before it may step, or undefined when it may. Must not change the world. */
  blocked(world: World, t: number, program: CompiledProgram): string | undefined;
}

/** The models as the machine reaches them: primitives by name, kinds by name, hardware steps, fixed objects. */
export interface Natives {
  /** A primitive's implementation (through the kernel-rename aliases). */
  primitive(name: string): PrimitiveImpl | undefined;
  kind(name: string): KindImpl | undefined;
  readonly kindImpls: readonly KindImpl[];
  readonly primitiveImpls: readonly PrimitiveImpl[];
  readonly hardware: readonly HardwareImpl[];
  readonly signals: readonly SignalImpl[];
  readonly threadGates: readonly ThreadGate[];
  /** The objects every run of `program` starts with, in order (devices first). */
  fixedObjects(program: Program): FixedObject[];
}

export const ret = (v: Value): NativeResult => ({ k: 'ret', v });
export const fail = (e: string): NativeResult => ({ k: 'fail', e: e.startsWith('!') ? e : `!${e}` });
export const call = (body: number, args: Value[], phase: number): NativeResult => ({ k: 'call', body, args, phase });
export const wait = (phase: number): NativeResult => ({ k: 'wait', phase });
