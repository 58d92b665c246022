/**
 * Twins: interchangeable members that are alike in everything that is
 * theirs in a state take one step for all of them, and a model choosing
 * among their objects offers one of each kind (`ModelContext.interchangeable`).
 */
import type { CompiledProgram } from '../../runtime/compiled.js';
import type { Value } from '../../runtime/values.js';
import type { Obj, World } from '../../runtime/world.js';
import { plain } from '../deadfields.js';
import { refNumber, type KeyLayout } from '../key.js';
import { signature } from './canonical.js';
import { mergeable, type Member, type Symmetry } from './detect.js';

/** What `twins` finds in a state: threads to skip, and objects that stand for each other. */
export interface Twins {
  /** Threads of members whose steps a twin's steps stand for. */
  readonly skip: ReadonlySet<number>;
  /** Object id → its place among twins (`placeCode(group, n)`: the n-th object its member reaches): objects with the same place are interchangeable. */
  readonly place: ReadonlyMap<number, number>;
  /** A member's thread → its twin group (`groupCode(class, k)`): a swap within the group moves the thread. */
  readonly groupOf: ReadonlyMap<number, number>;
}

// Groups and places as numbers, not text, as they are made for every state: a group is its class and its
// number in the class, a place its group and the object's number in its member's reach (each kept below
// 2^16, so no two share a code; the products stay exact in a double).
const SPAN = 65536;
const groupCode = (cls: number, k: number): number => cls * SPAN + k;
const placeCode = (group: number, n: number): number => group * SPAN + n;
const groupOfPlace = (place: number): number => Math.floor(place / SPAN);

/**
 * Whether a step of `thread` may treat objects `a` and `b` as one: they
 * have the same place among twins, and the swap that exchanges them leaves
 * the stepping thread where it is.
 */
export function interchangeable(tw: Twins, thread: number, a: number, b: number): boolean {
  const p = tw.place.get(a);
  if (p === undefined || p !== tw.place.get(b)) return false;
  return tw.groupOf.get(thread) !== groupOfPlace(p);
}

/**
 * Interchangeable members that are twins in `w`: alike in everything that is
 * theirs (state, branch thread, device, state mutexes, armed DMA, and the
 * objects only they reach), where nothing else in the state names anything
 * of theirs except as an element of a set (a buffer's attachments, the
 * attachments a walk has still to notify). Swapping two twins maps `w` onto
 * itself up to object numbering, so the second twin's steps lead to images
 * of the first one's (same rules, same trace lengths) and need not be taken;
 * likewise a choice between their objects (`ModelContext.interchangeable`).
 * A member something shared names in order (a lock it holds, a callback of
 * its that another thread runs, the attachment a walk is notifying) is no
 * twin: that only costs the saving. Undefined when there are none.
 */
export function twins(w: World, sym: Symmetry, layout: KeyLayout, program: CompiledProgram, canStep: (thread: number) => boolean): Twins | undefined {
  if (!mergeable(w, sym)) return undefined;
  const candidates = candidatesIn(w, sym, layout, program, canStep);
  if (candidates.size === 0) return undefined;
  return new TwinSearch(w, sym, layout, candidates).run();
}

/**
 * Members that may have a twin: those whose signatures tie with another's.
 * Finding twins pays off only for a twin's step that can be skipped, or for
 * a choice among a set of objects: one a frame holds, or one a primitive
 * about to be called makes. (A filter only: a pair it wrongly dropped would
 * cost a saving, not a state.)
 */
function candidatesIn(w: World, sym: Symmetry, layout: KeyLayout, program: CompiledProgram, canStep: (thread: number) => boolean): Set<Member> {
  const choosing = w.threads.some((t) => {
    const top = t.frames[t.frames.length - 1];
    if (top?.k === 'c') {
      const ins = program.bodies[top.body]!.code[top.pc];
      if (ins?.op === 'prim' && layout.regs.has(ins.name)) return true;
    }
    return t.frames.some((f) => f.k === 'n' && f.regs.length - (layout.regs.get(f.prim) ?? f.regs.length) >= 2);
  });
  const candidates = new Set<Member>();
  const threadOf = new Map(w.threads.map((t, i) => [t.root, i]));
  for (const c of sym.classes) {
    const bySig = new Map<string, Member>();
    for (const m of c.members) {
      if (!choosing) {
        const t = threadOf.get(m.branch);
        if (t === undefined || !canStep(t)) continue;
      }
      const sig = signature(w, m, sym);
      const first = bySig.get(sig);
      if (first) {
        candidates.add(first);
        candidates.add(m);
      } else bySig.set(sig, m);
    }
  }
  return candidates;
}

