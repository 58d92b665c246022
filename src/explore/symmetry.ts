/**
 * Symmetry reduction. Drivers that are identical up to renaming — same
 * state, same code, devices in the same place of the topology — each driven
 * by its own parallel branch of the scenario, are interchangeable: a state
 * and the state with two of them swapped have the same future, up to that
 * swap. The explorer keys each state by its canonical form, found by sorting
 * the interchangeable drivers by a signature of their own parts (state,
 * thread, device) — no search over permutations.
 *
 * Soundness rests on the checks in `detectSymmetry`: every body of the
 * program maps onto its counterpart under each swap (so the transition
 * relation is invariant), no constraint names a member, and the scenario
 * treats members alike from the `join` of their `parallel` on (the lines
 * before it, such as `bind a; bind b`, run before any state is merged).
 * Ties in the signature only cost reduction, never soundness.
 */
import type { Instr } from '../interp/bytecode.js';
import type { CompiledProgram, ScenarioRt } from '../interp/compile.js';
import type { Value } from '../interp/values.js';
import { refNumber, renameWorld, THREAD_FIELDS, worldKey, type KeyLayout, type Obj, type Renaming, type World } from './state.js';

interface Member {
  readonly driver: number;
  readonly name: string;
  /** Object id of its device (fixed: devices are the first objects). */
  readonly device: number;
  /** Object ids of the mutexes its state fields hold (fixed too). */
  readonly mutexes: readonly number[];
  readonly deviceName: string;
  /** Root body of the parallel branch that drives it. */
  readonly branch: number;
  /** Its bodies by role (`action:reg_mr`, `ops:iops.move_notify`, `remove`), and the branch as `branch`. */
  readonly bodies: ReadonlyMap<string, number>;
  /** The inverse: the role of each of its bodies, its branch included. */
  readonly roleOf: ReadonlyMap<number, string>;
}

export interface SymmetryClass {
  readonly members: readonly Member[];
}

export interface Symmetry {
  readonly classes: readonly SymmetryClass[];
  readonly mainBody: number;
  /** Merging applies once the main thread has reached this instruction (the `join`). */
  readonly fromPc: number;
  readonly fixed: number;
  /** The fixed objects as the run starts, for state keys. */
  readonly base: readonly Obj[];
  /** What names a member, found once: every member, its device and state mutexes, its name, its bodies. */
  readonly members: readonly Member[];
  /** Fixed object id → the member whose device or state mutex it is, with its placeholder (`D`, `M0`…). */
  readonly specific: readonly ([Member, string] | undefined)[];
  readonly byName: ReadonlyMap<string, Member>;
  /** A member's body (its branch left out) → the member and the body's role. */
  readonly byBody: ReadonlyMap<number, readonly [Member, string]>;
  readonly branches: ReadonlySet<number>;
  readonly memberDrivers: ReadonlySet<number>;
}


function rolesOf(program: CompiledProgram, d: number): Map<string, number> {
  const drv = program.drivers[d]!;
  const roles = new Map<string, number>();
  for (const [a, b] of drv.actions) roles.set(`action:${a}`, b);
  for (const [t, table] of drv.ops) for (const [slot, b] of table.callbacks) roles.set(`ops:${t}.${slot}`, b);
  if (drv.probe !== undefined) roles.set('probe', drv.probe);
  if (drv.remove !== undefined) roles.set('remove', drv.remove);
  return roles;
}

/** Drivers a body's code names (scenario lines, state fields). */
function driversIn(code: readonly Instr[]): Set<number> {
  const out = new Set<number>();
  for (const i of code) {
    if (i.op === 'action' || i.op === 'bind' || i.op === 'unbind' || i.op === 'loadf' || i.op === 'storef') out.add(i.d);
  }
  return out;
}

/** A swap of two members, as renamings of everything that names them. */
interface Swap {
  readonly driver: Map<number, number>;
  readonly object: Map<number, number>;
  readonly body: Map<number, number>;
  readonly name: Map<string, string>;
  readonly deviceName: Map<string, string>;
}

