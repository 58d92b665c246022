// The playground's platform-neutral parts, under Node: the language services
// the worker answers with (markers, completion, hover, definition), the
// highlighter's token table, share links, and the examples menu's mutations.
// test-e2e/ drives the page itself in Chromium.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { lexer } from '../grammar/lexer.js';
import * as Tok from '../grammar/tokens.js';
import { check, explore } from '../src/index.js';
import { Analysis } from '../playground/analysis.js';
import { monarchLanguage } from '../playground/language.js';
import { applyMutation, seedMutations } from '../playground/mutations.js';
import { codeFromHash, decodeCode, encodeCode } from '../playground/share.js';
import { tokenTable } from '../playground/token-table.js';

const seed = readFileSync(new URL('../examples/vfio_mlx5_hotunplug.lspec', import.meta.url), 'utf8');

/** The offset just after the first occurrence of `marker`. */
function after(text: string, marker: string): number {
  const i = text.indexOf(marker);
  expect(i, marker).toBeGreaterThanOrEqual(0);
  return i + marker.length;
}

function labels(text: string, offset: number): string[] {
  return new Analysis(text).complete(offset).items.map((i) => i.label);
}

describe('markers', () => {
  test('a broken spec: each diagnostic at its line and columns, with its code', () => {
    const text = 'topology {\n  host_bridge hb0\n  device gpu under hb\n}\n\ndriver d for gpu {\n  action a() {\n    let x = 64Mx\n  }\n}\n';
    const markers = new Analysis(text).markers();
    expect(markers.map((m) => [m.startLineNumber, m.startColumn, m.endColumn, m.code])).toEqual([
      [3, 20, 22, 'invalid-parent'],
      [8, 13, 17, 'malformed-number'],
    ]);
    expect(markers[0]!.message).toContain('`hb` is not a host bridge or switch');
  });

  test('an empty span still gets one character to underline', () => {
    const text = 'driver d for gpu {\n  action a() {\n    let x =\n  }\n}\n';
    for (const m of new Analysis(text).markers()) {
      expect(m.endLineNumber > m.startLineNumber || m.endColumn > m.startColumn, JSON.stringify(m)).toBe(true);
    }
  });

  test('the §1 example has none', () => {
    expect(new Analysis(seed).markers()).toEqual([]);
  });
});

