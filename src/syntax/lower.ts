/**
 * Lowering: the CST visitor that turns Chevrotain's concrete syntax tree into
 * the typed AST of `ast.ts`. It accepts the partial trees recovery leaves and
 * reports the few syntax rules that are easier to check on whole nodes
 * (assignment targets, two statements on one line without `;`).
 */
import type { CstNode, IToken } from 'chevrotain';
import { parser } from '../../grammar/parser.js';
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source.js';
import type * as A from './ast.js';
import { precedence } from './ast.js';

/** How deep one expression may nest (LANGUAGE.md is silent; docs/language.md states it). */
export const MAX_EXPRESSION_DEPTH = 500;

type Ctx = Record<string, (CstNode | IToken)[] | undefined>;

const BaseVisitor = parser.getBaseCstVisitorConstructor();

function isToken(x: CstNode | IToken | undefined): x is IToken {
  return x !== undefined && (x as IToken).image !== undefined;
}

/** A token recovery inserted has no position; it stands for nothing written. */
function real(tok: IToken | undefined): tok is IToken {
  return tok !== undefined && !tok.isInsertedInRecovery && Number.isFinite(tok.startOffset);
}

/** Turns a node into an AST, given the bag to report in and the line of each offset. */
export class Lowering extends BaseVisitor {
  constructor(
    private readonly bag: DiagnosticBag,
    private readonly lineOf: (offset: number) => number,
    private readonly docAt: (offset: number) => string | undefined,
  ) {
    super();
    this.validateVisitor();
  }

  /** Every visit passes the node's span, so each lowering method can place what it builds. */
  override visit(node: CstNode | CstNode[]): any {
    const n = Array.isArray(node) ? node[0] : node;
    if (!n) return undefined;
    return super.visit(n, this.spanOf(n));
  }

  // ---- helpers -------------------------------------------------------------

  private tok(ctx: Ctx, label: string, i = 0): IToken | undefined {
    const t = ctx[label]?.[i];
    return isToken(t) && real(t) ? t : undefined;
  }

  private node(ctx: Ctx, label: string, i = 0): CstNode | undefined {
    const n = ctx[label]?.[i];
    return n !== undefined && !isToken(n) ? n : undefined;
  }

  private nodes(ctx: Ctx, label: string): CstNode[] {
    return (ctx[label] ?? []).filter((n): n is CstNode => !isToken(n));
  }

  private tokens(ctx: Ctx, label: string): IToken[] {
    return (ctx[label] ?? []).filter((t): t is IToken => isToken(t) && real(t));
  }

  /** The span of a CST node; a node recovery cut short may have no location. */
  private spanOf(n: CstNode): Span {
    const loc = n.location;
    const start = loc && Number.isFinite(loc.startOffset) ? loc.startOffset : 0;
    const end = loc && Number.isFinite(loc.endOffset) ? (loc.endOffset as number) + 1 : start;
    return { start, end: Math.max(start, end) };
  }

  private tokSpan(t: IToken): Span {
    return { start: t.startOffset, end: (t.endOffset ?? t.startOffset) + 1 };
  }

  /** A name, or an empty name at `fallback` when recovery left it out. */
  private ident(t: IToken | undefined, fallback: Span): A.Ident {
    if (t) return { name: t.image, span: this.tokSpan(t) };
    return { name: '', span: { start: fallback.end, end: fallback.end } };
  }

  private doc(span: Span): { doc?: string } {
    const d = this.docAt(span.start);
    return d === undefined ? {} : { doc: d };
  }

  private intLit(t: IToken | undefined, fallback: Span): A.IntLit {
    if (!t) return { value: 0, text: '', span: { start: fallback.end, end: fallback.end } };
    return { value: this.numberValue(t), text: t.image, span: this.tokSpan(t) };
  }

  private numberValue(t: IToken): number {
    const text = t.image;
    let value: number;
    const mult: Record<string, number> = { K: 1024, M: 1024 ** 2, G: 1024 ** 3 };
    const last = text[text.length - 1]!;
    if (/^0[xX]/.test(text)) value = parseInt(text.slice(2), 16);
    else if (last in mult) value = parseInt(text.slice(0, -1), 10) * mult[last]!;
    else value = parseInt(text, 10);
    if (!Number.isFinite(value) || !Number.isSafeInteger(value)) {
      // A number of a hundred thousand digits is named by its start and its length.
      const shown = text.length > 24 ? `${text.slice(0, 16)}… (${text.length.toLocaleString('en-US')} characters)` : text;
      this.bag.error('number-too-large', `\`${shown}\` is larger than 9,007,199,254,740,991 (2^53 - 1), the largest integer Lifespec represents exactly`, this.tokSpan(t));
      return 0;
    }
    return value;
  }

