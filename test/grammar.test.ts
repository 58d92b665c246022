// Every grammar production, table-driven: each row parses a snippet that
// exercises one rule and asserts the AST it lowers to. The last test checks
// that the table names every rule the parser has, so a new rule needs a row.
import { describe, expect, test } from 'vitest';
import { parser } from '../grammar/parser.js';
import { parse } from '../src/index.js';
import type * as A from '../src/syntax/ast.js';

/** Compact S-expression of an expression, for readable assertions. */
function sx(e: A.Expr | undefined): string {
  if (!e) return '∅';
  switch (e.kind) {
    case 'int':
    case 'size':
      return e.text;
    case 'bool':
      return String(e.value);
    case 'none':
      return 'none';
    case 'string':
      return JSON.stringify(e.value);
    case 'errno':
    case 'name':
      return e.name;
    case 'member':
      return `${sx(e.object)}.${e.member.name}`;
    case 'call':
      return `${sx(e.callee)}(${e.args.map(sx).join(', ')})`;
    case 'unary':
      return `(${e.op} ${sx(e.operand)})`;
    case 'binary':
      return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'try':
      return `(try ${sx(e.expr)})`;
    case 'new':
      return `(new ${e.type.name} ${e.fields.map((f) => `${f.name.name}:${sx(f.value)}`).join(' ')})`;
    case 'missing':
      return '?';
  }
}

function clean(text: string) {
  const r = parse(text, { uri: 't.lspec' });
  expect(r.diagnostics.map((d) => d.message)).toEqual([]);
  return r.spec;
}

function decl<K extends A.Decl['kind']>(text: string, kind: K): Extract<A.Decl, { kind: K }> {
  const spec = clean(text);
  const d = spec.decls.find((x) => x.kind === kind);
  expect(d, `a ${kind} declaration`).toBeDefined();
  return d as Extract<A.Decl, { kind: K }>;
}

function stmts(body: string): A.Stmt[] {
  return decl(`fn f() {\n${body}\n}`, 'fn').body.stmts;
}

function exprOf(text: string): string {
  const s = stmts(`let x = ${text}`)[0] as A.LetStmt;
  return sx(s.value);
}

function lines(body: string): A.ScenarioLine[] {
  return decl(`scenario s {\n${body}\n}`, 'scenario').lines;
}

function rules(body: string): A.Rule[] {
  return decl(`constraint c {\n${body}\n}`, 'constraint').rules;
}

type Row = [rule: string, run: () => void];

