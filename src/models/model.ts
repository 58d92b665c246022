/**
 * What a model is: a set of primitives implemented as step functions over the
 * world state, plus the violations it can report. The built-in PCI, P2PDMA,
 * IOMMU, DMA-BUF and hardware models are written against this interface, and
 * so is any model an embedder registers.
 */
import type { CompiledProgram } from '../interp/compile.js';
import type { Value } from '../interp/values.js';
import type { PrimitiveSig } from '../semantics/builtins.js';
import type { NativeFrame, Obj, World } from '../explore/state.js';

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

/** What a primitive can see and do during a step. */
export interface ModelContext {
  /** The world being stepped: a private copy, change it freely. */
  readonly world: World;
  readonly program: CompiledProgram;
  /** Index of the thread taking the step. */
  readonly thread: number;
  /** Index of the driver whose code made the call, or -1 (a scenario line or a `fn`). */
  readonly callerDriver: number;
  /** Whether `faults on` is in force. */
  readonly faults: boolean;

  /** The object a reference names (alive or not), or undefined for a value that is not a reference. */
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
}

/** A model: primitives and the violations it reports, under one name. */
export interface Model {
  readonly name: string;
  readonly primitives: readonly PrimitiveImpl[];
  /** `model.xyz` → one-line explanation, for `expect violation` checks and docs. */
  readonly violations?: Readonly<Record<string, string>>;
  /**
   * Object fields, by object kind, that hold a set: no step of the model
   * depends on the order of their elements, so the explorer treats states
   * that differ only in that order as one. A model that walks such a field
   * must walk it in every order (`ModelContext.choose`), or the merge is unsound.
   */
  readonly unorderedFields?: Readonly<Record<string, readonly string[]>>;
}

export const ret = (v: Value): NativeResult => ({ k: 'ret', v });
export const fail = (e: string): NativeResult => ({ k: 'fail', e: e.startsWith('!') ? e : `!${e}` });
export const call = (body: number, args: Value[], phase: number): NativeResult => ({ k: 'call', body, args, phase });
export const wait = (phase: number): NativeResult => ({ k: 'wait', phase });
