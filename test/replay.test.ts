// Replaying a trace against a spec (docs/trace-format.md "Replaying a
// trace"): a trace replays in full on the spec it came from, and on a
// changed spec it departs at the first step the spec no longer allows.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check, explore, locatedTrace, replay } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const seed = readFileSync(`${root}examples/vfio_mlx5_hotunplug.lspec`, 'utf8');
const noRevokeCheck = seed.replace('      if revoked { fail ENODEV }\n', '');

function traceOf(text: string, scenario: string, rule: string) {
  const { program } = check(text, { uri: 'seed.lspec' });
  const r = explore(program, { scenario }).scenarios[0]!;
  const v = r.violations.find((x) => x.rule === rule)!;
  return locatedTrace(v.trace, program.sources).map((s) => ({ thread: s.thread, event: s.event }));
}

describe('replay', () => {
  const trace = traceOf(noRevokeCheck, 'unplug_races_registration', 'no_mapping_outlives_provider');

  test('a trace replays in full on the spec it came from, and the replayed run violates its rule', () => {
    const { program } = check(noRevokeCheck, { uri: 'seed.lspec' });
    const r = replay(program, 'unplug_races_registration', trace);
    expect(r.departs).toBeUndefined();
    expect(r.replayed).toBe(trace.length);
    expect(r.violated).toContain('no_mapping_outlives_provider');
  });

  test('on the fixed spec it departs where the fix refuses the map: the step the trace has is not offered', () => {
    const { program } = check(seed, { uri: 'seed.lspec' });
    const r = replay(program, 'unplug_races_registration', trace);
    expect(r.departs).toBeDefined();
    const at = r.departs!.step;
    expect(r.replayed).toBe(at - 1);
    expect(r.departs!.expected).toEqual(trace[at - 1]);
    // What the fixed spec does instead at that point: the map fails with ENODEV.
    expect(r.departs!.offered.some((o) => o.event.includes('ENODEV'))).toBe(true);
    expect(r.violated).not.toContain('no_mapping_outlives_provider');
  });

  test('a deadlock replays to the state where no thread can move', async () => {
    const { abba } = await import('./support/specs.js');
    const { program } = check(abba, { uri: 'abba.lspec' });
    const d = explore(program).scenarios[0]!.deadlock!;
    const steps = locatedTrace(d.trace, program.sources).map((x) => ({ thread: x.thread, event: x.event }));
    expect(replay(program, 'abba', steps)).toEqual({ replayed: steps.length, violated: ['deadlock'] });
  });

  test('an end-of-run step replays, and the run it ends is judged at its end', () => {
    const lead = `topology {\n  host_bridge hb\n  device nic under hb\n}\ndriver w {\n  action req() { }\n  action ack() { }\n}\nconstraint answered { w.req() leads_to w.ack() }\nscenario s {\n  w.req()\n}\n`;
    const t = traceOf(lead, 's', 'answered');
    expect(t.at(-1)).toEqual({ thread: 'main', event: 'the scenario ends' });
    const { program } = check(lead, { uri: 'seed.lspec' });
    expect(replay(program, 's', t)).toEqual({ replayed: t.length, violated: ['answered'] });
  });
});

describe('lifespec replay', () => {
  test('replays a run --format json report: in full against its spec (exit 0), departing against the fix (exit 1, located)', async () => {
    const { main } = await import('../src/cli/main.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-replay-'));
    const buggy = join(dir, 'buggy.lspec');
    const fixed = join(dir, 'fixed.lspec');
    writeFileSync(buggy, noRevokeCheck);
    writeFileSync(fixed, seed);
    const cli = (...args: string[]) => {
      let out = '';
      let err = '';
      const code = main(args, { out: (s) => (out += s), err: (s) => (err += s), color: false });
      return { code, out, err };
    };
    const report = join(dir, 'trace.json');
    writeFileSync(report, cli('run', '--format', 'json', '--scenario', 'unplug_races_registration', buggy).out);
    const same = cli('replay', report, buggy);
    expect(same.code).toBe(0);
    expect(same.out).toContain('unplug_races_registration no_mapping_outlives_provider: replays in full (14 steps) and breaks no_mapping_outlives_provider again\n');
    expect(same.out.trim().split('\n').at(-1)).toBe('3 traces: 3 replay and break the rule again, 0 do not');
    const after = cli('replay', report, fixed);
    expect(after.code).toBe(1);
    const lines = after.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^${buggy.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}:\\d+:\\d+: error: replay: unplug_races_registration \\S+ departs at step 13 of 14: the trace has \`t1 vfio_pci.dmabuf_ops.map_dma_buf\\(attachment#7\\)\`$`));
    expect(lines[1]).toContain('→ ENODEV');
    const json = JSON.parse(cli('replay', '--format', 'json', report, fixed).out) as { again: boolean; departs: { step: number } | null }[];
    expect(json.map((j) => [j.again, j.departs?.step])).toEqual([
      [false, 13],
      [false, 13],
      [false, 13],
    ]);
    expect(cli('replay', report).code).toBe(2);
    writeFileSync(join(dir, 'not.json'), '{"x": 1}');
    expect(cli('replay', join(dir, 'not.json'), buggy)).toMatchObject({ code: 2, err: `lifespec: ${join(dir, 'not.json')}: not a Lifespec JSON report (lifespec run --format json writes one)\n` });
  });
});