  /** Reports two items that share a line without a `;` between them. */
  private checkSeparators(items: { span: Span }[], text: (s: Span) => string): void {
    for (let i = 1; i < items.length; i++) {
      const prev = items[i - 1]!;
      const next = items[i]!;
      if (next.span.start === next.span.end) continue;
      if (this.lineOf(prev.span.end - 1) !== this.lineOf(next.span.start)) continue;
      if (text(prev.span).trimEnd().endsWith(';')) continue;
      if (this.syntaxErrorOn(this.lineOf(prev.span.start), this.lineOf(next.span.start))) continue;
      this.bag.error('missing-separator', 'expected a new line or `;` before this statement', {
        start: next.span.start,
        end: next.span.start + 1,
      });
    }
  }

  /** A line that already has a syntax error needs no second complaint. */
  private syntaxErrorOn(fromLine: number, toLine = fromLine): boolean {
    return this.bag.items.some((d) => d.code === 'syntax-error' && this.lineOf(d.span.start) >= fromLine && this.lineOf(d.span.start) <= toLine);
  }

  private sourceText: (s: Span) => string = () => '';

  /** Lowers the top-level `spec` node. */
  lowerSpec(cst: CstNode, uri: string, text: string): A.Spec {
    this.sourceText = (s) => text.slice(s.start, s.end);
    const decls = this.nodes(cst.children as Ctx, 'declaration').map((d) => this.visit(d) as A.Decl);
    return { uri, decls, span: { start: 0, end: text.length } };
  }

  // ---- declarations --------------------------------------------------------

  spec(ctx: Ctx): A.Decl[] {
    return this.nodes(ctx, 'declaration').map((d) => this.visit(d) as A.Decl);
  }

  declaration(ctx: Ctx): A.Decl {
    const child = Object.values(ctx).flat()[0] as CstNode;
    return this.visit(child) as A.Decl;
  }

  useDecl(ctx: Ctx, span: Span): A.UseDecl {
    const file = this.tok(ctx, 'file');
    if (file) return { kind: 'use', path: [], file: { name: unquote(file.image), span: this.tokSpan(file) }, span };
    return { kind: 'use', path: this.tokens(ctx, 'part').map((t) => this.ident(t, span)), span };
  }

  kindDecl(ctx: Ctx, span: Span): A.KindDecl {
    return {
      kind: 'kind',
      name: this.ident(this.tok(ctx, 'name'), span),
      fields: this.nodes(ctx, 'field').map((n) => this.visit(n) as A.Field),
      span,
      ...this.doc(span),
    };
  }

  targetDecl(ctx: Ctx, span: Span): A.TargetDecl {
    const major = this.tok(ctx, 'major');
    const minor = this.tok(ctx, 'minor');
    const text = `${major?.image ?? ''}.${minor?.image ?? ''}`;
    return { kind: 'target', major: major ? Number(major.image) : 0, minor: minor ? Number(minor.image) : 0, text, span };
  }

  allowDecl(ctx: Ctx, span: Span): A.AllowDecl {
    return { kind: 'allow', rules: this.nodes(ctx, 'ruleName').map((n) => this.visit(n) as A.Ident), span };
  }

  failsClause(ctx: Ctx, span: Span): A.Ident[] {
    return this.tokens(ctx, 'errno').map((t) => this.ident(t, span));
  }

  private failsOf(ctx: Ctx): A.Ident[] {
    const f = this.node(ctx, 'fails');
    return f ? (this.visit(f) as A.Ident[]) : [];
  }

  topologyDecl(ctx: Ctx, span: Span): A.TopologyDecl {
    return { kind: 'topology', items: this.nodes(ctx, 'topoItem').map((n) => this.visit(n) as A.TopoItem), span };
  }

  topoItem(ctx: Ctx): A.TopoItem {
    return this.visit(Object.values(ctx).flat()[0] as CstNode) as A.TopoItem;
  }

  hostBridge(ctx: Ctx, span: Span): A.HostBridgeItem {
    const props = this.nodes(ctx, 'hbProp').map((n) => this.visit(n) as A.HostBridgeProp | undefined);
    return {
      kind: 'host_bridge',
      name: this.ident(this.tok(ctx, 'name'), span),
      props: props.filter((p): p is A.HostBridgeProp => p !== undefined),
      span,
      ...this.doc(span),
    };
  }

