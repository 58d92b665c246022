/**
 * Compiles a checked program's bodies and scenarios to instructions. Reads the
 * checker's resolutions for every name that is not a local, so the two can
 * never disagree about what a name means.
 */
import type * as A from '../syntax/ast.js';
import { slotAliases } from '../semantics/builtins.js';
import type { BodyInfo, DriverInfo, Program } from '../semantics/program.js';
import type { CompiledBody, Instr } from './bytecode.js';
import type { World } from '../explore/state.js';
import { evaluate } from './evaluate.js';
import { errno, mapType, opsRef, ref, str, type Value } from './values.js';

export interface DriverRt {
  readonly index: number;
  readonly name: string;
  readonly device: string;
  readonly info: DriverInfo;
  readonly fieldNames: readonly string[];
  readonly probe?: number;
  readonly remove?: number;
  readonly actions: ReadonlyMap<string, number>;
  /** Ops tables: canonical slot name → body id (inline callbacks and `slot = fn`). */
  readonly ops: ReadonlyMap<string, { opstype: string; callbacks: ReadonlyMap<string, number>; flags: ReadonlyMap<string, A.Expr> }>;
}

export interface ScenarioRt {
  readonly name: string;
  readonly decl: A.ScenarioDecl;
  /** The main thread's body. */
  readonly main: number;
  readonly expect?: A.ExpectLine;
}

export interface CompiledProgram {
  readonly program: Program;
  readonly bodies: readonly CompiledBody[];
  readonly drivers: readonly DriverRt[];
  readonly driverIndex: ReadonlyMap<string, number>;
  readonly fns: ReadonlyMap<string, number>;
  readonly scenarios: readonly ScenarioRt[];
  /** Static thread labels of scenario branch bodies: body id → `t1`. */
  readonly threadLabels: ReadonlyMap<number, string>;
  /** Device name → its object id (devices are the first objects of every run). */
  readonly deviceIds: ReadonlyMap<string, number>;
  /** The value of an ops table's flag (`allow_peer2peer`), or none when unset. */
  flagValue(driver: number, table: string, slot: string): Value;
}

class Scope {
  private readonly names = new Map<string, number>();
  constructor(
    readonly parent: Scope | undefined,
    private readonly alloc: () => number,
  ) {}
  get(name: string): number | undefined {
    return this.names.get(name) ?? this.parent?.get(name);
  }
  add(name: string): number {
    const slot = this.alloc();
    this.names.set(name, slot);
    return slot;
  }
  child(): Scope {
    return new Scope(this, this.alloc);
  }
}

export function compileProgram(program: Program, uri: string): CompiledProgram {
  const bodies: CompiledBody[] = [];
  const driverIndex = new Map<string, number>();
  const deviceIds = deviceIdsOf(program);
  [...program.drivers.keys()].forEach((name, i) => driverIndex.set(name, i));
  const fns = new Map<string, number>();
  const threadLabels = new Map<number, string>();
  let threadCount = 0;

  // Reserve ids so bodies can call each other (and fns can recurse) before all are compiled.
  const pending: (() => void)[] = [];
  const reserve = (): number => {
    bodies.push(undefined as unknown as CompiledBody);
    return bodies.length - 1;
  };

  const compileBody = (
    id: number,
    name: string,
    driver: number,
    info: Pick<BodyInfo, 'params' | 'body'>,
    bodyUri: string,
    at: number,
    event = true,
  ): void => {
    const code: Instr[] = [];
    let slots = 0;
    const root = new Scope(undefined, () => slots++);
    for (const p of info.params) root.add(p.name);
    const cx = new BodyCompiler(program, code, driverIndex, deviceIds, fns, driver);
    cx.block(info.body, root.child());
    code.push({ op: 'ret', value: false, at: info.body.span.end });
    bodies[id] = { id, name, driver, params: info.params.length, locals: slots, code, uri: bodyUri, at, event };
  };

  for (const [name, fn] of program.fns) {
    const id = reserve();
    fns.set(name, id);
    pending.push(() => compileBody(id, `fn ${name}`, -1, fn, fn.uri, fn.decl.span.start, false));
  }

  const drivers: DriverRt[] = [];
  for (const [name, d] of program.drivers) {
    const index = driverIndex.get(name)!;
    const body = (label: string, info: Pick<BodyInfo, 'params' | 'body'>, at: number): number => {
      const id = reserve();
      pending.push(() => compileBody(id, `${name}.${label}`, index, info, uri, at));
      return id;
    };
    const actions = new Map<string, number>();
    for (const [a, info] of d.actions) actions.set(a, body(a, info, info.decl.span.start));
    const ops = new Map<string, { opstype: string; callbacks: Map<string, number>; flags: Map<string, A.Expr> }>();
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
          const entry = table.decl.entries.find((e) => (slotAliases[e.name.name] ?? e.name.name) === slot);
          callbacks.set(slot, body(`${t}.${slot}`, cb, entry?.span.start ?? table.decl.span.start));
        }
      }
      ops.set(t, { opstype: table.opstype?.name ?? '', callbacks, flags: new Map(table.flags) });
    }
    drivers.push({
      index,
      name,
      device: d.device,
      info: d,
      fieldNames: [...d.fields.keys()],
      ...(d.probe ? { probe: body('probe', d.probe, keywordAt(d, 'probe')) } : {}),
      ...(d.remove ? { remove: body('remove', d.remove, keywordAt(d, 'remove')) } : {}),
      actions,
      ops,
    });
  }
  for (const p of pending) p();

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
              const drv = drivers[d];
              const body = drv?.actions.get(l.action.name) ?? -1;
              const ex = new BodyCompiler(program, code, driverIndex, deviceIds, fns, -1);
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
              const threads = l.branches.map((b) => {
                const label = `t${++threadCount}`;
                const tid = compileThread(b.lines, sc, slots, label);
                return tid;
              });
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

  // Flags are written as values (`allow_peer2peer = true`): evaluated as a constraint condition is, on no state.
  const noState: World = { threads: [], objects: [], fields: [], bindings: [], providers: {}, armed: [], faults: false, mem: {}, halted: false };
  const compiled: CompiledProgram = {
    program,
    bodies,
    drivers,
    driverIndex,
    fns,
    scenarios,
    threadLabels,
    deviceIds,
    flagValue: (d, table, slot) => {
      const e = drivers[d]?.ops.get(table)?.flags.get(slot);
      return e ? evaluate(e, { world: noState, program: compiled, thread: -1, vars: new Map() }) : null;
    },
  };
  return compiled;
}

