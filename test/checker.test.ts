// Checker rules beyond one-code fixtures: each row is a small spec and the
// exact (line, code) pairs it must report — no more, no fewer.
import { describe, expect, test } from 'vitest';
import { check, SourceFile } from '../src/index.js';

const topo = `topology {
  host_bridge hb { iommu translated }
  switch sw under hb
  device gpu under sw { bar 0 size 64M }
  device nic under sw
}
provider gbar : p2pdma { device gpu bar 0 }
`;

function codes(text: string): string[] {
  const src = new SourceFile('t', text);
  return check(text, { uri: 't' }).diagnostics.map((d) => `${src.position(d.span.start).line}:${d.code}`);
}

const rows: [string, string, string[]][] = [
  ['a clean spec', `${topo}driver d for gpu { action a() { let m = p2pdma_map(gbar, nic)\n p2pdma_unmap(m) } }`, []],
  [
    'a typed callback parameter must agree with its slot',
    `${topo}driver d for gpu {\n ops o : dma_buf_ops {\n  map_dma_buf(a: int) { return p2pdma_map(gbar, nic) }\n  unmap_dma_buf(a, s) { }\n  release(b: dma_buf) { }\n }\n}`,
    ['10:type-mismatch'],
  ],
  ['a topology cycle', 'topology {\n host_bridge hb\n switch a under b\n switch b under a\n}', ['3:invalid-parent', '4:invalid-parent']],
  ['a scenario line cannot call primitives', `${topo}driver d for gpu { action take(m: sg_table) { } }\nscenario s {\n d.take(p2pdma_map(gbar, nic))\n}`, ['10:not-callable']],
  [
    'ops tables answer which slots they fill',
    `${topo}driver d for nic {\n ops i : dma_buf_attach_ops { allow_peer2peer = true\n move_notify(a) { } }\n action a() { assert i.move_notify && i.allow_peer2peer\n assert i.mov } }`,
    ['12:unknown-member'],
  ],
  [
    'a constraint condition is judged on a state: no primitive, fn or set change in it, queries and .has/.size are fine',
    `${topo}fn f() -> bool { return true }\ndriver d for gpu { state { s: set<sg_table> } }\nconstraint c {\n always count(sg_table) < 2 && d.s.size() < 3\n always p2pdma_map(gbar, nic) != none\n always f()\n p2pdma_unmap(m) requires !d.s.has(m)\n p2pdma_unmap(m) requires d.s.remove(m)\n}`,
    ['12:not-callable', '13:not-callable', '15:not-callable'],
  ],
  ['a flag is a value, not a call', `${topo}fn yes() -> bool { return true }\ndriver d for nic {\n ops i : dma_buf_attach_ops {\n  allow_peer2peer = yes()\n  move_notify(a) { }\n }\n}`, ['11:not-callable']],
  ['queries are not events', 'constraint c {\n never held(m)\n never count(x)\n}', ['2:unknown-event', '3:unknown-event']],
  ['a device name in a pattern matches that device', `${topo}constraint c {\n never unplug(gpu)\n}`, []],
  [
    'ok/fails: lifecycle events have no outcome; primitives, callbacks and actions do',
    `${topo}driver d for gpu {\n remove(dev) { }\n action a() { }\n}\nconstraint c {\n never unplug(_) ok\n never create(sg_table) fails\n never destroy(x) ok\n never probe(x) fails\n never d.a() fails\n d.remove(_) ok before destroy(gbar)\n never p2pdma_map(_, _) fails\n}`,
    ['13:unknown-event', '14:unknown-event', '15:unknown-event', '16:unknown-event'],
  ],
  [
    'a state field initialiser may name devices and constants, but no provider (none exists yet) and call nothing',
    `${topo}fn one() -> int { return 1 }\ndriver d for gpu {\n state {\n  dev: pci_dev = gpu\n  bar: p2pdma_provider? = gbar\n  route: map_type = BUS_ADDR\n  n: int = one()\n  m: int = 1 + count(sg_table)\n }\n}`,
    ['12:invalid-value', '14:not-callable', '15:not-callable'],
  ],
  ['held takes a mutex, and says where a buffer keeps its lock', `${topo}driver d for gpu { action a(b: dma_buf) { assert held(b) } }`, ['8:not-a-mutex']],
  ['parallel needs a branch', 'scenario s {\n parallel { }\n}', ['2:syntax-error']],
  ['only \\" and \\\\ are escapes', 'fn f() { assert false, "a\\n\\"b" }', []],
];

describe('checker', () => {
  test.each(rows)('%s', (_name, text, want) => {
    expect(codes(text)).toEqual(want);
  });

  test('string escapes keep unknown backslashes as written', () => {
    const { program } = check('fn f() { assert false, "a\\n\\"b\\\\" }');
    const fn = program.fns.get('f')!;
    expect(fn.body.stmts[0]).toMatchObject({ kind: 'assert', message: 'a\\n"b\\' });
  });
});
