/**
 * The dead-field reduction: a driver state field, or a field of a kind the
 * spec declares, that nothing can ever read is left out of the state key, so
 * two states that differ only in such fields are one state.
 *
 * "Nothing can read it" is decided on the whole compiled program, statically:
 * every body (callbacks, actions, probe and remove, `fn`s, scenario threads,
 * constraint conditions, initial values, flags) is scanned for the
 * instructions that read a field — `loadf` and the kref instructions of a
 * driver field; `member`, `kref` and `krefread` of an object field, which
 * name the field but not its kind, so a name read on any object keeps that
 * name live on every kind. A `lifetime K within F` rule reads field F, and a
 * built-in model reads the fields its own kinds declare, so those names stay
 * live too. A model an embedder registers may read `world.fields` and any
 * object's fields (docs/embedding.md), so with one the reduction is off.
 * When in doubt a field is live: a live field left dead would merge states
 * with different futures, a dead field kept live only costs states.
 *
 * The key leaves out a dead field only while it holds a plain value (a
 * number, a bool, an errno, none, or a set of them: `plain`); one that names
 * an object, an ops table or a driver is keyed as before, so which objects a
 * state reaches, and how the key numbers them, is what it was without the
 * reduction. What the key leaves out no transition reads: no step's
 * enabledness, effect on the rest of the state, event, rule verdict or trace
 * text depends on it (docs/semantics.md §4, "Dead fields").
 */
import type { Instr } from '../runtime/bytecode.js';
import type { CompiledProgram } from '../runtime/compiled.js';
import type { Natives } from '../runtime/natives.js';
import type { Value } from '../runtime/values.js';
import type { World } from '../runtime/world.js';
import { builtinModels, ModelRegistry } from '../models/registry.js';

/** What the dead-field reduction leaves out of state keys. */
export interface DeadFields {
  /** Driver index → for each of its state fields, whether it is dead (undefined: none is). */
  readonly driver: readonly (readonly boolean[] | undefined)[];
  /** A kind the spec declares → its dead fields. */
  readonly kind: ReadonlyMap<string, ReadonlySet<string>>;
  /** How the report names them: `importer1.tag`, `mr.cookie`, in declaration order. */
  readonly names: readonly string[];
}

/**
 * The flow-sensitive part: a driver field that only scenario threads,
 * actions and `fn`s read — never a callback, probe, remove, condition or
 * initial value, which can start at any time — is dead in a state where no
 * frame of any thread can still reach a read of it (`liveNow`). The state
 * key leaves out such a field's plain value where `deadIn` says so, judged
 * on the world as it writes it (bodies renamed); symmetry and twins keep to
 * the static form.
 */
export interface FlowLiveness {
  /** Driver → field → its index among these fields, or -1 (statically dead, or read by code that can start at any time). */
  readonly index: readonly (readonly number[])[];
  readonly count: number;
  /** Body → pc → the fields (indices) code running from there can read: its own later instructions, the bodies it calls, the threads it starts. */
  readonly from: readonly (readonly (readonly number[])[])[];
}

/** Whether every model `natives` runs is a built-in one (whose code reads no driver state and only its own kinds' fields). */
export function builtinOnly(natives: Natives): boolean {
  return natives instanceof ModelRegistry && natives.models.every((m) => builtinModels.includes(m));
}

