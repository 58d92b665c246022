/**
 * Statements and expressions: name resolution in the order of LANGUAGE.md §3
 * (locals and parameters, the driver's state, its ops tables, topology and
 * providers, fns, built-ins) and the obvious type errors. Every expression
 * gets a type; one that already has an error gets `unknown`, so a mistake is
 * reported once and not again by everything around it.
 */
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type * as A from '../syntax/ast.js';
import type { CheckContext } from './context.js';
import { plural } from './collect.js';
import type { DriverInfo, Symbol } from './program.js';
import { didYouMean } from './suggest.js';
import { comparable, compatible, strip, T, typeToString, type Type } from './types.js';
import { queries } from './builtins.js';
import type { ParamSig } from './vocabulary.js';
import { describe, symbolWhat } from './describe.js';
import { actionCall, freeCall, inTarget, newExpr } from './own-forms.js';
export { symbolWhat };
import { isOwnKind } from './spec-vocabulary.js';

const KREF_NOT_VALUE = 'a `kref` is not a value: pass it to kref_get, kref_put, kref_get_unless_zero, kref_init or kref_read';

/** Where a body sits, which decides what its names can reach. */
export interface BodyEnv {
  readonly uri: string;
  /** The driver whose state and ops tables are in scope. */
  readonly driver?: DriverInfo;
  /** Constraint expressions may also name drivers (`drv.field`) and kinds. */
  readonly constraint?: boolean;
  /**
   * The expression is evaluated on a state, not run as steps (a constraint's
   * condition, a flag's value): what it is, for the message that refuses a
   * call that would take a step.
   */
  readonly pure?: string;
  readonly returns: Type;
  /** What the body is, for messages: "action `export`". */
  readonly what: string;
}

type Local = { name: string; type: Type; decl: A.Node };

export class Scope {
  private readonly vars = new Map<string, Local>();
  constructor(readonly parent?: Scope) {}
  get(name: string): Local | undefined {
    return this.vars.get(name) ?? this.parent?.get(name);
  }
  has(name: string): boolean {
    return this.vars.has(name);
  }
  add(l: Local): void {
    this.vars.set(l.name, l);
  }
  names(): string[] {
    return [...this.vars.keys(), ...(this.parent?.names() ?? [])];
  }
}

export class BodyChecker {
  readonly bag: DiagnosticBag;

  constructor(
    readonly cx: CheckContext,
    readonly env: BodyEnv,
  ) {
    this.bag = cx.bag(env.uri);
  }

  // ---- statements ----------------------------------------------------------

  block(b: A.Block, scope: Scope): void {
    const inner = new Scope(scope);
    for (const s of b.stmts) this.stmt(s, inner);
  }