function swapOf(program: CompiledProgram, a: Member, b: Member): Swap {
  const both = <T>(x: T, y: T) => new Map<T, T>([[x, y], [y, x]]);
  const body = new Map<number, number>([[a.branch, b.branch], [b.branch, a.branch]]);
  for (const [role, id] of a.bodies) {
    body.set(id, b.bodies.get(role)!);
    body.set(b.bodies.get(role)!, id);
  }
  const object = both(a.device, b.device);
  a.mutexes.forEach((m, i) => {
    object.set(m, b.mutexes[i]!);
    object.set(b.mutexes[i]!, m);
  });
  const devName = (m: Member) => program.program.drivers.get(m.name)!.device;
  return { driver: both(a.driver, b.driver), object, body, name: both(a.name, b.name), deviceName: both(devName(a), devName(b)) };
}

function mapValue(v: Value, s: Swap): Value {
  if (typeof v === 'string') {
    if (v.startsWith('#')) {
      const id = refNumber(v);
      const to = s.object.get(id);
      return to === undefined ? v : `#${to}`;
    }
    if (v.startsWith('&')) {
      const dot = v.indexOf('.');
      const to = s.name.get(v.slice(1, dot));
      return to === undefined ? v : `&${to}${v.slice(dot)}`;
    }
    if (v.startsWith('"')) {
      const to = s.name.get(v.slice(1));
      return to === undefined ? v : `"${to}`;
    }
    return v;
  }
  if (Array.isArray(v)) return v.map((x) => mapValue(x, s));
  return v;
}

function mapInstr(i: Instr, s: Swap): Instr {
  switch (i.op) {
    case 'const':
      return { ...i, v: mapValue(i.v, s) };
    case 'loadf':
    case 'storef':
    case 'bind':
    case 'unbind':
      return { ...i, d: s.driver.get(i.d) ?? i.d };
    case 'action':
      return { ...i, d: s.driver.get(i.d) ?? i.d, body: s.body.get(i.body) ?? i.body };
    case 'fn':
      return { ...i, body: s.body.get(i.body) ?? i.body };
    case 'unplug':
      return { ...i, dev: s.deviceName.get(i.dev) ?? i.dev };
    case 'spawn':
    case 'join':
      return { ...i, threads: i.threads.map((t) => s.body.get(t) ?? t) };
    default:
      return i;
  }
}

/**
 * Code without source offsets, for comparing bodies. The threads a `spawn`
 * starts compare as a set: which index each gets is renamed with the threads.
 */
function codeKey(code: readonly Instr[]): string {
  return JSON.stringify(
    code.map(({ at: _at, ...rest }) => ('threads' in rest ? { ...rest, threads: [...rest.threads].sort((a, b) => a - b) } : rest)),
  );
}

/**
 * Finds the classes of interchangeable drivers of a scenario, or undefined
 * when there are none (or the scenario treats them unalike).
 */
