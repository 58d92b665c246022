// The SVG timeline (src/report/timeline-model.ts, timeline-svg.ts): what it
// reads out of a trace (lanes, locks held, armed devices, object lifetimes)
// from the steps' structured fields; the SVG it draws; and `lifespec run --svg`.
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { check, explore, locate, renderTimeline, renderTimelines, timelineModel, type ScenarioResult } from '../src/index.js';
import { wrapText } from '../src/report/timeline-svg.js';
import { abba, failingAssertSpec } from './support/specs.js';

const seed = readFileSync(new URL('../examples/vfio_mlx5_hotunplug.lspec', import.meta.url), 'utf8');
const noZap = seed.replace('        hw_stop(nic, sgt)\n        dma_buf_unmap_attachment(attach, sgt)\n', '');
const noRevoke = seed.replace('      if revoked { fail ENODEV }\n', '');

function run(text: string) {
  const { program, diagnostics } = check(text, { uri: 'seed.lspec' });
  expect(diagnostics).toEqual([]);
  return { program, results: new Map(explore(program).scenarios.map((s) => [s.scenario, s])) };
}

function finding(r: ScenarioResult, rule: string) {
  const v = r.violations.find((x) => x.rule === rule);
  expect(v, rule).toBeDefined();
  return v!;
}