const nameOf = (v: string): string => {
  const dot = v.indexOf('.');
  return dot < 0 ? v.slice(1) : v.slice(1, dot);
};

/**
 * One search for twins in one state, in three passes: what the rest of the
 * state reaches (shared, and naming a member's own things there leaks the
 * member), each candidate's own parts with its own things as placeholders,
 * then groups of members with equal encodings. Tables are indexed by object
 * id (arrays, not maps: this runs for every state).
 */
class TwinSearch {
  private readonly threadOf: Map<number, number>;
  private readonly byThread = new Map<number, Member>();
  private readonly leaked = new Set<Member>();
  /** Objects the rest of the state reaches. */
  private readonly shared: Uint8Array;
  /** Objects a member's own parts reach, by the member. */
  private readonly claimedBy: (Member | undefined)[];
  /** The shared sets each object is an element of, by place (`5.attachments`, `t2.1`). */
  private readonly inSets: (string[] | undefined)[];
  private readonly setElements: number[] = [];
  private readonly pending: number[] = [];
  private readonly encoding = new Map<Member, string>();
  private readonly privates = new Map<Member, number[]>();

  constructor(
    private readonly w: World,
    private readonly sym: Symmetry,
    private readonly layout: KeyLayout,
    private readonly candidates: ReadonlySet<Member>,
  ) {
    this.threadOf = new Map(w.threads.map((t, i) => [t.root, i]));
    for (const m of sym.members) {
      const t = this.threadOf.get(m.branch);
      if (t !== undefined) this.byThread.set(t, m);
    }
    this.shared = new Uint8Array(w.objects.length);
    this.claimedBy = new Array(w.objects.length);
    this.inSets = new Array(w.objects.length);
  }

  run(): Twins | undefined {
    this.markShared();
    for (const m of this.sym.members) if (!this.leaked.has(m) && this.candidates.has(m)) this.encode(m);
    // Set elements no member claims are shared after all: what they name leaks.
    for (const id of this.setElements) {
      if (this.claimedBy[id] === undefined && this.shared[id] === 0) {
        this.shared[id] = 1;
        this.pending.push(id);
      }
    }
    this.drain();
    return this.group();
  }

  // ---- what the rest of the state reaches ---------------------------------------

  /** A value reached from outside the members: what it names is shared. */
  private outside(v: Value | undefined): void {
    if (typeof v === 'string') {
      const c = v.charCodeAt(0);
      if (c === 35) {
        const id = refNumber(v);
        const s = this.sym.specific[id];
        if (s) this.leaked.add(s[0]);
        else if (id >= this.sym.fixed && this.shared[id] === 0) {
          this.shared[id] = 1;
          this.pending.push(id);
          const owner = this.claimedBy[id];
          if (owner) this.leaked.add(owner);
        }
      } else if (c === 38 || c === 34) {
        const m = this.sym.byName.get(nameOf(v));
        if (m) this.leaked.add(m);
      }
    } else if (Array.isArray(v)) for (const x of v) this.outside(x);
  }

  /** An element of a shared set: set aside, since a swap of twins maps a set holding both onto itself. */
  private element(v: Value | undefined, label: string): void {
    if (typeof v === 'string' && v.charCodeAt(0) === 35 && refNumber(v) >= this.sym.fixed) {
      const id = refNumber(v);
      const l = this.inSets[id];
      if (l) l.push(label);
      else {
        this.inSets[id] = [label];
        this.setElements.push(id);
      }
    } else this.outside(v);
  }