/** The fields no code of `program` can read, or undefined when there are none (or the models cannot be vouched for). */
export function deadFields(program: CompiledProgram, natives: Natives): DeadFields | undefined {
  if (!builtinOnly(natives)) return undefined;
  const readDriver = program.drivers.map((d) => new Array<boolean>(d.fieldNames.length).fill(false));
  const readNames = new Set<string>();
  const note = (i: Instr): void => {
    switch (i.op) {
      case 'loadf':
        if (readDriver[i.d] !== undefined) readDriver[i.d]![i.f] = true;
        return;
      case 'kref':
      case 'krefread':
        // kref_get/put read the count before they write it; kref_init is counted as a read too.
        if (i.d !== undefined && i.f !== undefined) {
          if (readDriver[i.d] !== undefined) readDriver[i.d]![i.f] = true;
        } else readNames.add(i.field);
        return;
      case 'member':
        readNames.add(i.name);
        return;
      default:
        return;
    }
  };
  for (const b of program.bodies) for (const i of b.code) note(i);
  // `lifetime K within F` reads F of every K object when something ends.
  for (const c of program.program.constraints.values()) for (const r of c.decl.rules) if (r.kind === 'lifetime') readNames.add(r.field.name);
  // The built-in models read the fields of their own kinds by name (and a lock's `name`).
  for (const k of natives.kindImpls) {
    for (const f of Object.keys(k.fields)) readNames.add(f);
    for (const f of k.threadFields ?? []) readNames.add(f);
    for (const f of k.setFields ?? []) readNames.add(f);
  }
  readNames.add('name');

  const names: string[] = [];
  const driver = program.drivers.map((d, di) => {
    const dead = readDriver[di]!.map((r) => !r);
    d.fieldNames.forEach((f, fi) => dead[fi] && names.push(`${d.name}.${f}`));
    return dead.some((x) => x) ? dead : undefined;
  });

  const kind = new Map<string, Set<string>>();
  for (const k of program.program.kinds.values()) {
    const dead = [...k.fields.keys()].filter((f) => !readNames.has(f));
    if (dead.length === 0) continue;
    kind.set(k.name, new Set(dead));
    for (const f of dead) names.push(`${k.name}.${f}`);
  }
  return names.length > 0 ? { driver, kind, names } : undefined;
}

/** The bodies an instruction starts: a `fn` or action it calls, the threads it spawns. */
function callees(i: Instr): readonly number[] {
  return i.op === 'fn' || i.op === 'action' ? [i.body] : i.op === 'spawn' ? i.threads : [];
}

/**
 * Which driver fields each pc of each body can still read (FlowLiveness).
 * Over-approximated on every side: an instruction's successors are the next
 * one and every target it names (also after a `ret` or `fail`), a call reads
 * all its callee can, transitively, and a field any body that is not only
 * ever started by an instruction (a callback, probe or remove, which models
 * call; a condition; an initial value; a flag) reads is never dead.
 */
export function flowLiveness(program: CompiledProgram): FlowLiveness | undefined {
  const bodies = program.bodies;
  // Bodies only ever started by an instruction of another: scenario threads, actions, fns.
  const started = new Set<number>(program.scenarios.map((s) => s.main));
  for (const b of bodies) for (const i of b.code) for (const c of callees(i)) started.add(c);
  for (const d of program.drivers) {
    if (d.probe !== undefined) started.delete(d.probe);
    if (d.remove !== undefined) started.delete(d.remove);
    for (const t of d.ops.values()) for (const c of t.callbacks.values()) started.delete(c);
  }
  const key = (d: number, f: number) => `${d}.${f}`;
  const readsOf = (i: Instr): string | undefined =>
    i.op === 'loadf' ? key(i.d, i.f) : (i.op === 'kref' || i.op === 'krefread') && i.d !== undefined && i.f !== undefined ? key(i.d, i.f) : undefined;
  // Every field each body can read, with what it calls (a fixpoint: fns may recurse).
  const whole = bodies.map((b) => new Set(b.code.flatMap((i) => readsOf(i) ?? [])));
  for (let changed = true; changed; ) {
    changed = false;
    bodies.forEach((b, id) => {
      const mine = whole[id]!;
      for (const i of b.code) {
        for (const c of callees(i)) {
          for (const r of whole[c] ?? []) {
            if (!mine.has(r)) {
              mine.add(r);
              changed = true;
            }
          }
        }
      }
    });
  }
  const always = new Set<string>();
  bodies.forEach((b, id) => {
    if (!started.has(id)) for (const r of whole[id]!) always.add(r);
  });
  // The candidates: fields some code reads, none of it code that can start at any time.
  let count = 0;
  const index = program.drivers.map((d, di) => d.fieldNames.map((_, fi) => (bodies.some((_b, id) => whole[id]!.has(key(di, fi))) && !always.has(key(di, fi)) ? count++ : -1)));
  if (count === 0) return undefined;
  const indexOf = (k: string) => {
    const [d, f] = k.split('.').map(Number) as [number, number];
    return index[d]![f]!;
  };
  // Per body, per pc: a backward fixpoint over the instructions' successors; equal sets shared.
  const interned = new Map<string, readonly number[]>();
  const intern = (set: ReadonlySet<number>): readonly number[] => {
    const sorted = [...set].sort((a, b) => a - b);
    const k = sorted.join(',');
    let got = interned.get(k);
    if (!got) interned.set(k, (got = sorted));
    return got;
  };
  const from = bodies.map((b) => {
    const code = b.code;
    const here = code.map((i) => {
      const out = new Set<number>();
      const r = readsOf(i);
      if (r !== undefined && indexOf(r) >= 0) out.add(indexOf(r));
      for (const c of callees(i)) for (const x of whole[c] ?? []) if (indexOf(x) >= 0) out.add(indexOf(x));
      return out;
    });
    const succ = code.map((i, pc) => {
      const out = pc + 1 < code.length ? [pc + 1] : [];
      if (i.op === 'jmp' || i.op === 'jf' || i.op === 'jt' || i.op === 'iter') out.push(i.t);
      if (i.op === 'pick' || i.op === 'choose') out.push(...i.targets);
      return out.filter((t) => t >= 0 && t < code.length);
    });
    const live = here.map((h) => new Set(h));
    for (let changed = true; changed; ) {
      changed = false;
      for (let pc = code.length - 1; pc >= 0; pc--) {
        const mine = live[pc]!;
        for (const t of succ[pc]!) {
          for (const x of live[t]!) {
            if (!mine.has(x)) {
              mine.add(x);
              changed = true;
            }
          }
        }
      }
    }
    return live.map(intern);
  });
  return { index, count, from };
}

