// Swarm mode (docs/swarm.md): seeded random walks instead of the exhaustive
// search. The outcomes here are exact: a fixed seed takes the same walks on
// every host, so the rule found and the length of its trace are facts of
// the spec, the seed and the options, and so is the whole output.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { check, explore, simulate, walkSeed, type Progress } from '../src/index.js';
import { Prng } from '../src/explore/prng.js';

const mlx5 = 'examples/bugs/mlx5_odp_mr_dereg_race.lspec';
const buggy = 'dereg_races_invalidate_before_fix';
const fixed = 'dereg_races_invalidate';
const program = check(readFileSync(mlx5, 'utf8'), { uri: mlx5 }).program;

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'lifespec-swarm-'));
function save(name: string, text: string): string {
  const p = join(tmp, name);
  writeFileSync(p, text);
  return p;
}

describe('the generator', () => {
  test('is deterministic, and each of n values comes up', () => {
    const a = new Prng(42);
    const b = new Prng(42);
    const xs = Array.from({ length: 1000 }, () => a.below(7));
    expect(Array.from({ length: 1000 }, () => b.below(7))).toEqual(xs);
    const counts = Array.from({ length: 7 }, (_, i) => xs.filter((x) => x === i).length);
    for (const c of counts) expect(c).toBeGreaterThan(100);
    expect(new Prng(1).next()).not.toBe(new Prng(2).next());
  });

  test('walk seeds differ by run and by seed', () => {
    const seeds = new Set<number>();
    for (let s = 0; s < 10; s++) for (let r = 0; r < 100; r++) seeds.add(walkSeed(s, r));
    expect(seeds.size).toBe(1000);
  });
});

describe('simulate()', () => {
  test('finds the rule the search finds, with a trace as short, and names the walk that met it', () => {
    const searched = explore(program, { scenario: buggy }).scenarios[0]!;
    expect(searched.violations.map((v) => [v.rule, v.trace.length])).toEqual([['model.use_after_free', 13]]);
    const r = simulate(program, { seed: 2, runs: 30, depth: 40, scenario: buggy }).scenarios[0]!;
    expect(r.verdict).toBe('violated');
    expect(r.complete).toBe(false);
    expect(r.violations.map((v) => [v.rule, v.trace.length])).toEqual([['model.use_after_free', 13]]);
    expect(r.incomplete).toEqual({ bound: 'simulation', reason: 'random walks: 30 runs of depth 40 (seed 2); runs not taken may break other rules' });
    expect(r.simulation!.seeds).toEqual([2]);
    expect(r.simulation!.runs).toBe(30);
    // Steps carry their call and changes, as the search's do.
    expect(r.violations[0]!.trace.some((s) => s.call !== undefined)).toBe(true);
    // The walk named, taken alone, meets the same trace.
    const { seed } = r.simulation!.walks[0]!;
    const alone = simulate(program, { seed: 0, walkSeed: seed, runs: 1, depth: 40, scenario: buggy }).scenarios[0]!;
    expect(alone.violations).toEqual(r.violations);
    expect(alone.simulation).toMatchObject({ seeds: [], runs: 1, walk: seed });
  });

  test('is a function of the program, the seed and the options', () => {
    const a = simulate(program, { seed: 5, runs: 10, depth: 30 });
    expect(simulate(program, { seed: 5, runs: 10, depth: 30 })).toEqual(a);
    expect(a.scenarios.every((s) => s.timeMs === 0)).toBe(true);
  });

  test('a scenario no walk breaks is never ok: no violation in R runs of depth D (seed S)', () => {
    const r = simulate(program, { seed: 1, runs: 20, depth: 40, scenario: fixed }).scenarios[0]!;
    expect(r.verdict).toBe('incomplete');
    expect(r.complete).toBe(false);
    expect(r.incomplete).toEqual({ bound: 'simulation', reason: 'no violation in 20 runs of depth 40 (seed 1)' });
    expect(r.expectMet).toBeUndefined();
    expect(r.violations).toEqual([]);
  });

  test('reports progress with the walks done', () => {
    const seen: Progress[] = [];
    simulate(program, { seed: 1, runs: 5, depth: 20, scenario: fixed, progressIntervalMs: 0, onProgress: (p) => seen.push(p) });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((p) => p.runs?.of === 5)).toBe(true);
    expect(seen.at(-1)!.runs!.done).toBe(4);
  });

  test('finds a deadlock as the search does', () => {
    const f = 'examples/bugs/devm_memremap_pages_final_put.lspec';
    const p = check(readFileSync(f, 'utf8'), { uri: f }).program;
    const r = simulate(p, { seed: 3, runs: 20, depth: 60, scenario: 'reference_never_dropped' }).scenarios[0]!;
    expect(r.verdict).toBe('deadlock');
    expect(r.deadlock!.trace.length).toBe(13);
    expect(r.simulation!.walks.map((w) => w.rule)).toEqual(['deadlock']);
  });

  test('refuses a seed, runs or depth out of range', () => {
    expect(() => simulate(program, { seed: -1, runs: 1, depth: 1 })).toThrow(/seed must be a whole number from 0 to 4294967295/);
    expect(() => simulate(program, { seed: 1, runs: 0, depth: 1 })).toThrow(/runs must be/);
    expect(() => simulate(program, { seed: 1, runs: 1, depth: 1.5 })).toThrow(/depth must be/);
  });
});