describe('timelineModel', () => {
  const { program, results } = run(noZap);
  const hot = results.get('hot_unplug')!;

  test('a lane per thread, then one per armed device; the last step is marked', () => {
    const m = timelineModel(hot, finding(hot, 'model.dma_after_free'), { sources: program.sources });
    expect(m.lanes.map((l) => l.thread)).toEqual(['main', 'hw:nic']);
    expect(m.marked).toBe(16);
    expect(m.steps[m.marked]).toMatchObject({ thread: 'hw:nic', event: 'DMA through sg_table#8' });
    expect(m.rule).toBe('model.dma_after_free');
    // hw_start(nic, sg_table#8) in step 11 arms the NIC to the end (nothing stops it).
    expect(m.lanes[1]!.armed).toEqual([{ from: 10, to: 16, through: 'sg_table#8', open: true }]);
  });

  test('locks: from the step after which the thread holds it to the step after which it no longer does', () => {
    const v = finding(hot, 'no_mapping_outlives_provider');
    expect(v.trace.map((s) => s.locks)).toEqual([[], [], [], [], [], [], ...Array(4).fill(['dma_buf#6.resv']), [], [], [], ['dma_buf#6.resv'], ['dma_buf#6.resv'], []]);
    const m = timelineModel(hot, v, { sources: program.sources });
    // reg_mr holds the resv from step 7 through hw_start (step 11), whose
    // step leaves the block; remove() takes it in step 14 and lets it go in
    // step 16, after the move_notify callback of that step.
    expect(m.lanes[0]!.locks).toEqual([
      { name: 'dma_buf#6.resv', from: 6, to: 10 },
      { name: 'dma_buf#6.resv', from: 13, to: 15 },
    ]);
  });

  test('objects: from the steps’ created and ended lists', () => {
    const v = finding(hot, 'no_mapping_outlives_provider');
    // `bind vfio_pci` makes the binding and, in its probe, the provider: neither is in the step's text.
    expect(v.trace[0]).toMatchObject({ event: 'bind vfio_pci', created: ['binding#2', 'gpu_bar0#3'], ended: [] });
    expect(v.trace.at(-1)).toMatchObject({ created: [], ended: ['gpu_bar0#3', 'binding#2', 'gpu'] });
    const m = timelineModel(hot, v, { sources: program.sources });
    expect(m.objects).toEqual([
      { name: 'gpu', ended: 15, involved: false },
      { name: 'binding#2', created: 0, ended: 15, involved: false },
      { name: 'gpu_bar0#3', created: 0, ended: 15, involved: true },
      { name: 'binding#4', created: 1, involved: false },
      { name: 'dma_buf#6', created: 3, involved: false },
      { name: 'attachment#7', created: 5, involved: false },
      { name: 'sg_table#8', created: 9, involved: true },
    ]);
  });

  test('§1 without the `if revoked` check: two threads taking the same lock, every band and bar exact', () => {
    const { program: p2, results: r2 } = run(noRevoke);
    const race = r2.get('unplug_races_registration')!;
    const v = finding(race, 'no_mapping_outlives_provider');
    expect(v.trace.map((s) => `${s.thread} ${s.locks!.join(',')}`)).toEqual([
      'main ',
      'main ',
      'main ',
      'main ',
      't1 ',
      't2 ',
      't2 ',
      't2 dma_buf#6.resv',
      't2 ',
      't1 ',
      't1 dma_buf#6.resv',
      't1 dma_buf#6.resv',
      't1 dma_buf#6.resv',
      't1 dma_buf#6.resv',
    ]);
    const m = timelineModel(race, v, { sources: p2.sources });
    expect(m.lanes).toEqual([
      { thread: 'main', locks: [], armed: [] },
      // t1 takes it after t2 let it go, and holds it to the end (the violating step).
      { thread: 't1', locks: [{ name: 'dma_buf#6.resv', from: 10, to: 13 }], armed: [] },
      // remove() takes it in step 8 and lets it go in step 9, after dma_buf_move_notify.
      { thread: 't2', locks: [{ name: 'dma_buf#6.resv', from: 7, to: 8 }], armed: [] },
    ]);
    expect(m.objects).toEqual([
      { name: 'gpu', ended: 8, involved: false },
      { name: 'binding#2', created: 0, ended: 8, involved: false },
      { name: 'gpu_bar0#3', created: 0, ended: 8, involved: true },
      { name: 'binding#4', created: 1, involved: false },
      { name: 'dma_buf#6', created: 3, involved: false },
      { name: 'attachment#7', created: 9, involved: false },
      // The message names sg_table#8, which the violating step creates.
      { name: 'sg_table#8', created: 13, involved: true },
    ]);
    // The same picture without the program's texts, but for the steps' lines and columns.
    expect(timelineModel(race, v).lanes).toEqual(m.lanes);
  });

  test('what the texts do not say: an IOVA made and removed inside p2pdma_map / p2pdma_unmap', () => {
    const text = readFileSync(new URL('./fixtures/specs/model-iommu-fault.lspec', import.meta.url), 'utf8');
    const { program: p5, diagnostics } = check(text, { uri: 'iommu.lspec' });
    expect(diagnostics).toEqual([]);
    const r = explore(p5, { scenario: 'fires' }).scenarios[0]!;
    const v = finding(r, 'model.iommu_fault');
    expect(v.message).toBe('nic DMA through sg_table#6: its iova#5 was unmapped (IOMMU fault)');
    expect(v.trace[4]).toMatchObject({ event: 'p2pdma_map(gpu_bar0#3, nic) → sg_table#6', created: ['iova#5', 'sg_table#6'] });
    expect(v.trace[7]).toMatchObject({ event: 'p2pdma_unmap(sg_table#6) · sg_table#6 ends', ended: ['iova#5', 'sg_table#6'] });
    expect(v.trace.at(-1)).toMatchObject({ thread: 'hw:nic', locks: [], created: [], ended: [] });
    expect(timelineModel(r, v).objects).toEqual([
      { name: 'binding#2', created: 0, involved: false },
      { name: 'gpu_bar0#3', created: 0, involved: false },
      { name: 'binding#4', created: 1, involved: false },
      { name: 'iova#5', created: 4, ended: 7, involved: true },
      { name: 'sg_table#6', created: 4, ended: 7, involved: true },
    ]);
  });

  test('a deadlock: the waiting threads hold their locks to the end', () => {
    const { program: p3, diagnostics } = check(abba, { uri: 'abba.lspec' });
    expect(diagnostics).toEqual([]);
    const r = explore(p3).scenarios[0]!;
    expect(r.deadlock).toBeDefined();
    const m = timelineModel(r, r.deadlock!, { sources: p3.sources });
    expect(m.rule).toBe('deadlock');
    expect(m.lanes.find((l) => l.thread === 't1')!.locks).toEqual([{ name: 'd.a', from: 2, to: 4 }]);
    expect(m.lanes.find((l) => l.thread === 't2')!.locks).toEqual([{ name: 'd.b', from: 4, to: 4 }]);
    expect(r.deadlock!.trace.map((s) => s.locks)).toEqual([[], [], ['d.a'], [], ['d.b']]);
    expect(renderTimeline(r, r.deadlock!, { sources: p3.sources })).toContain('step after which nothing can move');
  });

  test('explicit mutex_lock / mutex_unlock', () => {
    const text = `topology {
  host_bridge hb
  device gpu under hb
}
driver d for gpu {
  state { m: mutex  n: int = 0 }
  action work() {
    mutex_lock(m)
    mmio_write(gpu, 1)
    mutex_unlock(m)
    assert n == 1, "never"
  }
}
scenario s {
  bind d
  d.work()
}
`;
    const { program: p4, diagnostics } = check(text, { uri: 'm.lspec' });
    expect(diagnostics).toEqual([]);
    const r = explore(p4).scenarios[0]!;
    const v = finding(r, 'model.assert');
    const m = timelineModel(r, v, { sources: p4.sources });
    const lockStep = v.trace.findIndex((s) => s.event.startsWith('mutex_lock('));
    const unlockStep = v.trace.findIndex((s) => s.event.startsWith('mutex_unlock('));
    expect(m.lanes[0]!.locks).toEqual([{ name: 'd.m', from: lockStep, to: unlockStep }]);
    expect(v.trace[lockStep]!.locks).toEqual(['d.m']);
    expect(v.trace[unlockStep]!.locks).toEqual([]);
  });
});

