// The language services on the v1 forms (LANGUAGE.md §10), and across the
// files of a spec: completion, hover, go to definition and references on own
// kinds and their fields, krefs, components, a driver's own fns, actions
// called from bodies, `use "file"`, `target linux` and `allow`, answered by a
// Workspace of open files as the playground's tabs or a language server's
// documents fill it. Offsets and spans are exact.
import { describe, expect, test } from 'vitest';
import { services } from '../src/index.js';
import { KREF_NOTE } from '../src/services/markdown.js';

const { Workspace, complete, hover, definition, references, resolvePath, relativePath } = services;

const importer = `/// A memory region the RDMA core keeps for user space.
kind mr {
  /// Users of the region.
  refs: kref
  key: int = 0
}

/// The RDMA core: a component, bound to no device.
driver ib_core {
  state { mrs: set<mr> }

  /// Drops a reference; the last one frees the region.
  fn mr_put(m: mr) {
    if kref_put(m.refs) {
      mrs.remove(m)
      free(m)
    }
  }

  action reg(key: int) -> mr fails ENOMEM {
    let m = new mr { key: key }
    mrs.add(m)
    return m
  }
  action get(m: mr) { kref_get(m.refs) }
  action put(m: mr) { mr_put(m) }
  action read_key(m: mr) -> int { return m.key }
}
`;

const main = `use "importer.lspec"
target linux 6.1
allow dmabuf.map_locked

topology {
  host_bridge hb
  device nic under hb
}

driver nicdrv for nic {
  state { keep: mr? }
  action grab() {
    let m = ib_core.reg(1)
    kref_get(m.refs)
    keep = m
  }
}

constraint answered {
  nicdrv.grab() leads_to ib_core.put(_)
}

scenario s {
  bind nicdrv
  nicdrv.grab()
  expect violation answered
}
`;

/** The playground's two tabs, or an editor's two open documents. */
function workspace(files: Record<string, string> = { 'main.lspec': main, 'importer.lspec': importer }) {
  const ws = new Workspace({ missing: (uri, open) => `no tab is named \`${uri}\` (the tabs: ${open.join(', ')})` });
  for (const [uri, text] of Object.entries(files)) ws.set(uri, text);
  return ws;
}

/** The offset just after the first occurrence of `marker` in `text`, less `back`. */
function at(text: string, marker: string, back = 0): number {
  const i = text.indexOf(marker);
  expect(i, marker).toBeGreaterThanOrEqual(0);
  return i + marker.length - back;
}

/** The span of `word` where it first occurs after `context` starts. */
function spanOf(text: string, context: string, word: string): { start: number; end: number } {
  const start = text.indexOf(word, text.indexOf(context));
  expect(text.indexOf(context), context).toBeGreaterThanOrEqual(0);
  return { start, end: start + word.length };
}

/** Edits `file`, and completes at the end of `marker` in the edited text. */
function completeIn(file: 'main.lspec' | 'importer.lspec', from: string, to: string, marker: string) {
  const ws = workspace();
  const text = ws.text(file)!.replace(from, to);
  expect(text).not.toBe(ws.text(file));
  ws.set(file, text);
  const r = complete(ws.documentFor(file), at(text, marker), file);
  return { ...r, labels: r.items.map((i) => i.label), text };
}