/** Where a driver's `probe` / `remove` is written (its keyword), for trace lines. */
function keywordAt(d: DriverInfo, which: 'probe' | 'remove'): number {
  return d.decl.items.find((i) => i.kind === which)?.span.start ?? d.decl.span.start;
}

/** PCI devices are the first objects of every run, in topology order: device i is object i. */
export function deviceIdsOf(program: Program): Map<string, number> {
  const ids = new Map<string, number>();
  for (const n of program.topology.values()) if (n.kind === 'device') ids.set(n.name, ids.size);
  return ids;
}


/** Compiles statements and expressions of one body into `code`. */
class BodyCompiler {
  constructor(
    private readonly program: Program,
    private readonly code: Instr[],
    private readonly driverIndex: ReadonlyMap<string, number>,
    private readonly deviceIds: ReadonlyMap<string, number>,
    private readonly fns: ReadonlyMap<string, number>,
    private readonly driver: number,
  ) {}

  private emit(i: Instr): number {
    this.code.push(i);
    return this.code.length - 1;
  }

  private patch(at: number, t: number): void {
    const i = this.code[at]!;
    this.code[at] = { ...i, t } as Instr;
  }

  block(b: A.Block, scope: Scope): void {
    for (const s of b.stmts) this.stmt(s, scope);
  }

  stmt(s: A.Stmt, scope: Scope): void {
    const at = s.span.start;
    switch (s.kind) {
      case 'let': {
        this.expr(s.value, scope);
        this.emit({ op: 'store', slot: scope.add(s.name.name), at });
        return;
      }
      case 'assign':
        this.expr(s.value, scope);
        this.storeTo(s.target, scope, at);
        return;
      case 'if': {
        this.expr(s.cond, scope);
        const jf = this.emit({ op: 'jf', t: -1, at });
        this.block(s.then, scope.child());
        if (!s.else) {
          this.patch(jf, this.code.length);
          return;
        }
        const jend = this.emit({ op: 'jmp', t: -1, at });
        this.patch(jf, this.code.length);
        if ('kind' in s.else) this.stmt(s.else, scope.child());
        else this.block(s.else, scope.child());
        this.patch(jend, this.code.length);
        return;
      }
      case 'for': {
        const inner = scope.child();
        const setSlot = inner.add('\u0000set');
        const idxSlot = inner.add('\u0000idx');
        this.expr(s.iter, scope);
        this.emit({ op: 'store', slot: setSlot, at });
        this.emit({ op: 'const', v: 0, at });
        this.emit({ op: 'store', slot: idxSlot, at });
        const v = inner.add(s.name.name);
        const head = this.emit({ op: 'iter', set: setSlot, idx: idxSlot, v, t: -1, at });
        this.block(s.body, inner.child());
        this.emit({ op: 'jmp', t: head, at });
        this.patch(head, this.code.length);
        return;
      }
      case 'lock':
        this.expr(s.mutex, scope);
        this.emit({ op: 'lock', at });
        this.block(s.body, scope.child());
        this.emit({ op: 'unlock', at: s.body.span.end - 1 });
        return;
      case 'return':
        if (s.value) this.expr(s.value, scope);
        this.emit({ op: 'ret', value: s.value !== undefined, at });
        return;
      case 'fail':
        this.expr(s.errno, scope);
        this.emit({ op: 'fail', at });
        return;
      case 'assert':
        this.expr(s.cond, scope);
        this.emit({ op: 'assert', msg: s.message ?? '', at });
        return;
      case 'expr':
        this.expr(s.expr, scope);
        this.emit({ op: 'pop', at });
        return;
    }
  }

