/**
 * The canonical encoding of a state, for the visited set: equal keys mean
 * states that behave the same. Which parts of a state are sets (their order
 * meaningless) and which object fields hold thread indices comes from the
 * models' kinds and primitives (`KeyLayout`); a `Renaming` applies the
 * symmetry reduction's arrangement while the key is written.
 */
import type { CompiledProgram } from '../runtime/compiled.js';
import type { Natives } from '../runtime/natives.js';
import { equal, type Value } from '../runtime/values.js';
import type { Frame, Obj, World } from '../runtime/world.js';
import { compareRuns, runLength, SortedKeys, WordWriter } from './words.js';
import { builtinOnly, deadFields, deadIn, flowLiveness, liveNow, plain, type DeadFields, type FlowLiveness } from './deadfields.js';

/**
 * Which parts of a state hold sets rather than lists (from the models): the
 * canonical key sorts them, so states differing only in their order meet.
 */
export interface KeyLayout {
  /** Object kind → its fields that hold a set. */
  readonly fields: ReadonlyMap<string, ReadonlySet<string>>;
  /** Primitive → the register index from which its frame's registers are a set. */
  readonly regs: ReadonlyMap<string, number>;
  /** Object fields that hold a thread index (-1: none) rather than a value: renamed with the threads. */
  readonly threadFields: ReadonlySet<string>;
  /** Fields no code can read (the dead-field reduction): left out of the key. None when reductions are off. */
  readonly dead?: DeadFields;
  /**
   * Driver fields read only by code a thread must start (scenario lines,
   * actions, fns): left out of the key in a state where no thread can still
   * reach a read of them. None when reductions are off.
   */
  readonly flow?: FlowLiveness;
}

/**
 * A renaming of a state's parts, applied while the key is built (the
 * symmetry reduction's canonical arrangement, without building the renamed
 * state). Each `…At` maps a slot to the index whose parts go there, each
 * `…To` the other way.
 */
export interface Renaming {
  readonly threadAt: readonly number[];
  readonly threadTo: readonly number[];
  readonly driverAt: readonly number[];
  /** Fixed objects only (devices, state mutexes): a device keeps its own name in its new place. */
  readonly objectAt: readonly number[];
  readonly objectTo: readonly number[];
  readonly body: ReadonlyMap<number, number>;
  /** Driver names, in `&driver.table` and `"driver` values. */
  readonly name: ReadonlyMap<string, string>;
}

/**
 * Which fields and registers the models' kinds and primitives say hold sets,
 * and which fields hold threads. Given the program, also the fields no code
 * of it can read, which the key leaves out (the dead-field reduction: pass
 * no program when reductions are off).
 */
export function keyLayout(natives: Natives, program?: CompiledProgram): KeyLayout {
  const fields = new Map<string, Set<string>>();
  const threadFields = new Set<string>();
  for (const k of natives.kindImpls) {
    if (k.setFields?.length) fields.set(k.name, new Set(k.setFields));
    for (const f of k.threadFields ?? []) threadFields.add(f);
  }
  const regs = new Map<string, number>();
  for (const p of natives.primitiveImpls) if (p.unorderedRegsFrom !== undefined) regs.set(p.sig.name, p.unorderedRegsFrom);
  const dead = program ? deadFields(program, natives) : undefined;
  // Like the static form, only where every model is a built-in one: an embedder's may read driver state.
  const flow = program && builtinOnly(natives) ? flowLiveness(program) : undefined;
  return { fields, regs, threadFields, ...(dead ? { dead } : {}), ...(flow ? { flow } : {}) };
}

/**
 * The strings a program's states are full of, numbered in a fixed order:
 * the models' kinds and primitives, and each driver's name as values hold it
 * (`"driver`, `&driver`, `&driver.table`). A third of a key's words were
 * these strings' characters.
 */