export function detectSymmetry(program: CompiledProgram, scenario: ScenarioRt, initial: World): Symmetry | undefined {
  const main = program.bodies[scenario.main]!;
  const spawnAt = main.code.findIndex((i) => i.op === 'spawn');
  if (spawnAt < 0) return undefined;
  const spawn = main.code[spawnAt] as Extract<Instr, { op: 'spawn' }>;
  const joinAt = main.code.findIndex((i, n) => n > spawnAt && i.op === 'join');
  if (joinAt < 0) return undefined;

  // Candidates: drivers alike in state, code shape and place in the topology, each driven by exactly one branch.
  const topo = program.program.topology;
  const providersOn = new Set([...program.program.providers.values()].map((p) => p.device));
  const branchOf = new Map<number, number>();
  for (const t of spawn.threads) {
    const ds = driversIn(program.bodies[t]!.code);
    if (ds.size === 1) {
      const d = [...ds][0]!;
      branchOf.set(d, branchOf.has(d) ? -1 : t);
    }
  }
  const groups = new Map<string, number[]>();
  program.drivers.forEach((d, i) => {
    const branch = branchOf.get(i);
    if (branch === undefined || branch < 0) return;
    const dev = topo.get(d.device);
    if (!dev || dev.kind !== 'device' || providersOn.has(d.device)) return;
    if (program.drivers.some((o) => o !== d && o.device === d.device)) return;
    const fields = [...d.info.fields.values()].map((f) => [f.name, JSON.stringify(f.type), f.decl.init ? JSON.stringify(f.decl.init, (k, v) => (k === 'span' ? undefined : v)) : null]);
    const devInfo = dev as { parent?: string; bars?: ReadonlyMap<number, number>; acs?: boolean };
    const key = JSON.stringify([fields, [...rolesOf(program, i).keys()].sort(), devInfo.parent, [...(devInfo.bars ?? new Map())], devInfo.acs]);
    groups.set(key, [...(groups.get(key) ?? []), i]);
  });

  const constraintText = [...program.program.constraints.values()]
    .map((c) => program.program.sources.get(c.uri)?.text.slice(c.decl.span.start, c.decl.span.end) ?? '')
    .join('\n');
  const mentions = (name: string) => new RegExp(`\\b${name}\\b`).test(constraintText);

  const classes: SymmetryClass[] = [];
  for (const idx of groups.values()) {
    if (idx.length < 2) continue;
    const members: Member[] = idx.map((d) => {
      const drv = program.drivers[d]!;
      const mutexes = initial.fields[d]!.flatMap((v) => (typeof v === 'string' && v.startsWith('#') ? [refNumber(v)] : []));
      const bodies = rolesOf(program, d);
      const roleOf = new Map([...bodies].map(([r, b]) => [b, r]));
      roleOf.set(branchOf.get(d)!, 'branch');
      return { driver: d, name: drv.name, device: program.deviceIds.get(drv.device)!, deviceName: drv.device, mutexes, branch: branchOf.get(d)!, bodies, roleOf };
    });
    // Members a constraint names are told apart; the rest split into classes whose
    // swaps with a first member map the whole program onto itself.
    let rest = members.filter((m) => !mentions(m.name) && !mentions(program.drivers[m.driver]!.device));
    while (rest.length >= 2) {
      const [first, ...others] = rest as [Member, ...Member[]];
      const same = others.filter((m) => invariant(program, swapOf(program, first, m), scenario.main, joinAt));
      if (same.length > 0) classes.push({ members: [first, ...same] });
      rest = others.filter((m) => !same.includes(m));
    }
  }
  if (classes.length === 0) return undefined;
  const fixed = initial.objects.length;
  const all = classes.flatMap((c) => c.members);
  const specific = new Array<[Member, string] | undefined>(fixed);
  const byBody = new Map<number, readonly [Member, string]>();
  for (const m of all) {
    specific[m.device] = [m, 'D'];
    m.mutexes.forEach((x, k) => (specific[x] = [m, `M${k}`]));
    for (const [b, role] of m.roleOf) if (role !== 'branch') byBody.set(b, [m, role]);
  }
  return {
    classes,
    mainBody: scenario.main,
    fromPc: joinAt,
    fixed,
    base: initial.objects,
    members: all,
    specific,
    byName: new Map(all.map((m) => [m.name, m])),
    byBody,
    branches: new Set(all.map((m) => m.branch)),
    memberDrivers: new Set(all.map((m) => m.driver)),
  };
}

function invariant(program: CompiledProgram, s: Swap, mainBody: number, fromPc: number): boolean {
  for (const b of program.bodies) {
    const code = b.id === mainBody ? b.code.slice(fromPc) : b.code;
    const target = s.body.get(b.id) ?? b.id;
    const want = target === mainBody ? program.bodies[target]!.code.slice(fromPc) : program.bodies[target]!.code;
    if (codeKey(code.map((i) => mapInstr(i, s))) !== codeKey(want)) return false;
  }
  return true;
}

/** Whether a state may be merged with its images: the main thread is past the asymmetric prefix, and no scenario step is half done. */
export function mergeable(w: World, sym: Symmetry): boolean {
  const main = w.threads[0]!;
  if (!main.done) {
    const f = main.frames[main.frames.length - 1];
    if (main.frames.length !== 1 || !f || f.k !== 'c' || f.body !== sym.mainBody || f.pc < sym.fromPc) return false;
  }
  // bind/unbind/unplug keep driver indices and device names in their registers, which a swap
  // cannot rename: a state where one of them is under way for a member is not merged.
  return w.threads.every((t) => t.frames.every((f) => f.k !== 'n' || !f.prim.startsWith('@') || !namesMember(f.args, f.regs, sym)));
}