  stmt(s: A.Stmt, scope: Scope): void {
    switch (s.kind) {
      case 'let': {
        const declared = s.type ? this.cx.resolveType(s.type, this.env.uri) : undefined;
        const t = this.expr(s.value, scope);
        if (t.k === 'void') this.bag.error('type-mismatch', 'this call returns nothing, so there is no value to bind', s.value.span);
        if (t.k === 'kref') this.bag.error('type-mismatch', KREF_NOT_VALUE, s.value.span);
        if (declared) this.expect(t, declared, s.value);
        if (s.name.name !== '') {
          if (scope.has(s.name.name)) {
            this.bag.error('duplicate-declaration', `\`${s.name.name}\` is already declared in this block`, s.name.span);
          }
          scope.add({ name: s.name.name, type: declared ?? (t.k === 'none' ? T.unknown : t), decl: s });
        }
        return;
      }
      case 'assign':
        this.assign(s, scope);
        return;
      case 'if':
        this.condition(s.cond, scope, '`if`');
        this.block(s.then, scope);
        if (s.else) {
          if ('kind' in s.else) this.stmt(s.else, scope);
          else this.block(s.else, scope);
        }
        return;
      case 'for': {
        const t = this.expr(s.iter, scope);
        let elem: Type = T.unknown;
        if (t.k === 'set') elem = t.elem;
        else if (t.k !== 'unknown') this.bag.error('type-mismatch', `\`for\` iterates over a set, but this is ${describe(t)}`, s.iter.span);
        const inner = new Scope(scope);
        if (s.name.name !== '') inner.add({ name: s.name.name, type: elem, decl: s });
        this.block(s.body, inner);
        return;
      }
      case 'lock': {
        const t = this.expr(s.mutex, scope);
        this.mutex(t, s.mutex, '`lock`');
        this.block(s.body, scope);
        return;
      }
      case 'return': {
        if (!s.value) return;
        const t = this.expr(s.value, scope);
        if (this.env.returns.k === 'void' && t.k !== 'void' && t.k !== 'unknown') {
          this.bag.error('type-mismatch', `${this.env.what} declares no result, so \`return\` takes no value here`, s.value.span);
        } else {
          this.expect(t, this.env.returns, s.value);
        }
        return;
      }
      case 'fail': {
        const t = this.expr(s.errno, scope);
        // An errno travels in a `try` call's result of any type (ERR_PTR, `int ret`), so
        // `fail r` passes on what `let r = try f()` caught; at run time r must be an errno.
        const inner = strip(t);
        const carrier = (s.errno.kind === 'name' || s.errno.kind === 'member') && (inner.k === 'int' || inner.k === 'object');
        if (inner.k !== 'errno' && inner.k !== 'unknown' && !carrier) {
          this.bag.error('type-mismatch', `\`fail\` takes an errno such as ENODEV (or a \`try\` call's result holding one), not ${describe(t)}`, s.errno.span);
        }
        return;
      }
      case 'assert':
        this.condition(s.cond, scope, '`assert`');
        return;
      case 'choose':
        for (const b of s.branches) this.block(b, scope);
        return;
      case 'expr':
        this.expr(s.expr, scope);
        return;
    }
  }

