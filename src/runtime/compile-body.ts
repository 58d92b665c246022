/**
 * Compiles the statements and expressions of one body — a callback, action,
 * `fn`, or an expression that runs on its own (a constraint's condition, a
 * state field's initial value, an ops table's flag) — into instructions.
 * Names that are not locals are compiled from the checker's resolutions, so
 * the two never disagree about what a name means.
 */
import type * as A from '../syntax/ast.js';
import type { Program } from '../semantics/program.js';
import type { Instr } from './bytecode.js';
import { errno, mapType, opsRef, ref, str, type Value } from './values.js';
import type { Type } from '../semantics/types.js';

/** What every body compiler shares: the program and the indices it compiles names to. */
export interface CompileEnv {
  readonly program: Program;
  readonly driverIndex: ReadonlyMap<string, number>;
  /** The fixed objects a spec names (devices) → their object ids. */
  readonly deviceIds: ReadonlyMap<string, number>;
  readonly fns: ReadonlyMap<string, number>;
  /** A driver's own fns (v1): `driver\u0000fn` → body id. */
  readonly driverFns: ReadonlyMap<string, number>;
  /** The body of a driver's action (v1: actions called from bodies). */
  actionBodies(driver: string, action: string): number;
}

/** The value a field of type `t` starts with when nothing says otherwise (a kref at 1, as after kref_init()). */
export function defaultValue(t: Type): Value {
  switch (t.k) {
    case 'kref':
      return 1;
    case 'int':
      return 0;
    case 'bool':
      return false;
    case 'set':
      return [];
    default:
      return null;
  }
}

/** Locals by name, each a slot of the frame; a child scope shadows and shares the slot counter. */
export class Scope {
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

/** Compiles statements and expressions of one body into `code`. */
export class BodyCompiler {
  private readonly program: Program;