describe('completion', () => {
  test('at the top level: the declaration keywords', () => {
    expect(labels('', 0).sort()).toEqual(['constraint', 'driver', 'fn', 'opstype', 'provider', 'scenario', 'topology', 'use']);
  });

  test('statement keywords where a statement may start, and the names in scope', () => {
    const text = seed.replace('        sgt = none\n', '        sgt = none\n        \n');
    const at = after(text, '        sgt = none\n        ');
    const got = labels(text, at);
    for (const w of ['let', 'if', 'for', 'lock', 'return', 'fail', 'assert']) expect(got).toContain(w);
    for (const name of ['attach', 'att', 'sgt', 'importer', 'nic', 'gpu_bar0', 'p2pdma_map', 'hw_stop']) expect(got).toContain(name);
    for (const w of ['scenario', 'driver', 'bind', 'expect']) expect(got).not.toContain(w);
    // A local of another body is not in scope.
    expect(got).not.toContain('bufs');
  });

  test('scenario lines: their keywords and the drivers; `unplug` takes a device', () => {
    const text = seed.replace('  bind mlx5_ib\n  let buf', '  bind mlx5_ib\n  \n  let buf');
    const got = labels(text, after(text, '  bind mlx5_ib\n  '));
    for (const w of ['bind', 'unbind', 'unplug', 'parallel', 'choose', 'faults', 'expect', 'let', 'vfio_pci', 'mlx5_ib']) expect(got).toContain(w);
    expect(got).not.toContain('lock');
    expect(labels(seed, after(seed, 'mlx5_ib.reg_mr(buf)\n  unplug '))).toEqual(expect.arrayContaining(['gpu', 'nic']));
    expect(labels(seed, after(seed, 'mlx5_ib.reg_mr(buf)\n  unplug '))).not.toContain('hb0');
  });

  test('expect lines and rule names, with module prefixes', () => {
    expect(labels(seed, after(seed, 'unplug gpu\n  expect ')).sort()).toEqual(['deadlock', 'ok', 'violation']);
    const text = seed.replace('  unplug gpu\n  expect ok\n}', '  unplug gpu\n  expect violation \n}');
    const got = labels(text, after(text, 'expect violation '));
    expect(got).toEqual(expect.arrayContaining(['no_mapping_outlives_provider', 'dmabuf.move_notify_locked', 'model.dma_after_free']));
    const dotted = seed.replace('  unplug gpu\n  expect ok\n}', '  unplug gpu\n  expect violation dmabuf.\n}');
    expect(labels(dotted, after(dotted, 'expect violation dmabuf.'))).toContain('move_notify_locked');
  });

  test('members: an object’s fields, a set’s methods, a driver’s actions, stdlib modules', () => {
    expect(labels(seed, after(seed, 'lock buf.')).sort()).toEqual(['exporter', 'provider', 'resv', 'static_mappings']);
    expect(labels(seed, after(seed, 'return p2pdma_map(gpu_bar0, attach.'))).toEqual(expect.arrayContaining(['buf', 'dev', 'dynamic', 'pinned']));
    const set = seed.replace('bufs.add(buf)', 'bufs.');
    expect(labels(set, after(set, 'bufs.')).sort()).toEqual(['add', 'has', 'remove', 'size']);
    const action = seed.replace('  mlx5_ib.reg_mr(buf)\n  unplug', '  mlx5_ib.\n  unplug');
    const items = new Analysis(action).complete(after(action, '  mlx5_ib.')).items;
    expect(items).toEqual([expect.objectContaining({ label: 'reg_mr', kind: 'action', detail: 'action reg_mr(buf: dma_buf)', snippet: 'reg_mr(${1:buf})' })]);
    const use = `use dmabuf.\n${seed}`;
    expect(labels(use, after(use, 'use dmabuf.'))).toEqual(['rules']);
  });

  test('types, ops types, and an ops table’s slots with their signatures', () => {
    expect(labels(seed, after(seed, '    bufs: '))).toEqual(expect.arrayContaining(['bool', 'int', 'dma_buf', 'sg_table', 'set']));
    expect(labels(seed, after(seed, 'ops dmabuf_ops : '))).toEqual(expect.arrayContaining(['dma_buf_ops', 'dma_buf_attach_ops']));
    const text = seed.replace('    release(buf) {', '    \n    release(buf) {');
    const items = new Analysis(text).complete(after(text, 'p2pdma_unmap(sgt)\n    }\n    ')).items;
    const map = items.find((i) => i.label === 'map_dma_buf');
    expect(map).toMatchObject({ kind: 'slot', detail: 'required map_dma_buf(attach: attachment) -> sg_table' });
    expect(map!.snippet).toContain('map_dma_buf(${1:attach}) {');
  });

  test('primitives come with their signature and doc', () => {
    const text = seed.replace('      return p2pdma_map(gpu_bar0, attach.dev)', '      return p2pdma_m');
    const item = new Analysis(text).complete(after(text, 'return p2pdma_m')).items.find((i) => i.label === 'p2pdma_map');
    expect(item).toMatchObject({ kind: 'primitive', detail: 'p2pdma_map(provider: p2pdma_provider, dev: pci_dev) -> sg_table' });
    expect(item!.documentation).toContain('primitive p2pdma_map');
  });

  test('nothing inside a comment or a string', () => {
    expect(labels(seed, after(seed, '// The BAR the GPU'))).toEqual([]);
    const text = 'fn f() {\n  assert true, "ab';
    expect(labels(text, text.length)).toEqual([]);
  });
});

