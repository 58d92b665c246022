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
 * Which parts of a state hold sets rather than lists (from the models): the
 * canonical key sorts them, so states differing only in their order meet.
 */
export interface KeyLayout {
  /** Object kind → its fields that hold a set. */
  readonly fields: ReadonlyMap<string, ReadonlySet<string>>;
  /** Primitive → the register index from which its frame's registers are a set. */
  readonly regs: ReadonlyMap<string, number>;
}

/** No sets: every list keeps its order in the key. */
export const ORDERED: KeyLayout = { fields: new Map(), regs: new Map() };

function cloneFrame(f: Frame): Frame {
  if (f.k === 'c') return { ...f, locals: f.locals.slice(), stack: f.stack.slice(), held: f.held.slice() };
  return { ...f, regs: f.regs.slice() };
}

/**
 * A copy a step may change freely; values themselves are immutable and shared.
 * A step changes the frames of its own thread only, so the other threads'
 * frames are shared with the original (pass the stepping thread, or -1 for a
 * step of no thread).
 */
export function cloneWorld(w: World, thread: number): World {
  const mem: Record<string, string[]> = {};
  for (const k in w.mem) mem[k] = w.mem[k]!;
  return {
    threads: w.threads.map((t, i) => (i === thread ? { ...t, frames: t.frames.map(cloneFrame) } : t)),
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
 * The canonical key of a state: equal keys mean states that behave the same.
 *
 * Objects made during a run are renumbered in the order they are reached from
 * the roots (driver state, bindings, providers, threads, armed DMA, monitor
 * memory), so two interleavings that made the same objects in another order
 * meet in one state. Ended objects nothing refers to are left out: nothing
 * can observe them again. Objects every run starts with (`fixed`: devices,
 * state mutexes) keep their numbers. No behaviour depends on object numbers —
 * a buffer keeps its attachments in a list, as the kernel does — so the
 * renaming is sound. Source offsets of armed DMA are left out too.
 */
export function worldKey(w: World, fixed: number, layout: KeyLayout = ORDERED): string {
  const rename = new Map<number, number>();
  const order: number[] = [];
  const see = (id: number): number => {
    if (id < fixed) return id;
    let n = rename.get(id);
    if (n === undefined) {
      n = fixed + rename.size;
      rename.set(id, n);
      order.push(id);
    }
    return n;
  };
  const val = (v: Value): Value => {
    if (typeof v === 'string') return v.charCodeAt(0) === 35 ? `#${see(Number(v.slice(1)))}` : v;
    if (Array.isArray(v)) return v.map(val);
    return v;
  };
  const frames = (f: Frame): unknown =>
    f.k === 'c'
      ? [f.body, f.pc, f.locals.map(val), f.stack.map(val), f.held.map(val), f.tr, f.entry, (f.args ?? []).map(val)]
      : [f.prim, f.phase, f.args.map(val), regsKey(f, layout, val), f.tr, f.waiting];
  const fields = w.fields.map((fs) => fs.map(val));
  const bindings = w.bindings.map(val);
  const providers = Object.keys(w.providers)
    .sort()
    .map((k) => val(w.providers[k] ?? null));
  const threads = w.threads.map((t) => [t.done, t.frames.map(frames)]);
  const armed = w.armed.map((a) => [a[0], see(a[1])]).sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  const mem = Object.keys(w.mem)
    .sort()
    .map((k) => w.mem[k]!.map((t) => JSON.stringify((JSON.parse(t) as Value[]).map(val))).sort());
  // Objects reached through other objects, breadth-first.
  const objects: unknown[] = [];
  for (let i = 0; i < fixed; i++) {
    const o = w.objects[i]!;
    objects.push([o.alive, objFields(o, val, layout)]);
  }
  for (let i = 0; i < order.length; i++) {
    const o = w.objects[order[i]!]!;
    objects.push([o.kind, o.alive, objFields(o, val, layout)]);
  }
  // Live objects nothing refers to still count (`count(kind)`, lifetime rules).
  for (let id = fixed; id < w.objects.length; id++) {
    const o = w.objects[id]!;
    if (o.alive && !rename.has(id)) {
      see(id);
      objects.push([o.kind, o.alive, objFields(o, val, layout)]);
      for (let i = objects.length - fixed; i < order.length; i++) {
        const r = w.objects[order[i]!]!;
        objects.push([r.kind, r.alive, objFields(r, val, layout)]);
      }
    }
  }
  return JSON.stringify([threads, fields, bindings, providers, armed, w.faults, mem, w.halted, objects]);
}

/**
 * A set's elements, renamed and sorted. Elements first named here are named
 * in their stored order, so two orders of such elements can still give two
 * keys: a missed merge, never a wrong one.
 */
function setKey(vs: readonly Value[], val: (v: Value) => Value): string[] {
  return vs.map((v) => JSON.stringify(val(v))).sort();
}

function regsKey(f: NativeFrame, layout: KeyLayout, val: (v: Value) => Value): unknown[] {
  const from = layout.regs.get(f.prim);
  if (from === undefined) return f.regs.map(val);
  return [...f.regs.slice(0, from).map(val), setKey(f.regs.slice(from), val)];
}

function objFields(o: Obj, val: (v: Value) => Value, layout: KeyLayout): unknown[] {
  const sets = layout.fields.get(o.kind);
  const out: unknown[] = [];
  for (const k in o.f) {
    const v = o.f[k] ?? null;
    out.push(sets?.has(k) && Array.isArray(v) ? setKey(v, val) : val(v));
  }
  return out;
}