  hbProp(ctx: Ctx, span: Span): A.HostBridgeProp | undefined {
    const prop = this.tok(ctx, 'prop')?.image;
    const value = this.tok(ctx, 'value')?.image;
    if (!value) return undefined;
    if (prop === 'iommu') return { kind: 'iommu', mode: value as 'translated' | 'passthrough' | 'off', span };
    return { kind: 'p2p', mode: value as 'allowed' | 'denied' | 'same_bridge', span };
  }

  switchItem(ctx: Ctx, span: Span): A.SwitchItem {
    const props = this.nodes(ctx, 'switchProp').map((n) => this.visit(n) as A.SwitchProp | undefined);
    return {
      kind: 'switch',
      name: this.ident(this.tok(ctx, 'name'), span),
      parent: this.ident(this.tok(ctx, 'parent'), span),
      props: props.filter((p): p is A.SwitchProp => p !== undefined),
      span,
      ...this.doc(span),
    };
  }

  switchProp(ctx: Ctx, span: Span): A.SwitchProp | undefined {
    const value = this.tok(ctx, 'value')?.image;
    return value ? { kind: 'acs', on: value === 'on', span } : undefined;
  }

  deviceItem(ctx: Ctx, span: Span): A.DeviceItem {
    const props = this.nodes(ctx, 'devProp').map((n) => this.visit(n) as A.DeviceProp | undefined);
    return {
      kind: 'device',
      name: this.ident(this.tok(ctx, 'name'), span),
      parent: this.ident(this.tok(ctx, 'parent'), span),
      props: props.filter((p): p is A.DeviceProp => p !== undefined),
      span,
      ...this.doc(span),
    };
  }

  devProp(ctx: Ctx, span: Span): A.DeviceProp | undefined {
    const prop = this.tok(ctx, 'prop')?.image;
    if (prop === 'bar') {
      const index = this.node(ctx, 'index');
      const size = this.node(ctx, 'size');
      return {
        kind: 'bar',
        index: index ? (this.visit(index) as A.IntLit) : this.intLit(undefined, span),
        size: size ? (this.visit(size) as A.IntLit) : this.intLit(undefined, span),
        span,
      };
    }
    const value = this.tok(ctx, 'value')?.image;
    if (prop === 'acs' && value) return { kind: 'acs', on: value === 'on', span };
    return undefined;
  }

  integer(ctx: Ctx, span: Span): A.IntLit {
    return this.intLit(this.tok(ctx, 'value'), span);
  }

  sizeValue(ctx: Ctx, span: Span): A.IntLit {
    return this.intLit(this.tok(ctx, 'value'), span);
  }

  providerDecl(ctx: Ctx, span: Span): A.ProviderDecl {
    const props = this.nodes(ctx, 'providerProp').map((n) => this.visit(n) as A.ProviderProp | undefined);
    return {
      kind: 'provider',
      name: this.ident(this.tok(ctx, 'name'), span),
      providerKind: this.ident(this.tok(ctx, 'kind'), span),
      props: props.filter((p): p is A.ProviderProp => p !== undefined),
      span,
      ...this.doc(span),
    };
  }

  providerProp(ctx: Ctx, span: Span): A.ProviderProp | undefined {
    const prop = this.tok(ctx, 'prop')?.image;
    if (prop === 'device') {
      const t = this.tok(ctx, 'device');
      return t ? { kind: 'device', device: this.ident(t, span), span } : undefined;
    }
    if (prop === 'bar') {
      const n = this.node(ctx, 'bar');
      return n ? { kind: 'bar', bar: this.visit(n) as A.IntLit, span } : undefined;
    }
    const lt = this.tok(ctx, 'lifetime')?.image;
    return lt ? { kind: 'lifetime', lifetime: lt as A.ProviderLifetime, span } : undefined;
  }

  opstypeDecl(ctx: Ctx, span: Span): A.OpstypeDecl {
    return {
      kind: 'opstype',
      name: this.ident(this.tok(ctx, 'name'), span),
      slots: this.nodes(ctx, 'opsSlot').map((n) => this.visit(n) as A.OpsSlot),
      span,
      ...this.doc(span),
    };
  }

