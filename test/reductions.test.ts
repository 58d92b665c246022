// State-space reductions change how many states are explored, never a
// verdict: every example, bug and test spec gives the same verdicts and the
// same violated rules with and without them; symmetric drivers are merged,
// and drivers that differ slightly are not.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check, explore } from '../src/index.js';
import { importerRace } from '../bench/generate.js';

const root = new URL('..', import.meta.url).pathname;
const specs = ['examples', 'examples/bugs', 'test/fixtures/specs'].flatMap((d) =>
  readdirSync(`${root}${d}`)
    .filter((f) => f.endsWith('.lspec'))
    .map((f) => `${d}/${f}`),
);

function outcome(text: string, reduce: boolean) {
  const { program, diagnostics } = check(text, { uri: 'spec.lspec' });
  expect(diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  return explore(program, { reduce }).scenarios.map((s) => ({
    scenario: s.scenario,
    verdict: s.verdict,
    rules: s.violations.map((v) => v.rule).sort(),
    deadlock: s.deadlock !== undefined,
    states: s.states,
    reductions: s.reductions,
  }));
}

describe('reductions keep every verdict', () => {
  test.each(specs)('%s', (file) => {
    const text = readFileSync(`${root}${file}`, 'utf8');
    const on = outcome(text, true);
    const off = outcome(text, false);
    expect(on.map(({ states: _s, reductions: _r, ...v }) => v)).toEqual(off.map(({ states: _s, reductions: _r, ...v }) => v));
    for (const [i, s] of on.entries()) expect(s.states).toBeLessThanOrEqual(off[i]!.states);
    for (const s of off) expect(s.reductions).toEqual([]);
  });
});

describe('symmetry', () => {
  test('interchangeable importers are merged: fewer states, the same verdict', () => {
    const [on] = outcome(importerRace(3), true);
    const [off] = outcome(importerRace(3), false);
    expect(on!.reductions).toEqual(['symmetry: importer1, importer2, importer3']);
    expect(on!.verdict).toBe('ok');
    expect(off!.verdict).toBe('ok');
    expect(on!.states).toBeLessThan(off!.states / 3);
  });

  test('importers that differ in one line are not merged', () => {
    // importer2 forgets the lock around its map: no longer a copy of the others.
    const text = importerRace(3).replace(
      /(driver importer2 for nic2 \{[\s\S]*?)lock buf\.resv \{\n {6}sgt = dma_buf_map_attachment\(att\)\n {6}hw_start\(nic2, sgt\)\n {4}\}/,
      '$1sgt = dma_buf_map_attachment(att)\n    hw_start(nic2, sgt)',
    );
    expect(text).not.toBe(importerRace(3));
    const [on] = outcome(text, true);
    const [off] = outcome(text, false);
    expect(on!.reductions).toEqual(['symmetry: importer1, importer3']);
    expect(on!.rules).toEqual(off!.rules);
    expect(on!.rules).toContain('dmabuf.map_locked');
  });

  test('a constraint that names one importer keeps them apart', () => {
    const text = `${importerRace(2)}\nconstraint first_maps_first {\n  never importer2.reg_mr(_) ok\n}\n`;
    const [on] = outcome(text, true);
    expect(on!.reductions).toEqual([]);
    expect(on!.rules).toEqual(['first_maps_first']);
  });

  test('a scenario that treats them unalike after the parallel keeps them apart', () => {
    const text = importerRace(2).replace('  expect ok\n}', '  unbind importer1\n  expect ok\n}');
    expect(text).not.toBe(importerRace(2));
    expect(outcome(text, true)[0]!.reductions).toEqual([]);
  });
});