const rows: Row[] = [
  ['spec', () => expect(clean('use a\nuse b.c').decls).toHaveLength(2)],
  ['declaration', () => expect(clean('fn f() {}\nscenario s {}').decls.map((d) => d.kind)).toEqual(['fn', 'scenario'])],
  ['useDecl', () => {
    expect(decl('use dmabuf.rules', 'use').path.map((p) => p.name)).toEqual(['dmabuf', 'rules']);
    expect(decl('use "lib/exporter.lspec"', 'use')).toMatchObject({ path: [], file: { name: 'lib/exporter.lspec' } });
  }],
  ['kindDecl', () => expect(decl('kind mr {\n refs: kref\n key: int = 0\n}', 'kind')).toMatchObject({ name: { name: 'mr' }, fields: [{ name: { name: 'refs' } }, { name: { name: 'key' }, init: { kind: 'int' } }] })],
  ['targetDecl', () => expect(decl('target linux 6.19', 'target')).toMatchObject({ major: 6, minor: 19, text: '6.19' })],
  ['allowDecl', () => expect(decl('allow dmabuf.map_locked, model.leak', 'allow').rules.map((r) => r.name)).toEqual(['dmabuf.map_locked', 'model.leak'])],
  ['failsClause', () => expect(decl('fn f() -> int fails ENOMEM, EIO { return 1 }', 'fn').fails.map((e) => e.name)).toEqual(['ENOMEM', 'EIO'])],
  ['chooseStmt', () => expect(stmts('choose {\n { a() }\n { }\n}')[0]).toMatchObject({ kind: 'choose', branches: [{ stmts: [{ kind: 'expr' }] }, { stmts: [] }] })],
  ['newExpr', () => expect(exprOf('new mr { key: 7, owner: x }')).toBe('(new mr key:7 owner:x)')],
  ['topologyDecl', () => expect(decl('topology { host_bridge hb }', 'topology').items).toHaveLength(1)],
  ['topoItem', () => expect(decl('topology { host_bridge hb\n switch s under hb\n device d under s }', 'topology').items.map((i) => i.kind)).toEqual(['host_bridge', 'switch', 'device'])],
  ['hostBridge', () => expect(decl('topology { host_bridge hb0 { iommu translated } }', 'topology').items[0]).toMatchObject({ kind: 'host_bridge', name: { name: 'hb0' } })],
  [
    'hbProp',
    () =>
      expect((decl('topology { host_bridge hb { iommu passthrough  p2p allowed }\n host_bridge xe { p2p same_bridge } }', 'topology').items as A.HostBridgeItem[]).flatMap((i) => i.props.map((p) => `${p.kind}=${p.mode}`))).toEqual([
        'iommu=passthrough',
        'p2p=allowed',
        'p2p=same_bridge',
      ]),
  ],
  ['switchItem', () => expect(decl('topology { switch sw0 under hb0 }', 'topology').items[0]).toMatchObject({ kind: 'switch', name: { name: 'sw0' }, parent: { name: 'hb0' }, props: [] })],
  ['switchProp', () => expect((decl('topology { switch sw0 under hb0 { acs on } }', 'topology').items[0] as A.SwitchItem).props).toMatchObject([{ kind: 'acs', on: true }])],
  ['deviceItem', () => expect(decl('topology { device gpu under sw0 }', 'topology').items[0]).toMatchObject({ kind: 'device', name: { name: 'gpu' }, parent: { name: 'sw0' } })],
  [
    'devProp',
    () => {
      const dev = decl('topology { device acc under sw { bar 0 size 4K  bar 2 size 1G  acs off } }', 'topology').items[0] as A.DeviceItem;
      expect(dev.props).toMatchObject([
        { kind: 'bar', index: { value: 0 }, size: { value: 4096 } },
        { kind: 'bar', index: { value: 2 }, size: { value: 1024 ** 3 } },
        { kind: 'acs', on: false },
      ]);
    },
  ],
  ['integer', () => expect((decl('topology { device d under s { bar 0x3 size 16 } }', 'topology').items[0] as A.DeviceItem).props[0]).toMatchObject({ index: { value: 3, text: '0x3' } })],
  ['sizeValue', () => expect((decl('topology { device d under s { bar 0 size 64M } }', 'topology').items[0] as A.DeviceItem).props[0]).toMatchObject({ size: { value: 64 * 1024 ** 2, text: '64M' } })],
  ['providerDecl', () => expect(decl('provider p : p2pdma { device gpu bar 0 }', 'provider')).toMatchObject({ name: { name: 'p' }, providerKind: { name: 'p2pdma' } })],
  [
    'providerProp',
    () =>
      expect(decl('provider p : p2pdma { device gpu\n bar 2\n lifetime pgmap }', 'provider').props).toMatchObject([
        { kind: 'device', device: { name: 'gpu' } },
        { kind: 'bar', bar: { value: 2 } },
        { kind: 'lifetime', lifetime: 'pgmap' },
      ]),
  ],
  ['opstypeDecl', () => expect(decl('opstype fw_ops { }', 'opstype').name.name).toBe('fw_ops')],
  [
    'opsSlot',
    () =>
      expect(decl('opstype o {\n required load(dev) -> int\n unload(dev: pci_dev)\n flag needs_reset\n}', 'opstype').slots).toMatchObject([
        { kind: 'callback', name: { name: 'load' }, required: true, returns: { name: { name: 'int' } } },
        { kind: 'callback', name: { name: 'unload' }, required: false, params: [{ name: { name: 'dev' }, type: { name: { name: 'pci_dev' } } }] },
        { kind: 'flag', name: { name: 'needs_reset' } },
      ]),
  ],
  ['driverDecl', () => expect(decl('driver vfio_pci for gpu { }', 'driver')).toMatchObject({ name: { name: 'vfio_pci' }, device: { name: 'gpu' } })],
  ['driverItem', () => expect(decl('driver d for x { state { }\n probe(dev) { }\n remove(dev) { }\n ops o : t { }\n action a() { } }', 'driver').items.map((i) => i.kind)).toEqual(['state', 'probe', 'remove', 'ops', 'action'])],
  ['stateBlock', () => expect((decl('driver d for x { state { a: int\n b: bool } }', 'driver').items[0] as A.StateBlock).fields.map((f) => f.name.name)).toEqual(['a', 'b'])],
  [
    'field',
    () => {
      const f = (decl('driver d for x { state { revoked: bool = false\n att: attachment? } }', 'driver').items[0] as A.StateBlock).fields;
      expect(f[0]).toMatchObject({ name: { name: 'revoked' }, type: { name: { name: 'bool' }, optional: false }, init: { kind: 'bool', value: false } });
      expect(f[1]).toMatchObject({ name: { name: 'att' }, type: { name: { name: 'attachment' }, optional: true } });
    },
  ],
  ['callback', () => expect(decl('driver d for x { remove(dev) { } }', 'driver').items[0]).toMatchObject({ kind: 'remove', params: [{ name: { name: 'dev' } }] })],
  ['opsTable', () => expect(decl('driver d for x { ops bops : dma_buf_ops { } }', 'driver').items[0]).toMatchObject({ kind: 'ops', name: { name: 'bops' }, type: { name: 'dma_buf_ops' } })],
  [
    'opsEntry',
    () =>
      expect((decl('driver d for x { ops i : t {\n allow_peer2peer = true\n move_notify(a) { }\n close_device = vfio_close\n} }', 'driver').items[0] as A.OpsTable).entries).toMatchObject([
        { kind: 'value', name: { name: 'allow_peer2peer' }, value: { kind: 'bool', value: true } },
        { kind: 'inline', name: { name: 'move_notify' }, params: [{ name: { name: 'a' } }] },
        { kind: 'value', name: { name: 'close_device' }, value: { kind: 'name', name: 'vfio_close' } },
      ]),
  ],
  ['actionDecl', () => expect(decl('driver d for x { action export() -> dma_buf { } }', 'driver').items[0]).toMatchObject({ kind: 'action', name: { name: 'export' }, returns: { name: { name: 'dma_buf' } } })],
  ['fnDecl', () => expect(decl('fn checked_map(p: p2pdma_provider, d: pci_dev) -> sg_table? { }', 'fn')).toMatchObject({ name: { name: 'checked_map' }, returns: { optional: true } })],
  ['params', () => expect(decl('fn f(a, b: int, c) { }', 'fn').params.map((p) => p.name.name)).toEqual(['a', 'b', 'c'])],
  ['param', () => expect(decl('fn f(buf: dma_buf) { }', 'fn').params[0]).toMatchObject({ name: { name: 'buf' }, type: { name: { name: 'dma_buf' } } })],
  ['type', () => expect(decl('driver d for x { state { s: set<sg_table>? } }', 'driver').items[0]).toMatchObject({ fields: [{ type: { name: { name: 'set' }, arg: { name: { name: 'sg_table' } }, optional: true } }] })],
  ['block', () => expect(stmts('a()\nb()')).toHaveLength(2)],
  ['statement', () => expect(stmts('a(); b()\nc()').map((s) => s.kind)).toEqual(['expr', 'expr', 'expr'])],
  ['letStmt', () => expect(stmts('let m: sg_table? = none')[0]).toMatchObject({ kind: 'let', name: { name: 'm' }, type: { optional: true }, value: { kind: 'none' } })],
  [
    'ifStmt',
    () => {
      const s = stmts('if a { } else if b { } else { x() }')[0] as A.IfStmt;
      expect(s.kind).toBe('if');
      expect((s.else as A.IfStmt).kind).toBe('if');
      expect(((s.else as A.IfStmt).else as A.Block).stmts).toHaveLength(1);
    },
  ],
  ['forStmt', () => expect(stmts('for buf in bufs { }')[0]).toMatchObject({ kind: 'for', name: { name: 'buf' }, iter: { kind: 'name', name: 'bufs' } })],
  ['lockStmt', () => expect(sx((stmts('lock buf.resv { }')[0] as A.LockStmt).mutex)).toBe('buf.resv')],
  [
    'returnStmt',
    () => {
      expect(stmts('return p2pdma_map(p, d)')[0]).toMatchObject({ kind: 'return', value: { kind: 'call' } });
      // A value on the next line is a statement of its own.
      const two = stmts('return\nx()');
      expect(two.map((s) => s.kind)).toEqual(['return', 'expr']);
      expect((two[0] as A.ReturnStmt).value).toBeUndefined();
    },
  ],
  ['failStmt', () => expect(stmts('fail ENODEV')[0]).toMatchObject({ kind: 'fail', errno: { kind: 'errno', name: 'ENODEV' } })],
  ['assertStmt', () => expect(stmts('assert m != none, "nothing \\"to\\" borrow"')[0]).toMatchObject({ kind: 'assert', message: 'nothing "to" borrow' })],
  [
    'exprStmt',
    () => {
      expect(stmts('bufs.add(buf)')[0]).toMatchObject({ kind: 'expr', expr: { kind: 'call' } });
      expect(stmts('sgt = none')[0]).toMatchObject({ kind: 'assign', target: { kind: 'name', name: 'sgt' }, value: { kind: 'none' } });
    },
  ],
  [
    'expression',
    () => {
      // Precedence, loosest first: || && (== !=) (< <= > >=) (+ -); all left-associative.
      expect(exprOf('a || b || c')).toBe('(|| (|| a b) c)');
      expect(exprOf('a || b && c')).toBe('(|| a (&& b c))');
      expect(exprOf('a && b == c != d')).toBe('(&& a (!= (== b c) d))');
      expect(exprOf('a == b < c')).toBe('(== a (< b c))');
      expect(exprOf('a <= b + c - d')).toBe('(<= a (- (+ b c) d))');
      expect(exprOf('a + b < c && d - e >= f || g')).toBe('(|| (&& (< (+ a b) c) (>= (- d e) f)) g)');
    },
  ],
  ['unaryExpr', () => expect(exprOf('!a == -b')).toBe('(== (! a) (- b))')],
  ['postfixExpr', () => expect(exprOf('a.b.c(d).e')).toBe('a.b.c(d).e')],
  [
    'suffix',
    () => {
      expect(exprOf('f(x)(y)')).toBe('f(x)(y)');
      // A `(` on the next line does not call the previous line's value.
      expect(stmts('a = b\n(f)(c)').map((s) => s.kind)).toEqual(['assign', 'expr']);
    },
  ],
  ['args', () => expect(exprOf('f(1, x, try g())')).toBe('f(1, x, (try g()))')],
  ['primary', () => expect(exprOf('f(1, 0x10, 64M, "s", ENODEV, true, false, none, n, (a + b))')).toBe('f(1, 0x10, 64M, "s", ENODEV, true, false, none, n, (+ a b))')],
  ['constraintDecl', () => expect(decl('constraint c { }', 'constraint').name.name).toBe('c')],
  ['rule', () => expect(rules('lifetime sg_table within provider; always x').map((r) => r.kind)).toEqual(['lifetime', 'always'])],
  ['lifetimeRule', () => expect(rules('lifetime p2pdma_provider within binding')[0]).toMatchObject({ objectKind: { name: 'p2pdma_provider' }, field: { name: 'binding' } })],
  [
    'neverRule',
    () =>
      expect(rules('never p2pdma_map(_, _) ok after p2pdma_provider_destroy(_)')[0]).toMatchObject({
        kind: 'never',
        pattern: { outcome: 'ok', args: [{ name: '_' }, { name: '_' }] },
        after: { event: [{ name: 'p2pdma_provider_destroy' }] },
      }),
  ],
  ['alwaysRule', () => expect(sx((rules('always count(p2pdma_provider) <= 1')[0] as A.AlwaysRule).expr)).toBe('(<= count(p2pdma_provider) 1)')],
  ['atEndRule', () => expect(sx((rules('at end count(sg_table) == 0')[0] as A.AtEndRule).expr)).toBe('(== count(sg_table) 0)')],
  [
    'patternRule',
    () => {
      expect(rules('dma_buf_move_notify(b) before destroy(b)')[0]).toMatchObject({ kind: 'before', left: { args: [{ name: 'b' }] }, right: { event: [{ name: 'destroy' }] } });
      expect(rules('dma_buf_move_notify(b) requires held(b.resv)')[0]).toMatchObject({ kind: 'requires', cond: { kind: 'call' } });
    },
  ],
  ['pattern', () => expect(rules('mlx5_ib.importer.move_notify(a) fails before bind(d)')[0]).toMatchObject({ left: { event: [{ name: 'mlx5_ib' }, { name: 'importer' }, { name: 'move_notify' }], outcome: 'fails' } })],
  ['scenarioDecl', () => expect(decl('scenario hot_unplug { }', 'scenario').name.name).toBe('hot_unplug')],
  [
    'scenarioLine',
    () =>
      expect(lines('bind vfio_pci\nunbind vfio_pci\nunplug gpu\nfaults on\nfaults off').map((l) => (l.kind === 'faults' ? `faults ${l.on}` : `${l.kind} ${(l as A.LifecycleLine).target.name}`))).toEqual([
        'bind vfio_pci',
        'unbind vfio_pci',
        'unplug gpu',
        'faults true',
        'faults false',
      ]),
  ],
  [
    'expectLine',
    () => {
      expect(lines('expect ok')[0]).toMatchObject({ kind: 'expect', outcome: 'ok', rules: [] });
      expect(lines('expect deadlock')[0]).toMatchObject({ outcome: 'deadlock' });
      expect((lines('expect violation a, dmabuf.move_notify_locked, model.assert')[0] as A.ExpectLine).rules.map((r) => r.name)).toEqual([
        'a',
        'dmabuf.move_notify_locked',
        'model.assert',
      ]);
    },
  ],
  ['ruleName', () => expect((lines('expect violation model.use_after_free')[0] as A.ExpectLine).rules[0]!.name).toBe('model.use_after_free')],
  [
    'branch',
    () => {
      const l = lines('parallel {\n { d.a() }\n { unplug gpu }\n}\nchoose { { } { d.b() } }');
      expect(l.map((x) => x.kind)).toEqual(['parallel', 'choose']);
      expect((l[0] as A.BranchesLine).branches.map((b) => b.lines.length)).toEqual([1, 1]);
      expect((l[1] as A.BranchesLine).branches.map((b) => b.lines.length)).toEqual([0, 1]);
    },
  ],
  ['actionLine', () => expect(lines('let buf = vfio_pci.export(1, gpu)')[0]).toMatchObject({ kind: 'action', binds: { name: 'buf' }, driver: { name: 'vfio_pci' }, action: { name: 'export' }, args: [{ kind: 'int' }, { kind: 'name' }] })],
];