  opsSlot(ctx: Ctx, span: Span): A.OpsSlot {
    const flag = this.tok(ctx, 'flagName');
    if (ctx.Kw_flag) return { kind: 'flag', name: this.ident(flag, span), span, ...this.doc(span) };
    const returns = this.node(ctx, 'returns');
    return {
      kind: 'callback',
      name: this.ident(this.tok(ctx, 'name'), span),
      required: ctx.Kw_required !== undefined,
      params: this.paramsOf(ctx),
      ...(returns ? { returns: this.visit(returns) as A.TypeRef } : {}),
      span,
      ...this.doc(span),
    };
  }

  driverDecl(ctx: Ctx, span: Span): A.DriverDecl {
    const device = this.tok(ctx, 'device');
    return {
      kind: 'driver',
      name: this.ident(this.tok(ctx, 'name'), span),
      // `for` with its name missing is still a driver for a device; without `for` a component.
      ...(device || ctx.Kw_for ? { device: this.ident(device, span) } : {}),
      items: this.nodes(ctx, 'driverItem').map((n) => this.visit(n) as A.DriverItem),
      span,
      ...this.doc(span),
    };
  }

  driverItem(ctx: Ctx): A.DriverItem {
    return this.visit(Object.values(ctx).flat()[0] as CstNode) as A.DriverItem;
  }

  stateBlock(ctx: Ctx, span: Span): A.StateBlock {
    return { kind: 'state', fields: this.nodes(ctx, 'field').map((n) => this.visit(n) as A.Field), span };
  }

  field(ctx: Ctx, span: Span): A.Field {
    const type = this.node(ctx, 'type');
    const init = this.node(ctx, 'init');
    return {
      name: this.ident(this.tok(ctx, 'name'), span),
      type: type ? (this.visit(type) as A.TypeRef) : this.missingType(span),
      ...(init ? { init: this.visit(init) as A.Expr } : {}),
      span,
      ...this.doc(span),
    };
  }

  callback(ctx: Ctx, span: Span): A.CallbackDecl {
    const which = this.tok(ctx, 'which');
    const kind = (which?.image ?? 'probe') as 'probe' | 'remove';
    return {
      kind,
      keyword: this.ident(which, span),
      params: this.paramsOf(ctx),
      body: this.blockOf(ctx, 'body', span),
      span,
      ...this.doc(span),
    };
  }

  opsTable(ctx: Ctx, span: Span): A.OpsTable {
    return {
      kind: 'ops',
      name: this.ident(this.tok(ctx, 'name'), span),
      type: this.ident(this.tok(ctx, 'type'), span),
      entries: this.nodes(ctx, 'opsEntry').map((n) => this.visit(n) as A.OpsEntry),
      span,
      ...this.doc(span),
    };
  }

  opsEntry(ctx: Ctx, span: Span): A.OpsEntry {
    const name = this.ident(this.tok(ctx, 'name'), span);
    if (ctx.Assign) {
      const value = this.node(ctx, 'value');
      return { kind: 'value', name, value: value ? (this.visit(value) as A.Expr) : this.missing(span), span };
    }
    return { kind: 'inline', name, params: this.paramsOf(ctx), body: this.blockOf(ctx, 'body', span), span };
  }

  actionDecl(ctx: Ctx, span: Span): A.ActionDecl {
    const returns = this.node(ctx, 'returns');
    return {
      kind: 'action',
      name: this.ident(this.tok(ctx, 'name'), span),
      params: this.paramsOf(ctx),
      ...(returns ? { returns: this.visit(returns) as A.TypeRef } : {}),
      fails: this.failsOf(ctx),
      body: this.blockOf(ctx, 'body', span),
      span,
      ...this.doc(span),
    };
  }

  fnDecl(ctx: Ctx, span: Span): A.FnDecl {
    const returns = this.node(ctx, 'returns');
    return {
      kind: 'fn',
      name: this.ident(this.tok(ctx, 'name'), span),
      params: this.paramsOf(ctx),
      ...(returns ? { returns: this.visit(returns) as A.TypeRef } : {}),
      fails: this.failsOf(ctx),
      body: this.blockOf(ctx, 'body', span),
      span,
      ...this.doc(span),
    };
  }

  private paramsOf(ctx: Ctx): A.Param[] {
    const p = this.node(ctx, 'params');
    return p ? (this.visit(p) as A.Param[]) : [];
  }

  params(ctx: Ctx): A.Param[] {
    return this.nodes(ctx, 'param').map((n) => this.visit(n) as A.Param);
  }

  param(ctx: Ctx, span: Span): A.Param {
    const type = this.node(ctx, 'type');
    return {
      name: this.ident(this.tok(ctx, 'name'), span),
      ...(type ? { type: this.visit(type) as A.TypeRef } : {}),
      span,
    };
  }