describe('a workspace of open files', () => {
  test('a used file is answered from the main spec’s check; its diagnostics are its own', () => {
    const ws = workspace();
    expect(ws.rootOf('importer.lspec')).toBe('main.lspec');
    expect(ws.documentFor('importer.lspec').files).toEqual(['main.lspec', 'importer.lspec']);
    expect([...ws.diagnostics()]).toEqual([
      ['main.lspec', []],
      ['importer.lspec', []],
    ]);
    // An error in the used file is reported there, by the main spec's check.
    const broken = importer.replace('return m.key', 'return m.nokey');
    ws.set('importer.lspec', broken);
    const d = ws.diagnostics();
    expect(d.get('main.lspec')).toEqual([]);
    expect(d.get('importer.lspec')!.map((x) => [x.code, x.span.start, x.span.end])).toEqual([['unknown-member', at(broken, 'return m.'), at(broken, 'return m.nokey')]]);
  });

  test('a missing file is a located error at the `use` line, in the host’s words', () => {
    const ws = workspace({ 'main.lspec': main });
    const [d] = ws.diagnostics().get('main.lspec')!;
    expect(d).toMatchObject({ code: 'missing-file', message: '`use "importer.lspec"`: no tab is named `importer.lspec` (the tabs: main.lspec)', span: spanOf(main, 'use', '"importer.lspec"') });
    const h = hover(ws.documentFor('main.lspec'), at(main, 'use "imp'));
    expect(h?.markdown).toBe('```lspec\nuse "importer.lspec"\n```\n\nNot loaded: `use "importer.lspec"`: no tab is named `importer.lspec` (the tabs: main.lspec)');
  });

  test('a file the main spec does not use is checked as a spec of its own', () => {
    const ws = workspace({ 'main.lspec': 'scenario s {\n}\n', 'importer.lspec': importer });
    expect(ws.rootOf('importer.lspec')).toBe('importer.lspec');
    expect(ws.documentFor('importer.lspec').files).toEqual(['importer.lspec']);
    expect(ws.diagnostics().get('importer.lspec')).toEqual([]);
  });

  test('paths are relative to the file that says `use`', () => {
    expect(resolvePath('main.lspec', 'importer.lspec')).toBe('importer.lspec');
    expect(resolvePath('lib/a.lspec', '../b.lspec')).toBe('b.lspec');
    expect(resolvePath('lib/a.lspec', './x/../c.lspec')).toBe('lib/c.lspec');
    expect(resolvePath('/specs/a.lspec', 'b.lspec')).toBe('/specs/b.lspec');
    expect(relativePath('main.lspec', 'lib/a.lspec')).toBe('lib/a.lspec');
    expect(relativePath('lib/a.lspec', 'main.lspec')).toBe('../main.lspec');
    expect(relativePath('lib/a.lspec', 'lib/b.lspec')).toBe('b.lspec');
  });
});