describe('grammar productions', () => {
  test.each(rows)('%s', (_rule, run) => run());

  test('the table covers every rule of the parser', () => {
    const ruleNames = Object.keys(parser.getGAstProductions()).sort();
    expect(rows.map(([r]) => r).sort()).toEqual(ruleNames);
  });
});

describe('lexical structure', () => {
  test('soft keywords are names where the grammar needs no keyword', () => {
    const spec = clean('driver device for provider { state { size: int\n remove: bool } action state() { remove = true } }');
    const d = spec.decls[0] as A.DriverDecl;
    expect(d.name.name).toBe('device');
    expect(d.device?.name).toBe('provider');
  });

  test('hard keywords are not names, but may follow a dot', () => {
    expect(parse('fn lock() {}').diagnostics[0]!.message).toContain('`lock` is a keyword');
    expect(lines('expect violation model.assert')[0]).toMatchObject({ rules: [{ name: 'model.assert' }] });
  });

  test('doc comments attach to the next declaration only when they stand on their own lines', () => {
    const spec = clean('/// first line\n/// second line\nfn f() {}\n\nfn g() {} /// trailing\nfn h() {}');
    expect((spec.decls[0] as A.FnDecl).doc).toBe('first line\nsecond line');
    expect((spec.decls[1] as A.FnDecl).doc).toBeUndefined();
    expect((spec.decls[2] as A.FnDecl).doc).toBeUndefined();
  });

  test('block and line comments are skipped', () => {
    expect(clean('/* a\n b */ fn f() { // c\n}').decls).toHaveLength(1);
  });

  test.each([
    ['64M', 64 * 1024 ** 2],
    ['4K', 4096],
    ['2G', 2 * 1024 ** 3],
    ['0x1F', 31],
    ['42', 42],
  ])('number %s is %d', (text, value) => {
    const s = stmts(`let x = ${text}`)[0] as A.LetStmt;
    expect(s.value).toMatchObject({ value });
  });

  test('errno names are errnos; longer words are identifiers', () => {
    expect(exprOf('EREMOTEIO')).toBe('EREMOTEIO');
    expect((stmts('let x = EBUSY')[0] as A.LetStmt).value.kind).toBe('errno');
    expect((stmts('let x = Ebusy')[0] as A.LetStmt).value.kind).toBe('name');
    expect((stmts('let x = EBUSY_x')[0] as A.LetStmt).value.kind).toBe('name');
  });
});
