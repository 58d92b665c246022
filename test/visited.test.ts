// The visited set keeps 64-bit fingerprints of state keys: every key added
// is found again with its id, keys never added are not found (at the sizes
// tested, a collision would be a 1-in-10^8 event), the table grows past its
// first size, and the reported chance of a collision is TLC's estimate.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import type { ScenarioResult } from '../src/explore/result.js';
import { collisionProbability, ExactSet, FingerprintSet, FingerprintView, type VisitedSet } from '../src/explore/visited.js';

// Keys shaped like state keys: long, and differing in one place.
const key = (i: number) => `R(c3,${i % 17},[#4,])D(|[T_]|'5:gpu#0|${i}|F|{}|F|TF=;=;`;

describe.each([
  ['fingerprints', () => new FingerprintSet()],
  ['whole keys', () => new ExactSet()],
] as const)('%s', (_name, make: () => VisitedSet) => {
  test('finds every key it was given, with its id, and no other', () => {
    const s = make();
    const n = 50_000;
    for (let i = 0; i < n; i++) {
      expect(s.get(key(i))).toBeUndefined();
      s.add(key(i), i, i % 7);
    }
    expect(s.size).toBe(n);
    for (let i = 0; i < n; i++) if (s.get(key(i)) !== i) throw new Error(`key ${i} lost`);
    for (let i = n; i < 2 * n; i++) if (s.get(key(i)) !== undefined) throw new Error(`key ${i} found but never added`);
    expect(s.get('')).toBeUndefined();
  });
});

test('a fingerprint slot costs 12 bytes at most half full; a whole key costs its length', () => {
  const f = new FingerprintSet();
  const e = new ExactSet();
  for (let i = 0; i < 10_000; i++) {
    f.add(key(i), i, 0);
    e.add(key(i), i, 0);
  }
  // 10,000 keys: the table has grown from 4,096 slots to 32,768 (kept at most half full).
  expect(f.bytes).toBe(32_768 * 12);
  expect(f.bits).toBe(64);
  expect(e.bits).toBe(0);
  expect(e.bytes).toBeGreaterThan(10_000 * key(0).length);
});

test("a shared table's reader sees each state's cost as the writer last stored it, through the table's growth", () => {
  const f = new FingerprintSet(true);
  const view = new FingerprintView(f.table!);
  for (let i = 0; i < 1_000; i++) f.add(key(i), i, 10 + (i % 5));
  // Grown past its first 4,096 slots: the old view still answers from the table it was given.
  for (let i = 1_000; i < 3_000; i++) f.add(key(i), i, 3);
  expect(view.cost(key(1))).toBe(11);
  view.update(f.table!);
  expect(view.cost(key(1))).toBe(11);
  expect(view.cost(key(2_500))).toBe(3);
  expect(view.cost(key(3_000))).toBe(-1);
  expect(view.has(key(2_999))).toBe(true);
  f.lower(key(1), 4);
  expect(view.cost(key(1))).toBe(4);
  expect(f.get(key(1))).toBe(1);
  // A shared table holds a cost a slot besides the fingerprint and the id.
  expect(f.bytes).toBe(8_192 * 16);
});

test('the chance of a collision is n·(m − n)/2^64, as TLC estimates it', () => {
  expect(collisionProbability(1_000_000, 5_000_000, 64)).toBeCloseTo((1e6 * 4e6) / 2 ** 64, 20);
  expect(collisionProbability(386_442, 1_500_000, 64)).toBeCloseTo(2.33e-8, 9);
  expect(collisionProbability(10, 10, 64)).toBe(0);
  expect(collisionProbability(1e12, 1e13, 64)).toBe(1);
  expect(collisionProbability(1e6, 5e6, 0)).toBe(0);
});

test('a search reports its fingerprints and their chance of a collision; --exact keeps whole keys and finds the same states', async () => {
  const { check, explore } = await import('../src/index.js');
  const { importerRace } = await import('../bench/generate.js');
  const { program } = check(importerRace(3), { uri: 'race3.lspec' });
  const [fp] = explore(program, { reduce: false }).scenarios;
  const [whole] = explore(program, { reduce: false, exact: true }).scenarios;
  expect(fp!.verdict).toBe('ok');
  expect(whole!.verdict).toBe('ok');
  expect(whole!.states).toBe(fp!.states);
  expect(whole!.transitions).toBe(fp!.transitions);
  expect(fp!.fingerprints).toEqual({ bits: 64, collisionProbability: collisionProbability(fp!.states, fp!.transitions, 64) });
  expect(fp!.fingerprints!.collisionProbability).toBeGreaterThan(0);
  expect(whole!.fingerprints).toBeUndefined();
});

test('the text report names the chance of a collision from one in a billion up, and not below', async () => {
  const { formatScenarioResult } = await import('../src/index.js');
  const result = (collisionProbability: number): ScenarioResult => ({ scenario: 's', verdict: 'ok', complete: true, states: 386_442, transitions: 1_500_000, timeMs: 1, violations: [], expectMet: true, reductions: [], fingerprints: { bits: 64, collisionProbability } });
  expect(formatScenarioResult(result(2.33e-8), new Map()).split('\n')[1]).toBe(
    "    states told apart by 64-bit fingerprints: the chance two were taken for one is 2.3e-8 (TLC's estimate); --exact keeps whole states",
  );
  expect(formatScenarioResult(result(1e-12), new Map())).not.toContain('fingerprints');
});

// On every spec of the repository, fingerprints and whole keys find the same states: no collision there, and the
// fingerprint search misses nothing the exact one reaches.
test.each(
  ['examples', 'examples/bugs', 'test/fixtures/specs'].flatMap((d) =>
    readdirSync(new URL(`../${d}`, import.meta.url))
      .filter((f) => f.endsWith('.lspec'))
      .map((f) => `${d}/${f}`),
  ),
)('%s: fingerprints and whole keys find the same states', async (file) => {
  const { check, explore } = await import('../src/index.js');
  const { program } = check(readFileSync(new URL(`../${file}`, import.meta.url), 'utf8'), { uri: file });
  const counts = (exact: boolean) => explore(program, { exact, maxStates: 20_000 }).scenarios.map((s) => [s.scenario, s.verdict, s.states, s.transitions, s.violations.map((v) => `${v.rule}:${v.trace.length}`)]);
  expect(counts(false)).toEqual(counts(true));
});