export function keyNames(natives: Natives, program: CompiledProgram): ReadonlyMap<string, number> {
  const names = new Map<string, number>();
  const add = (s: string): void => {
    if (!names.has(s)) names.set(s, names.size);
  };
  for (const k of natives.kindImpls) add(k.name);
  for (const p of natives.primitiveImpls) add(p.sig.name);
  for (const d of program.drivers) {
    add(`"${d.name}`);
    add(`&${d.name}`);
    for (const table of d.ops.keys()) add(`&${d.name}.${table}`);
  }
  return names;
}

/** No sets and no thread fields: every list keeps its order in the key. */
export const ORDERED: KeyLayout = { fields: new Map(), regs: new Map(), threadFields: new Set() };

// Tokens of the encoding: each is a tag word, then a number of words its tag fixes
// (a string says its length), so a sequence of tokens reads back one way only.
const NONE = 1;
const TRUE = 2;
const FALSE = 3;
const INT = 4; // + the value: an integer that fits 32 bits
const NUM = 5; // + a string token: any other number, as text
const REF = 6; // + the object's number
// 7 is STR, a string by its characters (words.ts, WordWriter.str); NAME below, one the writer numbers.
const OPEN = 8;
const CLOSE = 9;
const SET = 10; // + the number of elements, each a run of tokens, in sorted order
const DEAD = 11; // a dead field's plain value, left out
const SAME = 12; // a fixed object's field as it was at the start
const PART = 13; // + which part of the state follows
const THREAD = 14; // + done, owed
const CODE = 15; // + body, pc, flags (tr, entry, has args); then locals, stack, held and any args, as lists
const NATIVE = 16; // + phase, flags (tr, waiting); then prim, args, registers (their set part as a SET)
const ARMED = 17; // + device, mapping
const OBJECT = 18; // + alive; then a made object's kind; then its fields
const UNCHANGED = 19; // a fixed object as it was at the start (dead fields aside)
const NAME = 20; // + the number of a string in the writer's names (`keyNames`)

/**
 * Writes the canonical keys of states: equal keys mean states that behave
 * the same. One writer serves one search: it keeps the words of the key it
 * is writing in a buffer it reuses, so a key costs no allocation but its
 * result. `exact` keys are the whole encoding, as a string; fingerprints
 * (`fingerprint`) are 64 bits of it, as a string of four UTF-16 units, for a
 * visited set that keeps 12 bytes a state instead of the key (visited.ts).
 */
export class StateKeys extends WordWriter {
  /**
   * @param names strings a program's states name again and again (kinds,
   *   primitives, drivers, ops tables: `keyNames`), each written as one word
   *   (NAME and its number) instead of its characters. The same program gives
   *   every writer the same numbers, so worker threads' keys agree.
   */
  constructor(private readonly names?: ReadonlyMap<string, number>) {
    super();
  }

  /** A string: a name's number where it has one, its characters otherwise (the two tags never meet). */
  override str(s: string): void {
    const id = this.names?.get(s);
    if (id === undefined) super.str(s);
    else {
      this.put(NAME);
      this.put(id);
    }
  }

  /** The sorted names of the providers and of the monitors' memories: the same in every state of a run, so sorted once. */
  private readonly providerKeys = new SortedKeys();
  private readonly memKeys = new SortedKeys();
  /** One memory's tuples, parsed; reused. */
  private readonly parsed: Value[] = [];
  /** Monitor memory tuples, parsed once each: a state's tuples are the same strings as its parent's. */
  private readonly tuples = new Map<string, Value>();
  // The state being encoded, and its renumbering: object id → its new number plus one (0: not yet numbered).
  private rename = new Int32Array(64);
  private readonly order: number[] = [];
  private fixed = 0;
  private R: Renaming | undefined;
  private layout: KeyLayout = ORDERED;
  /** Where each element of the set being sorted starts; reused, as sets are small and many. */
  private scratch = new Uint32Array(64);
  /** The order of a set's elements, and a copy of their words, while it is sorted; reused. */
  private runOrder = new Int32Array(64);
  private runCopy = new Uint32Array(256);