describe('the SVG', () => {
  const { program, results } = run(noZap);
  const hot = results.get('hot_unplug')!;
  const v = finding(hot, 'model.dma_after_free');
  const svg = renderTimeline(hot, v, { sources: program.sources });

  test('a standalone SVG document with a box per step, each linked to its source position', () => {
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    const steps = [...svg.matchAll(/<g class="lt-step[^"]*" data-step="(\d+)" data-thread="([^"]*)" data-uri="([^"]*)" data-line="(\d+)" data-column="(\d+)"/g)];
    expect(steps.map((s) => Number(s[1]))).toEqual(v.trace.map((s) => s.step));
    expect(steps.map((s) => [s[2], s[3], Number(s[4]), Number(s[5])])).toEqual(v.trace.map((s) => { const p = locate(program.sources, s.uri, s.offset); return [s.thread, s.uri, p.line, p.column]; }));
    expect(svg.match(/lt-step lt-marked/g)).toHaveLength(1);
    expect(svg).toMatch(/<g class="lt-step lt-marked" data-step="17" data-thread="hw:nic"/);
  });

  test('the heading names the scenario and the rule; text is escaped; tags balance', () => {
    expect(svg).toContain('scenario hot_unplug');
    expect(svg).toContain('model.dma_after_free');
    expect(renderTimeline(hot, v, { sources: program.sources, heading: false })).not.toContain('scenario hot_unplug —');
    for (const tag of ['g', 'text', 'svg', 'title']) {
      const open = (svg.match(new RegExp(`<${tag}[ >]`, 'g')) ?? []).length;
      const close = (svg.match(new RegExp(`</${tag}>`, 'g')) ?? []).length;
      expect(open, tag).toBe(close);
    }
    // No raw markup characters inside text nodes.
    for (const t of svg.matchAll(/<text[^>]*>([^]*?)<\/text>/g)) expect(t[1]!.replace(/<tspan[^>]*>|<\/tspan>/g, '')).not.toMatch(/[<>]/);
  });

  test('lock bands, the armed device and lifetime bars are drawn', () => {
    expect(svg).toContain('holds dma_buf#6.resv');
    expect(svg).toContain('armed: DMA through sg_table#8');
    expect(svg).toContain('data-object="sg_table#8"');
    expect(svg).toMatch(/<g class="lt-life lt-involved" data-object="gpu_bar0#3">/);
  });

  test('renderTimelines stacks every finding, or says there is none', () => {
    const all = renderTimelines([...results.values()], { sources: program.sources });
    const count = [...results.values()].reduce((n, r) => n + r.violations.length, 0);
    expect(all.match(/class="lifespec-timeline"/g)).toHaveLength(count);
    const ok = run(seed);
    expect(renderTimelines([...ok.results.values()])).toContain('no violation: hot_unplug ok, unplug_races_registration ok');
  });

  test('wrapText breaks at separators and marks what it cuts', () => {
    expect(wrapText('dma_buf_dynamic_attach(dma_buf#6, nic, mlx5_ib.importer) → attachment#7', 20)).toEqual([
      'dma_buf_dynamic_',
      'attach(dma_buf#6,',
      'nic, mlx5_ib.',
      'importer) →',
      'attachment#7',
    ]);
    expect(wrapText('a · b ends', 20)).toEqual(['a', '· b ends']);
    expect(wrapText('x'.repeat(50), 10, 2)).toEqual(['x'.repeat(10), `${'x'.repeat(9)}…`]);
  });
});

describe('lifespec run --svg', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifespec-svg-'));
  const spec = join(dir, 'nozap.lspec');
  writeFileSync(spec, noZap);

  test('writes every violated rule’s timeline and says where', () => {
    const out = join(dir, 'out.svg');
    let stdout = '';
    const code = main(['run', '--no-color', '--svg', out, spec], { out: (s) => (stdout += s), err: () => {}, color: false });
    expect(code).toBe(1);
    // One per violated rule per scenario; dmabuf.unmap_after_invalidate adds two (the importer never unmaps).
    expect(stdout).toContain(`8 timelines written to ${out}`);
    const svg = readFileSync(out, 'utf8');
    expect(svg.match(/class="lifespec-timeline"/g)).toHaveLength(8);
    expect(svg).toContain('no_mapping_outlives_provider');
  });

  test('with --format json the note goes to stderr and stdout stays JSON', () => {
    const out = join(dir, 'json.svg');
    let stdout = '';
    let stderr = '';
    main(['run', '--format', 'json', '--svg', out, spec], { out: (s) => (stdout += s), err: (s) => (stderr += s), color: false });
    expect(() => JSON.parse(stdout)).not.toThrow();
    expect(stderr).toContain(out);
    expect(readFileSync(out, 'utf8')).toContain('<svg');
  });

  test('an unwritable path is an I/O error (exit 2)', () => {
    let stderr = '';
    const code = main(['run', '--svg', join(dir, 'no/such/dir.svg'), spec], { out: () => {}, err: (s) => (stderr += s), color: false });
    expect(code).toBe(2);
    expect(stderr).toContain('cannot write');
  });
});

