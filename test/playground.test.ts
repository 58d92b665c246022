// The playground's platform-neutral parts, under Node: the language services
// the worker answers with (markers, completion, hover, definition), also over
// several tabs, hover Markdown that loads nothing, the highlighter's token
// table, share links (one file and several, old links included), drafts (with
// their tabs) and the checks remembered across reloads, the examples menu's
// mutations, and the headers of the server. test-e2e/ drives the page itself
// in Chromium.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { lexer } from '../grammar/lexer.js';
import * as Tok from '../grammar/tokens.js';
import { check, explore } from '../src/index.js';
import { Analysis } from '../playground/analysis.js';
import { textHash, UnfinishedChecks } from '../playground/unfinished.js';
import { CURRENT_KEY, DRAFT_PREFIX, Drafts, LEGACY_KEY, MAX_DRAFTS, draftLabel } from '../playground/drafts.js';
import { monarchLanguage } from '../playground/language.js';
import { applyMutation, seedMutations } from '../playground/mutations.js';
import { codeFromHash, decodeCode, decodeFiles, encodeCode, encodeFiles, filesFromHash } from '../playground/share.js';
import { filesKey, freeName, MAIN_NAME, MAX_FILES, nameProblem, validFiles } from '../playground/files.js';
import { tokenTable } from '../playground/token-table.js';
import { CONTENT_SECURITY_POLICY, servePlayground } from '../scripts/serve-playground.js';
import { inert } from '../src/services/markdown.js';

/**
 * Markdown to HTML as the page renders hovers: Monaco's own copy of marked.
 * It has no types (an internal module of Monaco), and its source map is not
 * shipped, so it is imported from its text without the map's comment.
 */