describe('hover and go to definition', () => {
  const a = new Analysis(seed);
  const at = (marker: string, back = 1) => after(seed, marker) - back;

  test('a primitive: its signature and doc', () => {
    const h = a.hover(at('dma_buf_move_notify'));
    expect(h?.markdown).toContain('primitive dma_buf_move_notify(buf: dma_buf)');
    expect(h?.markdown).toContain('Calls `move_notify` on every dynamic attachment');
    expect(a.definition(at('dma_buf_move_notify'))).toBeNull();
  });

  test('a local and a parameter: type, and the line that declares it', () => {
    expect(a.hover(at('dma_buf_dynamic_attach(buf'))?.markdown).toContain('parameter buf: dma_buf');
    expect(a.definition(at('dma_buf_dynamic_attach(buf'))).toMatchObject({ startLineNumber: 75, startColumn: 17 });
    expect(a.hover(at('    bufs.add(buf'))?.markdown).toContain('let buf: dma_buf');
    expect(a.definition(at('    bufs.add(buf'))).toMatchObject({ startLineNumber: 51, startColumn: 9 });
  });

  test('doc comments of declarations, rule docs in expect lines, actions in scenario lines', () => {
    const text = `/// The GPU's driver.\n${seed.replace('driver vfio_pci for gpu {', '/// Exports BARs.\ndriver vfio_pci for gpu {')}`;
    const b = new Analysis(text);
    expect(b.hover(after(text, 'bind vfio_pci') - 1)?.markdown).toContain('Exports BARs.');
    expect(b.definition(after(text, 'bind vfio_pci') - 1)).toMatchObject({ startLineNumber: 22 });
    const rule = seed.replace('  unplug gpu\n  expect ok\n}', '  unplug gpu\n  expect violation dmabuf.move_notify_locked, model.leak\n}');
    const c = new Analysis(rule);
    expect(c.hover(after(rule, 'dmabuf.move_notify_loc'))?.markdown).toContain('stdlib:dmabuf/rules.lspec');
    expect(c.hover(after(rule, 'model.le'))?.markdown).toContain('An object was given up while it still owned live objects');
    expect(a.hover(at('vfio_pci.expor'))?.markdown).toContain('action vfio_pci.export() -> dma_buf');
    expect(a.definition(at('vfio_pci.expor'))).toMatchObject({ startLineNumber: 50 });
    expect(a.hover(at('lifetime sg_tab'))?.markdown).toContain('object kind sg_table');
  });

  test('devices, providers, ops slots and state fields', () => {
    expect(a.hover(at('hw_start(nic'))?.markdown).toContain('device nic under sw0');
    expect(a.definition(at('hw_start(nic'))).toMatchObject({ startLineNumber: 9, startColumn: 10 });
    expect(a.hover(at('p2pdma_map(gpu_bar0'))?.markdown).toContain('provider gpu_bar0 : p2pdma { device gpu; bar 0; lifetime devres }');
    expect(a.hover(at('    map_dma_buf'))?.markdown).toContain('required map_dma_buf(attach: attachment) -> sg_table');
    expect(a.hover(at('if revoked'))?.markdown).toContain('vfio_pci.revoked: bool');
    expect(a.definition(at('if revoked'))).toMatchObject({ startLineNumber: 23, startColumn: 5 });
  });
});

describe('the highlighter’s token table', () => {
  const t = tokenTable();

  test('is the grammar’s keyword list, and each keyword lexes as its keyword token', () => {
    expect(t.hardKeywords).toEqual([...Tok.hardKeywords]);
    expect(t.softKeywords).toEqual([...Tok.softKeywords]);
    for (const w of [...t.hardKeywords, ...t.softKeywords]) {
      const [tok] = lexer.tokenize(w).tokens;
      expect(tok?.tokenType, w).toBe(Tok.Kw[w as Tok.Keyword]);
    }
  });

  test('its patterns are the lexer’s', () => {
    expect(new RegExp(`^(?:${t.errno})$`).test('ENODEV')).toBe(true);
    expect(new RegExp(`^(?:${t.size})$`).test('64M')).toBe(true);
    expect(new RegExp(`^(?:${t.hexInteger})$`).test('0x1F')).toBe(true);
    expect(t.string).toBe(Tok.StringLiteral.PATTERN instanceof RegExp ? Tok.StringLiteral.PATTERN.source : '');
    const lang = monarchLanguage(t);
    expect(lang.hardKeywords).toEqual(t.hardKeywords);
    expect(t.primitives).toContain('p2pdma_map');
  });
});

describe('share links', () => {
  test('base64url of UTF-8, both ways', () => {
    const text = '// ünïcode ✓ and "quotes" + / =\nscenario s {}\n';
    const code = encodeCode(text);
    expect(code).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(code).toBe(Buffer.from(text, 'utf8').toString('base64url'));
    expect(decodeCode(code)).toBe(text);
    expect(codeFromHash(`#code=${code}`)).toEqual({ text });
    expect(codeFromHash('#other=1')).toEqual({});
    expect(codeFromHash('#code=%%%')).toEqual({ invalid: true });
    expect(decodeCode(Buffer.from([0xff, 0xfe]).toString('base64url'))).toBeUndefined();
  });
});

describe('the examples menu’s mutations of §1', () => {
  test.each(seedMutations.map((m) => [m.id, m] as const))('%s applies and Run finds what it says', (_id, m) => {
    const text = applyMutation(seed, m);
    expect(text, 'the example no longer has the original lines').toBeDefined();
    const { program, diagnostics } = check(text!, { uri: 'm.lspec' });
    expect(diagnostics).toEqual([]);
    const found = explore(program).scenarios.flatMap((r) => r.violations.map((v) => v.rule));
    expect(found).toContain(m.finds.split(/[ ,]/)[0]);
  });
});