/**
 * A strict XML 1.0 well-formedness check of what renderTimeline writes (no
 * DTD, no processing instructions): every character a legal XML Char, tags
 * balanced and named, attributes quoted and unique, `&` only in the five
 * predefined entities or a character reference to a legal Char, no `<` in
 * text or attribute values. Returns the first problem, or undefined.
 */
function xmlProblem(doc: string): string | undefined {
  const legal = (c: number) => c === 0x9 || c === 0xa || c === 0xd || (c >= 0x20 && c <= 0xd7ff) || (c >= 0xe000 && c <= 0xfffd) || (c >= 0x10000 && c <= 0x10ffff);
  for (const ch of doc) if (!legal(ch.codePointAt(0)!)) return `illegal character U+${ch.codePointAt(0)!.toString(16)}`;
  const refs = (text: string): string | undefined => {
    for (const m of text.matchAll(/&([^;]*);?/g)) {
      if (!m[0].endsWith(';')) return `bare & in ${JSON.stringify(text.slice(0, 40))}`;
      const ref = m[1]!;
      const n = /^#x([0-9a-fA-F]+)$/.exec(ref) ? parseInt(ref.slice(2), 16) : /^#(\d+)$/.exec(ref) ? Number(ref.slice(1)) : undefined;
      if (n !== undefined ? !legal(n) : !['amp', 'lt', 'gt', 'quot', 'apos'].includes(ref)) return `bad reference &${ref};`;
    }
    return undefined;
  };
  const name = '[A-Za-z_:][-A-Za-z0-9_:.]*';
  const stack: string[] = [];
  let sawRoot = false;
  let i = 0;
  while (i < doc.length) {
    const lt = doc.indexOf('<', i);
    const text = doc.slice(i, lt < 0 ? doc.length : lt);
    if (stack.length === 0 && text.trim() !== '') return 'text outside the root element';
    const bad = refs(text) ?? (text.includes(']]>') ? ']]> in text' : undefined);
    if (bad) return bad;
    if (lt < 0) break;
    const end = doc.indexOf('>', lt);
    if (end < 0) return 'unterminated tag';
    const tag = doc.slice(lt, end + 1);
    const close = new RegExp(`^</(${name})\\s*>$`).exec(tag);
    if (close) {
      if (stack.pop() !== close[1]) return `</${close[1]}> closes the wrong element`;
    } else {
      const open = new RegExp(`^<(${name})((?:\\s+${name}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>$`).exec(tag);
      if (!open) return `malformed tag ${JSON.stringify(tag.slice(0, 80))}`;
      if (stack.length === 0 && sawRoot) return 'a second root element';
      sawRoot = true;
      const names = [...open[2]!.matchAll(new RegExp(`(${name})\\s*=\\s*("[^"]*"|'[^']*')`, 'g'))];
      if (new Set(names.map((a) => a[1])).size !== names.length) return `repeated attribute in <${open[1]}>`;
      for (const a of names) {
        const problem = refs(a[2]!.slice(1, -1));
        if (problem) return problem;
      }
      if (open[3] !== '/') stack.push(open[1]!);
    }
    i = end + 1;
  }
  return stack.length ? `<${stack.at(-1)}> is not closed` : undefined;
}

