/**
 * The run-time state: every thread's frames, every model object, every
 * driver's state, and what the constraint monitors remember. Plain data,
 * immutable by convention: a step works on a copy made by `cloneWorld`, so
 * the explorer can keep states, compare and replay them (its canonical
 * encoding is explore/key.ts). Objects and driver states are the exception
 * enforced, not conventional: a copy shares them, frozen, until a step
 * writes one (`own`, `ownFields`).
 */
import { equal, type Value } from './values.js';

/** A model object: an object of one of the kinds the models declare (a pci_dev, a dma_buf, a mutex…). */
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
  /** For a callback or action: the arguments it was called with, for its end event. */
  readonly args?: readonly Value[];
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
  /**
   * The search's bookkeeping, not the machine's: local steps this thread took
   * since its last step that was not local, which a trace keeps only if the
   * thread acts again (src/explore/successors.ts). Part of the state's key.
   */
  owed?: number;
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

/**
 * A frame's copy, written out field by field: a step clones its thread's
 * frames, and an object literal of one shape is several times cheaper to
 * build than a spread. A field added to a frame must be added here.
 */
function cloneFrame(f: Frame): Frame {
  if (f.k === 'c') {
    const { body, pc, tr, entry, args } = f;
    if (args === undefined) return { k: 'c', body, pc, locals: f.locals.slice(), stack: f.stack.slice(), held: f.held.slice(), tr, entry };
    return { k: 'c', body, pc, locals: f.locals.slice(), stack: f.stack.slice(), held: f.held.slice(), tr, entry, args };
  }
  return { k: 'n', prim: f.prim, args: f.args, phase: f.phase, regs: f.regs.slice(), tr: f.tr, at: f.at, body: f.body, waiting: f.waiting };
}

/**
 * Freezes the objects and driver states of `w` not yet frozen: from now on
 * they are shared with the worlds cloned from `w`, and a write to one must
 * go through `own` (`ownFields`). A missed one then throws instead of
 * changing every world that shares it, which would be a wrong state the
 * search believes.
 */
function seal(w: World): void {
  const objects = w.objects;
  for (let i = 0; i < objects.length; i++) {
    const o = objects[i]!;
    if (!Object.isFrozen(o)) {
      Object.freeze(o.f);
      Object.freeze(o);
    }
  }
  const fields = w.fields;
  for (let d = 0; d < fields.length; d++) if (!Object.isFrozen(fields[d])) Object.freeze(fields[d]);
  // The small parts too: most steps write none of them, and copying them all was a tenth of what a step allocated.
  if (!Object.isFrozen(fields)) Object.freeze(fields);
  if (!Object.isFrozen(w.bindings)) Object.freeze(w.bindings);
  if (!Object.isFrozen(w.providers)) Object.freeze(w.providers);
  if (!Object.isFrozen(w.armed)) Object.freeze(w.armed);
  if (!Object.isFrozen(w.mem)) Object.freeze(w.mem);
}

/**
 * Object `id` of `w`, writable: a world shares its objects with the world it
 * was cloned from (they are frozen) until a step writes one, and then the
 * step's world gets a copy of its own. Every write to an object goes through
 * this (a step's `obj` does it); a reference taken from `w.objects` before
 * is the shared original and must not be read after the write.
 */
export function own(w: World, id: number): Obj {
  const o = w.objects[id]!;
  if (!Object.isFrozen(o)) return o;
  const copy: Obj = { kind: o.kind, alive: o.alive, f: { ...o.f } };
  w.objects[id] = copy;
  return copy;
}

/** Driver `d`'s state in `w`, writable: shared with the world `w` was cloned from until a step writes it, as objects are (`own`). */
export function ownFields(w: World, d: number): Value[] {
  if (Object.isFrozen(w.fields)) w.fields = w.fields.slice();
  const fs = w.fields[d]!;
  if (!Object.isFrozen(fs)) return fs;
  const copy = fs.slice();
  w.fields[d] = copy;
  return copy;
}

