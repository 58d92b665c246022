// LANGUAGE.md §1: the seed example holds in both scenarios, and each of the
// three mutations listed under it breaks it exactly as written there.
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { check, explore, type ScenarioResult } from '../src/index.js';
import { located, type Located } from './support/specs.js';

const seed = readFileSync(new URL('../examples/vfio_mlx5_hotunplug.lspec', import.meta.url), 'utf8');

function mutate(from: string, to: string): string {
  expect(seed).toContain(from);
  return seed.replace(from, to);
}

function run(text: string): Map<string, Located> {
  const { program, diagnostics } = check(text, { uri: 'seed.lspec' });
  expect(diagnostics).toEqual([]);
  return new Map(explore(program).scenarios.map((s) => [s.scenario, located(s, program.sources)]));
}

function rules(r: Pick<ScenarioResult, 'violations'> | Located): string[] {
  return r.violations.map((v) => v.rule).sort();
}

function traceLength(r: Located, rule: string): number {
  const v = r.violations.find((x) => x.rule === rule);
  expect(v, `${rule} in ${r.scenario}`).toBeDefined();
  return v!.trace.length;
}

/** `lifespec run` on a text, in-process: exit code and stdout. */
function cli(text: string, ...args: string[]) {
  const path = `${process.env.TMPDIR ?? '/tmp'}/lifespec-seed-${Math.random().toString(36).slice(2)}.lspec`;
  writeFileSync(path, text);
  let out = '';
  const code = main(['run', '--no-color', ...args, path], { out: (s) => (out += s), err: () => {}, color: false });
  return { code, out };
}

const noLock = mutate(
  `      lock buf.resv {
        revoked = true
        dma_buf_move_notify(buf)
      }`,
  `      revoked = true
      dma_buf_move_notify(buf)`,
);
const noRevokeCheck = mutate('      if revoked { fail ENODEV }\n', '');
const noZap = mutate('        hw_stop(nic, sgt)\n        dma_buf_unmap_attachment(attach, sgt)\n', '');
const noUnmapOnly = mutate('        dma_buf_unmap_attachment(attach, sgt)\n', '');

describe('the seed example (LANGUAGE.md §1)', () => {
  test('passes both scenarios under every interleaving', () => {
    const r = run(seed);
    for (const name of ['hot_unplug', 'unplug_races_registration']) {
      expect(r.get(name)).toMatchObject({ verdict: 'ok', complete: true, violations: [], expectMet: true });
    }
    // The race explores more than the sequential scenario.
    expect(r.get('unplug_races_registration')!.states).toBeGreaterThan(r.get('hot_unplug')!.states);
    expect(cli(seed).code).toBe(0);
  });

  test('without the lock around dma_buf_move_notify: dmabuf.move_notify_locked', () => {
    const r = run(noLock);
    const hot = r.get('hot_unplug')!;
    expect(rules(hot)).toContain('dmabuf.move_notify_locked');
    expect(traceLength(hot, 'dmabuf.move_notify_locked')).toBe(14);
    const last = hot.violations.find((v) => v.rule === 'dmabuf.move_notify_locked')!.trace.at(-1)!;
    expect(last).toMatchObject({ thread: 'main', event: 'dma_buf_move_notify(dma_buf#6)', line: 30 });
    expect(rules(r.get('unplug_races_registration')!)).toContain('dmabuf.move_notify_locked');
    const c = cli(noLock);
    expect(c.code).toBe(1);
    expect(c.out).toContain('dmabuf.move_notify_locked: dma_buf_move_notify(dma_buf#6) requires `held(b.resv)`, which does not hold');
  });

  test('without the `if revoked` check: only the explorer finds the map after the revoke', () => {
    const r = run(noRevokeCheck);
    expect(r.get('hot_unplug')).toMatchObject({ verdict: 'ok' });
    const race = r.get('unplug_races_registration')!;
    expect(race.verdict).toBe('violated');
    expect(rules(race)).toContain('no_mapping_outlives_provider');
    expect(traceLength(race, 'no_mapping_outlives_provider')).toBe(14);
    const trace = race.violations.find((v) => v.rule === 'no_mapping_outlives_provider')!.trace;
    // The revoke (on the unplug thread) comes before the NIC's map (on the registration thread).
    const revoke = trace.findIndex((s) => s.thread === 't2' && s.event.startsWith('dma_buf_move_notify'));
    const map = trace.findIndex((s) => s.thread === 't1' && s.event.startsWith('p2pdma_map'));
    expect(revoke).toBeGreaterThan(0);
    expect(map).toBe(trace.length - 1);
    expect(revoke).toBeLessThan(map);
    expect(cli(noRevokeCheck, '--scenario', 'unplug_races_registration').code).toBe(1);
    expect(cli(noRevokeCheck, '--scenario', 'hot_unplug').code).toBe(0);
  });

  test('without the unmap in move_notify: no_mapping_outlives_provider, then the armed NIC DMAs into freed MMIO', () => {
    const hot = run(noZap).get('hot_unplug')!;
    // The importer also never unmaps what move_notify invalidated: the kerneldoc's bounded-time unmap.
    expect(rules(hot)).toEqual(['dmabuf.unmap_after_invalidate', 'model.dma_after_free', 'no_mapping_outlives_provider', 'p2pdma.mapping_within_provider']);
    expect(traceLength(hot, 'no_mapping_outlives_provider')).toBe(16);
    expect(traceLength(hot, 'model.dma_after_free')).toBe(17);
    const dma = hot.violations.find((v) => v.rule === 'model.dma_after_free')!.trace.at(-1)!;
    expect(dma).toMatchObject({ thread: 'hw:nic', event: 'DMA through sg_table#8' });
    expect(cli(noZap).code).toBe(1);
  });

  test('deleting only the unmap call leaves the NIC stopped: the lifetime rule alone', () => {
    const hot = run(noUnmapOnly).get('hot_unplug')!;
    expect(rules(hot)).toEqual(['dmabuf.unmap_after_invalidate', 'no_mapping_outlives_provider', 'p2pdma.mapping_within_provider']);
    expect(traceLength(hot, 'no_mapping_outlives_provider')).toBe(17);
  });
});
