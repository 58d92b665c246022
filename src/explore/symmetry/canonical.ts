/**
 * The symmetry reduction's canonical form: a state is keyed by the
 * arrangement that sorts each class's members by a signature of their own
 * parts (and, where signatures tie, by what the rest of the state says about
 * them), so every image of a state under a swap of members gets one key.
 */
import type { CompiledProgram } from '../../runtime/compiled.js';
import type { Value } from '../../runtime/values.js';
import type { Obj, World } from '../../runtime/world.js';
import { refNumber, renameWorld, worldKey, type KeyLayout, type Renaming } from '../key.js';
import { WordWriter } from '../words.js';
import { plain } from '../deadfields.js';
import { mergeable, type Member, type SignatureMemo, type Symmetry, type SymmetryClass } from './detect.js';

/**
 * A member's own parts (plain values of its dead fields left out), with
 * references abstracted so the signature does not depend on object
 * numbering: written as words into `out` and returned as their 64-bit
 * fingerprint, since this runs for every member of every successor state.
 * Two signatures that collide only tie, which costs a merge, never soundness.
 */
export function signature(w: World, m: Member, sym: Symmetry, out: WordWriter = sym.signatures): string {
  const fs = w.fields[m.driver]!;
  const thread = w.threads.find((t) => t.root === m.branch);
  const dev = w.objects[m.device]!;
  let armed = 0;
  for (const a of w.armed) if (a[0] === m.device) armed++;
  const bound = w.bindings[m.driver] !== null;
  const memo = sym.memo[m.driver];
  if (memo && memo.fields === fs && memo.thread === thread && memo.device === dev && memo.armed === armed && memo.bound === bound && sameObjects(w, memo)) return memo.sig;
  const refs: number[] = [];
  const kinds: (string | undefined)[] = [];
  const alive: boolean[] = [];
  out.reset();
  const abs = (v: Value): void => {
    if (typeof v === 'string') {
      const c = v.charCodeAt(0);
      if (c === 35) {
        const id = refNumber(v);
        const o = w.objects[id];
        refs.push(id);
        kinds.push(o?.kind);
        alive.push(o?.alive === true);
        out.put(SIG_REF);
        out.str(o?.kind ?? '');
        out.put(o?.alive ? 1 : 0);
      } else if ((c === 38 || c === 34) && v.startsWith(m.name, 1) && (v.length === m.name.length + 1 || v[m.name.length + 1] === '.')) {
        // Its own name (`&importer3.iops`) says nothing about its situation: a swap renames it.
        out.put(SIG_SELF);
        out.put(c);
        out.str(v.slice(m.name.length + 1));
      } else out.str(v);
    } else if (Array.isArray(v)) {
      out.put(SIG_OPEN);
      for (const x of v) abs(x);
      out.put(SIG_CLOSE);
    } else if (typeof v === 'number' && (v | 0) === v) {
      out.put(SIG_INT);
      out.put(v);
    } else if (typeof v === 'number') {
      out.put(SIG_NUM);
      out.str(String(v));
    } else out.put(v === true ? SIG_TRUE : v === false ? SIG_FALSE : SIG_NONE);
  };
  // Plain values in fields no code reads say nothing about a member's future, and the key leaves them out.
  const dead = sym.dead?.driver[m.driver];
  for (let i = 0; i < fs.length; i++) if (!dead?.[i] || !plain(fs[i]!)) abs(fs[i]!);
  out.put(bound ? SIG_BOUND : SIG_UNBOUND);
  if (thread) {
    out.put(thread.done ? SIG_DONE : SIG_RUNNING);
    out.put(thread.owed ?? 0);
    for (const f of thread.frames) {
      if (f.k === 'c') {
        out.put(SIG_CODE);
        // A body by its role in the member (`reg_mr`), which a swap keeps; another body by its number.
        const role = m.roleOf.get(f.body);
        if (role === undefined) {
          out.put(SIG_INT);
          out.put(f.body);
        } else out.str(role);
        out.put(f.pc);
        out.put(f.held.length);
        out.put(f.entry ? 1 : 0);
        for (const v of f.locals) abs(v);
        out.put(SIG_SEP);
        for (const v of f.stack) abs(v);
        out.put(SIG_CLOSE);
      } else {
        out.put(SIG_NATIVE);
        out.str(f.prim);
        out.put(f.phase);
      }
    }
  }
  out.put(SIG_DEVICE);
  out.put(dev.alive ? 1 : 0);
  for (const k in dev.f) {
    const v = dev.f[k] ?? null;
    // The device's name is its place, which a swap keeps: it says nothing about the member.
    if (k === 'name') continue;
    // Who holds it says nothing about the member; whether it is held, and how many times, does.
    if (sym.threadFields.has(k)) {
      out.put(SIG_HELD);
      out.put(Array.isArray(v) ? v.length : v !== -1 ? 1 : 0);
    } else abs(v);
  }
  out.put(SIG_ARMED);
  out.put(armed);
  const sig = out.hash();
  sym.memo[m.driver] = { fields: fs, thread, device: dev, armed, bound, refs, kinds, alive, sig };
  return sig;
}

