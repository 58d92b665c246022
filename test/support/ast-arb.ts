// Random well-formed syntax trees, for the property "a printed tree parses
// back to the same tree". Spans are zero: only the shape is compared.
import fc from 'fast-check';
import type * as A from '../../src/syntax/ast.js';

const span = { start: 0, end: 0 };
const names = ['a', 'b', 'buf', 'dev', 'att', 'sgt', 'x1', 'my_drv', 'gpu', 'nic', 'p0', 'ops_t'];
const nameArb = fc.constantFrom(...names);
const ident = nameArb.map((name): A.Ident => ({ name, span }));

const typeArb: fc.Arbitrary<A.TypeRef> = fc.letrec<{ t: A.TypeRef }>((tie) => ({
  t: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ name: fc.constantFrom('int', 'bool', 'dma_buf', 'sg_table', 'mutex', 'attachment').map((name) => ({ name, span })), optional: fc.boolean() }).map((r) => ({ ...r, span })),
    fc.record({ arg: tie('t'), optional: fc.boolean() }).map((r) => ({ name: { name: 'set', span }, arg: r.arg, optional: r.optional, span })),
  ),
})).t;

const binaryOps: A.BinaryOp[] = ['||', '&&', '==', '!=', '<', '<=', '>', '>=', '+', '-'];

const callArb = (expr: fc.Arbitrary<A.Expr>): fc.Arbitrary<A.CallExpr> =>
  fc.record({ callee: nameArb, args: fc.array(expr, { maxLength: 3 }) }).map((r) => ({ kind: 'call', callee: { kind: 'name', name: r.callee, span }, args: r.args, span }));

export const exprArb: fc.Arbitrary<A.Expr> = fc.letrec<{ e: A.Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.nat({ max: 4096 }).map((value): A.Expr => ({ kind: 'int', value, text: String(value), span })),
    fc.constantFrom(['64M', 64 * 2 ** 20] as const, ['4K', 4096] as const, ['1G', 2 ** 30] as const).map(([text, value]): A.Expr => ({ kind: 'size', value, text, span })),
    fc.boolean().map((value): A.Expr => ({ kind: 'bool', value, span })),
    fc.constant<A.Expr>({ kind: 'none', span }),
    fc.string({ maxLength: 10 }).filter((s) => !/[\n\r]/.test(s)).map((value): A.Expr => ({ kind: 'string', value, span })),
    fc.constantFrom('ENODEV', 'EBUSY', 'EREMOTEIO').map((name): A.Expr => ({ kind: 'errno', name, span })),
    nameArb.map((name): A.Expr => ({ kind: 'name', name, span })),
    fc.record({ object: tie('e'), member: ident }).map((r): A.Expr => ({ kind: 'member', ...r, span })),
    callArb(tie('e')),
    fc.record({ op: fc.constantFrom<A.UnaryOp>('!', '-'), operand: tie('e') }).map((r): A.Expr => ({ kind: 'unary', ...r, span })),
    fc.record({ op: fc.constantFrom(...binaryOps), left: tie('e'), right: tie('e') }).map((r): A.Expr => ({ kind: 'binary', ...r, span })),
    callArb(tie('e')).map((expr): A.Expr => ({ kind: 'try', expr, span })),
    fc.record({ type: ident, fields: fc.uniqueArray(nameArb, { maxLength: 2 }).chain((ns) => fc.tuple(...ns.map((n) => tie('e').map((value) => ({ name: { name: n, span }, value, span }))))) }).map((r): A.Expr => ({ kind: 'new', type: r.type, fields: r.fields, span })),
  ),
})).e;

const failsArb = fc.array(fc.constantFrom('ENOMEM', 'EIO'), { maxLength: 2 }).map((es) => es.map((name): A.Ident => ({ name, span })));

const blockOf = (stmts: A.Stmt[]): A.Block => ({ stmts, span });