  constructor(
    private readonly env: CompileEnv,
    private readonly code: Instr[],
  ) {
    this.program = env.program;
  }

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
      case 'choose': {
        const pick = this.emit({ op: 'pick', targets: [], at });
        const targets: number[] = [];
        const ends: number[] = [];
        for (const b of s.branches) {
          targets.push(this.code.length);
          this.block(b, scope.child());
          ends.push(this.emit({ op: 'jmp', t: -1, at }));
        }
        for (const e of ends) this.patch(e, this.code.length);
        this.code[pick] = { op: 'pick', targets, at };
        return;
      }
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
        const d = this.env.driverIndex.get(sym.driver)!;
        const f = [...this.program.drivers.get(sym.driver)!.fields.keys()].indexOf(sym.name);
        this.emit({ op: 'storef', d, f, at });
        return;
      }
    } else if (this.ownKindOf(target.object) !== undefined) {
      this.expr(target.object, scope);
      this.emit({ op: 'storem', name: target.member.name, at });
      return;
    }
    // The checker rejects every other target; keep the stack balanced regardless.
    this.emit({ op: 'pop', at });
  }

  /** The own kind an expression's value is an object of, if it is one. */
  private ownKindOf(e: A.Expr): string | undefined {
    const t = this.program.types.get(e);
    const s = t?.k === 'optional' ? t.inner : t;
    return s?.k === 'object' && this.program.kinds.has(s.kind) ? s.kind : undefined;
  }

  /** `new K { … }`: every field's value, in the kind's field order: given, else its initialiser, else its type's default. */
  private newExpr(e: A.NewExpr, scope: Scope): void {
    const at = e.span.start;
    const kind = this.program.kinds.get(e.type.name);
    if (!kind) {
      this.emit({ op: 'const', v: null, at });
      return;
    }
    const given = new Map(e.fields.map((f) => [f.name.name, f.value]));
    const names: string[] = [];
    for (const f of kind.fields.values()) {
      names.push(f.name);
      const value = given.get(f.name);
      if (value && f.type.k !== 'kref') this.expr(value, scope);
      else if (f.decl.init && f.type.k !== 'kref') this.expr(f.decl.init, new Scope(undefined, () => 0));
      else this.emit({ op: 'const', v: defaultValue(f.type), at });
    }
    this.emit({ op: 'new', kind: kind.name, fields: names, at });
  }

  /** A kref argument: the state field it names, or the object whose field it is (pushed). */
  private krefPlace(arg: A.Expr | undefined, scope: Scope): { field: string; d?: number; f?: number } {
    if (arg?.kind === 'member') {
      this.expr(arg.object, scope);
      return { field: arg.member.name };
    }
    if (arg?.kind === 'name') {
      const sym = this.program.resolutions.get(arg);
      if (sym?.kind === 'field') {
        const d = this.env.driverIndex.get(sym.driver)!;
        const f = [...this.program.drivers.get(sym.driver)!.fields.keys()].indexOf(sym.name);
        return { field: sym.name, d, f };
      }
    }
    this.emit({ op: 'const', v: null, at: arg?.span.start ?? 0 });
    return { field: '' };
  }

  expr(e: A.Expr, scope: Scope): void {
    const at = e.span.start;
    switch (e.kind) {
      case 'new':
        this.newExpr(e, scope);
        return;
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
      case 'member': {
        // `drv.field` in a constraint reads another driver's state.
        const owner = e.object.kind === 'name' && scope.get(e.object.name) === undefined ? this.program.resolutions.get(e.object) : undefined;
        if (owner?.kind === 'driver') {
          const d = this.env.driverIndex.get(owner.name)!;
          this.emit({ op: 'loadf', d, f: [...owner.info.fields.keys()].indexOf(e.member.name), at });
          return;
        }
        this.expr(e.object, scope);
        const t = this.program.types.get(e.object);
        const ops = t?.k === 'ops' || (t?.k === 'optional' && t.inner.k === 'ops');
        this.emit(ops ? { op: 'slot', name: e.member.name, at } : { op: 'member', name: e.member.name, at });
        return;
      }
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
        const d = this.env.driverIndex.get(sym.driver)!;
        const f = [...this.program.drivers.get(sym.driver)!.fields.keys()].indexOf(sym.name);
        this.emit({ op: 'loadf', d, f, at });
        return;
      }
      case 'ops':
        this.emit({ op: 'const', v: opsRef(sym.driver, sym.name), at });
        return;
      case 'device':
        this.emit({ op: 'const', v: ref(this.env.deviceIds.get(sym.name)!), at });
        return;
      case 'provider':
        this.emit({ op: 'provider', name: sym.name, at });
        return;
      case 'constant':
        this.emit({ op: 'const', v: sym.value ?? mapType(sym.name), at });
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
    const action = callee.kind === 'member' ? this.program.resolutions.get(callee) : undefined;
    if (action?.kind === 'action') {
      for (const a of e.args) this.expr(a, scope);
      this.emit({ op: 'action', d: this.env.driverIndex.get(action.driver.name)!, body: this.env.actionBodies(action.driver.name, action.name), argc: e.args.length, tr, at });
      return;
    }
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
      const body = sym.info.driver !== undefined ? this.env.driverFns.get(`${sym.info.driver}\u0000${sym.name}`) : this.env.fns.get(sym.name);
      this.emit({ op: 'fn', body: body!, argc: e.args.length, tr, at });
      return;
    }
    if (sym?.kind === 'primitive') {
      const name = sym.sig.name;
      if (name === 'kref_get' || name === 'kref_put' || name === 'kref_get_unless_zero' || name === 'kref_init') {
        const place = this.krefPlace(e.args[0], scope);
        this.emit({ op: 'kref', fn: name === 'kref_get' ? 'get' : name === 'kref_put' ? 'put' : name === 'kref_init' ? 'init' : 'get_unless_zero', ...place, at });
        return;
      }
      if (name === 'kref_read') {
        this.emit({ op: 'krefread', ...this.krefPlace(e.args[0], scope), at });
        return;
      }
      if (name === 'free') {
        for (const a of e.args) this.expr(a, scope);
        this.emit({ op: 'free', at });
        return;
      }
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
