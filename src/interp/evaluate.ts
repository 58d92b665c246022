/**
 * Pure evaluation of constraint conditions (`requires`, `always`, `at end`):
 * no step is taken and nothing changes. Conditions may read pattern
 * variables, devices, providers, constants, drivers' state (`drv.field`),
 * object fields (of ended objects too), and the queries `held`, `count`,
 * `is_err`.
 */
import type { World } from '../explore/state.js';
import type * as A from '../syntax/ast.js';
import type { CompiledProgram } from './compile.js';
import { equal, isErrno, isOpsRef, isRef, mapType, ref, refId, str, errno, type Value } from './values.js';

/** The operators of the language on run-time values. */
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

export interface EvalEnv {
  readonly world: World;
  readonly program: CompiledProgram;
  /** The thread whose step is being judged (for `held`), or -1. */
  readonly thread: number;
  readonly vars: ReadonlyMap<string, Value>;
}

const driverMark = '%';

export function evaluate(e: A.Expr, env: EvalEnv): Value {
  switch (e.kind) {
    case 'int':
    case 'size':
    case 'bool':
      return e.value;
    case 'none':
    case 'missing':
      return null;
    case 'string':
      return str(e.value);
    case 'errno':
      return errno(e.name);
    case 'name': {
      if (env.vars.has(e.name)) return env.vars.get(e.name)!;
      const p = env.program;
      const dev = p.deviceIds.get(e.name);
      if (dev !== undefined) return ref(dev);
      if (p.program.providers.has(e.name)) return env.world.providers[e.name] ?? null;
      if (p.driverIndex.has(e.name)) return `${driverMark}${e.name}`;
      if (e.name === 'BUS_ADDR' || e.name === 'THRU_HOST_BRIDGE' || e.name === 'NOT_SUPPORTED') return mapType(e.name);
      return null;
    }
    case 'member': {
      const o = evaluate(e.object, env);
      const name = e.member.name;
      if (typeof o === 'string' && o.startsWith(driverMark)) {
        const d = env.program.driverIndex.get(o.slice(1))!;
        const f = env.program.drivers[d]!.fieldNames.indexOf(name);
        return f < 0 ? null : (env.world.fields[d]![f] ?? null);
      }
      if (isOpsRef(o)) {
        const [driver, table] = o.slice(1).split('.') as [string, string];
        const d = env.program.driverIndex.get(driver);
        if (d === undefined) return null;
        const t = env.program.drivers[d]!.ops.get(table);
        if (t?.callbacks.has(name)) return true;
        return t?.flags.has(name) ? env.program.flagValue(d, table, name) : false;
      }
      if (isRef(o)) return env.world.objects[refId(o)]?.f[name] ?? null;
      return null;
    }
    case 'unary': {
      const v = evaluate(e.operand, env);
      return e.op === '!' ? v !== true : typeof v === 'number' ? -v : 0;
    }
    case 'binary': {
      const a = evaluate(e.left, env);
      if (e.op === '&&' && a !== true) return false;
      if (e.op === '||' && a === true) return true;
      return binaryOp(e.op, a, evaluate(e.right, env));
    }
    case 'try':
      return evaluate(e.expr, env);
    case 'call': {
      if (e.callee.kind !== 'name') return null;
      const arg = e.args[0];
      switch (e.callee.name) {
        case 'held': {
          const m = arg ? evaluate(arg, env) : null;
          return isRef(m) && env.world.objects[refId(m)]?.f.holder === env.thread && env.thread >= 0;
        }
        case 'count': {
          const kind = arg?.kind === 'name' ? arg.name : '';
          return env.world.objects.filter((o) => o.alive && o.kind === kind).length;
        }
        case 'is_err':
          return arg ? isErrno(evaluate(arg, env)) : false;
        default:
          return null;
      }
    }
  }
}