  /**
   * The key of `w` in full. Objects made during a run are renumbered in the
   * order they are reached from the roots (driver state, bindings,
   * providers, threads, armed DMA, monitor memory), so two interleavings that
   * made the same objects in another order meet in one state. Ended objects
   * nothing refers to are left out: nothing can observe them again. Objects
   * every run starts with (`fixed`: devices, state mutexes) keep their
   * numbers. No behaviour depends on object numbers — a buffer keeps its
   * attachments in a list, as the kernel does — so the renaming is sound.
   * Source offsets of armed DMA are left out too, and so are plain values in
   * fields no code can read (`layout.dead`): no step depends on them.
   */
  exact(w: World, fixed: number, layout: KeyLayout = ORDERED, base?: readonly Obj[], R?: Renaming): string {
    this.encode(w, fixed, layout, base, R);
    const units = new Uint16Array(this.words.buffer, 0, this.n * 2);
    let out = '';
    for (let i = 0; i < units.length; i += 8192) out += String.fromCharCode.apply(null, units.subarray(i, i + 8192) as unknown as number[]);
    return out;
  }

  /** The 64-bit fingerprint of `exact(…)`'s key (`WordWriter.hash`). */
  fingerprint(w: World, fixed: number, layout: KeyLayout = ORDERED, base?: readonly Obj[], R?: Renaming): string {
    this.encode(w, fixed, layout, base, R);
    return this.hash();
  }

  /** The new number of object `id`, numbering it if it is reached for the first time. */
  private see(id: number): number {
    const fixed = this.fixed;
    if (id < fixed) return id;
    const n = this.rename[id]!;
    if (n !== 0) return n - 1;
    this.order.push(id);
    this.rename[id] = fixed + this.order.length;
    return fixed + this.order.length - 1;
  }

  private enc(v: Value | undefined): void {
    if (v === null || v === undefined) this.put(NONE);
    else if (v === true) this.put(TRUE);
    else if (v === false) this.put(FALSE);
    else if (typeof v === 'number') {
      if ((v | 0) === v) {
        this.put(INT);
        this.put(v);
      } else {
        this.put(NUM);
        this.str(String(v));
      }
    } else if (typeof v === 'string') {
      const c = v.charCodeAt(0);
      if (c === 35) {
        const id = refNumber(v);
        this.put(REF);
        this.put(id < this.fixed ? (this.R ? this.R.objectTo[id]! : id) : this.see(id));
      } else this.str(this.R && (c === 38 || c === 34) ? renamed(v, this.R) : v);
    } else this.list(v);
  }

  private list(vs: readonly Value[], from = 0, to = vs.length): void {
    this.put(OPEN);
    for (let i = from; i < to; i++) this.enc(vs[i]);
    this.put(CLOSE);
  }

  /** A set: its elements written in its order (which numbers the objects they reach), then sorted. */
  private set(vs: readonly Value[], from = 0): void {
    this.put(SET);
    this.put(vs.length - from);
    if (vs.length - from > this.scratch.length) this.scratch = new Uint32Array((vs.length - from) * 2);
    const starts = this.scratch;
    for (let i = from; i < vs.length; i++) {
      starts[i - from] = this.n;
      this.enc(vs[i]);
    }
    this.sortRuns(starts, vs.length - from);
  }

  /** Sorts the `count` runs of words that start at `starts[i]` (the last runs to the end): a set's elements. */
  private sortRuns(starts: Uint32Array, count: number): void {
    if (count < 2) return;
    const words = this.words;
    const first = starts[0]!;
    const end = this.n;
    // Plain functions, not closures: a state's key sorts tens of sets, and closures are allocations.
    // Elements are mostly references, already in order: check before sorting.
    let sorted = true;
    for (let i = 1; i < count && sorted; i++) sorted = compareRuns(words, starts, count, end, i - 1, i) <= 0;
    if (sorted) return;
    // Sets are small: an insertion sort into a reused buffer allocates nothing; a large one goes to Array sort.
    let runs: ArrayLike<number>;
    if (count <= 32) {
      if (this.runOrder.length < count) this.runOrder = new Int32Array(count * 2);
      const order = this.runOrder;
      for (let i = 0; i < count; i++) {
        let j = i;
        while (j > 0 && compareRuns(words, starts, count, end, order[j - 1]!, i) > 0) {
          order[j] = order[j - 1]!;
          j--;
        }
        order[j] = i;
      }
      runs = order;
    } else runs = Array.from({ length: count }, (_, i) => i).sort((a, b) => compareRuns(words, starts, count, end, a, b));
    if (this.runCopy.length < end - first) this.runCopy = new Uint32Array((end - first) * 2);
    const copy = this.runCopy;
    for (let i = first; i < end; i++) copy[i - first] = words[i]!;
    let at = first;
    for (let r = 0; r < count; r++) {
      const run = runs[r]!;
      const s = starts[run]! - first;
      const l = runLength(starts, count, end, run);
      for (let i = 0; i < l; i++) words[at + i] = copy[s + i]!;
      at += l;
    }
  }

