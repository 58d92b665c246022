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
import type { Instr } from '../../runtime/bytecode.js';
import type { CompiledProgram, ScenarioRt } from '../../runtime/compiled.js';
import type { Value } from '../../runtime/values.js';
import type { Obj, Thread, World } from '../../runtime/world.js';
import { blankDeadStores, isDeadField, plain, type DeadFields } from '../deadfields.js';
import { refNumber, type KeyLayout } from '../key.js';
import { WordWriter } from '../words.js';

export interface Member {
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
  /** Object fields that hold thread indices (the models' kinds say which). */
  readonly threadFields: ReadonlySet<string>;
  /** The fields no code reads (the dead-field reduction): members may differ in them. */
  readonly dead?: DeadFields;
  /** Where the search's member signatures are written, one after another (canonical.ts). */
  readonly signatures: WordWriter;
  /** Each member's last signature, by its driver (canonical.ts `signature`). */
  readonly memo: (SignatureMemo | undefined)[];
}

/**
 * What a member's last signature was made of, by identity: a state shares
 * its driver states, threads and objects with its parent until a step
 * writes them (world.ts), so most members of a successor are made of the
 * very parts they were in the parent, and their signatures are the same.
 * A part is never changed once its state is keyed (written parts are
 * copies), so equal identities mean equal contents.
 */
export interface SignatureMemo {
  readonly fields: readonly Value[];
  /** Its branch's thread, if started. */
  readonly thread: Thread | undefined;
  readonly device: Obj;
  readonly armed: number;
  readonly bound: boolean;
  /** The objects its references named, by id, and what it wrote of each: its kind (none for no object) and whether it was alive. */
  readonly refs: readonly number[];
  readonly kinds: readonly (string | undefined)[];
  readonly alive: readonly boolean[];
  readonly sig: string;
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
 * A plain constant stored straight into a dead field is blanked: bodies that
 * differ only in what they store there behave alike on everything a step can
 * read, and no key holds what they store.
 */
function codeKey(code: readonly Instr[], dead: DeadFields | undefined): string {
  return JSON.stringify(
    blankDeadStores(code, dead).map(({ at: _at, ...rest }) => ('threads' in rest ? { ...rest, threads: [...rest.threads].sort((a, b) => a - b) } : rest)),
  );
}

/**
 * Finds the classes of interchangeable drivers of a scenario, or undefined
 * when there are none (or the scenario treats them unalike).
 */
export function detectSymmetry(program: CompiledProgram, scenario: ScenarioRt, initial: World, layout: KeyLayout): Symmetry | undefined {
  // Own kinds, krefs and components (v1) are not yet part of the member signatures the
  // canonical form and the twins are proven on: a spec that has any is explored unmerged.
  if (program.program.kinds.size > 0 || [...program.program.drivers.values()].some((d) => d.component)) return undefined;
  if (program.bodies.some((b) => b.code.some((i) => i.op === 'kref' || i.op === 'pick' || i.op === 'new'))) return undefined;
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
    // A dead field's plain initial value is nobody's to read, and no key holds it: members may start it differently.
    const fields = [...d.info.fields.values()].map((f, fi) =>
      isDeadField(layout.dead, i, fi) && plain(initial.fields[i]?.[fi] ?? null)
        ? [f.name, JSON.stringify(f.type), 'dead']
        : [f.name, JSON.stringify(f.type), f.decl.init ? JSON.stringify(f.decl.init, (k, v) => (k === 'span' ? undefined : v)) : null],
    );
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
      const same = others.filter((m) => invariant(program, swapOf(program, first, m), scenario.main, joinAt, layout.dead));
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
    threadFields: layout.threadFields,
    ...(layout.dead ? { dead: layout.dead } : {}),
    signatures: new WordWriter(),
    memo: [],
  };
}

/**
 * Whether swap `s` maps every body onto its counterpart, up to constants
 * stored into dead fields. It also makes the dead fields themselves
 * invariant: a read of one member's field maps onto the same read of the
 * other's, so a field is dead in one exactly when its counterpart is.
 */
function invariant(program: CompiledProgram, s: Swap, mainBody: number, fromPc: number, dead: DeadFields | undefined): boolean {
  for (const b of program.bodies) {
    const code = b.id === mainBody ? b.code.slice(fromPc) : b.code;
    const target = s.body.get(b.id) ?? b.id;
    const want = target === mainBody ? program.bodies[target]!.code.slice(fromPc) : program.bodies[target]!.code;
    if (codeKey(code.map((i) => mapInstr(i, s)), dead) !== codeKey(want, dead)) return false;
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