  private outsideObject(id: number): void {
    const o = this.w.objects[id]!;
    const sets = this.layout.fields.get(o.kind);
    for (const k in o.f) {
      const v = o.f[k] ?? null;
      if (this.sym.threadFields.has(k) && (typeof v === 'number' || Array.isArray(v))) {
        for (const t of typeof v === 'number' ? [v] : (v as number[])) {
          const m = this.byThread.get(t);
          if (m) this.leaked.add(m);
        }
      } else if (sets?.has(k) && Array.isArray(v)) for (const x of v) this.element(x, `${id}.${k}`);
      else this.outside(v);
    }
  }

  private drain(): void {
    while (this.pending.length > 0) this.outsideObject(this.pending.pop()!);
  }

  /** Everything the state holds outside the members: other drivers, providers, other threads, armed DMA, monitor memory, fixed objects. */
  private markShared(): void {
    const { w, sym, layout } = this;
    w.fields.forEach((fs, d) => {
      if (sym.memberDrivers.has(d)) return;
      fs.forEach((v) => this.outside(v));
      this.outside(w.bindings[d]);
    });
    for (const k in w.providers) this.outside(w.providers[k]);
    w.threads.forEach((t, ti) => {
      if (this.byThread.has(ti)) return;
      t.frames.forEach((f, depth) => {
        if (f.k === 'c') {
          const b = sym.byBody.get(f.body);
          if (b) this.leaked.add(b[0]);
          for (const list of [f.locals, f.stack, f.held, f.args ?? []]) for (const v of list) this.outside(v);
        } else {
          f.args.forEach((v) => this.outside(v));
          const from = layout.regs.get(f.prim) ?? f.regs.length;
          f.regs.forEach((v, k) => (k < from ? this.outside(v) : this.element(v, `t${ti}.${depth}`)));
        }
      });
    });
    for (const a of w.armed) if (sym.specific[a[0]] === undefined) this.outside(`#${a[1]}`);
    for (const k in w.mem) for (const t of w.mem[k]!) this.outside(JSON.parse(t) as Value);
    for (let i = 0; i < sym.fixed; i++) if (sym.specific[i] === undefined) this.outsideObject(i);
    this.drain();
  }

  // ---- a member's own parts -------------------------------------------------------