/** Whether the objects a memo's signature named are of the kinds and as alive as they were (what a signature writes of them). */
function sameObjects(w: World, memo: SignatureMemo): boolean {
  const { refs, kinds, alive } = memo;
  for (let i = 0; i < refs.length; i++) {
    const o = w.objects[refs[i]!];
    if (o?.kind !== kinds[i] || (o?.alive === true) !== alive[i]) return false;
  }
  return true;
}

// The signature's tokens (word values distinct from one another and from the key's string tag).
const SIG_REF = 101;
const SIG_SELF = 102;
const SIG_OPEN = 103;
const SIG_CLOSE = 104;
const SIG_INT = 105;
const SIG_NUM = 106;
const SIG_TRUE = 107;
const SIG_FALSE = 108;
const SIG_NONE = 109;
const SIG_BOUND = 110;
const SIG_UNBOUND = 111;
const SIG_DONE = 112;
const SIG_RUNNING = 113;
const SIG_CODE = 114;
const SIG_SEP = 115;
const SIG_NATIVE = 116;
const SIG_DEVICE = 117;
const SIG_HELD = 118;
const SIG_ARMED = 119;

/**
 * What the rest of the state says about each member: the frames of other
 * threads running one of its bodies (the unplug thread inside its
 * `move_notify`), and the values in other threads' frames that name its own
 * objects (the attachment a walk is notifying, or still has to). Two members
 * alike in their own parts but unalike here must not tie, or the sort would
 * leave them in index order and two images of one state would get two keys.
 */
export function outsideMarks(w: World, sym: Symmetry, c: SymmetryClass, layout: KeyLayout): Map<Member, string> {
  const marks = new Map(c.members.map((m) => [m, '']));
  const mark = (m: Member, text: string) => marks.set(m, marks.get(m)! + text);
  const owner = new Map<number, Member | null>();
  for (const m of c.members) {
    const claim = (v: Value): void => {
      if (typeof v === 'string' && v.charCodeAt(0) === 35) {
        const id = refNumber(v);
        owner.set(id, owner.has(id) && owner.get(id) !== m ? null : m);
      } else if (Array.isArray(v)) v.forEach(claim);
    };
    w.fields[m.driver]!.forEach(claim);
  }
  // Most values name nothing a member owns: a mark's text (frame `ti.depth`, slot `l3`, `r*`…) is made only for one that does.
  const note = (v: Value, ti: number, depth: number, slot: string, k: number): void => {
    if (typeof v === 'string' && v.charCodeAt(0) === 35) {
      const m = owner.get(refNumber(v));
      if (m) mark(m, `${ti}.${depth}${slot}${k < 0 ? '*' : k};`);
    } else if (Array.isArray(v)) for (const x of v) note(x, ti, depth, slot, k);
  };
  for (let ti = 0; ti < w.threads.length; ti++) {
    const t = w.threads[ti]!;
    if (sym.branches.has(t.root)) continue;
    for (let depth = 0; depth < t.frames.length; depth++) {
      const f = t.frames[depth]!;
      if (f.k === 'c') {
        const b = sym.byBody.get(f.body);
        if (b && marks.has(b[0])) mark(b[0], `${ti}.${depth}=${b[1]}:${f.pc};`);
        for (let k = 0; k < f.locals.length; k++) note(f.locals[k]!, ti, depth, 'l', k);
        for (let k = 0; k < f.stack.length; k++) note(f.stack[k]!, ti, depth, 's', k);
      } else {
        const from = layout.regs.get(f.prim) ?? f.regs.length;
        for (let k = 0; k < f.regs.length; k++) note(f.regs[k]!, ti, depth, 'r', k < from ? k : -1);
        for (let k = 0; k < f.args.length; k++) note(f.args[k]!, ti, depth, 'a', k);
      }
    }
  }
  return marks;
}