  /**
   * Writes the fields of object `o` (a fixed object's as they were at the
   * start are SAME; `place`, its slot's own object, gives its name). Returns
   * how many of them were written as something else than SAME or DEAD.
   */
  private fieldsOf(o: Obj, was?: Obj, place?: Obj): number {
    const { layout, R } = this;
    const sets = layout.fields.get(o.kind);
    const dead = layout.dead?.kind.get(o.kind);
    let changed = 0;
    // `fs[k]` on the object the loop enumerates: V8's fast path for for-in lookups.
    const fs = o.f;
    for (const k in fs) {
      let v = fs[k] ?? null;
      if (dead?.has(k) && plain(v)) {
        this.put(DEAD);
        continue;
      }
      if (R) {
        if (layout.threadFields.has(k)) v = renameThreads(v, R);
        else if (k === 'name' && place) v = place.f.name ?? null;
      }
      // The start's values name only fixed objects, so SAME skips no object to number.
      // It compares the value as renamed, so a state keys alike with and without a renaming;
      // and by value, so a state keys alike whether it shares its start's sets or holds equal ones.
      const start = was?.f[k];
      if (start !== undefined && sameAsStart(start, R !== undefined && typeof v === 'string' ? renamedValue(v, R, this.fixed) : v)) this.put(SAME);
      else {
        changed++;
        if (sets?.has(k) && Array.isArray(v)) this.set(v);
        else this.enc(v);
      }
    }
    return changed;
  }