export const stmtArb: fc.Arbitrary<A.Stmt> = fc.letrec<{ s: A.Stmt; b: A.Block }>((tie) => ({
  b: fc.array(tie('s'), { maxLength: 3 }).map(blockOf),
  s: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ name: ident, type: fc.option(typeArb, { nil: undefined }), value: exprArb }).map((r): A.Stmt => ({ kind: 'let', name: r.name, ...(r.type ? { type: r.type } : {}), value: r.value, span })),
    fc.record({ target: nameArb, value: exprArb }).map((r): A.Stmt => ({ kind: 'assign', target: { kind: 'name', name: r.target, span }, value: r.value, span })),
    fc.record({ cond: exprArb, then: tie('b'), else: fc.option(tie('b'), { nil: undefined }) }).map((r): A.Stmt => ({ kind: 'if', cond: r.cond, then: r.then, ...(r.else ? { else: r.else } : {}), span })),
    fc.record({ name: ident, iter: exprArb, body: tie('b') }).map((r): A.Stmt => ({ kind: 'for', ...r, span })),
    fc.record({ mutex: exprArb, body: tie('b') }).map((r): A.Stmt => ({ kind: 'lock', ...r, span })),
    fc.option(exprArb, { nil: undefined }).map((value): A.Stmt => ({ kind: 'return', ...(value ? { value } : {}), span })),
    fc.constantFrom('ENODEV', 'EBUSY').map((name): A.Stmt => ({ kind: 'fail', errno: { kind: 'errno', name, span }, span })),
    fc.record({ cond: exprArb, message: fc.option(fc.string({ maxLength: 8 }).filter((s) => !/[\n\r]/.test(s)), { nil: undefined }) }).map((r): A.Stmt => ({ kind: 'assert', cond: r.cond, ...(r.message !== undefined ? { message: r.message } : {}), span })),
    callArb(exprArb).map((expr): A.Stmt => ({ kind: 'expr', expr, span })),
    fc.array(tie('b'), { minLength: 1, maxLength: 3 }).map((branches): A.Stmt => ({ kind: 'choose', branches, span })),
  ),
})).s;

const blockArb = fc.array(stmtArb, { maxLength: 4 }).map(blockOf);
const paramsArb = fc.uniqueArray(nameArb, { maxLength: 3 }).chain((ns) =>
  fc.tuple(...ns.map((n) => fc.option(typeArb, { nil: undefined }).map((type): A.Param => ({ name: { name: n, span }, ...(type ? { type } : {}), span })))),
);

const patternArb: fc.Arbitrary<A.Pattern> = fc
  .record({
    event: fc.array(ident, { minLength: 1, maxLength: 3 }),
    args: fc.array(fc.oneof(ident, fc.constant({ name: '_', span })), { maxLength: 3 }),
    outcome: fc.option(fc.constantFrom<'ok' | 'fails'>('ok', 'fails'), { nil: undefined }),
  })
  .map((r) => ({ event: r.event, args: r.args, ...(r.outcome ? { outcome: r.outcome } : {}), span }));

const ruleArb: fc.Arbitrary<A.Rule> = fc.oneof(
  fc.record({ objectKind: ident, field: ident }).map((r): A.Rule => ({ kind: 'lifetime', ...r, span })),
  fc.record({ left: patternArb, right: patternArb }).map((r): A.Rule => ({ kind: 'before', ...r, span })),
  fc.record({ pattern: patternArb, after: fc.option(patternArb, { nil: undefined }) }).map((r): A.Rule => ({ kind: 'never', pattern: r.pattern, ...(r.after ? { after: r.after } : {}), span })),
  fc.record({ pattern: patternArb, cond: exprArb }).map((r): A.Rule => ({ kind: 'requires', ...r, span })),
  exprArb.map((expr): A.Rule => ({ kind: 'always', expr, span })),
  exprArb.map((expr): A.Rule => ({ kind: 'at_end', expr, span })),
  fc.record({ left: patternArb, right: patternArb }).map((r): A.Rule => ({ kind: 'leads_to', ...r, span })),
);

