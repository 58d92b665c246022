// `lifespec run --workers N` on real worker threads: the CLI bundled from the
// sources as they are now, run as a user runs it. Two threads report what one
// finds (the JSON reports equal but for the time and the threads), and say
// that two searched (test/cli.test.ts: its usage errors).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { importerRace } from '../bench/generate.js';

const root = new URL('..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'lifespec-workers-'));
const bin = join(dir, 'cli.mjs');
// Two to three seconds in one thread on these machines: well past the 0.4 s after which a search starts its
// workers (the race of five importers came to take about that long alone).
const spec = join(dir, 'race8.lspec');

beforeAll(async () => {
  const { build } = await import('esbuild');
  const banner = "import { createRequire as __lifespecRequire } from 'node:module';\nconst require = __lifespecRequire(import.meta.url);";
  await build({ absWorkingDir: root, entryPoints: ['src/cli/bin.ts'], outfile: bin, bundle: true, platform: 'node', format: 'esm', target: 'node20', loader: { '.lspec': 'text' }, logLevel: 'silent', banner: { js: banner } });
  writeFileSync(spec, importerRace(8));
}, 60_000);

function lifespec(...args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000, cwd: dir });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Report = { scenarios: { timeMs: number; threads?: number; states: number }[] };

test('two threads find what one finds, and say that two searched', () => {
  const one = lifespec('run', '--format', 'json', '--workers', '1', 'race8.lspec');
  const two = lifespec('run', '--format', 'json', '--workers', '2', 'race8.lspec');
  expect(one.status).toBe(0);
  expect(two.status).toBe(0);
  const a = JSON.parse(one.stdout) as Report;
  const b = JSON.parse(two.stdout) as Report;
  expect(a.scenarios[0]!.states).toBe(7_169);
  expect(a.scenarios[0]!.threads).toBeUndefined();
  expect(b.scenarios[0]!.threads).toBe(2);
  const plain = (r: Report) => ({ ...r, scenarios: r.scenarios.map(({ timeMs: _t, threads: _n, ...s }) => s) });
  expect(plain(b)).toEqual(plain(a));
}, 240_000);

test('the text report names the threads in its figures', () => {
  const two = lifespec('run', '--workers', '2', 'race8.lspec');
  expect(two.status).toBe(0);
  expect(two.stdout).toMatch(/ok: holds in all 7,169 states \(7,169 states, 24,080 transitions, [\d.]+ m?s, 2 threads\)/);
}, 120_000);