  type(ctx: Ctx, span: Span): A.TypeRef {
    const arg = this.node(ctx, 'arg');
    return {
      name: this.ident(this.tok(ctx, 'name'), span),
      ...(arg ? { arg: this.visit(arg) as A.TypeRef } : {}),
      optional: this.tok(ctx, 'optional') !== undefined,
      span,
    };
  }

  private missingType(span: Span): A.TypeRef {
    return { name: { name: '', span: { start: span.end, end: span.end } }, optional: false, span: { start: span.end, end: span.end } };
  }

  // ---- statements ------------------------------------------------------------

  private blockOf(ctx: Ctx, label: string, fallback: Span): A.Block {
    const b = this.node(ctx, label);
    return b ? (this.visit(b) as A.Block) : { stmts: [], span: { start: fallback.end, end: fallback.end } };
  }

  block(ctx: Ctx, span: Span): A.Block {
    const stmts = this.nodes(ctx, 'statement')
      .map((n) => this.visit(n) as A.Stmt | undefined)
      .filter((s): s is A.Stmt => s !== undefined);
    this.checkSeparators(stmts, this.sourceText);
    return { stmts, span };
  }

  statement(ctx: Ctx, span: Span): A.Stmt | undefined {
    const child = Object.entries(ctx).find(([k]) => k !== 'Semicolon')?.[1]?.[0];
    if (!child || isToken(child)) return undefined;
    const stmt = this.visit(child) as A.Stmt | undefined;
    // The statement's span includes its `;`, which the separator check reads.
    return stmt ? { ...stmt, span } : undefined;
  }

  letStmt(ctx: Ctx, span: Span): A.LetStmt {
    const type = this.node(ctx, 'type');
    return {
      kind: 'let',
      name: this.ident(this.tok(ctx, 'name'), span),
      ...(type ? { type: this.visit(type) as A.TypeRef } : {}),
      value: this.exprOf(ctx, 'value', span),
      span,
    };
  }

  ifStmt(ctx: Ctx, span: Span): A.IfStmt {
    const elseBlock = this.node(ctx, 'else');
    const elseIf = this.node(ctx, 'elseIf');
    const otherwise = elseBlock ? (this.visit(elseBlock) as A.Block) : elseIf ? (this.visit(elseIf) as A.IfStmt) : undefined;
    return {
      kind: 'if',
      cond: this.exprOf(ctx, 'cond', span),
      then: this.blockOf(ctx, 'then', span),
      ...(otherwise ? { else: otherwise } : {}),
      span,
    };
  }

  forStmt(ctx: Ctx, span: Span): A.ForStmt {
    return {
      kind: 'for',
      name: this.ident(this.tok(ctx, 'name'), span),
      iter: this.exprOf(ctx, 'iter', span),
      body: this.blockOf(ctx, 'body', span),
      span,
    };
  }

  lockStmt(ctx: Ctx, span: Span): A.LockStmt {
    return { kind: 'lock', mutex: this.exprOf(ctx, 'mutex', span), body: this.blockOf(ctx, 'body', span), span };
  }

  returnStmt(ctx: Ctx, span: Span): A.ReturnStmt {
    const value = this.node(ctx, 'value');
    return { kind: 'return', ...(value ? { value: this.visit(value) as A.Expr } : {}), span };
  }

  failStmt(ctx: Ctx, span: Span): A.FailStmt {
    return { kind: 'fail', errno: this.exprOf(ctx, 'errno', span), span };
  }

  assertStmt(ctx: Ctx, span: Span): A.AssertStmt {
    const msg = this.tok(ctx, 'message');
    return {
      kind: 'assert',
      cond: this.exprOf(ctx, 'cond', span),
      ...(msg ? { message: unquote(msg.image) } : {}),
      span,
    };
  }

  chooseStmt(ctx: Ctx, span: Span): A.ChooseStmt {
    const branches = this.nodes(ctx, 'branch').map((b) => this.visit(b) as A.Block);
    if (branches.length === 0 && !this.syntaxErrorOn(this.lineOf(span.start))) this.bag.error('syntax-error', '`choose` needs at least one branch `{ … }`', { start: span.start, end: span.start + 'choose'.length });
    return { kind: 'choose', branches, span };
  }

