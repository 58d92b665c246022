// Specs a kernel engineer would write about drivers other than the seed
// example's, each scenario with an `expect` line: an NVMe CMB provider whose
// pgmap teardown hangs on a live queue, a GPU and a NIC under different host
// bridges, two importers racing a surprise removal, and a `choose` between an
// orderly unbind and a surprise unplug. Explored through the API, then through
// `lifespec test` in-process.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { expectQuiet, fixture, rules, runSpec, scenario, specsDir, violation } from './support/specs.js';

const files = [
  'scenario-nvme-cmb.lspec',
  'scenario-gpu-nic-host-bridges.lspec',
  'scenario-two-importers-unplug.lspec',
  'scenario-choose-teardown.lspec',
];

function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

describe('every scenario meets its expect line', () => {
  test.each(files)('%s', (file) => {
    const r = runSpec(fixture(file), file);
    expect(r.size).toBeGreaterThan(1);
    for (const s of r.values()) {
      expect(s.expect, `${s.scenario} has an expect line`).toBeDefined();
      expect({ scenario: s.scenario, complete: s.complete, expectMet: s.expectMet }).toEqual({ scenario: s.scenario, complete: true, expectMet: true });
    }
  });
});

describe('NVMe CMB as a pgmap provider', () => {
  const r = runSpec(fixture('scenario-nvme-cmb.lspec'), 'scenario-nvme-cmb.lspec');

  test('removing the controller while the target holds a queue in its CMB hangs, unbind and unplug alike', () => {
    for (const name of ['remove_with_queue_live', 'surprise_removal_with_queue_live']) {
      const s = scenario(r, name);
      expect(s).toMatchObject({ verdict: 'deadlock', violations: [] });
      expect(s.deadlock!.waiting).toEqual([{ thread: 'main', on: 'devres release of pgmap providers still referenced by sg_table#5 on nvme_cmb#3' }]);
      // remove() itself ran: the hang is in the devres release after it.
      expect(s.deadlock!.trace.at(-1)).toMatchObject({ event: 'nvme.remove(nvme0)', line: 27 });
      expect(s.deadlock!.trace).toHaveLength(9);
    }
  });

  test('the pgmap wait is what keeps the queue memory alive: quiet when the queue goes first, or concurrently', () => {
    expectQuiet(scenario(r, 'remove_after_queue_disabled'));
    expectQuiet(scenario(r, 'remove_races_disable'));
  });

  test('with a devres provider instead, the same removal frees the CMB under the polling NIC', () => {
    const devres = fixture('scenario-nvme-cmb.lspec').replace('  lifetime pgmap\n', '  lifetime devres\n');
    const s = scenario(runSpec(devres), 'remove_with_queue_live');
    expect(s.verdict).toBe('violated');
    expect(s.deadlock).toBeUndefined();
    expect(rules(s)).toEqual(['model.dma_after_free', 'p2pdma.mapping_within_provider', 'queue_within_controller']);
  });
});

describe('GPU and NIC under different host bridges', () => {
  const r = runSpec(fixture('scenario-gpu-nic-host-bridges.lspec'), 'scenario-gpu-nic-host-bridges.lspec');

  test('the map fails with EREMOTEIO; the fallback handles it, so the scenario is ok', () => {
    expectQuiet(scenario(r, 'register_across_host_bridges'));
  });

  test('without the fallback the line fails (not a violation), leaving the attachment behind', () => {
    const strict = scenario(r, 'strict_registration');
    expect(rules(strict)).toEqual(['fell_back_cleanly']);
    const trace = violation(strict, 'fell_back_cleanly').trace;
    // The exporter's p2pdma_map fails; in the same step map_dma_buf, dma_buf_map_attachment and the line fail with it.
    expect(trace.at(-2)).toMatchObject({
      event: 'p2pdma_map(gpu_vram#3, nic) → EREMOTEIO · dma_buf_map_attachment(attachment#7) → EREMOTEIO · mlx5_ib.reg_mr_strict → EREMOTEIO',
      line: 24,
    });
    expect(trace.at(-1)).toMatchObject({ event: 'the scenario ends' });
  });

  test('under one host bridge the map succeeds, and the exporter that never revokes frees its VRAM under the NIC', () => {
    const oneBridge = fixture('scenario-gpu-nic-host-bridges.lspec').replace('  switch sw1 under hb1\n', '  switch sw1 under hb0\n');
    const s = scenario(runSpec(oneBridge), 'register_across_host_bridges');
    expect(rules(s)).toEqual(['fell_back_cleanly', 'model.dma_after_free', 'no_cross_bridge_p2p', 'p2pdma.mapping_within_provider']);
    // map_dma_buf returns the mapping in the same step, so dma_buf_map_attachment (called a step earlier) returns it too.
    expect(violation(s, 'no_cross_bridge_p2p').trace.at(-1)!.event).toBe('p2pdma_map(gpu_vram#3, nic) → sg_table#9 · dma_buf_map_attachment(attachment#7) → sg_table#9');
  });
});