function namesMember(args: readonly Value[], regs: readonly Value[], sym: Symmetry): boolean {
  for (const c of sym.classes) {
    for (const m of c.members) {
      if (args[0] === m.driver || regs[2] === m.driver) return true;
      if (args[0] === m.deviceName) return true;
    }
  }
  return false;
}

/** A member's own parts, with references abstracted so the signature does not depend on object numbering. */
export function signature(w: World, m: Member): string {
  // Built by concatenation: this runs for every member of every successor state.
  let s = '';
  const abs = (v: Value): void => {
    if (typeof v === 'string' && v.charCodeAt(0) === 35) {
      const o = w.objects[refNumber(v)];
      s += `#${o?.kind ?? ''}${o?.alive ? '' : '!'},`;
    } else if (typeof v === 'string' && (v.charCodeAt(0) === 38 || v.charCodeAt(0) === 34) && v.startsWith(m.name, 1) && (v.length === m.name.length + 1 || v[m.name.length + 1] === '.')) {
      // Its own name (`&importer3.iops`) says nothing about its situation: a swap renames it.
      s += `${v[0]}SELF${v.slice(m.name.length + 1)},`;
    } else if (Array.isArray(v)) {
      s += '[';
      for (const x of v) abs(x);
      s += '],';
    } else s += `${String(v)},`;
  };
  for (const v of w.fields[m.driver]!) abs(v);
  s += w.bindings[m.driver] !== null ? '|b|' : '|u|';
  const thread = w.threads.find((t) => t.root === m.branch);
  if (thread) {
    s += thread.done ? 'd' : 'r';
    for (const f of thread.frames) {
      if (f.k === 'c') {
        s += `(${m.roleOf.get(f.body) ?? f.body}:${f.pc}:${f.held.length}:${f.entry}:`;
        for (const v of f.locals) abs(v);
        s += ':';
        for (const v of f.stack) abs(v);
        s += ')';
      } else s += `(${f.prim}:${f.phase})`;
    }
  }
  const dev = w.objects[m.device]!;
  s += `|${dev.alive}`;
  for (const k in dev.f) {
    const v = dev.f[k] ?? null;
    // The device's name is its place, which a swap keeps: it says nothing about the member.
    if (k === 'name') continue;
    if (THREAD_FIELDS.has(k)) s += v !== -1 ? 'h,' : 'f,';
    else abs(v);
  }
  let armed = 0;
  for (const a of w.armed) if (a[0] === m.device) armed++;
  return `${s}|${armed}`;
}

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
  w.threads.forEach((t, ti) => {
    if (sym.branches.has(t.root)) return;
    t.frames.forEach((f, depth) => {
      const at = `${ti}.${depth}`;
      const note = (v: Value, slot: string): void => {
        if (typeof v === 'string' && v.charCodeAt(0) === 35) {
          const m = owner.get(refNumber(v));
          if (m) mark(m, `${at}${slot};`);
        } else if (Array.isArray(v)) v.forEach((x) => note(x, slot));
      };
      if (f.k === 'c') {
        const b = sym.byBody.get(f.body);
        if (b && marks.has(b[0])) mark(b[0], `${at}=${b[1]}:${f.pc};`);
        f.locals.forEach((v, k) => note(v, `l${k}`));
        f.stack.forEach((v, k) => note(v, `s${k}`));
      } else {
        const from = layout.regs.get(f.prim) ?? f.regs.length;
        f.regs.forEach((v, k) => note(v, k < from ? `r${k}` : 'r*'));
        f.args.forEach((v, k) => note(v, `a${k}`));
      }
    });
  });
  return marks;
}