/**
 * A copy a step may change freely; values themselves are immutable and shared.
 * A step changes the frames of its own thread only, so the other threads'
 * frames are shared with the original (pass the stepping thread, or -1 for a
 * step of no thread). Objects, driver states, bindings, providers, armed DMA
 * and the rules' memories are shared until written (`own`, `ownFields`,
 * `ownBindings`, `ownProviders`, `ownArmed`, `ownMem`): a step writes few of
 * a state's parts, and copying all of them was most of what a step allocated.
 */
export function cloneWorld(w: World, thread: number): World {
  seal(w);
  return {
    threads: w.threads.map((t, i) => (i === thread ? { ...t, frames: t.frames.map(cloneFrame) } : t)),
    objects: w.objects.slice(),
    fields: w.fields,
    bindings: w.bindings,
    providers: w.providers,
    armed: w.armed,
    faults: w.faults,
    mem: w.mem,
    halted: w.halted,
  };
}

/** The bindings of `w`, writable: shared with the world `w` was cloned from until a step writes them, as objects are. */
export function ownBindings(w: World): Value[] {
  if (Object.isFrozen(w.bindings)) w.bindings = w.bindings.slice();
  return w.bindings;
}

/** The providers of `w`, writable (shared until written, as `ownBindings`). */
export function ownProviders(w: World): Record<string, Value> {
  if (Object.isFrozen(w.providers)) w.providers = { ...w.providers };
  return w.providers;
}

/** The armed DMA of `w`, writable (shared until written, as `ownBindings`). */
export function ownArmed(w: World): Armed[] {
  if (Object.isFrozen(w.armed)) w.armed = w.armed.slice();
  return w.armed;
}

/** What the rules of `w` remember, writable (shared until written, as `ownBindings`); each list is replaced, never changed. */
export function ownMem(w: World): Record<string, string[]> {
  if (Object.isFrozen(w.mem)) w.mem = copyMem(w.mem);
  return w.mem;
}

function copyMem(m: Readonly<Record<string, string[]>>): Record<string, string[]> {
  const mem: Record<string, string[]> = {};
  for (const k in m) mem[k] = m[k]!;
  return mem;
}

/** `w` with these threads and objects, and copies of the rest (a world from another thread gets parts of this thread's own shapes). */
function withParts(w: World, threads: Thread[], objects: Obj[]): World {
  return {
    threads,
    objects,
    fields: w.fields.slice(),
    bindings: w.bindings.slice(),
    providers: { ...w.providers },
    armed: w.armed.slice(),
    faults: w.faults,
    mem: copyMem(w.mem),
    halted: w.halted,
  };
}

function sameFields(a: Record<string, Value>, b: Record<string, Value>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (!(k in b) || !equal(a[k]!, b[k]!)) return false;
  return true;
}

/**
 * A world that came from another thread (a structured clone) rebuilt as this
 * thread builds worlds: the clone's objects have shapes of their own, and
 * code that meets both kinds runs slower on all of them. Objects the clone
 * shared stay shared (`memo`, one per message), and one equal to `base`'s
 * object in its place (the run's initial objects) becomes that very object,
 * as a world made here would have it.
 */
export function adoptWorld(w: World, base: readonly Obj[], memo: Map<Obj, Obj>): World {
  const obj = (o: Obj, i: number): Obj => {
    let m = memo.get(o);
    if (m) return m;
    const b = base[i];
    if (b && b.kind === o.kind && b.alive === o.alive && sameFields(b.f, o.f)) m = b;
    else {
      m = { kind: o.kind, alive: o.alive, f: { ...o.f } };
      Object.freeze(m.f);
      Object.freeze(m);
    }
    memo.set(o, m);
    return m;
  };
  return withParts(
    w,
    w.threads.map((t) => ({ ...t, frames: t.frames.map(cloneFrame) })),
    w.objects.map(obj),
  );
}
