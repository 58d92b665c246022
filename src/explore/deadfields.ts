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

/** Whether every model `natives` runs is a built-in one (whose code reads no driver state and only its own kinds' fields). */
function builtinOnly(natives: Natives): boolean {
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