  /** Member `m`'s own parts, its own things as placeholders, shared objects by number. */
  private encode(m: Member): void {
    const { w, sym, layout } = this;
    const ti = this.threadOf.get(m.branch);
    const local = new Map<number, number>();
    const queue: number[] = [];
    let s = '';
    const val = (v: Value | undefined): void => {
      if (v === null || v === undefined) s += '_';
      else if (typeof v === 'boolean' || typeof v === 'number') s += `${String(v)},`;
      else if (typeof v === 'string') {
        const c = v.charCodeAt(0);
        if (c === 35) {
          const id = refNumber(v);
          const sp = id < sym.fixed ? sym.specific[id] : undefined;
          if (sp) {
            if (sp[0] === m) s += `#${sp[1]},`;
            else this.leaked.add(m);
          } else if (id < sym.fixed || this.shared[id] === 1) s += `#${id},`;
          else {
            const other = this.claimedBy[id];
            if (other !== undefined && other !== m) {
              this.leaked.add(m);
              this.leaked.add(other);
            }
            this.claimedBy[id] = m;
            let n = local.get(id);
            if (n === undefined) {
              n = local.size;
              local.set(id, n);
              queue.push(id);
            }
            s += `#P${n},`;
          }
        } else if (c === 38 || c === 34) {
          const name = nameOf(v);
          if (name === m.name) s += `${v[0]}SELF${v.slice(1 + name.length)};`;
          else if (sym.byName.has(name)) this.leaked.add(m);
          else s += `'${v.length}:${v}`;
        } else s += `'${v.length}:${v}`;
      } else {
        s += '[';
        for (const x of v) val(x);
        s += ']';
      }
    };
    /** A set of the member's own: its elements' encodings, sorted. */
    const setOf = (vs: readonly Value[]): void => {
      const before = s;
      const parts = vs.map((x) => {
        s = '';
        val(x);
        return s;
      });
      s = `${before}{${parts.sort().join('')}}`;
    };
    const objFields = (o: Obj, place: boolean): void => {
      s += o.alive ? 'T' : 'F';
      const sets = layout.fields.get(o.kind);
      for (const k in o.f) {
        const v = o.f[k] ?? null;
        // A device's or state mutex's name is its place, which a swap keeps.
        if (place && k === 'name') continue;
        if (sym.threadFields.has(k) && Array.isArray(v)) {
          // A set of holding threads: the member's own thread as `self`, another member's leaks it.
          const parts = (v as number[]).map((t) => {
            if (this.byThread.has(t) && t !== ti) this.leaked.add(m);
            return t === ti ? 'self' : String(t);
          });
          s += `{${parts.sort().join(',')}}`;
        } else if (sym.threadFields.has(k) && typeof v === 'number' && v >= 0) {
          if (v === ti) s += 'self,';
          else if (this.byThread.has(v)) this.leaked.add(m);
          else s += `${v},`;
        } else if (sets?.has(k) && Array.isArray(v)) setOf(v);
        else val(v);
      }
      s += ';';
    };
    // A dead field holding a plain value (`tag = 3`) is left out, as the key leaves it out: no step
    // reads it. One that names objects or drivers is encoded, so what it names is claimed (and
    // leaks) as before.
    const dead = sym.dead?.driver[m.driver];
    const fs = w.fields[m.driver]!;
    for (let i = 0; i < fs.length; i++) {
      if (dead?.[i] && plain(fs[i]!)) s += '-';
      else val(fs[i]);
    }
    s += '|';
    val(w.bindings[m.driver]);
    s += '|';
    if (ti === undefined) s += 'none';
    else {
      const t = w.threads[ti]!;
      s += t.done ? 'D' : 'R';
      if (t.owed) s += `o${t.owed}`;
      for (const f of t.frames) {
        if (f.k === 'c') {
          const role = m.roleOf.get(f.body);
          if (role === undefined && sym.byBody.has(f.body)) this.leaked.add(m);
          s += `(${role ?? f.body}:${f.pc}:${f.tr}:${f.entry}:`;
          for (const x of [f.locals, f.stack, f.held, f.args ?? []]) val(x);
          s += ')';
        } else {
          s += `(${f.prim}:${f.phase}:${f.tr}:${f.waiting}:`;
          val(f.args);
          const from = layout.regs.get(f.prim) ?? f.regs.length;
          val(f.regs.slice(0, from));
          if (from < f.regs.length) setOf(f.regs.slice(from));
          s += ')';
        }
      }
    }
    s += '|';
    objFields(w.objects[m.device]!, true);
    for (const x of m.mutexes) objFields(w.objects[x]!, true);
    for (const a of w.armed) if (a[0] === m.device) val(`#${a[1]}`);
    s += '|';
    for (let i = 0; i < queue.length; i++) {
      const o = w.objects[queue[i]!]!;
      s += o.kind;
      objFields(o, false);
      // The shared sets it is in, by place: a twin's counterpart must be in the same ones.
      const sets = this.inSets[queue[i]!];
      if (sets) s += `in${[...sets].sort().join(',')};`;
    }
    this.encoding.set(m, s);
    this.privates.set(m, queue);
  }

  // ---- groups --------------------------------------------------------------------------

  /** Members with equal encodings that nothing leaked: the first of each group steps, its twins are skipped. */
  private group(): Twins | undefined {
    let skip: Set<number> | undefined;
    const place = new Map<number, number>();
    const groupOf = new Map<number, number>();
    this.sym.classes.forEach((c, ci) => {
      const firstWith = new Map<string, number>();
      for (const m of c.members) {
        const e = this.encoding.get(m);
        const ti = this.threadOf.get(m.branch);
        if (e === undefined || this.leaked.has(m) || ti === undefined) continue;
        let group = firstWith.get(e);
        if (group === undefined) {
          group = firstWith.size;
          firstWith.set(e, group);
        } else (skip ??= new Set()).add(ti);
        const g = groupCode(ci, group);
        groupOf.set(ti, g);
        // Past the span, places would run into the next group's: such objects get none, which costs the saving only.
        const own = this.privates.get(m)!;
        if (group < SPAN) for (let n = 0; n < own.length && n < SPAN; n++) place.set(own[n]!, placeCode(g, n));
      }
    });
    return skip || place.size > 0 ? { skip: skip ?? new Set(), place, groupOf } : undefined;
  }
}
