/**
 * The instructions of the spec's own objects (v1): `new`, `free`, a field
 * write, the kref primitives, and `choose` in a body. Kept apart from the
 * step's core so each file holds one concern.
 */
import type { Instr } from './bytecode.js';
import { SATURATED } from './pure.js';
import type { CompiledProgram } from './compiled.js';
import type { KindImpl } from './natives.js';
import { errnoName, isErrno, type Value } from './values.js';
import { ownFields, type CodeFrame, type Obj, type World } from './world.js';

/** What these instructions need of the step that runs them (step.ts). */
export interface Step {
  readonly world: World;
  readonly program: CompiledProgram;
  text: string;
  obj(v: Value): Obj | undefined;
  show(v: Value): string;
  create(kind: string, fields: Record<string, Value>): string;
  destroy(ref: Value): void;
  violate(rule: string, message: string): void;
  choose(n: number): number;
  describe(text: string, uri: string, at: number, call?: { name: string; args: readonly Value[] }): void;
  event(name: string, args: readonly Value[], outcome: 'ok' | 'fails' | undefined): void;
  noteResult(s: string): void;
  fatalAt(ins: Instr, uri: string, rule: string, message: string): void;
  kindImpl(name: string): KindImpl | undefined;
}

type ObjectOp = Extract<Instr, { op: 'new' | 'free' | 'storem' | 'kref' | 'krefread' | 'pick' }>;

/** Runs one of the object instructions for `step`'s thread, whose top frame is `f`. */
export function execObjectOp(step: Step, f: CodeFrame, ins: ObjectOp, uri: string): void {
  const st = f.stack;
  const w = step.world;
  switch (ins.op) {
      case 'new': {
        const values = st.splice(st.length - ins.fields.length, ins.fields.length);
        const fields: Record<string, Value> = {};
        ins.fields.forEach((name, i) => (fields[name] = values[i] ?? null));
        // A lock field (`m: mutex`) is a lock of the object's own, as mutex_init() in the
        // allocating code makes it, the way a driver's state gets one.
        const locks: string[] = [];
        for (const [name, fi] of step.program.program.kinds.get(ins.kind)?.fields ?? []) {
          if (fields[name] !== null && fields[name] !== undefined) continue;
          const k = fi.type.k === 'object' ? step.kindImpl(fi.type.kind) : undefined;
          if (!k?.stateObject) continue;
          fields[name] = step.create(k.name, k.stateObject(''));
          locks.push(name);
        }
        const made = step.create(ins.kind, fields);
        // Traces name such a lock by its object: `mr#8.lock`.
        for (const name of locks) step.obj(fields[name]!)!.f.name = `${step.show(made)}.${name}`;
        st.push(made);
        f.pc++;
        return;
      }
      case 'free': {
        const v = st.pop() ?? null;
        const o = step.obj(v);
        if (!o) {
          step.fatalAt(ins, uri, 'model.null_deref', `\`free\` of ${isErrno(v) ? `an error (${errnoName(v)})` : step.show(v)}`);
          return;
        }
        if (!o.alive) {
          step.fatalAt(ins, uri, 'model.double_free', `${step.show(v)} is freed a second time`);
          return;
        }
        step.destroy(v);
        st.push(null);
        f.pc++;
        return;
      }
      case 'storem': {
        const v = st.pop() ?? null;
        const value = st.pop() ?? null;
        const o = step.obj(v);
        if (!o) {
          step.fatalAt(ins, uri, 'model.null_deref', `\`.${ins.name} =\` of ${isErrno(v) ? `an error (${errnoName(v)})` : step.show(v)}`);
          return;
        }
        if (!o.alive) {
          step.fatalAt(ins, uri, 'model.use_after_free', `\`.${ins.name} =\` of ${step.show(v)}, which has been freed`);
          return;
        }
        o.f[ins.name] = value;
        f.pc++;
        return;
      }
      case 'kref':
        kref(step, f, ins, uri);
        return;
      case 'krefread': {
        // execPure leaves only a freed object's kref to us: reading it is a use after free.
        const v = st.pop() ?? null;
        step.fatalAt(ins, uri, step.obj(v) ? 'model.use_after_free' : 'model.null_deref', `kref_read of ${step.show(v)}.${ins.field}${step.obj(v) ? ', which has been freed' : ''}`);
        return;
      }
      case 'pick': {
        // Not a step of its own: the branch taken shows in the step it is part of.
        const i = step.choose(ins.targets.length);
        step.text += ` · choose ${i + 1} of ${ins.targets.length}`;
        f.pc = ins.targets[i]!;
        return;
      }
  }
}

/**
 * kref_get / kref_put / kref_get_unless_zero on a kref field (v1), as
 * refcount_t behaves: a get at zero warns and saturates (the object is
 * never released, and later gets and puts change nothing), a put at zero
 * warns and leaves 0 (LANGUAGE.md §10), and a put that reaches zero is
 * true so the caller releases.
 */
function kref(step: Step, f: CodeFrame, ins: Extract<Instr, { op: 'kref' }>, uri: string): void {
  const w = step.world;
  const name = `kref_${ins.fn}`;
  let owner: Value = null;
  let read: () => number;
  let write: (n: number) => void;
  if (ins.d !== undefined && ins.f !== undefined) {
    const d = ins.d;
    read = () => w.fields[d]![ins.f!] as number;
    write = (n) => (ownFields(w, d)[ins.f!] = n);
    step.describe(`${name}(${step.program.drivers[ins.d]!.name}.${ins.field})`, uri, ins.at, { name, args: [`"${step.program.drivers[ins.d]!.name}.${ins.field}`] });
  } else {
    owner = f.stack.pop() ?? null;
    const o = step.obj(owner);
    step.describe(`${name}(${step.show(owner)}.${ins.field})`, uri, ins.at, { name, args: [owner] });
    if (!o) {
      step.fatalAt(ins, uri, 'model.null_deref', `${name} of ${isErrno(owner) ? `an error (${errnoName(owner)})` : step.show(owner)}.${ins.field}`);
      return;
    }
    if (!o.alive) {
      step.fatalAt(ins, uri, 'model.use_after_free', `${name} of ${step.show(owner)}.${ins.field}, which has been freed`);
      return;
    }
    read = () => o.f[ins.field] as number;
    write = (n) => (o.f[ins.field] = n);
  }
  step.event(name, [owner], undefined);
  const n = read();
  let result: Value = null;
  const what = `${name} of ${owner === null ? `${step.program.drivers[ins.d ?? -1]?.name ?? ''}.${ins.field}` : `${step.show(owner)}.${ins.field}`}`;
  if (ins.fn === 'get') {
    if (n === 0) {
      step.violate('model.refcount_inc_on_zero', `${what} at 0: refcount_t: addition on 0; use-after-free (the count saturates)`);
      write(SATURATED);
    } else if (n !== SATURATED) write(n + 1);
  } else if (ins.fn === 'put') {
    if (n === 0) {
      step.violate('model.refcount_underflow', `${what} at 0: refcount_t: underflow; use-after-free`);
      result = false;
    } else if (n === SATURATED) result = false;
    else {
      write(n - 1);
      result = n - 1 === 0;
    }
  } else if (ins.fn === 'init') {
    write(1);
  } else {
    result = n !== 0;
    if (n !== 0 && n !== SATURATED) write(n + 1);
  }
  if (result !== null) step.noteResult(String(result));
  step.event(name, [owner], 'ok');
  f.stack.push(result);
  f.pc++;
}
