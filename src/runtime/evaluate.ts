/**
 * Runs an expression body (a constraint's condition, a state field's initial
 * value, a flag) to its value, on a world it does not change. Conditions may
 * read fields of ended objects (a lifetime is judged after the end) and read
 * `none` for a field of `none`; the checker keeps steps out of them.
 * Arithmetic that leaves the exact integer range throws IntOverflow.
 */
import type { CompiledProgram } from './compiled.js';
import type { Natives } from './natives.js';
import { execPure, IntOverflow, overflowOf, type PureEnv, type PureFrame } from './pure.js';
import { equal, isRef, refId, type Value } from './values.js';
import type { World } from './world.js';

/** The value of expression body `body` with parameters `args`, judged for `thread` (-1: none). */
export function evaluate(program: CompiledProgram, natives: Natives, body: number, args: readonly Value[], world: World, thread: number): Value {
  const b = program.bodies[body]!;
  const locals = args.slice(0, b.params) as Value[];
  while (locals.length < b.locals) locals.push(null);
  const f: PureFrame = { pc: 0, locals, stack: [] };
  const env: PureEnv = { world, thread, program, natives };
  for (let guard = 0; guard < 1_000_000; guard++) {
    const ins = b.code[f.pc];
    if (!ins) return null;
    if (execPure(env, f, ins)) continue;
    const st = f.stack;
    switch (ins.op) {
      case 'member': {
        const v = st.pop() ?? null;
        const o = isRef(v) ? world.objects[refId(v)] : undefined;
        st.push(o ? (o.f[ins.name] ?? null) : null);
        break;
      }
      case 'set': {
        const x = ins.m === 'size' ? null : (st.pop() ?? null);
        const s = st.pop() ?? null;
        if (ins.m === 'has') st.push(Array.isArray(s) && s.some((e) => equal(e, x)));
        else if (ins.m === 'size') st.push(Array.isArray(s) ? s.length : 0);
        else st.push(null);
        break;
      }
      case 'krefread': {
        // A condition may read an ended object's count (a lifetime is judged after the end).
        const v = st.pop() ?? null;
        const o = isRef(v) ? world.objects[refId(v)] : undefined;
        st.push(o ? (o.f[ins.field] ?? null) : null);
        break;
      }
      case 'bin':
        throw new IntOverflow(overflowOf(ins.o, st[st.length - 2] ?? null, st[st.length - 1] ?? null) ?? 'an integer overflow');
      case 'ret':
        return ins.value ? (st.pop() ?? null) : null;
      default:
        throw new Error(`internal error: \`${b.name}\` is an expression but meets \`${ins.op}\`, which takes a step`);
    }
    f.pc++;
  }
  throw new Error(`internal error: \`${b.name}\` did not finish`);
}