const lineArb: fc.Arbitrary<A.ScenarioLine> = fc.letrec<{ l: A.ScenarioLine }>((tie) => ({
  l: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ kind: fc.constantFrom<'bind' | 'unbind' | 'unplug'>('bind', 'unbind', 'unplug'), target: ident }).map((r): A.ScenarioLine => ({ ...r, span })),
    fc.boolean().map((on): A.ScenarioLine => ({ kind: 'faults', on, span })),
    fc
      .record({ binds: fc.option(ident, { nil: undefined }), driver: ident, action: ident, args: fc.array(exprArb, { maxLength: 2 }) })
      .map((r): A.ScenarioLine => ({ kind: 'action', ...(r.binds ? { binds: r.binds } : {}), driver: r.driver, action: r.action, args: r.args, span })),
    fc
      .record({ kind: fc.constantFrom<'parallel' | 'choose'>('parallel', 'choose'), branches: fc.array(fc.array(tie('l'), { maxLength: 2 }), { minLength: 1, maxLength: 3 }) })
      .map((r): A.ScenarioLine => ({ kind: r.kind, branches: r.branches.map((lines) => ({ lines, span })), span })),
    fc.constantFrom<'ok' | 'deadlock'>('ok', 'deadlock').map((outcome): A.ScenarioLine => ({ kind: 'expect', outcome, rules: [], span })),
    fc.array(fc.constantFrom('a', 'model.assert', 'dmabuf.map_locked'), { minLength: 1, maxLength: 2 }).map((rs): A.ScenarioLine => ({ kind: 'expect', outcome: 'violation', rules: rs.map((name) => ({ name, span })), span })),
  ),
})).l;

const intLit = (value: number): A.IntLit => ({ value, text: String(value), span });

const topoItemArb: fc.Arbitrary<A.TopoItem> = fc.oneof(
  fc
    .record({ name: ident, props: fc.array(fc.oneof(fc.constantFrom('translated', 'passthrough', 'off').map((mode) => ({ kind: 'iommu' as const, mode, span })), fc.constantFrom('allowed', 'denied', 'same_bridge').map((mode) => ({ kind: 'p2p' as const, mode, span }))), { maxLength: 2 }) })
    .map((r): A.TopoItem => ({ kind: 'host_bridge', ...r, span })),
  fc.record({ name: ident, parent: ident, acs: fc.option(fc.boolean(), { nil: undefined }) }).map(({ acs, ...r }): A.TopoItem => ({ kind: 'switch', ...r, props: acs === undefined ? [] : [{ kind: 'acs', on: acs, span }], span })),
  fc
    .record({
      name: ident,
      parent: ident,
      props: fc.array(
        fc.oneof(
          fc.nat({ max: 5 }).map((i): A.DeviceProp => ({ kind: 'bar', index: intLit(i), size: { value: 64 * 2 ** 20, text: '64M', span }, span })),
          fc.boolean().map((on): A.DeviceProp => ({ kind: 'acs', on, span })),
        ),
        { maxLength: 2 },
      ),
    })
    .map((r): A.TopoItem => ({ kind: 'device', ...r, span })),
);

const driverItemArb: fc.Arbitrary<A.DriverItem> = fc.oneof(
  fc.array(fc.record({ name: ident, type: typeArb, init: fc.option(exprArb, { nil: undefined }) }), { maxLength: 3 }).map((fs): A.DriverItem => ({
    kind: 'state',
    fields: fs.map((f) => ({ name: f.name, type: f.type, ...(f.init ? { init: f.init } : {}), span })),
    span,
  })),
  fc.record({ kind: fc.constantFrom<'probe' | 'remove'>('probe', 'remove'), params: paramsArb, body: blockArb }).map((r): A.DriverItem => ({ ...r, keyword: { name: r.kind, span }, span })),
  fc
    .record({
      name: ident,
      type: ident,
      entries: fc.array(
        fc.oneof(
          fc.record({ name: ident, value: exprArb }).map((r): A.OpsEntry => ({ kind: 'value', ...r, span })),
          fc.record({ name: ident, params: paramsArb, body: blockArb }).map((r): A.OpsEntry => ({ kind: 'inline', ...r, span })),
        ),
        { maxLength: 3 },
      ),
    })
    .map((r): A.DriverItem => ({ kind: 'ops', ...r, span })),
  fc.record({ name: ident, params: paramsArb, returns: fc.option(typeArb, { nil: undefined }), fails: failsArb, body: blockArb }).map((r): A.DriverItem => ({ kind: 'action', name: r.name, params: r.params, ...(r.returns ? { returns: r.returns } : {}), fails: r.fails, body: r.body, span })),
  fc.record({ name: ident, params: paramsArb, returns: fc.option(typeArb, { nil: undefined }), fails: failsArb, body: blockArb }).map((r): A.DriverItem => ({ kind: 'fn', name: r.name, params: r.params, ...(r.returns ? { returns: r.returns } : {}), fails: r.fails, body: r.body, span })),
);