describe('lifespec run --simulate', () => {
  const args = ['run', '--simulate', '--seed', '2', '--runs', '30', '--depth', '40'];

  test('text: the rule and the walk seed; the fixed scenario not a proof; exit 1', () => {
    const r = run(...args, mlx5);
    expect(r.code).toBe(1);
    expect(r.out).toContain(`scenario ${buggy}: VIOLATED: model.use_after_free (`);
    expect(r.out).toMatch(/shortest trace the walks met, 13 steps \(walk seed \d+\):/);
    expect(r.out).toContain(`scenario ${fixed}: NO VIOLATION FOUND in 30 runs of depth 40 (seed 2), not a proof (`);
    expect(r.out).not.toMatch(/holds|\bok\b/);
    expect(r.out).toContain('2 scenarios simulated: 1 violated, 1 with no violation found (not a proof)\n');
    // No wall-clock time in the output.
    expect(r.out).not.toMatch(/\d ms\b/);
  });

  test('nothing found is exit 3, as a search with no verdict', () => {
    expect(run(...args, '--scenario', fixed, mlx5).code).toBe(3);
  });

  test('the same seed prints the same output, byte for byte; another seed walks elsewhere', () => {
    const a = run(...args, '--format', 'json', mlx5);
    expect(run(...args, '--format', 'json', mlx5).out).toBe(a.out);
    expect(run(...args, mlx5).out).toBe(run(...args, mlx5).out);
    const b = run('run', '--simulate', '--seed', '3', '--runs', '30', '--depth', '40', '--format', 'json', mlx5);
    expect(b.out).not.toBe(a.out);
    expect(JSON.parse(b.out).scenarios[0].simulation.seeds).toEqual([3]);
  });

  test('a simulate report replays: every trace in full, breaking its rule again', () => {
    const report = save('mlx5.json', run(...args, '--format', 'json', mlx5).out);
    const r = run('replay', report, mlx5);
    expect(r.out).toContain(`${buggy} model.use_after_free: replays in full (13 steps) and breaks model.use_after_free again`);
    expect(r.code).toBe(0);
  });

  test('SARIF: the finding, and a warning that the rest is not proven', () => {
    const log = JSON.parse(run(...args, '--format', 'sarif', mlx5).out);
    const results = log.runs[0].results;
    expect(results.map((x: any) => x.ruleId)).toEqual(['model.use_after_free', 'incomplete', 'incomplete']);
    expect(results[2].message.text).toBe(`scenario ${fixed} simulated, no verdict: no violation in 30 runs of depth 40 (seed 2); more walks: raise --runs or --depth, or add runs of other seeds with lifespec merge`);
    expect(log.runs[0].invocations[0].executionSuccessful).toBe(false);
  });

  test('options of one mode are refused in the other, by name', () => {
    expect(run('run', '--seed', '1', mlx5)).toMatchObject({ code: 2, err: 'lifespec: --seed is an option of swarm mode: add --simulate (lifespec help run)\n' });
    expect(run('run', '--simulate', '--max-states', '5', mlx5).err).toBe('lifespec: --max-states bounds the exhaustive search; --simulate takes --runs and --depth (and --timeout)\n');
    expect(run('run', '--simulate', '--exact', mlx5).err).toBe('lifespec: --exact is an option of the exhaustive search; --simulate takes --runs and --depth (and --timeout)\n');
    expect(run('run', '--simulate', '--seed', '-1', mlx5).err).toBe('lifespec: --seed needs a whole number from 0 to 4294967295, got -1\n');
    expect(run('run', '--simulate', '--runs', '0', mlx5).err).toBe('lifespec: --runs needs a positive integer, got 0\n');
    expect(run('run', '--simulate', '--walk-seed', '3', '--seed', '1', mlx5).code).toBe(2);
  });

  test('help says what the options do and what the exit code of nothing found is', () => {
    const help = run('help', 'run').out;
    for (const o of ['--simulate', '--seed S', '--runs R', '--depth D', '--walk-seed W', 'lifespec merge']) expect(help).toContain(o);
    expect(help).toContain('no violation was found, which proves nothing');
  });
});