/**
 * How the report names the fields `flow` can find dead in a state:
 * `importer1.busy`, in declaration order; those that start out naming an
 * object (a state mutex), which the key always keeps, left out.
 */
export function flowNames(program: CompiledProgram, flow: FlowLiveness, w0: World): string[] {
  return program.drivers.flatMap((d, di) => d.fieldNames.flatMap((f, fi) => (flow.index[di]![fi]! >= 0 && plain(w0.fields[di]?.[fi] ?? null) ? [`${d.name}.${f}`] : [])));
}

/** The fields of `flow` some frame of `w` can still reach a read of (by index); undefined when `flow` is. */
export function liveNow(flow: FlowLiveness | undefined, w: World, body: (b: number) => number = (b) => b): Uint8Array | undefined {
  if (!flow) return undefined;
  const live = new Uint8Array(flow.count);
  for (const t of w.threads) {
    if (t.done) continue;
    for (const f of t.frames) {
      if (f.k !== 'c') continue;
      const at = flow.from[body(f.body)]?.[f.pc];
      if (at) for (const x of at) live[x] = 1;
    }
  }
  return live;
}

/** Whether field `f` of driver `d` is dead: statically, or (with `live`, what `liveNow` found of `flow` in a state) in that state. */
export function deadIn(dead: DeadFields | undefined, flow: FlowLiveness | undefined, live: Uint8Array | undefined, d: number, f: number): boolean {
  if (isDeadField(dead, d, f)) return true;
  const i = flow && live ? flow.index[d]![f]! : -1;
  return i >= 0 && live![i] === 0;
}

/** A value that names no object, ops table or driver (a number, a bool, an errno, a constant, none, or a set of those). */
export function plain(v: Value): boolean {
  if (typeof v === 'string') {
    const c = v.charCodeAt(0);
    return c !== 35 && c !== 38 && c !== 34;
  }
  return Array.isArray(v) ? v.every(plain) : true;
}

/** Whether field `f` of driver `d` is dead. */
export function isDeadField(dead: DeadFields | undefined, d: number, f: number): boolean {
  return dead?.driver[d]?.[f] === true;
}

/**
 * Code for comparing bodies up to dead fields: a plain constant stored
 * straight into a dead field (`tag = 3`, the const and the `storef` after
 * it) is blanked. The value a `const` pushes is popped by the next
 * instruction, so it reaches the dead field and nothing else; a body
 * differing only there behaves the same on everything live. Other stores to
 * dead fields (of a computed value, or of a reference) are compared as they
 * are: a missed merge at most.
 */
export function blankDeadStores(code: readonly Instr[], dead: DeadFields | undefined): readonly Instr[] {
  if (!dead) return code;
  let out: Instr[] | undefined;
  for (let i = 0; i + 1 < code.length; i++) {
    const a = code[i]!;
    const b = code[i + 1]!;
    if (a.op === 'const' && plain(a.v) && b.op === 'storef' && isDeadField(dead, b.d, b.f)) {
      out ??= code.slice();
      out[i] = { op: 'const', v: '\u0000dead', at: a.at };
    }
  }
  return out ?? code;
}