/** How a key is written: in full (`worldKey`), or a search's `StateKeys` writing a fingerprint. */
export type KeyOf = (w: World, fixed: number, layout: KeyLayout, base?: readonly Obj[], R?: Renaming) => string;

/** The state's key under symmetry: its members sorted by signature, then the ordinary canonical key of that arrangement (written by `key`). */
export function symmetricKey(w: World, program: CompiledProgram, sym: Symmetry, layout: KeyLayout, key: KeyOf = worldKey): string {
  if (!mergeable(w, sym)) return key(w, sym.fixed, layout, sym.base);
  const orders = sym.classes.map((c) => {
    const sigs = c.members.map((m) => signature(w, m, sym));
    // What the rest of the state says about members only matters between members whose signatures tie.
    const marks = new Set(sigs).size < sigs.length ? outsideMarks(w, sym, c, layout) : undefined;
    const mk = (i: number) => marks?.get(c.members[i]!) ?? '';
    return c.members.map((_, i) => i).sort((a, b) => (sigs[a]! < sigs[b]! ? -1 : sigs[a]! > sigs[b]! ? 1 : mk(a) < mk(b) ? -1 : mk(a) > mk(b) ? 1 : a - b));
  });
  return key(w, sym.fixed, layout, sym.base, arrangement(w, sym, orders));
}

/**
 * The renaming that puts member `orders[c][k]` of each class `c` into slot k
 * (a class without an order stays as it is). Undefined when it moves nothing,
 * or when a member's branch has not started (such a state is keyed as it is:
 * a missed merge at most).
 */
export function arrangement(w: World, sym: Symmetry, orders: readonly (readonly number[] | undefined)[]): Renaming | undefined {
  let R: { threadAt: number[]; threadTo: number[]; driverAt: number[]; objectAt: number[]; objectTo: number[]; body: Map<number, number>; name: Map<string, string> } | undefined;
  let rootIndex: Map<number, number> | undefined;
  for (let ci = 0; ci < sym.classes.length; ci++) {
    const order = orders[ci];
    if (!order || order.every((v, i) => v === i)) continue;
    const c = sym.classes[ci]!;
    rootIndex ??= new Map(w.threads.map((t, i) => [t.root, i]));
    R ??= { threadAt: ident(w.threads.length), threadTo: ident(w.threads.length), driverAt: ident(w.fields.length), objectAt: ident(sym.fixed), objectTo: ident(sym.fixed), body: new Map(), name: new Map() };
    for (let slot = 0; slot < order.length; slot++) {
      const src = c.members[order[slot]!]!;
      const dst = c.members[slot]!;
      const from = rootIndex.get(src.branch);
      const to = rootIndex.get(dst.branch);
      if (from === undefined || to === undefined) return undefined;
      R.threadAt[to] = from;
      R.threadTo[from] = to;
      R.driverAt[dst.driver] = src.driver;
      R.objectAt[dst.device] = src.device;
      R.objectTo[src.device] = dst.device;
      src.mutexes.forEach((x, k) => {
        R!.objectAt[dst.mutexes[k]!] = x;
        R!.objectTo[x] = dst.mutexes[k]!;
      });
      R.body.set(src.branch, dst.branch);
      for (const [role, b] of src.bodies) R.body.set(b, dst.bodies.get(role)!);
      R.name.set(src.name, dst.name);
    }
  }
  return R;
}

/** 0, 1, … n - 1, by a loop: `Array.from` with a function costs several times more, and this runs for every key. */
function ident(n: number): number[] {
  const out = new Array<number>(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

/** The world with member `order[k]` of class `c` moved into slot k, as `symmetricKey` arranges it. */
export function permute(w: World, sym: Symmetry, c: SymmetryClass, order: readonly number[], layout: KeyLayout): World {
  const R = arrangement(w, sym, sym.classes.map((x) => (x === c ? order : undefined)));
  return R ? renameWorld(w, sym.fixed, R, layout) : w;
}