  exprStmt(ctx: Ctx, span: Span): A.Stmt {
    const expr = this.exprOf(ctx, 'expr', span);
    if (!ctx.Assign) {
      if (expr.kind !== 'call' && expr.kind !== 'missing' && !(expr.kind === 'try' && expr.expr.kind === 'call')) {
        this.bag.error('not-a-statement', 'this expression does nothing: a statement is a call, an assignment, or starts with a keyword', expr.span);
      }
      return { kind: 'expr', expr, span };
    }
    const value = this.exprOf(ctx, 'value', span);
    if (expr.kind === 'name' || expr.kind === 'member') return { kind: 'assign', target: expr, value, span };
    if (expr.kind !== 'missing') {
      this.bag.error('invalid-assignment-target', 'only a name or a field can be assigned to', expr.span);
    }
    return { kind: 'expr', expr: value, span };
  }

  // ---- expressions -----------------------------------------------------------

  private missing(span: Span): A.MissingExpr {
    return { kind: 'missing', span: { start: span.end, end: span.end } };
  }

  private exprOf(ctx: Ctx, label: string, fallback: Span): A.Expr {
    const n = this.node(ctx, label);
    return n ? (this.visit(n) as A.Expr) : this.missing(fallback);
  }

  /** Each expression's depth, known once it is built (children first). */
  private readonly depths = new WeakMap<A.Expr, number>();

  private depthOf(e: A.Expr): number {
    const known = this.depths.get(e);
    if (known !== undefined) return known;
    let d = 1;
    switch (e.kind) {
      case 'member':
        d += this.depthOf(e.object);
        break;
      case 'call':
        d += this.depthOf(e.callee);
        for (const a of e.args) d = Math.max(d, 1 + this.depthOf(a));
        break;
      case 'unary':
        d += this.depthOf(e.operand);
        break;
      case 'try':
        d += this.depthOf(e.expr);
        break;
      case 'binary':
        d += Math.max(this.depthOf(e.left), this.depthOf(e.right));
        break;
    }
    this.depths.set(e, d);
    return d;
  }

  /**
   * An expression nested deeper than MAX_EXPRESSION_DEPTH (operators, calls,
   * fields and brackets all count) is reported once and read as missing:
   * every later pass walks expressions recursively, and a chain of a few
   * thousand `+` would overflow the stack in one of them.
   */
  private bounded(e: A.Expr): A.Expr {
    if (this.depthOf(e) <= MAX_EXPRESSION_DEPTH) return e;
    this.bag.error('syntax-error', `this expression nests ${MAX_EXPRESSION_DEPTH.toLocaleString('en-US')}+ levels deep (operators, calls and fields count); split it`, e.span);
    const cut: A.MissingExpr = { kind: 'missing', span: e.span };
    this.depths.set(cut, 1);
    return cut;
  }

  /**
   * The flat `operand (operator operand)*` list, folded by precedence
   * climbing: all binary operators are left-associative.
   */
  expression(ctx: Ctx, span: Span): A.Expr {
    return this.bounded(this.fold(ctx, span));
  }

  private fold(ctx: Ctx, span: Span): A.Expr {
    const operands = this.nodes(ctx, 'operand').map((n) => this.visit(n) as A.Expr);
    const operators = (ctx.operator ?? []).filter(isToken).map((t) => t.image as A.BinaryOp);
    if (operands.length === 0) return this.missing(span);
    let i = 0;
    const climb = (minPrec: number): A.Expr => {
      let left = operands[i]!;
      while (i < operators.length && precedence[operators[i]!] >= minPrec) {
        const op = operators[i]!;
        i++;
        if (i >= operands.length) break;
        const right = climb(precedence[op] + 1);
        left = { kind: 'binary', op, left, right, span: { start: left.span.start, end: right.span.end } };
        // Stop folding a chain once it is too deep: the rest is reported with it.
        if (this.depthOf(left) > MAX_EXPRESSION_DEPTH) return left;
      }
      return left;
    };
    return climb(0);
  }

  unaryExpr(ctx: Ctx, span: Span): A.Expr {
    const operand = this.exprOf(ctx, 'operand', span);
    const op = this.tok(ctx, 'operator');
    if (!op) return operand;
    if (op.image === 'try') return this.bounded({ kind: 'try', expr: operand, span });
    return this.bounded({ kind: 'unary', op: op.image as A.UnaryOp, operand, span });
  }