/** The state's key under symmetry: its members sorted by signature, then the ordinary canonical key of that arrangement. */
export function symmetricKey(w: World, program: CompiledProgram, sym: Symmetry, layout: KeyLayout): string {
  if (!mergeable(w, sym)) return worldKey(w, sym.fixed, layout, sym.base);
  const orders = sym.classes.map((c) => {
    const sigs = c.members.map((m) => signature(w, m));
    // What the rest of the state says about members only matters between members whose signatures tie.
    const marks = new Set(sigs).size < sigs.length ? outsideMarks(w, sym, c, layout) : undefined;
    const mk = (i: number) => marks?.get(c.members[i]!) ?? '';
    return c.members.map((_, i) => i).sort((a, b) => (sigs[a]! < sigs[b]! ? -1 : sigs[a]! > sigs[b]! ? 1 : mk(a) < mk(b) ? -1 : mk(a) > mk(b) ? 1 : a - b));
  });
  return worldKey(w, sym.fixed, layout, sym.base, arrangement(w, sym, orders));
}

/**
 * The renaming that puts member `orders[c][k]` of each class `c` into slot k
 * (a class without an order stays as it is). Undefined when it moves nothing,
 * or when a member's branch has not started (such a state is keyed as it is:
 * a missed merge at most).
 */