  private encode(w: World, fixed: number, layout: KeyLayout, base: readonly Obj[] | undefined, R: Renaming | undefined): void {
    this.n = 0;
    this.fixed = fixed;
    this.layout = layout;
    this.R = R;
    if (this.rename.length < w.objects.length) this.rename = new Int32Array(w.objects.length * 2);
    else this.rename.fill(0, 0, w.objects.length);
    const order = this.order;
    order.length = 0;

    // Traversal order fixes the numbering: driver state, bindings, providers, threads, armed DMA, monitor memory.
    // A dead field that holds a plain value is left out; one naming an object or a driver is
    // encoded, so what a state reaches, and the numbering, stay as they were.
    const deadOf = layout.dead?.driver;
    // A field no thread can still reach a read of is dead in this state; its slot's, as the bodies are renamed.
    const flow = layout.flow;
    const live = liveNow(flow, w, R ? (b) => R.body.get(b) ?? b : undefined);
    this.put(PART);
    this.put(1);
    for (let d = 0; d < w.fields.length; d++) {
      const from = R ? R.driverAt[d]! : d;
      const dead = deadOf?.[from];
      const vs = w.fields[from]!;
      this.put(OPEN);
      for (let i = 0; i < vs.length; i++) {
        if ((dead?.[i] || deadIn(undefined, flow, live, d, i)) && plain(vs[i] ?? null)) this.put(DEAD);
        else this.enc(vs[i]);
      }
      this.put(CLOSE);
      this.enc(w.bindings[from]);
    }
    this.put(PART);
    this.put(3);
    for (const k of this.providerKeys.of(w.providers)) this.enc(w.providers[k]);
    this.put(PART);
    this.put(4);
    for (let i = 0; i < w.threads.length; i++) {
      const t = w.threads[R ? R.threadAt[i]! : i]!;
      this.put(THREAD);
      this.put(t.done ? 1 : 0);
      this.put(t.owed ?? 0);
      for (const f of t.frames) {
        if (f.k === 'c') {
          this.put(CODE);
          this.put(R ? (R.body.get(f.body) ?? f.body) : f.body);
          this.put(f.pc);
          this.put((f.tr ? 1 : 0) | (f.entry ? 2 : 0) | (f.args ? 4 : 0));
          this.list(f.locals);
          this.list(f.stack);
          this.list(f.held);
          if (f.args) this.list(f.args);
        } else {
          this.put(NATIVE);
          this.put(f.phase);
          this.put((f.tr ? 1 : 0) | (f.waiting ? 2 : 0));
          this.str(f.prim);
          this.list(f.args);
          const from = layout.regs.get(f.prim);
          if (from === undefined) this.list(f.regs);
          else {
            this.list(f.regs, 0, Math.min(from, f.regs.length));
            this.set(f.regs, Math.min(from, f.regs.length));
          }
        }
      }
    }
    this.put(PART);
    this.put(5);
    if (w.armed.length > 0) {
      const armed = w.armed.map((a) => [R ? R.objectTo[a[0]]! : a[0], this.see(a[1])] as const).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [dev, sgt] of armed) {
        this.put(ARMED);
        this.put(dev);
        this.put(sgt);
      }
    }
    this.put(PART);
    this.put(6 | (w.faults ? 8 : 0) | (w.halted ? 16 : 0));
    const parsed = this.parsed;
    for (const k of this.memKeys.of(w.mem)) {
      const ts = w.mem[k]!;
      parsed.length = 0;
      for (const t of ts) {
        let v = this.tuples.get(t);
        if (v === undefined) {
          if (this.tuples.size > 100_000) this.tuples.clear();
          v = JSON.parse(t) as Value;
          this.tuples.set(t, v);
        }
        parsed.push(v);
      }
      this.set(parsed);
    }

    // Objects: the fixed ones by number, then those reached, breadth-first.
    this.put(PART);
    this.put(7);
    // Most fixed objects are as the run started: the very object (states share objects until a step
    // writes one), or, if rewritten to the same values, a copy written as one token all the same.
    for (let i = 0; i < fixed; i++) {
      const o = w.objects[R ? R.objectAt[i]! : i]!;
      const was = base?.[i];
      if (was !== undefined && o === was && !R) {
        this.put(UNCHANGED);
        continue;
      }
      const at = this.n;
      this.put(OBJECT);
      this.put(o.alive ? 1 : 0);
      const changed = this.fieldsOf(o, was, w.objects[i]);
      if (was !== undefined && changed === 0 && o.alive === was.alive && fieldCount(o) === fieldCount(was)) {
        this.n = at;
        this.put(UNCHANGED);
      }
    }
    let next = this.drain(w, 0);
    // Live objects nothing refers to still count (`count(kind)`, lifetime rules).
    for (let id = fixed; id < w.objects.length; id++) {
      if (w.objects[id]!.alive && this.rename[id] === 0) {
        this.see(id);
        next = this.drain(w, next);
      }
    }
  }

  /** Writes the objects numbered from `next` on, numbering those they reach; returns where it stopped. */
  private drain(w: World, next: number): number {
    const order = this.order;
    for (; next < order.length; next++) {
      const o = w.objects[order[next]!]!;
      this.put(OBJECT);
      this.put(o.alive ? 1 : 0);
      this.str(o.kind);
      this.fieldsOf(o);
    }
    return next;
  }
}

function sameAsStart(start: Value, now: Value): boolean {
  return start === now || (Array.isArray(start) && equal(start, now));
}

/** How many fields an object has (a copy keeps its original's; this only guards that). */
function fieldCount(o: Obj): number {
  let n = 0;
  for (const _ in o.f) n++;
  return n;
}

/**
 * The canonical key of a state in full (`StateKeys.exact`), from a writer of
 * its own: for tests and tools that key a few states. A search keeps one
 * `StateKeys` and its buffer for all of its keys.
 */