describe('completion of the v1 forms', () => {
  test('after `new `, only the spec’s own kinds; inside `new K {`, the fields not given yet (a kref takes none)', () => {
    const k = completeIn('importer.lspec', 'let m = new mr { key: key }', 'let m = new ', 'let m = new ');
    expect(k.items).toEqual([{ label: 'mr', kind: 'type', detail: 'kind mr { refs: kref, key: int }', documentation: 'A memory region the RDMA core keeps for user space.' }]);
    expect(k.range).toEqual({ start: at(k.text, 'let m = new '), end: at(k.text, 'let m = new ') });
    const f = completeIn('importer.lspec', 'new mr { key: key }', 'new mr {  }', 'new mr { ');
    expect(f.items).toEqual([{ label: 'key', kind: 'field', detail: 'mr.key: int', snippet: 'key: ${1}' }]);
    expect(completeIn('importer.lspec', 'new mr { key: key }', 'new mr { key: key,  }', 'key: key, ').labels).toEqual([]);
  });

  test('own kinds where a type is expected', () => {
    const t = completeIn('main.lspec', 'state { keep: mr? }', 'state { keep: m }', 'keep: ');
    expect(t.labels).toEqual(expect.arrayContaining(['mr', 'kref', 'int', 'dma_buf', 'set']));
    expect(t.items.find((i) => i.label === 'mr')?.detail).toBe('kind mr { refs: kref, key: int }');
  });

  test('`x.` when x is of an own kind: its fields, a kref with what it is', () => {
    const r = completeIn('main.lspec', 'kref_get(m.refs)', 'kref_get(m.)', 'kref_get(m.');
    expect(r.items).toEqual([
      { label: 'refs', kind: 'field', detail: 'mr.refs: kref', documentation: `Users of the region.\n\n${KREF_NOTE}` },
      { label: 'key', kind: 'field', detail: 'mr.key: int' },
    ]);
    // In a used file too.
    expect(completeIn('importer.lspec', 'return m.key', 'return m.', 'return m.').labels).toEqual(['refs', 'key']);
  });

  test('`drv.` in a body: that driver’s actions (a component’s too), as snippets', () => {
    const r = completeIn('main.lspec', 'let m = ib_core.reg(1)', 'let m = ib_core.', 'let m = ib_core.');
    expect(r.items.map((i) => [i.label, i.detail, i.snippet])).toEqual([
      ['reg', 'action reg(key: int) -> mr fails ENOMEM', 'reg(${1:key})'],
      ['get', 'action get(m: mr)', 'get(${1:m})'],
      ['put', 'action put(m: mr)', 'put(${1:m})'],
      ['read_key', 'action read_key(m: mr) -> int', 'read_key(${1:m})'],
    ]);
  });

  test('in a body: the driver’s own fns, the kref primitives and free, and the drivers whose actions it may call', () => {
    const r = completeIn('importer.lspec', 'action put(m: mr) { mr_put(m) }', 'action put(m: mr) { mr }', 'put(m: mr) { mr');
    expect(r.range).toEqual({ start: at(r.text, 'action put(m: mr) { '), end: at(r.text, 'put(m: mr) { mr') });
    expect(r.items.find((i) => i.label === 'mr_put')).toEqual({
      label: 'mr_put',
      kind: 'function',
      detail: 'fn ib_core.mr_put(m: mr)',
      documentation: 'Drops a reference; the last one frees the region.',
      snippet: 'mr_put(${1:m})',
    });
    expect(r.labels).toEqual(expect.arrayContaining(['m', 'mrs', 'kref_get', 'kref_put', 'kref_get_unless_zero', 'kref_read', 'free', 'ib_core']));
    expect(r.items.find((i) => i.label === 'kref_put')).toMatchObject({ kind: 'primitive', detail: 'kref_put(r: kref) -> bool', snippet: 'kref_put(${1:r})' });
    // A body of another driver does not see ib_core's own fn.
    expect(completeIn('main.lspec', '    keep = m\n', '    keep = m\n    mr\n', '    keep = m\n    mr').labels).not.toContain('mr_put');
  });

  test('`target linux ` → the versions the stdlib knows, with their contract', () => {
    const r = completeIn('main.lspec', 'target linux 6.1', 'target linux ', 'target linux ');
    expect(r.range).toEqual({ start: at(r.text, 'target linux '), end: at(r.text, 'target linux ') });
    expect(r.labels).toEqual(expect.arrayContaining(['5.7', '6.1', '6.2', '7.1']));
    const order = r.labels.map((v) => v.split('.').map(Number) as [number, number]);
    expect(order).toEqual([...order].sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    const v61 = r.items.find((i) => i.label === '6.1')!;
    expect(v61).toMatchObject({ kind: 'version', detail: 'the last with dmabuf.map_locked' });
    expect(v61.documentation).toContain('The spec is checked and run against the contract of linux 6.1');
    // After `6.` the version replaces what is typed since the major.
    const minor = completeIn('main.lspec', 'target linux 6.1', 'target linux 6.', 'target linux 6.');
    expect(minor.range).toEqual({ start: at(minor.text, 'target linux '), end: at(minor.text, 'target linux 6.') });
  });

  test('`allow ` → every rule, the stdlib’s whether loaded or not; `fails ` → errnos; `leads_to` in a rule', () => {
    const r = completeIn('main.lspec', 'allow dmabuf.map_locked', 'allow ', 'allow ');
    expect(r.labels).toEqual(expect.arrayContaining(['answered', 'dmabuf.map_locked', 'p2pdma.mapping_within_provider', 'model.double_free']));
    expect(completeIn('main.lspec', 'allow dmabuf.map_locked', 'allow dmabuf.', 'allow dmabuf.').labels).toEqual(expect.arrayContaining(['map_locked', 'move_notify_locked']));
    const f = completeIn('importer.lspec', '-> mr fails ENOMEM', '-> mr fails ', 'fails ');
    expect(f.items.find((i) => i.label === 'ENOMEM')).toEqual({ label: 'ENOMEM', kind: 'errno', detail: 'errno' });
    const l = completeIn('main.lspec', 'nicdrv.grab() leads_to ib_core.put(_)', 'nicdrv.grab() ', 'nicdrv.grab() ');
    expect(l.labels).toEqual(['ok', 'fails', 'before', 'requires', 'leads_to']);
  });

  test('`use "` → the host’s files, as the file writes them', () => {
    const ws = workspace({ 'main.lspec': 'use ""\n', 'importer.lspec': importer, 'lib/more.lspec': '' });
    const r = complete(ws.documentFor('main.lspec'), 5);
    expect(r.items).toEqual([
      { label: 'importer.lspec', kind: 'file', detail: 'file' },
      { label: 'lib/more.lspec', kind: 'file', detail: 'file' },
    ]);
    expect(r.range).toEqual({ start: 5, end: 5 });
    ws.set('lib/more.lspec', 'use "im');
    const sub = complete(ws.documentFor('lib/more.lspec'), 7, 'lib/more.lspec');
    expect(sub.items.map((i) => [i.label, i.detail])).toEqual([
      ['../main.lspec', 'main.lspec'],
      ['../importer.lspec', 'importer.lspec'],
    ]);
    expect(sub.range).toEqual({ start: 5, end: 7 });
  });
});

describe('hover on the v1 forms', () => {
  const ws = workspace();
  const doc = ws.documentFor('main.lspec');
  const hoverIn = (file: 'main.lspec' | 'importer.lspec', marker: string, back = 1) => hover(doc, at(file === 'main.lspec' ? main : importer, marker, back), file);

  const kindMarkdown = [
    '```lspec\nkind mr {\n  refs: kref\n  key: int = 0\n}\n```',
    'A memory region the RDMA core keeps for user space.',
    "An object kind of the spec's own (`importer.lspec`): `new mr { … }` creates one, fields not given take their initialiser; `free(x)` ends it, after which using it is `model.use_after_free`. `refs` is a kref: each starts at 1.",
  ].join('\n\n');

  test('an own kind: its fields and doc comment, wherever it is named', () => {
    expect(hoverIn('importer.lspec', 'kind m')).toEqual({ markdown: kindMarkdown, span: spanOf(importer, 'kind mr', 'mr') });
    expect(hoverIn('importer.lspec', 'new m')?.markdown).toBe(kindMarkdown);
    expect(hoverIn('importer.lspec', 'set<m')?.markdown).toBe(kindMarkdown);
    expect(hoverIn('main.lspec', 'keep: m')).toEqual({ markdown: kindMarkdown, span: spanOf(main, 'keep: mr', 'mr') });
  });

  test('a kref field, and a plain one with its initialiser', () => {
    const refs = { markdown: `\`\`\`lspec\nmr.refs: kref\n\`\`\`\n\nUsers of the region.\n\n${KREF_NOTE}`, span: spanOf(importer, 'refs: kref', 'refs') };
    expect(hoverIn('importer.lspec', 'refs: kr', 4)).toEqual(refs);
    expect(hoverIn('main.lspec', 'kref_get(m.re')?.markdown).toBe(refs.markdown);
    expect(hoverIn('importer.lspec', 'return m.ke')?.markdown).toBe('```lspec\nmr.key: int = 0\n```');
    expect(hoverIn('importer.lspec', 'new mr { ke')?.markdown).toBe('```lspec\nmr.key: int = 0\n```');
  });

  test('a component: bound to no device', () => {
    const markdown =
      "```lspec\ndriver ib_core\n```\n\nThe RDMA core: a component, bound to no device.\n\nA component: bound to no device. It is there for the whole scenario, with no probe or remove; scenario lines and other drivers' bodies call its actions (`reg`, `get`, `put`, `read_key`), and `bind`, `unbind` and `unplug` do not apply to it.";
    expect(hoverIn('importer.lspec', 'driver ib_c')).toEqual({ markdown, span: spanOf(importer, 'driver', 'ib_core') });
    expect(hoverIn('main.lspec', 'let m = ib_c')?.markdown).toBe(markdown);
    expect(hoverIn('main.lspec', 'driver nicd')?.markdown).toBe('```lspec\ndriver nicdrv for nic\n```');
  });

  test('a driver’s fn, and an action called from a body', () => {
    const fn = "```lspec\nfn ib_core.mr_put(m: mr)\n```\n\nDrops a reference; the last one frees the region.\n\nA function of driver `ib_core`: it sees the driver's state and ops tables, and its bodies call it by name.";
    expect(hoverIn('importer.lspec', 'put(m: mr) { mr_p')?.markdown).toBe(fn);
    expect(hoverIn('importer.lspec', 'fn mr_p')?.markdown).toBe(fn);
    expect(hoverIn('main.lspec', 'ib_core.re')).toEqual({ markdown: '```lspec\naction ib_core.reg(key: int) -> mr fails ENOMEM\n```', span: spanOf(main, 'ib_core.reg', 'reg') });
  });

  test('a `use "file"` line: which file, and what it brings', () => {
    expect(hoverIn('main.lspec', 'use "imp')).toEqual({
      markdown:
        '```lspec\nuse "importer.lspec"\n```\n\nLoads `importer.lspec`, which declares kinds: `mr`; components: `ib_core`.\n\nIts scenarios, `target` and `allow` lines stay its own: they apply when that file is run itself.',
      span: spanOf(main, 'use', '"importer.lspec"'),
    });
  });

  test('`target linux X`: the contract, and `allow`: the rule’s doc, the version the target has', () => {
    const t = hoverIn('main.lspec', 'target lin')!;
    expect(t.span).toEqual(spanOf(main, 'target', 'target linux 6.1'));
    expect(t.markdown.startsWith('```lspec\ntarget linux 6.1\n```\n\nThe spec is checked and run against the contract of linux 6.1: the rules, ops-type slots, primitive spellings and model behaviours of that kernel.')).toBe(true);
    expect(t.markdown).toContain('Version-dependent rules that hold here:\n- `dmabuf.map_locked` (..6.1): Before 6.2, importers held the reservation lock');
    expect(t.markdown).toContain('Version-dependent rules that do not:\n- `dmabuf.map_locked` (6.2..): Importers hold the reservation lock');
    expect(t.markdown).toMatch(/Not in this kernel yet \(a call is an error\): .*`dma_buf_invalidate_mappings` \(7\.1, 95308225e5ba\)/);
    const a = hoverIn('main.lspec', 'allow dmabuf.map_lo')!;
    expect(a.span).toEqual(spanOf(main, 'allow', 'dmabuf.map_locked'));
    expect(a.markdown.startsWith('Before 6.2, importers held the reservation lock to map and unmap a dynamic attachment')).toBe(true);
    expect(a.markdown).toContain('From `stdlib:dmabuf/rules.lspec`.');
    expect(a.markdown.endsWith('\n\nTurned off here by `allow`: no run of this spec checks it.')).toBe(true);
  });
});

describe('go to definition and references, across files', () => {
  const ws = workspace();
  const doc = ws.documentFor('main.lspec');
  const def = (file: 'main.lspec' | 'importer.lspec', marker: string, back = 1) => definition(doc, at(file === 'main.lspec' ? main : importer, marker, back), file);

  test('own kinds and their fields: in the used file', () => {
    expect(def('main.lspec', 'keep: m')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'kind mr', 'mr') });
    expect(def('main.lspec', 'kref_get(m.re')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'refs: kref', 'refs') });
    expect(def('importer.lspec', 'new m')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'kind mr', 'mr') });
    expect(def('importer.lspec', 'new mr { ke')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'key: int', 'key') });
    expect(def('importer.lspec', 'return m.ke')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'key: int', 'key') });
  });

  test('driver fns, `drv.action` from a body, components, and the used file itself', () => {
    expect(def('importer.lspec', 'put(m: mr) { mr_p')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'fn mr_put', 'mr_put') });
    expect(def('main.lspec', 'ib_core.re')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'action reg', 'reg') });
    expect(def('main.lspec', 'let m = ib_c')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'driver ib_core', 'ib_core') });
    expect(def('main.lspec', 'leads_to ib_core.pu')).toEqual({ uri: 'importer.lspec', span: spanOf(importer, 'action put', 'put') });
    expect(def('main.lspec', 'use "imp')).toEqual({ uri: 'importer.lspec', span: { start: 0, end: 0 } });
    // A stdlib rule `allow` names, whether or not a `use` loads its module.
    expect(def('main.lspec', 'allow dmabuf.map_lo')?.uri).toBe('stdlib:dmabuf/rules.lspec');
  });

  test('references: every file of the spec, the asked one first', () => {
    expect(references(doc, at(main, 'let m = ib_c'), 'main.lspec')).toEqual([
      { uri: 'main.lspec', span: spanOf(main, 'let m = ib_core', 'ib_core') },
      { uri: 'main.lspec', span: spanOf(main, 'leads_to ib_core', 'ib_core') },
      { uri: 'importer.lspec', span: spanOf(importer, 'driver ib_core', 'ib_core') },
    ]);
    const mr = references(doc, at(importer, 'kind m'), 'importer.lspec');
    expect(mr.filter((l) => l.uri === 'main.lspec')).toEqual([{ uri: 'main.lspec', span: spanOf(main, 'keep: mr', 'mr') }]);
    expect(mr.filter((l) => l.uri === 'importer.lspec')).toHaveLength(8);
  });
});