export const declArb: fc.Arbitrary<A.Decl> = fc.oneof(
  fc.array(ident, { minLength: 1, maxLength: 2 }).map((path): A.Decl => ({ kind: 'use', path, span })),
  fc.constantFrom('a.lspec', 'lib/b.lspec').map((name): A.Decl => ({ kind: 'use', path: [], file: { name, span }, span })),
  fc.record({ name: ident, fields: fc.array(fc.record({ name: ident, type: typeArb, init: fc.option(exprArb, { nil: undefined }) }), { maxLength: 3 }) }).map((r): A.Decl => ({ kind: 'kind', name: r.name, fields: r.fields.map((f) => ({ name: f.name, type: f.type, ...(f.init ? { init: f.init } : {}), span })), span })),
  fc.record({ major: fc.integer({ min: 5, max: 7 }), minor: fc.nat({ max: 19 }) }).map((r): A.Decl => ({ kind: 'target', ...r, text: `${r.major}.${r.minor}`, span })),
  fc.array(fc.constantFrom('a', 'dmabuf.map_locked', 'model.leak'), { minLength: 1, maxLength: 2 }).map((rs): A.Decl => ({ kind: 'allow', rules: rs.map((name) => ({ name, span })), span })),
  fc.array(topoItemArb, { maxLength: 4 }).map((items): A.Decl => ({ kind: 'topology', items, span })),
  fc
    .record({
      name: ident,
      props: fc.array(
        fc.oneof(
          ident.map((device): A.ProviderProp => ({ kind: 'device', device, span })),
          fc.nat({ max: 5 }).map((b): A.ProviderProp => ({ kind: 'bar', bar: intLit(b), span })),
          fc.constantFrom<A.ProviderLifetime>('devres', 'pgmap', 'manual').map((lifetime): A.ProviderProp => ({ kind: 'lifetime', lifetime, span })),
        ),
        { maxLength: 3 },
      ),
    })
    .map((r): A.Decl => ({ kind: 'provider', name: r.name, providerKind: { name: 'p2pdma', span }, props: r.props, span })),
  fc
    .record({
      name: ident,
      slots: fc.array(
        fc.oneof(
          ident.map((name): A.OpsSlot => ({ kind: 'flag', name, span })),
          fc.record({ name: ident, required: fc.boolean(), params: paramsArb, returns: fc.option(typeArb, { nil: undefined }) }).map((r): A.OpsSlot => ({ kind: 'callback', name: r.name, required: r.required, params: r.params, ...(r.returns ? { returns: r.returns } : {}), span })),
        ),
        { maxLength: 3 },
      ),
    })
    .map((r): A.Decl => ({ kind: 'opstype', ...r, span })),
  fc.record({ name: ident, device: fc.option(ident, { nil: undefined }), items: fc.array(driverItemArb, { maxLength: 3 }) }).map(({ device, ...r }): A.Decl => ({ kind: 'driver', ...r, ...(device ? { device } : {}), span })),
  fc.record({ name: ident, params: paramsArb, returns: fc.option(typeArb, { nil: undefined }), fails: failsArb, body: blockArb }).map((r): A.Decl => ({ kind: 'fn', name: r.name, params: r.params, ...(r.returns ? { returns: r.returns } : {}), fails: r.fails, body: r.body, span })),
  fc.record({ name: ident, rules: fc.array(ruleArb, { maxLength: 3 }) }).map((r): A.Decl => ({ kind: 'constraint', ...r, span })),
  fc.record({ name: ident, lines: fc.array(lineArb, { maxLength: 4 }) }).map((r): A.Decl => ({ kind: 'scenario', ...r, span })),
);

export const specArb: fc.Arbitrary<A.Spec> = fc.array(declArb, { maxLength: 4 }).map((decls) => ({ uri: 'gen.lspec', decls, span }));