describe('lifespec merge', () => {
  const report = (seed: string, runs = '10', extra: string[] = []) =>
    save(`s${seed}-${runs}${extra.join('')}.json`, run('run', '--simulate', '--seed', seed, '--runs', runs, '--depth', '40', ...extra, '--format', 'json', mlx5).out);

  test('sums the runs, lists the seeds and keeps the shorter trace of each rule', () => {
    const a = report('1');
    const b = report('3');
    const lengths = (p: string) => JSON.parse(readFileSync(p, 'utf8')).scenarios[0].violations.map((v: any) => v.trace.length);
    expect([lengths(a), lengths(b)]).toEqual([[17], [13]]);
    const r = run('merge', a, b);
    expect(r.code).toBe(1);
    const merged = JSON.parse(r.out);
    const s = merged.scenarios[0];
    expect(s.violations.map((v: any) => [v.rule, v.trace.length])).toEqual([['model.use_after_free', 13]]);
    expect(s.simulation).toMatchObject({ seeds: [1, 3], runs: 20, depth: 40 });
    expect(s.simulation.walks[0].seed).toBe(JSON.parse(readFileSync(b, 'utf8')).scenarios[0].simulation.walks[0].seed);
    expect(merged.scenarios[1].incomplete.reason).toMatch(/^no violation in 20 runs of depth 40 \(seeds 1, 3\)/);
    // The merge is a report like the others: replayed, merged again, printed as text.
    const m = save('merged.json', r.out);
    expect(run('replay', m, mlx5).code).toBe(0);
    expect(JSON.parse(run('merge', m, report('4')).out).scenarios[0].simulation.seeds).toEqual([1, 3, 4]);
    const text = run('merge', '--format', 'text', a, b);
    expect(text.out).toContain(`${mlx5} (merged: 20 runs of depth 40 (seeds 1, 3))\n`);
    expect(text.out).toContain(`scenario ${fixed}: NO VIOLATION FOUND in 20 runs of depth 40 (seeds 1, 3), not a proof`);
    expect(text.out).toMatch(/mlx5_odp_mr_dereg_race\.lspec:\d+:\d+: error: model\.use_after_free: /);
  });

  test('reports that do not add up: FILE:LINE: error, exit 2, nothing on stdout, no stack', () => {
    const a = report('1');
    const expectError = (r: ReturnType<typeof run>, file: string, message: RegExp) => {
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+: error: `));
      expect(r.err).toMatch(message);
      expect(r.err).not.toMatch(/\n\s+at /);
    };
    const exhaustive = save('exhaustive.json', run('run', '--format', 'json', mlx5).out);
    expectError(run('merge', a, exhaustive), exhaustive, /scenario 'dereg_races_invalidate_before_fix' was explored, not simulated/);
    const other = save('other.json', run('run', '--simulate', '--seed', '2', '--runs', '5', '--depth', '40', '--format', 'json', 'examples/bugs/vfio_pci_disabled_memory.lspec').out);
    expectError(run('merge', a, other), other, /a report of another spec than/);
    const one = report('2', '10', ['--scenario', fixed]);
    expectError(run('merge', a, one), one, /has no scenario 'dereg_races_invalidate_before_fix'/);
    expectError(run('merge', a, report('1', '5')), join(tmp, 's1-5.json'), /seed 1 is in .* too: its walks would be counted twice/);
    const deeper = save('deeper.json', run('run', '--simulate', '--seed', '9', '--runs', '5', '--depth', '20', '--format', 'json', mlx5).out);
    expectError(run('merge', a, deeper), deeper, /walked to depth 20, .* to depth 40/);
    const notJson = save('not.json', '{');
    expect(run('merge', a, notJson)).toMatchObject({ code: 2, out: '' });
    expect(run('merge', join(tmp, 'missing.json')).err).toMatch(/missing\.json: no such file/);
  });

  test('help merge, and merge in the command list', () => {
    expect(run('help', 'merge').out).toContain('lifespec merge — add up swarm runs of one spec');
    expect(run('merge', '--help').out).toBe(run('help', 'merge').out);
    expect(run('--help').out).toContain('lifespec merge REPORT.json…');
  });
});