  private assign(s: A.AssignStmt, scope: Scope): void {
    const valueType = this.expr(s.value, scope);
    const target = s.target;
    if (target.kind === 'member') {
      const objType = this.expr(target.object, scope);
      const o = strip(objType);
      if (o.k === 'object' && isOwnKind(this.cx.vocabulary, o.kind)) {
        // Fields of the spec's own kinds are the spec's to write (v1).
        const ft = this.memberType(objType, target.member);
        this.cx.types.set(target, ft);
        if (ft.k === 'kref') this.bag.error('not-assignable', `\`${target.member.name}\` is a kref: it changes only through kref_get, kref_put, kref_get_unless_zero and kref_init`, target.member.span);
        else this.expect(valueType, ft, s.value);
      } else if (o.k === 'object') {
        this.bag.error('not-assignable', `\`${target.member.name}\` of ${o.kind} is kept by the model and cannot be assigned`, target.member.span);
      } else if (o.k !== 'unknown') {
        this.memberType(objType, target.member);
      }
      return;
    }
    const sym = this.lookup(target.name, scope);
    if (!sym) {
      if (this.cx.nameMayBeSkipped(this.env.driver)) return;
      // A top-level fn sees no driver's state: say where the field is, and how to reach it.
      const owners = this.env.driver ? [] : [...this.cx.drivers.values()].filter((d) => d.fields.has(target.name)).map((d) => d.name);
      if (owners.length > 0) {
        this.bag.error(
          'assign-to-undeclared',
          `${this.env.what} is a top-level fn, which sees no driver's state: \`${target.name}\` is a state field of ${owners.map((o) => `driver \`${o}\``).join(' and ')}; declare the fn inside that driver (\`driver ${owners[0]} … { fn … }\`) to use it`,
          target.span,
        );
        return;
      }
      const where = this.env.driver
        ? `declare it in \`state { }\` of driver \`${this.env.driver.name}\`, or with \`let\``
        : 'declare it with `let`';
      this.bag.error(
        'assign-to-undeclared',
        `assignment to undeclared \`${target.name}\`: ${where}${didYouMean(target.name, this.namesInScope(scope))}`,
        target.span,
      );
      return;
    }
    this.cx.resolutions.set(target, sym);
    if (sym.kind === 'field' && sym.type.k === 'kref') {
      this.bag.error('not-assignable', `\`${target.name}\` is a kref: it changes only through kref_get, kref_put, kref_get_unless_zero and kref_init`, target.span);
      return;
    }
    if (sym.kind === 'local' || sym.kind === 'field') {
      this.expect(valueType, sym.type, s.value);
      return;
    }
    this.bag.error('not-assignable', `\`${target.name}\` is ${symbolWhat(sym)} and cannot be assigned`, target.span);
  }

  private condition(e: A.Expr, scope: Scope, what: string): void {
    const t = this.expr(e, scope);
    if (t.k !== 'bool' && t.k !== 'unknown') {
      const hint = t.k === 'optional' || t.k === 'object' ? ' (compare it with `none`)' : '';
      this.bag.error('type-mismatch', `the condition of ${what} must be a bool, not ${describe(t)}${hint}`, e.span);
    }
  }

  private mutex(t: Type, e: A.Expr, what: string): void {
    const s = strip(t);
    const kinds = this.cx.vocabulary.kinds;
    if (s.k === 'unknown' || (s.k === 'object' && kinds.get(s.kind)?.lockable)) return;
    // An object that holds a lock in a field: say which (a buffer's lock is `.resv`).
    const lockField = s.k === 'object' ? Object.entries(kinds.get(s.kind)?.fields ?? {}).find(([, f]) => { const t = strip(f.type); return t.k === 'object' && kinds.get(t.kind)?.lockable; }) : undefined;
    const hint = lockField ? ` (its lock is \`.${lockField[0]}\`)` : '';
    this.bag.error('not-a-mutex', `${what} needs a mutex, but this is ${describe(t)}${hint}`, e.span);
  }

  /** Reports a value of type `t` where `want` is needed. */
  expect(t: Type, want: Type, e: A.Expr): void {
    if (compatible(t, want)) return;
    if (t.k === 'none') {
      this.bag.error('type-mismatch', `\`none\` is not a ${typeToString(want)}; declare it \`${typeToString(want)}?\` to allow none`, e.span);
      return;
    }
    this.bag.error('type-mismatch', `expected ${describe(want)}, found ${describe(t)}`, e.span);
  }

  // ---- names -------------------------------------------------------------------

  lookup(name: string, scope: Scope): Symbol | undefined {
    const local = scope.get(name);
    if (local) return { kind: 'local', name, type: local.type, decl: local.decl };
    const d = this.env.driver;
    if (d) {
      const f = d.fields.get(name);
      if (f) return { kind: 'field', name, type: f.type, driver: d.name, decl: f.decl };
      const ops = d.ops.get(name);
      if (ops) return { kind: 'ops', name, driver: d.name, table: ops };
      // A driver's own fns may shadow a top-level one (v1).
      const own = d.fns.get(name);
      if (own) return { kind: 'fn', name, info: own };
    }
    const node = this.cx.topology.get(name);
    if (node) return node.kind === 'device' ? { kind: 'device', name, decl: node.decl } : { kind: 'bridge', name, decl: node.decl };
    const prov = this.cx.providers.get(name);
    if (prov) return { kind: 'provider', name, info: prov };
    const fn = this.cx.fns.get(name);
    if (fn) return { kind: 'fn', name, info: fn };
    const prim = this.cx.lookupPrimitive(name);
    if (prim) return { kind: 'primitive', name, sig: prim };
    const c = this.cx.vocabulary.constants.get(name);
    if (c) return { kind: 'constant', name, type: c.type, ...(c.value !== undefined ? { value: c.value } : {}) };
    if (this.env.constraint) {
      const drv = this.cx.drivers.get(name);
      if (drv) return { kind: 'driver', name, info: drv };
    }
    return undefined;
  }

  private namesInScope(scope: Scope): string[] {
    const d = this.env.driver;
    return [
      ...scope.names(),
      ...(d ? [...d.fields.keys(), ...d.ops.keys(), ...d.fns.keys()] : []),
      ...this.cx.topology.keys(),
      ...this.cx.providers.keys(),
      ...this.cx.fns.keys(),
      ...this.cx.callableNames(),
      ...this.cx.vocabulary.constants.keys(),
      ...(this.env.constraint ? this.cx.drivers.keys() : []),
    ];
  }

  private symbolType(sym: Symbol): Type {
    switch (sym.kind) {
      case 'local':
      case 'field':
      case 'constant':
        return sym.type;
      case 'ops':
        return sym.table.opstype ? T.ops(sym.table.opstype.name) : T.unknown;
      case 'device':
        return T.object('pci_dev');
      case 'bridge':
        return T.bridge;
      case 'provider':
        return T.object('p2pdma_provider');
      case 'driver':
        return { k: 'driver', name: sym.name };
      default:
        return T.unknown;
    }
  }

  // ---- expressions -------------------------------------------------------------

  expr(e: A.Expr, scope: Scope): Type {
    const t = this.exprInner(e, scope);
    this.cx.types.set(e, t);
    return t;
  }

  private exprInner(e: A.Expr, scope: Scope): Type {
    switch (e.kind) {
      case 'int':
      case 'size':
        return T.int;
      case 'bool':
        return T.bool;
      case 'none':
        return T.none;
      case 'string':
        return T.string;
      case 'errno':
        return T.errno;
      case 'missing':
        return T.unknown;
      case 'name': {
        const sym = this.lookup(e.name, scope);
        if (!sym) {
          if (this.cx.nameMayBeSkipped(this.env.driver)) return T.unknown;
          this.bag.error('unknown-name', `unknown name \`${e.name}\`${didYouMean(e.name, this.namesInScope(scope))}`, e.span);
          return T.unknown;
        }
        this.cx.resolutions.set(e, sym);
        if (sym.kind === 'fn' || sym.kind === 'primitive') {
          // Named without a call: an ops slot may take a fn by name, nothing else may.
          this.bag.error('type-mismatch', `\`${e.name}\` is a function; call it with \`${e.name}(…)\``, e.span);
          return T.unknown;
        }
        return this.symbolType(sym);
      }
      case 'member':
        return this.memberType(this.expr(e.object, scope), e.member);
      case 'call':
        return this.call(e, scope);
      case 'unary': {
        const t = this.expr(e.operand, scope);
        const want = e.op === '!' ? T.bool : T.int;
        this.operand(t, want, e.operand, e.op);
        return want;
      }
      case 'binary':
        return this.binary(e, scope);
      case 'new':
        return newExpr(this, e, scope);
      case 'try': {
        const t = this.expr(e.expr, scope);
        if (e.expr.kind !== 'call' && e.expr.kind !== 'missing') {
          this.bag.error('type-mismatch', '`try` applies to a call: `try p2pdma_map(p, dev)`', e.expr.span);
        }
        // `int ret = dma_resv_lock(obj, ctx)`: a call that returns nothing yields none, or its errno.
        return t.k === 'void' ? T.optional(T.errno) : t;
      }
    }
  }

  private operand(t: Type, want: Type, e: A.Expr, op: string): void {
    if (t.k === 'unknown' || t.k === want.k) return;
    this.bag.error('type-mismatch', `\`${op}\` needs ${describe(want)}, found ${describe(t)}`, e.span);
  }

  private binary(e: A.BinaryExpr, scope: Scope): Type {
    const l = this.expr(e.left, scope);
    const r = this.expr(e.right, scope);
    switch (e.op) {
      case '&&':
      case '||':
        this.operand(l, T.bool, e.left, e.op);
        this.operand(r, T.bool, e.right, e.op);
        return T.bool;
      case '==':
      case '!=':
        if (l.k === 'kref' || r.k === 'kref') {
          this.bag.error('type-mismatch', `${KREF_NOT_VALUE}; compare \`kref_read(r)\` instead`, (l.k === 'kref' ? e.left : e.right).span);
        } else if (!comparable(l, r)) {
          this.bag.error('type-mismatch', `cannot compare ${describe(l)} with ${describe(r)}`, e.span);
        }
        return T.bool;
      case '<':
      case '<=':
      case '>':
      case '>=':
        this.operand(l, T.int, e.left, e.op);
        this.operand(r, T.int, e.right, e.op);
        return T.bool;
      case '+':
      case '-':
        this.operand(l, T.int, e.left, e.op);
        this.operand(r, T.int, e.right, e.op);
        return T.int;
    }
  }

  memberType(objType: Type, member: A.Ident): Type {
    if (member.name === '') return T.unknown;
    const o = strip(objType);
    switch (o.k) {
      case 'unknown':
        return T.unknown;
      case 'object': {
        const fields = Object.fromEntries(Object.entries(this.cx.vocabulary.kinds.get(o.kind)?.fields ?? {}).map(([n, f]) => [n, f.type]));
        const t = fields[member.name];
        if (t) return t;
        const names = Object.keys(fields);
        const has = names.length ? `; it has ${names.map((n) => `\`${n}\``).join(', ')}` : '';
        this.bag.error('unknown-member', `${o.kind} has no field \`${member.name}\`${didYouMean(member.name, names)}${has}`, member.span);
        return T.unknown;
      }
      case 'ops': {
        // `ops.allow_peer2peer` reads a flag; `ops.move_notify` tells whether the table fills the slot.
        const slots = this.cx.opstypes.get(o.opstype)?.slots;
        if (!slots || slots.has(this.cx.slot(member.name))) return T.bool;
        this.bag.error('unknown-member', `ops type \`${o.opstype}\` has no slot \`${member.name}\`${didYouMean(member.name, slots.keys())}`, member.span);
        return T.unknown;
      }
      case 'driver': {
        const drv = this.cx.drivers.get(o.name);
        const f = drv?.fields.get(member.name);
        if (f) return f.type;
        if (drv && this.cx.incomplete.has(drv.decl)) return T.unknown;
        this.bag.error('unknown-member', `driver \`${o.name}\` has no state field \`${member.name}\`${didYouMean(member.name, drv?.fields.keys() ?? [])}`, member.span);
        return T.unknown;
      }
      case 'set':
        this.bag.error('unknown-member', `\`${member.name}\` of a set must be called: \`.${member.name}(…)\`; sets have add, remove, has and size`, member.span);
        return T.unknown;
      default:
        this.bag.error('unknown-member', `${describe(objType)} has no field \`${member.name}\``, member.span);
        return T.unknown;
    }
  }

  private call(e: A.CallExpr, scope: Scope): Type {
    const callee = e.callee;
    // `drv.action(args)` from a body (v1), unless `drv` is a local, a field or the like.
    if (callee.kind === 'member' && callee.object.kind === 'name') {
      const owner = this.lookup(callee.object.name, scope);
      const drv = !owner || owner.kind === 'driver' ? this.cx.drivers.get(callee.object.name) : undefined;
      if (drv) return actionCall(this, drv, callee, e, scope);
    }
    if (callee.kind === 'member') {
      const objType = this.expr(callee.object, scope);
      const o = strip(objType);
      if (o.k === 'set') return this.setMethod(o.elem, callee.member, e, scope);
      for (const a of e.args) this.expr(a, scope);
      if (o.k === 'unknown') return T.unknown;
      if (o.k === 'object' && this.cx.vocabulary.kinds.get(o.kind)?.fields[callee.member.name] !== undefined) {
        this.bag.error('not-callable', `\`${callee.member.name}\` is a field of ${o.kind}, not a function`, e.span);
      } else {
        this.memberType(objType, callee.member);
      }
      return T.unknown;
    }
    if (callee.kind !== 'name') {
      for (const a of e.args) this.expr(a, scope);
      if (callee.kind !== 'missing') this.bag.error('not-callable', 'only a function, primitive or method can be called', callee.span);
      return T.unknown;
    }
    const sym = this.lookup(callee.name, scope);
    if (!sym) {
      for (const a of e.args) this.expr(a, scope);
      // An action named bare: actions are called through their driver, as exported symbols are.
      const owners = [...this.cx.drivers.values()].filter((d) => d.actions.has(callee.name));
      const mine = this.env.driver && owners.includes(this.env.driver) ? this.env.driver : owners[0];
      if (mine) {
        this.bag.error('unknown-name', `\`${callee.name}\` is an action of driver \`${mine.name}\`: call it as \`${mine.name}.${callee.name}(…)\` (a fn of the driver is called by its name alone)`, callee.span);
        return mine.actions.get(callee.name)!.returns;
      }
      const candidates = [...this.cx.fns.keys(), ...(this.env.driver ? this.env.driver.fns.keys() : []), ...this.cx.callableNames()];
      this.bag.error('unknown-name', `unknown function \`${callee.name}\`${didYouMean(callee.name, candidates)}`, callee.span);
      return T.unknown;
    }
    this.cx.resolutions.set(callee, sym);
    if (this.env.pure && (sym.kind === 'fn' || (sym.kind === 'primitive' && !queries.has(sym.sig.name)))) {
      for (const a of e.args) this.expr(a, scope);
      this.bag.error('not-callable', `${this.env.pure} is judged on a state and takes no step: it cannot call \`${callee.name}\` (it may use held, is_err and count)`, callee.span);
      return sym.kind === 'fn' ? sym.info.returns : sym.sig.returns;
    }
    if (sym.kind === 'primitive') {
      inTarget(this, callee.name, sym.sig.since, callee.span);
      if (sym.sig.name === 'count') return this.countCall(e, scope);
      if (sym.sig.name === 'free') return freeCall(this, e, scope);
      if (sym.sig.name === 'held' && e.args.length === 1) {
        // One message that knows about `.resv`, rather than a plain type mismatch.
        this.mutex(this.expr(e.args[0]!, scope), e.args[0]!, '`held`');
        return sym.sig.returns;
      }
      this.arguments(e, sym.sig.params, `\`${callee.name}\``, scope);
      return sym.sig.returns;
    }
    if (sym.kind === 'fn') {
      this.arguments(e, sym.info.params, `\`fn ${callee.name}\``, scope);
      return sym.info.returns;
    }
    for (const a of e.args) this.expr(a, scope);
    this.bag.error('not-callable', `\`${callee.name}\` is ${symbolWhat(sym)}, not a function`, callee.span);
    return T.unknown;
  }

  /** `count(KIND)`: the argument is a kind name, not a value. */
  private countCall(e: A.CallExpr, scope: Scope): Type {
    const arg = e.args[0];
    if (e.args.length !== 1 || !arg) {
      this.bag.error('wrong-arity', `\`count\` takes one object kind, such as \`count(sg_table)\``, e.span);
      for (const a of e.args) this.expr(a, scope);
      return T.int;
    }
    const kinds = [...this.cx.vocabulary.kinds.keys()];
    if (arg.kind === 'name' && this.cx.vocabulary.kinds.has(arg.name)) {
      this.cx.resolutions.set(arg, { kind: 'kind', name: arg.name });
      return T.int;
    }
    const name = arg.kind === 'name' ? `\`${arg.name}\`` : 'this';
    this.bag.error('unknown-kind', `${name} is not an object kind; \`count\` takes one of ${kinds.join(', ')}`, arg.span);
    return T.int;
  }

  arguments(e: { args: A.Expr[]; span: A.Node['span'] }, params: readonly Pick<ParamSig, 'type' | 'optional' | 'name'>[], what: string, scope: Scope): void {
    const types = e.args.map((a) => this.expr(a, scope));
    const min = params.filter((p) => !p.optional).length;
    const max = params.length;
    if (types.length < min || types.length > max) {
      const want = min === max ? plural(max, 'argument') : `${min} to ${max} arguments`;
      this.bag.error('wrong-arity', `${what} takes ${want}, but ${types.length} ${types.length === 1 ? 'is' : 'are'} given`, e.span);
      return;
    }
    types.forEach((t, i) => this.expect(t, params[i]!.type, e.args[i]!));
  }

  private setMethod(elem: Type, method: A.Ident, e: A.CallExpr, scope: Scope): Type {
    const sigs: Record<string, { params: ParamSig[]; returns: Type }> = {
      add: { params: [{ name: 'x', type: elem }], returns: T.void },
      remove: { params: [{ name: 'x', type: elem }], returns: T.void },
      has: { params: [{ name: 'x', type: elem }], returns: T.bool },
      size: { params: [], returns: T.int },
    };
    const sig = sigs[method.name];
    if (sig && this.env.pure && sig.returns.k === 'void') {
      for (const a of e.args) this.expr(a, scope);
      this.bag.error('not-callable', `${this.env.pure} is judged on a state and changes nothing: it cannot \`.${method.name}\` (it may ask \`.has\` and \`.size\`)`, method.span);
      return T.unknown;
    }
    if (!sig) {
      for (const a of e.args) this.expr(a, scope);
      this.bag.error('unknown-member', `a set has no method \`${method.name}\`${didYouMean(method.name, Object.keys(sigs))}; it has add, remove, has and size`, method.span);
      return T.unknown;
    }
    this.arguments(e, sig.params, `\`.${method.name}\``, scope);
    return sig.returns;
  }
}

