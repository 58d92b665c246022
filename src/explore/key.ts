/**
 * The canonical encoding of a state, for the visited set: equal keys mean
 * states that behave the same. Which parts of a state are sets (their order
 * meaningless) and which object fields hold thread indices comes from the
 * models' kinds and primitives (`KeyLayout`); a `Renaming` applies the
 * symmetry reduction's arrangement while the key is written.
 */
import type { CompiledProgram } from '../runtime/compiled.js';
import type { Natives } from '../runtime/natives.js';
import type { Value } from '../runtime/values.js';
import type { Frame, Obj, World } from '../runtime/world.js';
import { deadFields, plain, type DeadFields } from './deadfields.js';

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
  return { fields, regs, threadFields, ...(dead ? { dead } : {}) };
}

/** No sets and no thread fields: every list keeps its order in the key. */
export const ORDERED: KeyLayout = { fields: new Map(), regs: new Map(), threadFields: new Set() };

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
 * renaming is sound. Source offsets of armed DMA are left out too, and so
 * are plain values in fields no code can read (`layout.dead`): no step
 * depends on them.
 */
export function worldKey(w: World, fixed: number, layout: KeyLayout = ORDERED, base?: readonly Obj[], R?: Renaming): string {
  // Built as one string of self-delimiting tokens (no intermediate arrays, no
  // JSON): this runs for every successor of every state. `_` none, `T`/`F`,
  // numbers and renamed references end with `,`, other strings are length
  // prefixed, lists are bracketed.
  // Object id → its new number (0: not numbered yet; numbers are stored plus one).
  const rename = new Int32Array(w.objects.length);
  const order: number[] = [];
  const see = (id: number): number => {
    if (id < fixed) return id;
    const n = rename[id]!;
    if (n !== 0) return n - 1;
    order.push(id);
    rename[id] = fixed + order.length;
    return fixed + order.length - 1;
  };
  const enc = (v: Value | undefined): string => {
    if (v === null || v === undefined) return '_';
    if (v === true) return 'T';
    if (v === false) return 'F';
    if (typeof v === 'number') return `${v},`;
    if (typeof v === 'string') {
      const c = v.charCodeAt(0);
      if (c === 35) {
        const id = refNumber(v);
        return `#${id < fixed ? (R ? R.objectTo[id]! : id) : see(id)},`;
      }
      const s = R && (c === 38 || c === 34) ? renamed(v, R) : v;
      return `'${s.length}:${s}`;
    }
    let out = '[';
    for (let i = 0; i < v.length; i++) out += enc(v[i]);
    return `${out}]`;
  };
  const list = (vs: readonly Value[]): string => {
    let out = '[';
    for (let i = 0; i < vs.length; i++) out += enc(vs[i]);
    return `${out}]`;
  };
  // A driver's state with its dead fields that hold plain values as `-`. A dead field naming an
  // object or a driver is encoded: what a state reaches, and the numbering, stay as they were.
  const deadOf = layout.dead?.driver;
  const live = (vs: readonly Value[], dead: readonly boolean[]): string => {
    let out = '[';
    for (let i = 0; i < vs.length; i++) out += dead[i] && plain(vs[i] ?? null) ? '-' : enc(vs[i]);
    return `${out}]`;
  };
  const set = (vs: readonly Value[]): string => `{${vs.map(enc).sort().join('')}}`;

  // Traversal order fixes the numbering: driver state, bindings, providers, threads, armed DMA, monitor memory.
  let fields = '';
  let bindings = '[';
  for (let d = 0; d < w.fields.length; d++) {
    const from = R ? R.driverAt[d]! : d;
    const dead = deadOf?.[from];
    fields += dead ? live(w.fields[from]!, dead) : list(w.fields[from]!);
    bindings += enc(w.bindings[from]);
  }
  bindings += ']';
  let providers = '';
  for (const k of Object.keys(w.providers).sort()) providers += enc(w.providers[k]);
  let threads = '';
  for (let i = 0; i < w.threads.length; i++) {
    const t = w.threads[R ? R.threadAt[i]! : i]!;
    threads += t.done ? 'D(' : 'R(';
    if (t.owed) threads += `o${t.owed},`;
    for (const f of t.frames) {
      if (f.k === 'c') {
        threads += `c${R ? (R.body.get(f.body) ?? f.body) : f.body},${f.pc},${list(f.locals)}${list(f.stack)}${list(f.held)}${f.tr ? 'T' : 'F'}${f.entry ? 'T' : 'F'}${f.args ? list(f.args) : '_'}`;
      } else {
        const from = layout.regs.get(f.prim);
        const regs = from === undefined ? list(f.regs) : `${list(f.regs.slice(0, from))}${set(f.regs.slice(from))}`;
        threads += `n${enc(f.prim)}${f.phase},${list(f.args)}${regs}${f.tr ? 'T' : 'F'}${f.waiting ? 'T' : 'F'}`;
      }
    }
    threads += ')';
  }
  const armed = w.armed
    .map((a) => [R ? R.objectTo[a[0]]! : a[0], see(a[1])] as const)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map((a) => `${a[0]}.${a[1]},`)
    .join('');
  let mem = '';
  for (const k of Object.keys(w.mem).sort()) mem += set(w.mem[k]!.map((t) => JSON.parse(t) as Value));

  // Objects: the fixed ones by number (a field as it was at the start is `=`), then those reached, breadth-first.
  const fieldsOf = (o: Obj, was?: Obj, place?: Obj): string => {
    const sets = layout.fields.get(o.kind);
    const dead = layout.dead?.kind.get(o.kind);
    let out = '';
    for (const k in o.f) {
      if (dead?.has(k) && plain(o.f[k] ?? null)) {
        out += '-';
        continue;
      }
      let v = o.f[k] ?? null;
      if (R) {
        if (layout.threadFields.has(k)) v = renameThreads(v, R);
        else if (k === 'name' && place) v = place.f.name ?? null;
      }
      // The start's values name only fixed objects, so `=` skips no object to number.
      // It compares the value as renamed, so a state keys alike with and without a renaming.
      if (was !== undefined && was.f[k] === (R !== undefined && typeof v === 'string' ? renamedValue(v, R, fixed) : v)) out += '=';
      else out += sets?.has(k) && Array.isArray(v) ? set(v) : enc(v);
    }
    return out;
  };
  let objects = '';
  for (let i = 0; i < fixed; i++) {
    const o = w.objects[R ? R.objectAt[i]! : i]!;
    objects += `${o.alive ? 'T' : 'F'}${fieldsOf(o, base?.[i], w.objects[i])};`;
  }
  let next = 0;
  const drain = () => {
    for (; next < order.length; next++) {
      const o = w.objects[order[next]!]!;
      objects += `${enc(o.kind)}${o.alive ? 'T' : 'F'}${fieldsOf(o)};`;
    }
  };
  drain();
  // Live objects nothing refers to still count (`count(kind)`, lifetime rules).
  for (let id = fixed; id < w.objects.length; id++) {
    if (w.objects[id]!.alive && rename[id] === 0) {
      see(id);
      drain();
    }
  }
  return `${threads}|${fields}|${bindings}|${providers}|${armed}|${w.faults ? 'T' : 'F'}|${mem}|${w.halted ? 'T' : 'F'}|${objects}`;
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
