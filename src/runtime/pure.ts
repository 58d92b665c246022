/**
 * The instructions that read the world and change only the running frame
 * (its stack, locals and program counter): constants, locals, driver state,
 * operators, jumps, the queries and set iteration. The machine and the
 * evaluator run them with this one implementation; each handles the rest
 * itself (the machine takes steps, the evaluator refuses to).
 */
import type { Instr } from './bytecode.js';
import type { CompiledProgram } from './compiled.js';
import type { Natives } from './natives.js';
import { equal, isErrno, isOpsRef, isRef, refId, type Value } from './values.js';
import type { World } from './world.js';

/** The operators of the language on run-time values. */
/**
 * Integers are exact in [-(2^53 - 1), 2^53 - 1] (JavaScript's safe integers).
 * An operation whose result falls outside is an overflow, not a rounding: a
 * step stops with `model.int_overflow`, a condition reports it.
 */
export const MAX_INT = Number.MAX_SAFE_INTEGER;

/** A kref whose get came at zero: refcount_t saturates it, and it is never released (kref_read shows -1). */
export const SATURATED = -1;

/** Thrown by a condition's evaluation when its arithmetic leaves the exact range. */
export class IntOverflow extends Error {
  constructor(readonly text: string) {
    super(text);
  }
}

/** `a op b` when it stays exact, else the words for the overflow. */
export function overflowOf(op: string, a: Value, b: Value): string | undefined {
  if (typeof a !== 'number' || (op !== 'neg' && typeof b !== 'number')) return undefined;
  const r = op === 'neg' ? -a : op === '+' ? a + (b as number) : op === '-' ? a - (b as number) : 0;
  if (Number.isSafeInteger(r)) return undefined;
  const shown = op === 'neg' ? `-(${a})` : `${a} ${op} ${b as number}`;
  return `\`${shown}\` is outside the exact integer range ±${MAX_INT.toLocaleString('en-US')} (2^53 - 1)`;
}

export function binaryOp(op: string, a: Value, b: Value): Value {
  const n = (v: Value) => (typeof v === 'number' ? v : 0);
  switch (op) {
    case '==':
      return equal(a, b);
    case '!=':
      return !equal(a, b);
    case '<':
      return n(a) < n(b);
    case '<=':
      return n(a) <= n(b);
    case '>':
      return n(a) > n(b);
    case '>=':
      return n(a) >= n(b);
    case '+':
      return n(a) + n(b);
    case '-':
      return n(a) - n(b);
    case '&&':
      return a === true && b === true;
    case '||':
      return a === true || b === true;
    default:
      return null;
  }
}

/** What a pure instruction may read. */
export interface PureEnv {
  readonly world: World;
  /** The thread running (for `held`), or -1 (a condition judged on no thread's step). */
  readonly thread: number;
  readonly program: CompiledProgram;
  readonly natives: Natives;
}

/** The frame parts a pure instruction changes. */
export interface PureFrame {
  pc: number;
  readonly locals: Value[];
  readonly stack: Value[];
}

/** Whether thread `t` holds lock object `m` (per its kind's lock protocol). */
export function heldBy(env: Pick<PureEnv, 'world' | 'natives'>, m: Value, t: number): boolean {
  if (!isRef(m) || t < 0) return false;
  const o = env.world.objects[refId(m)];
  const lock = o ? env.natives.kind(o.kind)?.lock : undefined;
  return lock !== undefined && lock.holds(o!, t);
}

/** `table.slot` of an ops table value: the flag's value, or whether the table fills the callback slot. */
export function opsSlot(program: CompiledProgram, ops: Value, slot: string): Value {
  if (!isOpsRef(ops)) return null;
  const [driver, table] = ops.slice(1).split('.') as [string, string];
  const d = program.driverIndex.get(driver);
  const t = d === undefined ? undefined : program.drivers[d]!.ops.get(table);
  if (t?.callbacks.has(slot)) return true;
  return t?.flags.has(slot) ? (t.flags.get(slot) ?? null) : false;
}

/** Runs `ins` if it is pure and returns true; returns false, changing nothing, for any other instruction. */
export function execPure(env: PureEnv, f: PureFrame, ins: Instr): boolean {
  const st = f.stack;
  switch (ins.op) {
    case 'const':
      st.push(ins.v);
      break;
    case 'load':
      st.push(f.locals[ins.slot] ?? null);
      break;
    case 'store':
      f.locals[ins.slot] = st.pop() ?? null;
      break;
    case 'loadf':
      st.push(env.world.fields[ins.d]?.[ins.f] ?? null);
      break;
    case 'provider':
      st.push(env.world.providers[ins.name] ?? null);
      break;
    case 'bin': {
      const b = st[st.length - 1] ?? null;
      const a = st[st.length - 2] ?? null;
      // An overflow is not pure: the caller reports it where it happened.
      if ((ins.o === '+' || ins.o === '-') && overflowOf(ins.o, a, b)) return false;
      st.length -= 2;
      st.push(binaryOp(ins.o, a, b));
      break;
    }
    case 'not':
      st.push(st.pop() !== true);
      break;
    case 'krefread': {
      if (ins.d !== undefined && ins.f !== undefined) {
        st.push(env.world.fields[ins.d]?.[ins.f] ?? null);
        break;
      }
      // A freed object's kref is the caller's to report (a use after free in a step).
      const v = st[st.length - 1] ?? null;
      const o = isRef(v) ? env.world.objects[refId(v)] : undefined;
      if (!o?.alive) return false;
      st.pop();
      st.push(o.f[ins.field] ?? null);
      break;
    }
    case 'neg': {
      const v = st.pop();
      st.push(typeof v === 'number' ? -v || 0 : 0);
      break;
    }
    case 'dup':
      st.push(st[st.length - 1] ?? null);
      break;
    case 'pop':
      st.pop();
      break;
    case 'jmp':
      f.pc = ins.t;
      return true;
    case 'jf':
      f.pc = st.pop() === true ? f.pc + 1 : ins.t;
      return true;
    case 'jt':
      f.pc = st.pop() === true ? ins.t : f.pc + 1;
      return true;
    case 'query':
      if (ins.name === 'count') {
        let n = 0;
        for (const o of env.world.objects) if (o.alive && o.kind === ins.kind) n++;
        st.push(n);
      } else if (ins.name === 'held') {
        st.push(heldBy(env, st.pop() ?? null, env.thread));
      } else {
        st.push(isErrno(st.pop() ?? null));
      }
      break;
    case 'slot':
      st.push(opsSlot(env.program, st.pop() ?? null, ins.name));
      break;
    case 'iter': {
      const s = f.locals[ins.set];
      const i = f.locals[ins.idx] as number;
      if (Array.isArray(s) && i < s.length) {
        f.locals[ins.v] = s[i]!;
        f.locals[ins.idx] = i + 1;
        f.pc++;
      } else {
        f.pc = ins.t;
      }
      return true;
    }
    default:
      return false;
  }
  f.pc++;
  return true;
}
