// The SVG timeline (src/report/timeline-model.ts, timeline-svg.ts): what it
// reads out of a trace (lanes, locks held, armed devices, object lifetimes)
// from the steps' structured fields; the SVG it draws; and `lifespec run --svg`.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { check, explore, locate, renderTimeline, renderTimelines, timelineModel, type ScenarioResult } from '../src/index.js';
import { wrapText } from '../src/report/timeline-svg.js';
import { abba } from './support/specs.js';

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
    expect(stdout).toContain(`6 timelines written to ${out}`);
    const svg = readFileSync(out, 'utf8');
    expect(svg.match(/class="lifespec-timeline"/g)).toHaveLength(6);
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