  private storeTo(target: A.NameExpr | A.MemberExpr, scope: Scope, at: number): void {
    if (target.kind === 'name') {
      const slot = scope.get(target.name);
      if (slot !== undefined) {
        this.emit({ op: 'store', slot, at });
        return;
      }
      const sym = this.program.resolutions.get(target);
      if (sym?.kind === 'field') {
        const d = this.driverIndex.get(sym.driver)!;
        const f = [...this.program.drivers.get(sym.driver)!.fields.keys()].indexOf(sym.name);
        this.emit({ op: 'storef', d, f, at });
        return;
      }
    }
    // The checker rejects every other target; keep the stack balanced regardless.
    this.emit({ op: 'pop', at });
  }

  expr(e: A.Expr, scope: Scope): void {
    const at = e.span.start;
    switch (e.kind) {
      case 'int':
      case 'size':
        this.emit({ op: 'const', v: e.value, at });
        return;
      case 'bool':
        this.emit({ op: 'const', v: e.value, at });
        return;
      case 'none':
      case 'missing':
        this.emit({ op: 'const', v: null, at });
        return;
      case 'string':
        this.emit({ op: 'const', v: str(e.value), at });
        return;
      case 'errno':
        this.emit({ op: 'const', v: errno(e.name), at });
        return;
      case 'name':
        this.name(e, scope);
        return;
      case 'member':
        this.expr(e.object, scope);
        this.emit({ op: 'member', name: e.member.name, at });
        return;
      case 'unary':
        this.expr(e.operand, scope);
        this.emit({ op: e.op === '!' ? 'not' : 'neg', at });
        return;
      case 'binary': {
        this.expr(e.left, scope);
        if (e.op === '&&' || e.op === '||') {
          this.emit({ op: 'dup', at });
          const j = this.emit({ op: e.op === '&&' ? 'jf' : 'jt', t: -1, at });
          this.emit({ op: 'pop', at });
          this.expr(e.right, scope);
          this.patch(j, this.code.length);
          return;
        }
        this.expr(e.right, scope);
        this.emit({ op: 'bin', o: e.op, at });
        return;
      }
      case 'try':
        this.call(e.expr, scope, true);
        return;
      case 'call':
        this.call(e, scope, false);
        return;
    }
  }

  private name(e: A.NameExpr, scope: Scope): void {
    const at = e.span.start;
    const slot = scope.get(e.name);
    if (slot !== undefined) {
      this.emit({ op: 'load', slot, at });
      return;
    }
    const sym = this.program.resolutions.get(e);
    switch (sym?.kind) {
      case 'field': {
        const d = this.driverIndex.get(sym.driver)!;
        const f = [...this.program.drivers.get(sym.driver)!.fields.keys()].indexOf(sym.name);
        this.emit({ op: 'loadf', d, f, at });
        return;
      }
      case 'ops':
        this.emit({ op: 'const', v: opsRef(sym.driver, sym.name), at });
        return;
      case 'device':
        this.emit({ op: 'const', v: ref(this.deviceIds.get(sym.name)!), at });
        return;
      case 'provider':
        this.emit({ op: 'provider', name: sym.name, at });
        return;
      case 'constant':
        this.emit({ op: 'const', v: mapType(sym.name), at });
        return;
      default:
        this.emit({ op: 'const', v: null, at });
    }
  }

  private call(e: A.Expr, scope: Scope, tr: boolean): void {
    const at = e.span.start;
    if (e.kind !== 'call') {
      this.expr(e, scope);
      return;
    }
    const callee = e.callee;
    if (callee.kind === 'member') {
      // Set methods: add/remove write the set back to the name it came from.
      const m = callee.member.name as 'add' | 'remove' | 'has' | 'size';
      this.expr(callee.object, scope);
      for (const a of e.args) this.expr(a, scope);
      this.emit({ op: 'set', m, at });
      if ((m === 'add' || m === 'remove') && (callee.object.kind === 'name' || callee.object.kind === 'member')) {
        this.emit({ op: 'dup', at });
        this.storeTo(callee.object, scope, at);
        // `add`/`remove` return nothing: replace the set left on the stack by none.
        this.emit({ op: 'pop', at });
        this.emit({ op: 'const', v: null, at });
      }
      return;
    }
    if (callee.kind !== 'name') {
      this.emit({ op: 'const', v: null, at });
      return;
    }
    const sym = this.program.resolutions.get(callee);
    if (sym?.kind === 'fn') {
      for (const a of e.args) this.expr(a, scope);
      this.emit({ op: 'fn', body: this.fns.get(sym.name)!, argc: e.args.length, tr, at });
      return;
    }
    if (sym?.kind === 'primitive') {
      const name = sym.sig.name;
      if (name === 'count') {
        const arg = e.args[0];
        this.emit({ op: 'query', name, argc: 0, kind: arg?.kind === 'name' ? arg.name : '', at });
        return;
      }
      for (const a of e.args) this.expr(a, scope);
      if (name === 'held' || name === 'is_err') this.emit({ op: 'query', name, argc: e.args.length, at });
      else this.emit({ op: 'prim', name, argc: e.args.length, tr, at });
      return;
    }
    this.emit({ op: 'const', v: null, at });
  }
}