const markedSource = readFileSync(createRequire(import.meta.url).resolve('monaco-editor/esm/vs/base/common/marked/marked.js'), 'utf8').replace(/\/\/# sourceMappingURL=.*$/m, '');
const { marked } = (await import(/* @vite-ignore */ `data:text/javascript;base64,${Buffer.from(markedSource).toString('base64')}`)) as { marked: { parse(md: string, options?: { async: false }): string } };
const html = (md: string) => marked.parse(md, { async: false });

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
    expect(labels('', 0).sort()).toEqual(['allow', 'constraint', 'driver', 'fn', 'kind', 'opstype', 'provider', 'scenario', 'target', 'topology', 'use']);
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

describe('hover Markdown from spec text loads nothing', () => {
  const beacon = 'https://evil.example/beacon.png';
  const remote = /<(img|iframe|video|audio|source|object|embed|link|script|style)\b/i;
  const hostile = [
    `Exports BARs. ![beacon](${beacon}) and ![ref][b]`,
    `[b]: ${beacon}`,
    `<img src="${beacon}"> <iframe src="${beacon}"></iframe> <IMG SRC=${beacon}>`,
    `<!-- hidden --> <https://evil.example/autolink> [![x](${beacon})](https://evil.example/)`,
    '```',
    `<img src="${beacon}">`,
  ].join('\n');

  test('an image or an HTML tag in a doc comment is shown as text or a link, never loaded', () => {
    const text = seed.replace('driver vfio_pci for gpu {', `${hostile.split('\n').map((l) => `/// ${l}`).join('\n')}\ndriver vfio_pci for gpu {`);
    const markdown = new Analysis(text).hover(after(text, 'bind vfio_pci') - 1)?.markdown ?? '';
    expect(markdown).toContain('Exports BARs.');
    const out = html(markdown);
    expect(out).not.toMatch(remote);
    // What was written is still there to read: the link to the image, the tag as text.
    expect(out).toContain(`<a href="${beacon}">beacon</a>`);
    expect(out.replace(/\u2060/g, '')).toContain('&lt;img src=');
  });

  test('spec text in a rule’s hover cannot close its fence and be read as Markdown', () => {
    // A line of only backticks, in a block comment of the rule: it would close a three-backtick fence.
    const rule = `constraint sneaky {\n/*\n\`\`\`\n![x](${beacon}) <img src="${beacon}">\n*/\n  lifetime sg_table within provider\n}\n`;
    const text = seed.replace('  unplug gpu\n  expect ok\n}', '  unplug gpu\n  expect violation sneaky\n}') + rule;
    const a = new Analysis(text);
    expect(a.markers()).toEqual([]);
    const markdown = a.hover(after(text, 'expect violation snea'))?.markdown;
    expect(markdown).toContain('constraint sneaky');
    expect(html(markdown!)).not.toMatch(remote);
    expect(html(markdown!)).toContain('![x]');
  });

  test('what is not markup is left as it reads: code spans, escapes, emphasis, links, fences', () => {
    const doc = 'Holds `set<dma_buf>` and a \\![kept](escape); **bold**, [a link](https://example.org), x < y.\n\n```lspec\nlet s: set<int>\n```';
    const out = html(inert(doc)).replace(/\u2060/g, '');
    expect(out).toContain('<code>set&lt;dma_buf&gt;</code>');
    expect(out).toContain('<strong>bold</strong>');
    expect(out).toContain('<a href="https://example.org">a link</a>');
    expect(out).toContain('x &lt; y');
    expect(out).toContain('let s: set&lt;int&gt;');
    // The escape written there is not doubled: a backslash would show.
    expect(out).toContain('a !<a href="escape">kept</a>;');
    expect(out).not.toContain('\\');
    // A fence the prose leaves open is closed: what follows is not code.
    expect(html(`${inert('```\nopen')}\n\n**after**`)).toContain('<strong>after</strong>');
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
    expect(t.string).toBe(Tok.STRING_PATTERN.source);
    // The highlighter's pattern and the lexer's matcher agree.
    for (const sample of ['"a"', '"a\\"b"', '"\\\\"', '"x']) {
      const lexed = lexer.tokenize(sample).tokens[0];
      expect(new RegExp(`^(?:${t.string})$`).test(sample), sample).toBe(lexed?.tokenType === Tok.StringLiteral && lexed.image === sample);
    }
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

  const tabs = [
    { name: 'main.lspec', text: 'use "lib/importer.lspec"\n// ✓\n' },
    { name: 'lib/importer.lspec', text: 'kind mr {\n  refs: kref\n}\n' },
  ];

  test('several tabs: #files= is base64url of the UTF-8 JSON list, the main tab first, and it round-trips', () => {
    const hash = encodeFiles(tabs);
    expect(hash).toMatch(/^#files=[A-Za-z0-9_-]+$/);
    expect(JSON.parse(Buffer.from(hash.slice('#files='.length), 'base64url').toString('utf8'))).toEqual(tabs);
    expect(decodeFiles(hash.slice('#files='.length))).toEqual(tabs);
    expect(filesFromHash(hash)).toEqual({ files: tabs });
    expect(filesFromHash(`#x=1&${hash.slice(1)}`)).toEqual({ files: tabs });
    // The main text of a several-tab link, for what reads only that.
    expect(codeFromHash(hash)).toEqual({ text: tabs[0]!.text });
  });

  test('one tab of the default name is a #code= link as before tabs; old links open as that one tab', () => {
    const text = 'scenario s {}\n';
    expect(encodeFiles([{ name: MAIN_NAME, text }])).toBe(`#code=${Buffer.from(text, 'utf8').toString('base64url')}`);
    expect(filesFromHash(`#code=${Buffer.from(text, 'utf8').toString('base64url')}`)).toEqual({ files: [{ name: 'main.lspec', text }] });
    // One tab of another name needs the name, so it is a #files= link.
    expect(encodeFiles([{ name: 'x.lspec', text }]).startsWith('#files=')).toBe(true);
  });

  test('a #files= that is not a list of well-named, distinct files is refused as a whole', () => {
    const enc = (v: unknown) => `#files=${Buffer.from(JSON.stringify(v), 'utf8').toString('base64url')}`;
    expect(filesFromHash(enc([]))).toEqual({ invalid: true });
    expect(filesFromHash(enc({ name: 'a.lspec', text: '' }))).toEqual({ invalid: true });
    expect(filesFromHash(enc([{ name: 'a.lspec', text: 1 }]))).toEqual({ invalid: true });
    expect(filesFromHash(enc([{ name: 'a.lspec', text: '' }, { name: 'a.lspec', text: '' }]))).toEqual({ invalid: true });
    expect(filesFromHash(enc([{ name: '../etc/x', text: '' }]))).toEqual({ invalid: true });
    expect(filesFromHash(enc(Array.from({ length: MAX_FILES + 1 }, (_, i) => ({ name: `f${i}.lspec`, text: '' }))))).toEqual({ invalid: true });
    expect(filesFromHash('#files=%%%')).toEqual({ invalid: true });
    expect(filesFromHash(`#files=${Buffer.from('not json').toString('base64url')}`)).toEqual({ invalid: true });
  });

  test('tab names: what a `use` line can name, one of each', () => {
    expect(nameProblem('importer.lspec', ['main.lspec'])).toBeUndefined();
    expect(nameProblem('lib/a-b_c.lspec', [])).toBeUndefined();
    expect(nameProblem('main.lspec', ['main.lspec'])).toBe('there is a tab named main.lspec already');
    for (const bad of ['', 'a b.lspec', '/abs.lspec', 'lib/../x', 'a"b', '.hidden/x', 'x'.repeat(81)]) expect(nameProblem(bad, []), bad).toBeDefined();
    expect(freeName(['main.lspec'])).toBe('file2.lspec');
    expect(freeName(['main.lspec', 'file2.lspec'])).toBe('file3.lspec');
    expect(validFiles([{ name: 'a.lspec', text: 'x', extra: 1 }])).toEqual([{ name: 'a.lspec', text: 'x' }]);
    expect(filesKey([{ name: MAIN_NAME, text: 'abc' }])).toBe('abc');
    expect(filesKey(tabs)).not.toBe(filesKey([tabs[0]!]));
  });
});

describe('several tabs: the worker’s answers', () => {
  const main = 'use "importer.lspec"\n\ndriver d {\n  state { keep: mr? }\n  action a() {\n    keep = new mr { key: 1 }\n  }\n}\n';
  const importer = '/// A region.\nkind mr {\n  key: int = 0\n}\n';

  test('markers by tab; a used tab is checked as part of the main one', () => {
    const a = new Analysis([{ name: 'main.lspec', text: main }, { name: 'importer.lspec', text: importer.replace('key: int = 0', 'key: int = true') }], 'main.lspec');
    expect(Object.keys(a.allMarkers())).toEqual(['main.lspec', 'importer.lspec']);
    expect(a.markers('main.lspec')).toEqual([]);
    expect(a.markers('importer.lspec').map((m) => [m.startLineNumber, m.startColumn, m.code])).toEqual([[3, 14, 'type-mismatch']]);
    expect(a.markersOf('main.lspec')).toEqual(a.allMarkers());
  });

  test('a missing tab: the `use` line says which, and what the tabs are', () => {
    const a = new Analysis([{ name: 'main.lspec', text: main }], 'main.lspec');
    const [m] = a.markers('main.lspec');
    expect(m).toMatchObject({ startLineNumber: 1, startColumn: 5, endColumn: 21, code: 'missing-file' });
    expect(m!.message).toBe('`use "importer.lspec"`: no tab is named `importer.lspec` (the tabs: main.lspec); add one with + and name it so');
  });

  test('hover, completion and definition across tabs, in lines and columns of each tab', () => {
    const a = new Analysis([{ name: 'main.lspec', text: main }, { name: 'importer.lspec', text: importer }], 'main.lspec');
    const use = after(main, 'keep = new m') - 1;
    expect(a.hover(use, 'main.lspec')?.markdown).toContain('kind mr {\n  key: int = 0\n}');
    expect(a.place(use, 'main.lspec')).toEqual({ uri: 'importer.lspec', range: { startLineNumber: 2, startColumn: 6, endLineNumber: 2, endColumn: 8 } });
    expect(a.definition(use, 'main.lspec')).toMatchObject({ uri: 'importer.lspec', startLineNumber: 2 });
    // In the used tab: its own names, and completion in its text.
    expect(a.hover(after(importer, 'kind m') - 1, 'importer.lspec')?.markdown).toContain('A region.');
    const typed = main.replace('keep = new mr { key: 1 }', 'keep = new ');
    const b = new Analysis([{ name: 'main.lspec', text: typed }, { name: 'importer.lspec', text: importer }], 'main.lspec');
    expect(b.complete(after(typed, 'keep = new '), 'main.lspec').items.map((i) => i.label)).toEqual(['mr']);
    // A definition in the stdlib is in no tab: the page cannot show it.
    expect(a.place(after(main, 'state { ke'), 'main.lspec')).toEqual({ uri: 'main.lspec', range: { startLineNumber: 4, startColumn: 11, endLineNumber: 4, endColumn: 15 } });
  });
});

/** A Storage in memory; one `local` shared by several Drafts is several tabs of one origin. */
class MemoryStorage {
  readonly map = new Map<string, string>();
  /** Writes longer than this many characters in all throw, as a full browser storage does. */
  quota = Infinity;
  get length() {
    return this.map.size;
  }
  key(i: number) {
    return [...this.map.keys()][i] ?? null;
  }
  getItem(k: string) {
    return this.map.get(k) ?? null;
  }
  setItem(k: string, v: string) {
    const used = [...this.map].reduce((n, [key, value]) => n + (key === k ? 0 : value.length), 0);
    if (used + v.length > this.quota) throw new DOMException('full', 'QuotaExceededError');
    this.map.set(k, v);
  }
  removeItem(k: string) {
    this.map.delete(k);
  }
}

/** A tab: its own session storage, the origin's local storage, and a clock that moves on. */
let clock = 1_000_000;
const tab = (local: MemoryStorage, session = new MemoryStorage()) => new Drafts(local, session, undefined, () => ++clock);
const storageEvent = (local: MemoryStorage, d: Drafts) => d.notice(DRAFT_PREFIX + d.currentId, local.getItem(DRAFT_PREFIX + d.currentId));

describe('drafts', () => {
  test('opening a link starts a new draft: the text it replaces stays stored, and a reload of the tab shows the link’s', () => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    const a = tab(local, session);
    expect(a.storedText).toBeUndefined();
    a.markEdited();
    expect(a.save('my own work')).toBe('saved');
    const mine = a.currentId;
    const previous = a.open('the link’s spec', { kind: 'link', label: 'a link' });
    expect(previous?.text).toBe('my own work');
    expect(a.save('the link’s spec')).toBe('saved');
    expect(a.currentId).not.toBe(mine);
    // The reload: the same session storage, a new page.
    const reloaded = tab(local, session);
    expect(reloaded.storedText).toBe('the link’s spec');
    expect(reloaded.list().map((d) => d.text)).toEqual(['the link’s spec', 'my own work']);
    expect(reloaded.load(mine)).toBe('my own work');
    // Opening the same link again finds its draft instead of copying it.
    expect(reloaded.open('the link’s spec', { kind: 'link', label: 'a link' })?.text).toBe('my own work');
    expect(reloaded.list()).toHaveLength(2);
  });

  test('an unedited example is replaced in place; an edited one is kept', () => {
    const a = tab(new MemoryStorage());
    a.save('the §1 example');
    expect(a.open('another example', { kind: 'example', label: 'tour.lspec' })).toBeUndefined();
    a.save('another example');
    expect(a.list().map((d) => d.text)).toEqual(['another example']);
    a.markEdited();
    a.save('another example, edited');
    expect(a.open('a third', { kind: 'example', label: 'x' })?.text).toBe('another example, edited');
    a.save('a third');
    expect(a.list()).toHaveLength(2);
  });

  test('two tabs on one draft: the second to save is told, and saves its text as a new draft; neither is lost', () => {
    const local = new MemoryStorage();
    const a = tab(local);
    a.markEdited();
    a.save('v1');
    // A new tab opens the draft saved last.
    const b = tab(local);
    expect(b.currentId).toBe(a.currentId);
    expect(b.storedText).toBe('v1');
    b.markEdited();
    expect(b.save('v1 + b')).toBe('saved');
    // A hears of it through the storage event…
    expect(storageEvent(local, a)).toMatchObject({ kind: 'overwritten', by: { text: 'v1 + b' } });
    expect(a.overwritten?.text).toBe('v1 + b');
    // …and would not have clobbered it even without: the revision it saw is not the stored one.
    expect(a.save('v1')).toBe('unchanged');
    expect(a.save('v1 + a')).toBe('forked');
    expect(a.currentId).not.toBe(b.currentId);
    expect(local.getItem(DRAFT_PREFIX + b.currentId)).toContain('v1 + b');
    expect(a.list().map((d) => d.text).sort()).toEqual(['v1 + a', 'v1 + b']);
    // B's own later saves go on in its draft; A's storage events about it are news of the list only.
    expect(b.save('v1 + b + more')).toBe('saved');
    expect(storageEvent(local, b)).toEqual({ kind: 'list' });
    // A tab may take the other tab's text instead, and then saves over it as usual.
    const c = tab(local);
    c.load(b.currentId);
    b.save('b again');
    expect(c.notice(DRAFT_PREFIX + b.currentId, local.getItem(DRAFT_PREFIX + b.currentId))?.kind).toBe('overwritten');
    expect(c.load(c.currentId)).toBe('b again');
    expect(c.save('c on b')).toBe('saved');
  });

  test('bounded: the oldest unedited drafts go first, and storage full never costs an edited draft', () => {
    const local = new MemoryStorage();
    const a = tab(local);
    a.markEdited();
    a.save('mine');
    for (let i = 0; i < MAX_DRAFTS + 5; i++) {
      a.open(`link ${i}`, { kind: 'link', label: 'a link' });
      a.save(`link ${i}`);
    }
    const texts = a.list().map((d) => d.text);
    expect(texts).toHaveLength(MAX_DRAFTS);
    expect(texts).toContain('mine');
    expect(texts).not.toContain('link 0');
    // A text too big for what storage has left fails to save, and every edited draft stays.
    local.quota = [...local.map.values()].reduce((n, v) => n + v.length, 0) + 1000;
    a.markEdited();
    expect(a.save('x'.repeat(5000))).toBe('failed');
    expect(a.list().map((d) => d.text)).toContain('mine');
  });

  test('a draft keeps every tab: a reload brings them back, the main text stays `text` for what reads only that', () => {
    const local = new MemoryStorage();
    const session = new MemoryStorage();
    const a = tab(local, session);
    const files = [
      { name: 'main.lspec', text: 'use "b.lspec"\n' },
      { name: 'b.lspec', text: 'kind k {}\n' },
    ];
    a.markEdited();
    expect(a.save(files)).toBe('saved');
    expect(a.save(files.map((f) => ({ ...f })))).toBe('unchanged');
    const stored = JSON.parse(local.getItem(DRAFT_PREFIX + a.currentId)!);
    expect(stored.text).toBe('use "b.lspec"\n');
    expect(stored.files).toEqual(files);
    const reloaded = tab(local, session);
    expect(reloaded.storedFiles).toEqual(files);
    expect(reloaded.storedText).toBe('use "b.lspec"\n');
    expect(draftLabel(reloaded.list()[0]!, clock)).toMatch(/use "b\.lspec" \(edited, from the §1 example, 2 files\)$/);
    // A renamed tab is a change; one file of the default name is stored as before tabs.
    expect(reloaded.save([files[0]!, { name: 'c.lspec', text: files[1]!.text }])).toBe('saved');
    expect(reloaded.save('just one text')).toBe('saved');
    expect(JSON.parse(local.getItem(DRAFT_PREFIX + reloaded.currentId)!).files).toBeUndefined();
    expect(reloaded.loadFiles(reloaded.currentId)).toEqual([{ name: 'main.lspec', text: 'just one text' }]);
    // A link of several files opens as a new draft, and the same link again finds it.
    const previous = reloaded.open(files, { kind: 'link', label: 'a link' });
    expect(previous?.text).toBe('just one text');
    reloaded.save(files);
    expect(reloaded.open(files, { kind: 'link', label: 'a link' })).toBeUndefined();
    // Files that do not read as files (edited by hand) leave the main text.
    local.setItem(`${DRAFT_PREFIX}odd`, JSON.stringify({ ...stored, id: 'odd', files: [{ name: 'x y', text: '' }] }));
    expect(reloaded.get('odd')?.files).toBeUndefined();
    expect(reloaded.loadFiles('odd')).toEqual([{ name: 'main.lspec', text: 'use "b.lspec"\n' }]);
  });

  test('the one text of older versions becomes a draft; broken or missing storage is no error', () => {
    const local = new MemoryStorage();
    local.setItem(LEGACY_KEY, 'from before drafts');
    local.setItem(`${DRAFT_PREFIX}junk`, '{not json');
    const a = tab(local);
    expect(a.storedText).toBe('from before drafts');
    expect(local.getItem(LEGACY_KEY)).toBeNull();
    expect(draftLabel(a.list()[0]!, clock)).toMatch(/from before drafts \(your text\)$/);
    const none = new Drafts(undefined, undefined);
    expect(none.save('text')).toBe('failed');
    expect(none.list()).toEqual([]);
    const session = new MemoryStorage();
    const b = tab(local, session);
    expect(session.getItem(CURRENT_KEY)).toBe(b.currentId);
  });
});

describe('checks that never finished', () => {
  test('are remembered by the text’s hash across page loads, until answered', () => {
    const local = new MemoryStorage();
    const u = new UnfinishedChecks(local);
    u.add('huge spec');
    expect(new UnfinishedChecks(local).has('huge spec')).toBe(true);
    expect(u.has('huge spec!')).toBe(false);
    u.delete('huge spec');
    expect(u.has('huge spec')).toBe(false);
    expect(textHash('a')).not.toBe(textHash('b'));
    for (let i = 0; i < 40; i++) u.add(`t${i}`);
    expect(JSON.parse(local.getItem('lifespec.playground.unfinished-checks')!)).toHaveLength(16);
  });
});

describe('the server', () => {
  test('sends a CSP that forbids other origins, nosniff and no framing, and answers only GET and HEAD', async () => {
    const root = mkdtempSync(join(tmpdir(), 'lifespec-serve-'));
    writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
    const served = await servePlayground({ root });
    try {
      const get = await fetch(served.url);
      expect(get.status).toBe(200);
      expect(await get.text()).toContain('<title>t</title>');
      const csp = get.headers.get('content-security-policy') ?? '';
      for (const d of ["default-src 'self'", "script-src 'self'", "img-src 'self' data:", "connect-src 'self'", "frame-ancestors 'none'", "object-src 'none'"]) expect(csp).toContain(d);
      expect(csp).not.toMatch(/\*|https?:|unsafe-eval/);
      expect(get.headers.get('x-content-type-options')).toBe('nosniff');
      expect(get.headers.get('x-frame-options')).toBe('DENY');
      expect(get.headers.get('cross-origin-embedder-policy')).toBe('require-corp');
      const head = await fetch(served.url, { method: 'HEAD' });
      expect(head.status).toBe(200);
      expect(head.headers.get('content-security-policy')).toBe(csp);
      expect(await head.text()).toBe('');
      for (const method of ['POST', 'PUT', 'DELETE', 'OPTIONS', 'PATCH']) {
        const r = await fetch(served.url, { method });
        expect(r.status, method).toBe(405);
        expect(r.headers.get('allow')).toBe('GET, HEAD');
        expect(r.headers.get('x-content-type-options')).toBe('nosniff');
      }
      const missing = await fetch(`${served.url}nothing.js`);
      expect(missing.status).toBe(404);
      expect(missing.headers.get('content-security-policy')).toBe(csp);
    } finally {
      await served.close();
      rmSync(root, { recursive: true, force: true });
    }
  });

  test('the page’s own meta policy is the header’s, less frame-ancestors (which a meta tag cannot carry)', () => {
    const page = readFileSync(new URL('../playground/index.html', import.meta.url), 'utf8');
    const meta = /<meta http-equiv="Content-Security-Policy" content="([^"]+)">/.exec(page)?.[1];
    expect(meta).toBe(CONTENT_SECURITY_POLICY.replace("; frame-ancestors 'none'", ''));
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