describe('trace steps carry their call and what they changed', () => {
  test('calls, arguments and results as fields, and the driver and object fields each step changed', () => {
    const { program } = check(noRevokeCheck, { uri: 'seed.lspec' });
    const v = explore(program, { scenario: 'unplug_races_registration' }).scenarios[0]!.violations.find((x) => x.rule === 'no_mapping_outlives_provider')!;
    const byEvent = new Map(v.trace.map((s) => [s.event.split(' · ')[0], s]));
    expect(byEvent.get('bind vfio_pci')?.call).toEqual({ name: 'bind', args: ['vfio_pci'] });
    const exp = v.trace.find((s) => s.call?.name === 'dma_buf_export')!;
    expect(exp.call).toEqual({ name: 'dma_buf_export', args: ['vfio_pci.dmabuf_ops', 'gpu_bar0#3'], result: 'dma_buf#6' });
    // The exporter's own state: its set of buffers.
    expect(v.trace.some((s) => s.changes?.['vfio_pci.bufs'] === '{dma_buf#6}')).toBe(true);
    // A model object's readable field: the device's binding, set by bind and cleared by the unplug.
    expect(v.trace.filter((s) => s.changes?.['gpu.binding'] !== undefined).map((s) => s.changes!['gpu.binding'])).toEqual(['binding#2', 'none']);
    // A step that changed nothing has no `changes`; one that calls nothing (a DMA, the end) has no `call`.
    expect(v.trace.find((s) => s.event === 'vfio_pci.export()')).not.toHaveProperty('changes');
  });
});

describe('--format itf', () => {
  test('one ITF document per trace: the initial state and the state after each step, driver fields as ITF values', async () => {
    const { main } = await import('../src/cli/main.js');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const p = join(mkdtempSync(join(tmpdir(), 'lifespec-itf-')), 'seed.lspec');
    writeFileSync(p, noRevokeCheck);
    let out = '';
    const code = main(['run', '--format', 'itf', '--scenario', 'unplug_races_registration', p], { out: (s) => (out += s), err: () => {}, color: false });
    expect(code).toBe(1);
    const docs = JSON.parse(out) as { '#meta': { format: string; description: string }; vars: string[]; states: Record<string, unknown>[] }[];
    expect(docs.map((d) => d['#meta'].description).sort()).toEqual(['scenario unplug_races_registration: model.use_after_free', 'scenario unplug_races_registration: no_mapping_outlives_provider', 'scenario unplug_races_registration: p2pdma.mapping_within_provider']);
    const d = docs.find((x) => x['#meta'].description.endsWith('no_mapping_outlives_provider'))!;
    expect(d['#meta'].format).toBe('ITF');
    expect(d.vars.slice(0, 2)).toEqual(['thread', 'event']);
    expect(d.vars).toContain('vfio_pci.revoked');
    // The initial state, then one per step of the trace.
    expect(d.states).toHaveLength(15);
    expect(d.states[0]).toMatchObject({ '#meta': { index: 0 }, event: 'the scenario starts', 'vfio_pci.revoked': false, 'vfio_pci.bufs': { '#set': [] } });
    expect(d.states.at(-1)).toMatchObject({ 'vfio_pci.revoked': true, 'vfio_pci.bufs': { '#set': ['dma_buf#6'] } });
  });
});