describe('two importers racing a surprise removal', () => {
  const text = fixture('scenario-two-importers-unplug.lspec');

  test('quiet under every interleaving of both registrations and the unplug', () => {
    const race = scenario(runSpec(text), 'two_importers_race_unplug');
    expectQuiet(race);
    // Three threads: many more states than the sequential scenario.
    const full = runSpec(text, 'spec.lspec', { reduce: false });
    expect(scenario(full, 'two_importers_race_unplug').states).toBeGreaterThan(scenario(full, 'both_register_then_unplug').states * 5);
  });

  test('without the revoke check only the race finds a mapping made after the revoke', () => {
    const noCheck = text.replace('      if revoked { fail ENODEV }\n', '');
    const r = runSpec(noCheck);
    expectQuiet(scenario(r, 'both_register_then_unplug'));
    const race = scenario(r, 'two_importers_race_unplug');
    expect(rules(race)).toEqual(
      expect.arrayContaining(['model.use_after_free', 'no_mapping_outlives_bar', 'p2pdma.mapping_within_provider']),
    );
    // The map that slipped in comes after the unplug thread's revoke.
    const trace = violation(race, 'no_mapping_outlives_bar').trace;
    const revoke = trace.findIndex((s) => s.thread === 't3' && s.event.startsWith('dma_buf_move_notify'));
    const map = trace.map((s) => s.event.startsWith('p2pdma_map')).lastIndexOf(true);
    expect(revoke).toBeGreaterThan(0);
    expect(map).toBeGreaterThan(revoke);
  });
});

describe('choose between an orderly unbind and a surprise unplug', () => {
  const r = runSpec(fixture('scenario-choose-teardown.lspec'), 'scenario-choose-teardown.lspec');

  test('the careful importer is quiet in both branches', () => {
    expectQuiet(scenario(r, 'careful_either_way'));
  });

  test('the hasty importer fails only in the branch where its device is still there to DMA', () => {
    const hasty = scenario(r, 'hasty_either_way');
    expect(rules(hasty)).toEqual(['model.dma_after_unmap']);
    const trace = violation(hasty, 'model.dma_after_unmap').trace;
    expect(trace).toHaveLength(19);
    expect(trace[11]).toMatchObject({ event: 'choose branch 1 of 2', line: 116 });
    expect(trace.at(-1)).toMatchObject({ thread: 'hw:nic', event: 'DMA through sg_table#8', line: 94 });
    expectQuiet(scenario(r, 'hasty_only_unplugged'));
  });
});

describe('lifespec test', () => {
  const paths = files.map((f) => `${specsDir}${f}`);

  test('passes every scenario: one line each and the summary, exit 0', () => {
    const r = cli('test', '--no-color', ...paths);
    expect(r.err).toBe('');
    const lines = r.out.trimEnd().split('\n');
    expect(lines.at(-1)).toBe('11 passed, 0 failed');
    expect(lines.slice(0, -1).every((l) => l.startsWith('pass '))).toBe(true);
    expect(lines).toContain(`pass ${paths[0]} remove_with_queue_live (expect deadlock): deadlock, 10 states`);
    expect(lines).toContain(`pass ${paths[3]} hasty_either_way (expect violation model.dma_after_unmap): violated, 30 states`);
    expect(r.code).toBe(0);
  });

  test('a mismatch: the FAIL line with its trace, the summary, exit 1', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-scenarios-'));
    const path = join(dir, 'two-importers-no-revoke-check.lspec');
    writeFileSync(path, fixture('scenario-two-importers-unplug.lspec').replace('      if revoked { fail ENODEV }\n', ''));
    const r = cli('test', '--no-color', path);
    expect(r.out).toContain(`pass ${path} both_register_then_unplug (expect ok): ok,`);
    expect(r.out).toContain(`FAIL ${path} two_importers_race_unplug (expect ok): found `);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('1 passed, 1 failed');
    expect(r.code).toBe(1);
  });
});