function arrangement(w: World, sym: Symmetry, orders: readonly (readonly number[] | undefined)[]): Renaming | undefined {
  let R: { threadAt: number[]; threadTo: number[]; driverAt: number[]; objectAt: number[]; objectTo: number[]; body: Map<number, number>; name: Map<string, string> } | undefined;
  let rootIndex: Map<number, number> | undefined;
  for (let ci = 0; ci < sym.classes.length; ci++) {
    const order = orders[ci];
    if (!order || order.every((v, i) => v === i)) continue;
    const c = sym.classes[ci]!;
    rootIndex ??= new Map(w.threads.map((t, i) => [t.root, i]));
    const ident = (n: number) => Array.from({ length: n }, (_, i) => i);
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

/** The world with member `order[k]` of class `c` moved into slot k, as `symmetricKey` arranges it. */
export function permute(w: World, sym: Symmetry, c: SymmetryClass, order: readonly number[]): World {
  const R = arrangement(w, sym, sym.classes.map((x) => (x === c ? order : undefined)));
  return R ? renameWorld(w, sym.fixed, R) : w;
}

/** What `twins` finds in a state: threads to skip, and objects that stand for each other. */
export interface Twins {
  /** Threads of members whose steps a twin's steps stand for. */
  readonly skip: ReadonlySet<number>;
  /** Object id → its place among twins (`group:Pn`): objects with the same place are interchangeable. */
  readonly place: ReadonlyMap<number, string>;
  /** A member's thread → its twin group (`class.group`): a swap within the group moves the thread. */
  readonly groupOf: ReadonlyMap<number, string>;
}

/**
 * Whether a step of `thread` may treat objects `a` and `b` as one: they
 * have the same place among twins, and the swap that exchanges them leaves
 * the stepping thread where it is.
 */
export function interchangeable(tw: Twins, thread: number, a: number, b: number): boolean {
  const p = tw.place.get(a);
  if (p === undefined || p !== tw.place.get(b)) return false;
  return tw.groupOf.get(thread) !== p.slice(0, p.indexOf(':'));
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
  // Finding twins pays off only for a twin's step that can be skipped, or for a choice
  // among a set of objects: one a frame holds, or one a primitive about to be called makes.
  const choosing = w.threads.some((t) => {
    const top = t.frames[t.frames.length - 1];
    if (top?.k === 'c') {
      const ins = program.bodies[top.body]!.code[top.pc];
      if (ins?.op === 'prim' && layout.regs.has(ins.name)) return true;
    }
    return t.frames.some((f) => f.k === 'n' && f.regs.length - (layout.regs.get(f.prim) ?? f.regs.length) >= 2);
  });
  // Twins have equal signatures; where no two members do, there is nothing to find.
  // (A filter only: a pair it wrongly dropped would cost a saving, not a state.)
  const candidates = new Set<Member>();
  const threadOf = new Map(w.threads.map((t, i) => [t.root, i]));
  for (const c of sym.classes) {
    const bySig = new Map<string, Member>();
    for (const m of c.members) {
      if (!choosing) {
        const t = threadOf.get(m.branch);
        if (t === undefined || !canStep(t)) continue;
      }
      const sig = signature(w, m);
      const first = bySig.get(sig);
      if (first) {
        candidates.add(first);
        candidates.add(m);
      } else bySig.set(sig, m);
    }
  }
  if (candidates.size === 0) return undefined;
  const { fixed, members, specific, byName, byBody, memberDrivers } = sym;
  const byThread = new Map<number, Member>();
  for (const m of members) {
    const t = threadOf.get(m.branch);
    if (t !== undefined) byThread.set(t, m);
  }
  const leaked = new Set<Member>();
  const nameOf = (v: string): string => {
    const dot = v.indexOf('.');
    return dot < 0 ? v.slice(1) : v.slice(1, dot);
  };

  // What the rest of the state reaches is shared; naming a member's own things there leaks the member.
  // Elements of sets are set aside: a swap of twins maps a set holding both onto itself.
  // By object id (arrays, not maps: this runs for every state).
  const shared = new Uint8Array(w.objects.length);
  const claimedBy: (Member | undefined)[] = new Array(w.objects.length);
  const inSets: (string[] | undefined)[] = new Array(w.objects.length);
  const setElements: number[] = [];
  const pending: number[] = [];
  const outside = (v: Value | undefined): void => {
    if (typeof v === 'string') {
      const c = v.charCodeAt(0);
      if (c === 35) {
        const id = refNumber(v);
        const s = specific[id];
        if (s) leaked.add(s[0]);
        else if (id >= fixed && shared[id] === 0) {
          shared[id] = 1;
          pending.push(id);
          const owner = claimedBy[id];
          if (owner) leaked.add(owner);
        }
      } else if (c === 38 || c === 34) {
        const m = byName.get(nameOf(v));
        if (m) leaked.add(m);
      }
    } else if (Array.isArray(v)) for (const x of v) outside(x);
  };
  const element = (v: Value | undefined, label: string): void => {
    if (typeof v === 'string' && v.charCodeAt(0) === 35 && refNumber(v) >= fixed) {
      const id = refNumber(v);
      const l = inSets[id];
      if (l) l.push(label);
      else {
        inSets[id] = [label];
        setElements.push(id);
      }
    } else outside(v);
  };
  const outsideObject = (id: number): void => {
    const o = w.objects[id]!;
    const sets = layout.fields.get(o.kind);
    for (const k in o.f) {
      const v = o.f[k] ?? null;
      if (THREAD_FIELDS.has(k) && typeof v === 'number') {
        const m = byThread.get(v);
        if (m) leaked.add(m);
      } else if (sets?.has(k) && Array.isArray(v)) for (const x of v) element(x, `${id}.${k}`);
      else outside(v);
    }
  };
  const drain = () => {
    while (pending.length > 0) outsideObject(pending.pop()!);
  };
  w.fields.forEach((fs, d) => {
    if (memberDrivers.has(d)) return;
    fs.forEach(outside);
    outside(w.bindings[d]);
  });
  for (const k in w.providers) outside(w.providers[k]);
  w.threads.forEach((t, ti) => {
    if (byThread.has(ti)) return;
    t.frames.forEach((f, depth) => {
      if (f.k === 'c') {
        const b = byBody.get(f.body);
        if (b) leaked.add(b[0]);
        f.locals.forEach(outside);
        f.stack.forEach(outside);
        f.held.forEach(outside);
        f.args?.forEach(outside);
      } else {
        f.args.forEach(outside);
        const from = layout.regs.get(f.prim) ?? f.regs.length;
        f.regs.forEach((v, k) => (k < from ? outside(v) : element(v, `t${ti}.${depth}`)));
      }
    });
  });
  for (const a of w.armed) if (specific[a[0]] === undefined) outside(`#${a[1]}`);
  for (const k in w.mem) for (const t of w.mem[k]!) outside(JSON.parse(t) as Value);
  for (let i = 0; i < fixed; i++) if (specific[i] === undefined) outsideObject(i);
  drain();

  // Each member's own parts, its own things as placeholders, shared objects by number.
  const encoding = new Map<Member, string>();
  const privates = new Map<Member, number[]>();
  for (const m of members) {
    if (leaked.has(m) || !candidates.has(m)) continue;
    const ti = threadOf.get(m.branch);
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
          const sp = id < fixed ? specific[id] : undefined;
          if (sp) {
            if (sp[0] === m) s += `#${sp[1]},`;
            else leaked.add(m);
          } else if (id < fixed || shared[id] === 1) s += `#${id},`;
          else {
            const other = claimedBy[id];
            if (other !== undefined && other !== m) {
              leaked.add(m);
              leaked.add(other);
            }
            claimedBy[id] = m;
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
          else if (byName.has(name)) leaked.add(m);
          else s += `'${v.length}:${v}`;
        } else s += `'${v.length}:${v}`;
      } else {
        s += '[';
        for (const x of v) val(x);
        s += ']';
      }
    };
    const objFields = (o: Obj, place: boolean): void => {
      s += o.alive ? 'T' : 'F';
      const sets = layout.fields.get(o.kind);
      for (const k in o.f) {
        const v = o.f[k] ?? null;
        // A device's or state mutex's name is its place, which a swap keeps.
        if (place && k === 'name') continue;
        if (THREAD_FIELDS.has(k) && typeof v === 'number' && v >= 0) {
          if (v === ti) s += 'self,';
          else if (byThread.has(v)) leaked.add(m);
          else s += `${v},`;
        } else if (sets?.has(k) && Array.isArray(v)) {
          // A set of the member's own: its elements' encodings, sorted.
          const before = s;
          const parts = v.map((x) => {
            s = '';
            val(x);
            return s;
          });
          s = `${before}{${parts.sort().join('')}}`;
        } else val(v);
      }
      s += ';';
    };
    for (const v of w.fields[m.driver]!) val(v);
    s += '|';
    val(w.bindings[m.driver]);
    s += '|';
    if (ti === undefined) s += 'none';
    else {
      const t = w.threads[ti]!;
      s += t.done ? 'D' : 'R';
      for (const f of t.frames) {
        if (f.k === 'c') {
          const role = m.roleOf.get(f.body);
          if (role === undefined && byBody.has(f.body)) leaked.add(m);
          s += `(${role ?? f.body}:${f.pc}:${f.tr}:${f.entry}:`;
          for (const x of [f.locals, f.stack, f.held, f.args ?? []]) val(x);
          s += ')';
        } else {
          s += `(${f.prim}:${f.phase}:${f.tr}:${f.waiting}:`;
          val(f.args);
          const from = layout.regs.get(f.prim) ?? f.regs.length;
          val(f.regs.slice(0, from));
          if (from < f.regs.length) {
            const before = s;
            const parts = f.regs.slice(from).map((x) => {
              s = '';
              val(x);
              return s;
            });
            s = `${before}{${parts.sort().join('')}}`;
          }
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
      const sets = inSets[queue[i]!];
      if (sets) s += `in${[...sets].sort().join(',')};`;
    }
    encoding.set(m, s);
    privates.set(m, queue);
  }
  // Set elements no member claims are shared after all: what they name leaks.
  for (const id of setElements) {
    if (claimedBy[id] === undefined && shared[id] === 0) {
      shared[id] = 1;
      pending.push(id);
    }
  }
  drain();

  let skip: Set<number> | undefined;
  const place = new Map<number, string>();
  const groupOf = new Map<number, string>();
  sym.classes.forEach((c, ci) => {
    const firstWith = new Map<string, number>();
    for (const m of c.members) {
      const e = encoding.get(m);
      const ti = threadOf.get(m.branch);
      if (e === undefined || leaked.has(m) || ti === undefined) continue;
      let group = firstWith.get(e);
      if (group === undefined) {
        group = firstWith.size;
        firstWith.set(e, group);
      } else (skip ??= new Set()).add(ti);
      groupOf.set(ti, `${ci}.${group}`);
      privates.get(m)!.forEach((id, n) => place.set(id, `${ci}.${group}:P${n}`));
    }
  });
  return skip || place.size > 0 ? { skip: skip ?? new Set(), place, groupOf } : undefined;
}
