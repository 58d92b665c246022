/**
 * Compiles a checked program to instructions: every body (callbacks,
 * actions, probe/remove, `fn`s), every scenario thread, and every expression
 * that runs on its own — constraint conditions, state fields' initial values,
 * ops tables' flags. One compiler for everything that runs (compile-body.ts);
 * the machine steps the bodies, the evaluator (evaluate.ts) runs the
 * expressions.
 */
import type * as A from '../syntax/ast.js';
import type { BodyInfo, DriverInfo, Program } from '../semantics/program.js';
import type { CompiledBody, Instr } from './bytecode.js';
import { BodyCompiler, Scope, type CompileEnv } from './compile-body.js';
import type { CompiledProgram, ConditionRt, DriverRt, OpsRt, ScenarioRt } from './compiled.js';
import { evaluate } from './evaluate.js';
import type { Natives } from './natives.js';
import type { Value } from './values.js';
import type { World } from './world.js';

/** Compiles `program` to run against the models of `natives`. */
export function compileProgram(program: Program, natives: Natives): CompiledProgram {
  const uri = program.spec.uri;
  // The fixed objects a spec names (the devices) are compiled to their object ids.
  const fixed = natives.fixedObjects(program);
  const deviceIds = new Map<string, number>();
  fixed.forEach((o, id) => {
    if (o.name !== undefined) deviceIds.set(o.name, id);
  });
  const bodies: CompiledBody[] = [];
  const driverIndex = new Map<string, number>();
  [...program.drivers.keys()].forEach((name, i) => driverIndex.set(name, i));
  const fns = new Map<string, number>();
  const threadLabels = new Map<number, string>();
  const driverFns = new Map<string, number>();
  const env: CompileEnv = {
    program,
    driverIndex,
    deviceIds,
    fns,
    driverFns,
    actionBodies: (driver, action) => drivers[driverIndex.get(driver) ?? -1]?.actions.get(action) ?? -1,
  };
  let threadCount = 0;

  // Reserve ids so bodies can call each other (and fns can recurse) before all are compiled.
  const pending: (() => void)[] = [];
  const reserve = (): number => {
    bodies.push(undefined as unknown as CompiledBody);
    return bodies.length - 1;
  };

  const compileBody = (id: number, name: string, driver: number, info: Pick<BodyInfo, 'params' | 'body' | 'fails'>, bodyUri: string, at: number, event = true): void => {
    const code: Instr[] = [];
    let slots = 0;
    const root = new Scope(undefined, () => slots++);
    for (const p of info.params) root.add(p.name);
    new BodyCompiler(env, code).block(info.body, root.child());
    code.push({ op: 'ret', value: false, at: info.body.span.end });
    bodies[id] = { id, name, driver, params: info.params.length, locals: slots, code, uri: bodyUri, at, event, ...(info.fails?.length ? { fails: info.fails } : {}) };
  };

  /** An expression as a body of its own: parameters `params`, the value returned. */
  const compileExpr = (name: string, e: A.Expr, params: readonly string[], exprUri: string): number => {
    const id = reserve();
    const code: Instr[] = [];
    let slots = 0;
    const scope = new Scope(undefined, () => slots++);
    for (const p of params) scope.add(p);
    new BodyCompiler(env, code).expr(e, scope);
    code.push({ op: 'ret', value: true, at: e.span.end });
    bodies[id] = { id, name, driver: -1, params: params.length, locals: slots, code, uri: exprUri, at: e.span.start, event: false };
    return id;
  };

  for (const [name, fn] of program.fns) {
    const id = reserve();
    fns.set(name, id);
    pending.push(() => compileBody(id, `fn ${name}`, -1, fn, fn.uri, fn.decl.span.start, false));
  }

  // Declared before the drivers' loop compiles anything: an action call in a body looks its target up here.
  // eslint-disable-next-line prefer-const
  let drivers: DriverRt[] = [];
  const flagBodies: [Map<string, Value>, string, number][] = [];
  for (const [name, d] of program.drivers) {
    const index = driverIndex.get(name)!;
    const body = (label: string, info: Pick<BodyInfo, 'params' | 'body' | 'fails'>, at: number): number => {
      const id = reserve();
      pending.push(() => compileBody(id, `${name}.${label}`, index, info, d.uri, at));
      return id;
    };
    // A driver's own fns see its state: compiled with its index, not as events.
    for (const [f, info] of d.fns) {
      const id = reserve();
      driverFns.set(`${name}\u0000${f}`, id);
      pending.push(() => compileBody(id, `fn ${name}.${f}`, index, info, d.uri, info.decl.span.start, false));
    }
    const actions = new Map<string, number>();
    for (const [a, info] of d.actions) actions.set(a, body(a, info, info.decl.span.start));
    const ops = new Map<string, OpsRt>();
    for (const [t, table] of d.ops) {
      const callbacks = new Map<string, number>();
      for (const [slot, cb] of table.callbacks) {
        if ('fn' in cb) {
          // `slot = fn_name`: the fn's code under the callback's own name, so its entry is the callback's event.
          const fn = program.fns.get(cb.fn);
          if (fn) {
            const id = reserve();
            pending.push(() => compileBody(id, `${name}.${t}.${slot}`, -1, fn, fn.uri, fn.decl.span.start));
            callbacks.set(slot, id);
          }
        } else {
          const entry = table.decl.entries.find((e) => (program.vocabulary.slotAliases.get(e.name.name) ?? e.name.name) === slot);
          callbacks.set(slot, body(`${t}.${slot}`, cb, entry?.span.start ?? table.decl.span.start));
        }
      }
      const flags = new Map<string, Value>();
      for (const [slot, e] of table.flags) flagBodies.push([flags, slot, compileExpr(`${name}.${t}.${slot}`, e, [], d.uri)]);
      ops.set(t, { opstype: table.opstype?.name ?? '', callbacks, flags });
    }
    const fieldInits = [...d.fields.values()].map((f) => (f.decl.init ? compileExpr(`${name}.${f.name}`, f.decl.init, [], d.uri) : undefined));
    drivers.push({
      index,
      name,
      device: d.device,
      info: d,
      fieldNames: [...d.fields.keys()],
      fieldInits,
      ...(d.probe ? { probe: body('probe', d.probe, keywordAt(d, 'probe')) } : {}),
      ...(d.remove ? { remove: body('remove', d.remove, keywordAt(d, 'remove')) } : {}),
      actions,
      ops,
    });
  }
  for (const p of pending) p();

  // Conditions see the variables of the rule's patterns, in a fixed order.
  const conditions = new Map<A.Expr, ConditionRt>();
  for (const c of program.constraints.values()) {
    for (const r of c.decl.rules) {
      if (r.kind === 'requires') {
        const vars = [...new Set(r.pattern.args.filter((a) => a.name !== '_' && a.name !== '' && program.resolutions.get(a) === undefined).map((a) => a.name))];
        conditions.set(r.cond, { body: compileExpr(`constraint ${c.name}`, r.cond, vars, c.uri), vars });
      } else if (r.kind === 'always' || r.kind === 'at_end') {
        conditions.set(r.expr, { body: compileExpr(`constraint ${c.name}`, r.expr, [], c.uri), vars: [] });
      }
    }
  }

  // Scenarios: the main thread, and one body per `parallel` branch (a thread of its own).
  const scenarios: ScenarioRt[] = [];
  for (const [name, s] of program.scenarios) {
    // Each scenario numbers its threads from t1, as its traces show them.
    threadCount = 0;
    const compileThread = (lines: readonly A.ScenarioLine[], parentScope: Scope | undefined, parentSlots: number, label: string | undefined): number => {
      const id = reserve();
      const code: Instr[] = [];
      let slots = parentSlots;
      // A branch sees the parent thread's names (their values are copied at spawn) and numbers its own slots after them.
      const scope = new Scope(parentScope, () => slots++);
      const emitLines = (ls: readonly A.ScenarioLine[], sc: Scope): void => {
        for (const l of ls) {
          const at = l.span.start;
          switch (l.kind) {
            case 'bind':
            case 'unbind':
              code.push({ op: l.kind, d: driverIndex.get(l.target.name) ?? -1, at });
              code.push({ op: 'pop', at });
              break;
            case 'unplug':
              code.push({ op: 'unplug', dev: l.target.name, at });
              code.push({ op: 'pop', at });
              break;
            case 'faults':
              code.push({ op: 'faults', on: l.on, at });
              break;
            case 'expect':
              break;
            case 'action': {
              const d = driverIndex.get(l.driver.name) ?? -1;
              const body = drivers[d]?.actions.get(l.action.name) ?? -1;
              const ex = new BodyCompiler(env, code);
              for (const a of l.args) ex.expr(a, sc);
              code.push({ op: 'action', d, body, argc: l.args.length, at });
              // A failed line leaves its errno: the scenario goes on, and the name holds the error.
              code.push(l.binds ? { op: 'store', slot: sc.add(l.binds.name), at } : { op: 'pop', at });
              break;
            }
            case 'choose': {
              const chooseAt = code.length;
              code.push({ op: 'choose', targets: [], at });
              const ends: number[] = [];
              const targets: number[] = [];
              for (const b of l.branches) {
                targets.push(code.length);
                emitLines(b.lines, sc.child());
                ends.push(code.length);
                code.push({ op: 'jmp', t: -1, at });
              }
              const after = code.length;
              for (const e of ends) code[e] = { op: 'jmp', t: after, at };
              code[chooseAt] = { op: 'choose', targets, at };
              break;
            }
            case 'parallel': {
              const threads = l.branches.map((b) => compileThread(b.lines, sc, slots, `t${++threadCount}`));
              code.push({ op: 'spawn', threads, at });
              code.push({ op: 'join', threads, at });
              break;
            }
          }
        }
      };
      emitLines(lines, scope);
      code.push({ op: 'end', at: lines.length ? lines[lines.length - 1]!.span.end : s.decl.span.end });
      bodies[id] = { id, name: label ?? `scenario ${name}`, driver: -1, params: 0, locals: slots, code, uri, at: s.decl.span.start, event: false };
      if (label) threadLabels.set(id, label);
      return id;
    };
    const main = compileThread(s.decl.lines, undefined, 0, undefined);
    scenarios.push({ name, decl: s.decl, main, ...(s.expect ? { expect: s.expect } : {}) });
  }

  const compiled: CompiledProgram = {
    program,
    fixed,
    bodies,
    drivers,
    driverIndex,
    fns,
    scenarios,
    threadLabels,
    deviceIds,
    conditions,
    flagValue: (d, table, slot) => drivers[d]?.ops.get(table)?.flags.get(slot) ?? null,
  };
  // Flags are written as values (`allow_peer2peer = true`): evaluated once, on no state.
  const noState: World = { threads: [], objects: [], fields: [], bindings: [], providers: {}, armed: [], faults: false, mem: {}, halted: false };
  for (const [flags, slot, body] of flagBodies) flags.set(slot, evaluate(compiled, natives, body, [], noState, -1));
  return compiled;
}

/** Where a driver's `probe` / `remove` is written (its keyword), for trace lines. */
function keywordAt(d: DriverInfo, which: 'probe' | 'remove'): number {
  return d.decl.items.find((i) => i.kind === which)?.span.start ?? d.decl.span.start;
}