  postfixExpr(ctx: Ctx, span: Span): A.Expr {
    let expr = this.exprOf(ctx, 'primary', span);
    for (const s of this.nodes(ctx, 'suffix')) {
      const sc = s.children as Ctx;
      const end = this.spanOf(s).end;
      if (sc.Dot) {
        const member = this.ident(this.tok(sc, 'member'), this.spanOf(s));
        expr = { kind: 'member', object: expr, member, span: { start: expr.span.start, end } };
      } else {
        const argsNode = this.node(sc, 'args');
        const args = argsNode ? (this.visit(argsNode) as A.Expr[]) : [];
        expr = { kind: 'call', callee: expr, args, span: { start: expr.span.start, end } };
      }
      if (this.depthOf(expr) > MAX_EXPRESSION_DEPTH) break;
    }
    return this.bounded(expr);
  }

  suffix(): never {
    throw new Error('suffix is lowered by postfixExpr');
  }

  args(ctx: Ctx): A.Expr[] {
    return this.nodes(ctx, 'arg').map((n) => this.visit(n) as A.Expr);
  }

  primary(ctx: Ctx, span: Span): A.Expr {
    const int = this.tok(ctx, 'int');
    if (int) return { kind: 'int', value: this.numberValue(int), text: int.image, span };
    const size = this.tok(ctx, 'size');
    if (size) return { kind: 'size', value: this.numberValue(size), text: size.image, span };
    const str = this.tok(ctx, 'string');
    if (str) return { kind: 'string', value: unquote(str.image), span };
    const errno = this.tok(ctx, 'errno');
    if (errno) return { kind: 'errno', name: errno.image, span };
    const bool = this.tok(ctx, 'bool');
    if (bool) return { kind: 'bool', value: bool.image === 'true', span };
    if (this.tok(ctx, 'none')) return { kind: 'none', span };
    const name = this.tok(ctx, 'name');
    if (name) return { kind: 'name', name: name.image, span };
    const paren = this.node(ctx, 'paren');
    if (paren) return this.visit(paren) as A.Expr;
    const created = this.node(ctx, 'new');
    if (created) return this.visit(created) as A.Expr;
    return this.missing(span);
  }

  newExpr(ctx: Ctx, span: Span): A.NewExpr {
    const names = this.tokens(ctx, 'field');
    const values = this.nodes(ctx, 'value');
    const fields = names.map((t, i) => {
      const name = this.ident(t, span);
      const value = values[i] ? (this.visit(values[i]) as A.Expr) : this.missing(span);
      return { name, value, span: { start: name.span.start, end: Math.max(name.span.end, value.span.end) } };
    });
    return { kind: 'new', type: this.ident(this.tok(ctx, 'type'), span), fields, span };
  }

  // ---- constraints -----------------------------------------------------------

  constraintDecl(ctx: Ctx, span: Span): A.ConstraintDecl {
    const rules = this.nodes(ctx, 'rule')
      .map((n) => this.visit(n) as A.Rule | undefined)
      .filter((r): r is A.Rule => r !== undefined);
    return { kind: 'constraint', name: this.ident(this.tok(ctx, 'name'), span), rules, span, ...this.doc(span) };
  }

  rule(ctx: Ctx): A.Rule | undefined {
    const child = Object.entries(ctx).find(([k]) => k !== 'Semicolon')?.[1]?.[0];
    return child && !isToken(child) ? (this.visit(child) as A.Rule) : undefined;
  }

  lifetimeRule(ctx: Ctx, span: Span): A.LifetimeRule {
    return {
      kind: 'lifetime',
      objectKind: this.ident(this.tok(ctx, 'kind'), span),
      field: this.ident(this.tok(ctx, 'field'), span),
      span,
    };
  }

  neverRule(ctx: Ctx, span: Span): A.NeverRule {
    const after = this.node(ctx, 'after');
    return {
      kind: 'never',
      pattern: this.patternOf(ctx, 'pattern', span),
      ...(after ? { after: this.visit(after) as A.Pattern } : {}),
      span,
    };
  }

  alwaysRule(ctx: Ctx, span: Span): A.AlwaysRule {
    return { kind: 'always', expr: this.exprOf(ctx, 'expr', span), span };
  }

  atEndRule(ctx: Ctx, span: Span): A.AtEndRule {
    return { kind: 'at_end', expr: this.exprOf(ctx, 'expr', span), span };
  }

  patternRule(ctx: Ctx, span: Span): A.Rule {
    const left = this.patternOf(ctx, 'left', span);
    const relation = this.tok(ctx, 'relation')?.image;
    if (relation === 'requires') {
      return { kind: 'requires', pattern: left, cond: this.exprOf(ctx, 'cond', span), span };
    }
    if (relation === 'leads_to') return { kind: 'leads_to', left, right: this.patternOf(ctx, 'right', span), span };
    return { kind: 'before', left, right: this.patternOf(ctx, 'right', span), span };
  }