export function worldKey(w: World, fixed: number, layout: KeyLayout = ORDERED, base?: readonly Obj[], R?: Renaming): string {
  return new StateKeys().exact(w, fixed, layout, base, R);
}

/** A thread field's value with its threads renamed: one thread (-1: none), or a sorted list of them (an rw_semaphore's readers). */
function renameThreads(v: Value, R: Renaming): Value {
  if (typeof v === 'number') return v >= 0 ? (R.threadTo[v] ?? v) : v;
  if (Array.isArray(v)) return (v as number[]).map((t) => R.threadTo[t] ?? t).sort((a, b) => a - b);
  return v;
}

/** The object number of a reference `#12`, without the allocation of slice-and-parse: keys parse many. */
export function refNumber(v: string): number {
  let n = 0;
  for (let i = 1; i < v.length; i++) n = n * 10 + (v.charCodeAt(i) - 48);
  return n;
}

/** A `&driver.table` or `"driver` value with its driver renamed. */
function renamed(v: string, R: Renaming): string {
  if (v.charCodeAt(0) === 34) {
    const to = R.name.get(v.slice(1));
    return to === undefined ? v : `"${to}`;
  }
  const dot = v.indexOf('.');
  const to = R.name.get(dot < 0 ? v.slice(1) : v.slice(1, dot));
  return to === undefined ? v : `&${to}${dot < 0 ? '' : v.slice(dot)}`;
}

/** A value as `R` renames it: a fixed object's reference, a driver's name; others as they are. */
function renamedValue(v: string, R: Renaming, fixed: number): string {
  const c = v.charCodeAt(0);
  if (c === 35) {
    const id = Number(v.slice(1));
    return id < fixed ? `#${R.objectTo[id]!}` : v;
  }
  return c === 38 || c === 34 ? renamed(v, R) : v;
}

/**
 * The world `R` renames: what `worldKey(w, fixed, …, R)` encodes, as a world.
 * For tests and tools that want the arranged state itself; the explorer only
 * keys it.
 */
export function renameWorld(w: World, fixed: number, R: Renaming, layout: KeyLayout): World {
  const val = (v: Value): Value => (typeof v === 'string' ? renamedValue(v, R, fixed) : Array.isArray(v) ? v.map(val) : v);
  const frame = (f: Frame): Frame =>
    f.k === 'c'
      ? { ...f, body: R.body.get(f.body) ?? f.body, locals: f.locals.map(val), stack: f.stack.map(val), held: f.held.map((h) => renamedValue(h, R, fixed)), ...(f.args ? { args: f.args.map(val) } : {}) }
      : { ...f, args: f.args.map(val), regs: f.regs.map(val) };
  const objects = w.objects.map((_, id): Obj => {
    const o = w.objects[id < fixed ? R.objectAt[id]! : id]!;
    const f: Record<string, Value> = {};
    for (const k in o.f) {
      const v = o.f[k] ?? null;
      // A fixed object's name is its place, which the renaming keeps.
      f[k] = layout.threadFields.has(k) ? renameThreads(v, R) : id < fixed && k === 'name' ? (w.objects[id]!.f.name ?? null) : val(v);
    }
    return { kind: o.kind, alive: o.alive, f };
  });
  const providers: Record<string, Value> = {};
  for (const k in w.providers) providers[k] = val(w.providers[k] ?? null);
  const mem: Record<string, string[]> = {};
  for (const k in w.mem) mem[k] = w.mem[k]!.map((t) => JSON.stringify((JSON.parse(t) as Value[]).map(val))).sort();
  return {
    threads: R.threadAt.map((from) => {
      const t = w.threads[from]!;
      return { ...t, root: R.body.get(t.root) ?? t.root, frames: t.frames.map(frame) };
    }),
    objects,
    fields: R.driverAt.map((from) => w.fields[from]!.map(val)),
    bindings: R.driverAt.map((from) => val(w.bindings[from] ?? null)),
    providers,
    armed: w.armed.map((a) => [R.objectTo[a[0]] ?? a[0], a[1], a[2], a[3]] as const),
    faults: w.faults,
    mem,
    halted: w.halted,
  };
}
