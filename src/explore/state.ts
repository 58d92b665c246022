/**
 * The world state the explorer searches: every thread's frames, every model
 * object, every driver's state, and what the constraint monitors remember.
 * Plain data, immutable by convention: a step works on a copy made by
 * `cloneWorld`, so states can be kept in the visited set, compared and
 * replayed. `worldKey` is its canonical encoding.
 */
import type { Value } from '../interp/values.js';

/** A model object: a pci_dev, binding, provider, dma_buf, attachment, sg_table, iova or mutex. */
export interface Obj {
  readonly kind: string;
  alive: boolean;
  /** Its fields, in an order fixed by the model that creates it. */
  f: Record<string, Value>;
}

/** A frame running compiled code: a callback, action, fn or scenario thread. */
export interface CodeFrame {
  readonly k: 'c';
  readonly body: number;
  pc: number;
  locals: Value[];
  stack: Value[];
  /** Mutexes taken by `lock` blocks of this frame, innermost last; released on any exit. */
  held: string[];
  /** A failure of this frame becomes a value in the caller (`try`, and scenario lines). */
  readonly tr: boolean;
  /** The callback's entry is still to happen (it is a step of its own). */
  entry: boolean;
}

/** A frame of a primitive implemented by a model, possibly waiting on a callback or a condition. */
export interface NativeFrame {
  readonly k: 'n';
  readonly prim: string;
  /** The arguments it was called with (for its completion event). */
  readonly args: readonly Value[];
  phase: number;
  regs: Value[];
  readonly tr: boolean;
  /** Source offset and body of the call, for traces. */
  readonly at: number;
  readonly body: number;
  /** Blocked until the model says the condition holds (a pgmap destroy waiting for page references). */
  waiting: boolean;
}

export type Frame = CodeFrame | NativeFrame;

export interface Thread {
  /** `main`, or `t1`, `t2`, … for parallel branches. */
  readonly label: string;
  readonly root: number;
  frames: Frame[];
  done: boolean;
}

/** A device armed for DMA through a mapping: `[device object, sg_table object, source offset, body]`. */
export type Armed = readonly [number, number, number, number];

export interface World {
  threads: Thread[];
  objects: Obj[];
  /** Driver state, by driver index then field index. */
  fields: Value[][];
  /** Each driver's current binding object, or none. */
  bindings: Value[];
  /** Each provider declaration's current object, or none. */
  providers: Record<string, Value>;
  armed: Armed[];
  faults: boolean;
  /** What `before` / `never … after` rules have seen: rule key → sorted tuples. */
  mem: Record<string, string[]>;
  /** The model could not go on (a use of a destroyed object): no step follows. */
  halted: boolean;
}

function cloneFrame(f: Frame): Frame {
  if (f.k === 'c') return { ...f, locals: f.locals.slice(), stack: f.stack.slice(), held: f.held.slice() };
  return { ...f, regs: f.regs.slice() };
}

/** A copy a step may change freely; values themselves are immutable and shared. */
export function cloneWorld(w: World): World {
  const mem: Record<string, string[]> = {};
  for (const k in w.mem) mem[k] = w.mem[k]!.slice();
  return {
    threads: w.threads.map((t) => ({ ...t, frames: t.frames.map(cloneFrame) })),
    objects: w.objects.map((o) => ({ kind: o.kind, alive: o.alive, f: { ...o.f } })),
    fields: w.fields.map((f) => f.slice()),
    bindings: w.bindings.slice(),
    providers: { ...w.providers },
    armed: w.armed.slice(),
    faults: w.faults,
    mem,
    halted: w.halted,
  };
}

/**
 * The canonical key of a state: equal keys mean equal states. Source offsets
 * of armed DMA are left out (two runs that armed the same mapping from
 * different lines are the same state).
 */
export function worldKey(w: World): string {
  return JSON.stringify([
    w.threads,
    w.objects,
    w.fields,
    w.bindings,
    w.providers,
    w.armed.map((a) => [a[0], a[1]]),
    w.faults,
    w.mem,
    w.halted,
  ]);
}