  private patternOf(ctx: Ctx, label: string, fallback: Span): A.Pattern {
    const n = this.node(ctx, label);
    return n ? (this.visit(n) as A.Pattern) : { event: [], args: [], span: { start: fallback.end, end: fallback.end } };
  }

  pattern(ctx: Ctx, span: Span): A.Pattern {
    const outcome = this.tok(ctx, 'outcome')?.image as 'ok' | 'fails' | undefined;
    return {
      event: this.tokens(ctx, 'event').map((t) => this.ident(t, span)),
      args: this.tokens(ctx, 'arg').map((t) => this.ident(t, span)),
      ...(outcome ? { outcome } : {}),
      span,
    };
  }

  // ---- scenarios -------------------------------------------------------------

  scenarioDecl(ctx: Ctx, span: Span): A.ScenarioDecl {
    return {
      kind: 'scenario',
      name: this.ident(this.tok(ctx, 'name'), span),
      lines: this.linesOf(ctx),
      span,
      ...this.doc(span),
    };
  }

  private linesOf(ctx: Ctx): A.ScenarioLine[] {
    const lines = this.nodes(ctx, 'scenarioLine')
      .map((n) => this.visit(n) as A.ScenarioLine | undefined)
      .filter((l): l is A.ScenarioLine => l !== undefined);
    this.checkSeparators(lines, this.sourceText);
    return lines;
  }

  scenarioLine(ctx: Ctx, span: Span): A.ScenarioLine | undefined {
    const expect = this.node(ctx, 'expectLine');
    if (expect) return { ...(this.visit(expect) as A.ExpectLine), span };
    const action = this.node(ctx, 'actionLine');
    if (action) return { ...(this.visit(action) as A.ActionLine), span };
    const verb = this.tok(ctx, 'verb')?.image;
    switch (verb) {
      case 'bind':
      case 'unbind':
      case 'unplug': {
        const target = this.tok(ctx, 'target');
        if (!target && !this.syntaxErrorOn(this.lineOf(span.start))) {
          const what = verb === 'unplug' ? 'device' : 'driver';
          this.bag.error('syntax-error', `expected the name of a ${what} after \`${verb}\``, { start: span.end, end: span.end });
        }
        return { kind: verb, target: this.ident(target, span), span };
      }
      case 'faults':
        return { kind: 'faults', on: this.tok(ctx, 'value')?.image !== 'off', span };
      case 'parallel':
      case 'choose': {
        const branches = this.nodes(ctx, 'branch').map((b) => this.visit(b) as A.Branch);
        if (branches.length === 0) this.bag.error('syntax-error', `\`${verb}\` needs at least one branch \`{ … }\``, this.tokSpan(this.tok(ctx, 'verb')!));
        return { kind: verb, branches, span };
      }
      default:
        return undefined;
    }
  }

  expectLine(ctx: Ctx, span: Span): A.ExpectLine {
    const outcome = (this.tok(ctx, 'outcome')?.image ?? 'ok') as A.ExpectLine['outcome'];
    const rules = this.nodes(ctx, 'ruleName').map((n) => this.visit(n) as A.Ident);
    return { kind: 'expect', outcome, rules, span };
  }

  ruleName(ctx: Ctx, span: Span): A.Ident {
    return { name: this.tokens(ctx, 'part').map((t) => t.image).join('.'), span };
  }

  branch(ctx: Ctx, span: Span): A.Branch {
    return { lines: this.linesOf(ctx), span };
  }

  actionLine(ctx: Ctx, span: Span): A.ActionLine {
    const binds = this.tok(ctx, 'binds');
    const argsNode = this.node(ctx, 'args');
    return {
      kind: 'action',
      ...(binds ? { binds: this.ident(binds, span) } : {}),
      driver: this.ident(this.tok(ctx, 'driver'), span),
      action: this.ident(this.tok(ctx, 'action'), span),
      args: argsNode ? (this.visit(argsNode) as A.Expr[]) : [],
      ...(ctx.Dot ? {} : { bare: true }),
      span,
    };
  }
}

/** `"a\"b"` → `a"b`. */
export function unquote(image: string): string {
  const body = image.endsWith('"') && image.length >= 2 ? image.slice(1, -1) : image.slice(1);
  // Only `\"` and `\\` are escapes (LANGUAGE.md §2); any other backslash stays as written.
  return body.replace(/\\(["\\])/g, '$1');
}