describe('a timeline is well-formed XML whatever the spec says', () => {
  test('the checker itself: it finds what it should', () => {
    expect(xmlProblem('<svg><text>a &amp; b</text></svg>')).toBeUndefined();
    expect(xmlProblem('<svg><text>a\x1bb</text></svg>')).toBe('illegal character U+1b');
    expect(xmlProblem('<svg><text>a &#x1b; b</text></svg>')).toBe('bad reference &#x1b;');
    expect(xmlProblem('<svg><text>a & b</text></svg>')).toMatch(/^bare &/);
    expect(xmlProblem('<svg><text>a</svg></text>')).toBe('</svg> closes the wrong element');
    expect(xmlProblem('<svg a="1" a="2"/>')).toBe('repeated attribute in <svg>');
    expect(xmlProblem('<svg><g>')).toBe('<g> is not closed');
    expect(xmlProblem('<svg/><svg/>')).toBe('a second root element');
  });

  // Every kind of character XML 1.0 refuses or a reader would be fooled by, in the message and a name.
  const nasty = '\x01\x07\x08\x0b\x0c\x1b]0;pwned\x07 \x1b[31m red \x7f\x85\x9b \u202e evil \u202c \u2066 & < > " \' \ufffe \uffff';
  const spec = failingAssertSpec(nasty.replace(/"/g, ''));

  test('control characters, bidi overrides and markup in an assert message', () => {
    const { program, diagnostics } = check(spec, { uri: 'nasty\x1b.lspec' });
    expect(diagnostics).toEqual([]);
    const r = explore(program).scenarios[0]!;
    const v = finding(r, 'model.assert');
    const svg = renderTimeline(r, v, { sources: program.sources });
    expect(xmlProblem(svg)).toBeUndefined();
    expect(svg).not.toMatch(/[\u202a-\u202e\u2066-\u2069\x7f-\x9f]/);
    expect(svg).toContain('\\x1b]0;pwned\\x07');
    expect(svg).toContain('data-uri="nasty\\x1b.lspec"');
    expect(xmlProblem(renderTimelines([r], { sources: program.sources }))).toBeUndefined();
  });

  test('a lone surrogate in a message (only the library can be given one)', () => {
    const { program } = check(spec.replace('evil', 'evil \ud800 \udc00'), { uri: 'lone.lspec' });
    const r = explore(program).scenarios[0]!;
    expect(xmlProblem(renderTimeline(r, finding(r, 'model.assert'), { sources: program.sources }))).toBeUndefined();
  });

  test('lifespec run --svg writes a well-formed file for such a spec', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-svg-xml-'));
    const p = join(dir, 'nasty.lspec');
    writeFileSync(p, spec);
    const out = join(dir, 'out.svg');
    let stdout = '';
    expect(main(['run', '--svg', out, p], { out: (s) => (stdout += s), err: () => {}, color: false })).toBe(1);
    expect(stdout).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/);
    expect(xmlProblem(readFileSync(out, 'utf8'))).toBeUndefined();
  });

  test('the timelines of the repository’s own example are well-formed too', () => {
    const { program, results } = run(noZap);
    expect(xmlProblem(renderTimelines([...results.values()], { sources: program.sources }))).toBeUndefined();
  });
});

describe('lifespec run --svg never writes over an input', () => {
  test('--svg naming the spec itself: exit 2, the spec untouched, nothing explored', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-svg-same-'));
    const p = join(dir, 'nozap.lspec');
    writeFileSync(p, noZap);
    let stdout = '';
    let stderr = '';
    const code = main(['run', '--svg', p, p], { out: (s) => (stdout += s), err: (s) => (stderr += s), color: false });
    expect({ code, stdout, stderr }).toEqual({ code: 2, stdout: '', stderr: `lifespec: ${p}: is the input ${p}; name another file for the --svg timeline\n` });
    expect(readFileSync(p, 'utf8')).toBe(noZap);
  });

  test('an existing SVG is replaced whole, keeping its mode', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-svg-mode-'));
    const p = join(dir, 'nozap.lspec');
    writeFileSync(p, noZap);
    const out = join(dir, 'old.svg');
    writeFileSync(out, 'old');
    chmodSync(out, 0o640);
    expect(main(['run', '--svg', out, p], { out: () => {}, err: () => {}, color: false })).toBe(1);
    expect(readFileSync(out, 'utf8')).toContain('class="lifespec-timeline"');
    expect(statSync(out).mode & 0o777).toBe(0o640);
    expect(readdirSync(dir).sort()).toEqual(['nozap.lspec', 'old.svg']);
  });
});
