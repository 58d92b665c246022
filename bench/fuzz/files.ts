/**
 * Fuzzing the CLI's files: every command of the built CLI (`node dist/cli.js`,
 * rebuilt first when src/ is newer) on every kind of file a user or a glob can
 * hand it — empty, just over the size limit, at the limit, binary, invalid
 * UTF-8, CR-only, CRLF, a BOM, devices, a FIFO, a directory, a symlink loop,
 * an unreadable file, random bytes and mutants of the repository's specs. Each
 * run is a child process with a time limit and a memory limit, and must end
 * with exit 0–3, no stack trace, one line on stderr when it exits 2, no raw
 * control character in what it prints for people, and its inputs unchanged
 * (but for the copy `fmt --write` may rewrite), with no temporary file left.
 * `node scripts/run-ts.mjs bench/fuzz/files.ts [SEED]`.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { failingAssertSpec } from '../../test/support/specs.js';
import { prng } from './random-spec.js';
import { join } from 'node:path';
import fc from 'fast-check';
import { MAX_SPEC_BYTES } from '../../src/cli/io.js';
import { corpus, mutantArb } from '../../test/support/mutate.js';

/** What one fuzz run found: how many cases ran and what went wrong in each that failed. */
export interface FuzzReport {
  cases: number;
  failures: string[];
}

/** A case that takes longer has hung. */
export const CASE_TIMEOUT_MS = 30_000;
/** The child's JavaScript heap, and (on Linux) all its memory, Buffers included: a blow-up fails fast. */
const HEAP_MB = 1024;
const MEMORY_KB = 4 * 1024 * 1024;

export { prng } from './random-spec.js';

/** The repository: scripts/run-ts.mjs bundles the script elsewhere, so it is where npm runs it. */
export const repo = process.cwd();
const cliPath = join(repo, 'dist/cli.js');

function newestUnder(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    newest = Math.max(newest, e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** dist/cli.js, built again when it is missing or older than the sources it is built from. */
export function builtCli(): string {
  const sources = Math.max(newestUnder(join(repo, 'src')), newestUnder(join(repo, 'grammar')), newestUnder(join(repo, 'stdlib')));
  if (!existsSync(cliPath) || statSync(cliPath).mtimeMs < sources) {
    const r = spawnSync(process.execPath, ['scripts/build.mjs', '--no-types'], { cwd: repo, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`npm run build failed: ${r.stderr}`);
  }
  return cliPath;
}

/** One run of the CLI: how it ended and what it printed. */
export interface CliRun {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/**
 * Runs the built CLI in a child with the time and memory limits; `uid` runs it
 * as another user (root's tests of an unreadable file). Never rejects.
 */
export function runCli(args: readonly string[], options: { cwd?: string; uid?: number } = {}): Promise<CliRun> {
  const argv = [`--max-old-space-size=${HEAP_MB}`, cliPath, ...args];
  // RLIMIT_AS bounds what --max-old-space-size does not: Buffers, a read that never ends.
  const [cmd, cmdArgs] =
    process.platform === 'linux' ? ['/bin/sh', ['-c', `ulimit -v ${MEMORY_KB}; exec "$0" "$@"`, process.execPath, ...argv]] : [process.execPath, argv];
  return new Promise((done) => {
    const t0 = performance.now();
    const child = spawn(cmd, cmdArgs, {
      cwd: options.cwd ?? repo,
      timeout: CASE_TIMEOUT_MS,
      killSignal: 'SIGKILL',
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
      ...(options.uid !== undefined ? { uid: options.uid, gid: options.uid } : {}),
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let outBytes = 0;
    // Keep what a run prints to 8 MB: a runaway printer is a failure, not the fuzzer's death.
    child.stdout.on('data', (b: Buffer) => {
      outBytes += b.length;
      if (outBytes < 8 << 20) out.push(b);
    });
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e) => done({ status: null, signal: null, stdout: '', stderr: `spawn failed: ${e.message}`, ms: performance.now() - t0 }));
    child.on('close', (status, signal) =>
      done({ status, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), ms: performance.now() - t0 }),
    );
  });
}

/** What a person would see a terminal act on: C0 but tab and newline, DEL, C1, the bidi controls. */
const rawControl = /[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]/;

/**
 * Every rule a CLI run must keep, whatever it was given; the broken ones, as
 * text. `exact` is true when stdout is a spec's own text (`fmt FILE`), which
 * is printed as it is.
 */
export function problems(r: CliRun, exact = false): string[] {
  const found: string[] = [];
  if (r.signal === 'SIGKILL' && r.ms >= CASE_TIMEOUT_MS - 100) found.push(`hung: killed after ${CASE_TIMEOUT_MS / 1000} s`);
  else if (r.signal) found.push(`killed by ${r.signal} (memory?)`);
  else if (r.status === null || ![0, 1, 2, 3].includes(r.status)) found.push(`exit ${r.status}`);
  if (/^\s+at /m.test(r.stderr)) found.push('a stack trace on stderr');
  if (/heap out of memory|Allocation failed|RangeError|Maximum call stack/.test(r.stderr)) found.push('out of memory or stack');
  if (r.status === 2 && r.stderr.replace(/\n$/, '').split('\n').length !== 1) found.push('exit 2 without exactly one line on stderr');
  if (rawControl.test(r.stderr) || (!exact && rawControl.test(r.stdout))) found.push('a raw control character in the output');
  return found;
}

const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** A file the fuzzer hands the CLI: its name in the report, its path, and whether it may be compared before and after. */
interface Input {
  name: string;
  path: string;
  regular: boolean;
  /** Run as this user (root's unreadable file). */
  uid?: number;
}

function spec(name: string): string {
  return readFileSync(join(repo, name), 'utf8');
}

const escapesRun = failingAssertSpec('\x1b]0;pwned\x07 \x1b[31mred \u202eevil');

/** The fixed inputs: every kind of file that is not a plain small spec. */
function fixedInputs(dir: string, random: () => number): Input[] {
  const at = (name: string) => join(dir, name);
  const regular = (name: string, content: string | Buffer): Input => {
    writeFileSync(at(name), content);
    return { name, path: at(name), regular: true };
  };
  const seed = spec('examples/vfio_mlx5_hotunplug.lspec');
  const inputs: Input[] = [
    regular('empty.lspec', ''),
    regular('seed.lspec', seed),
    regular('cr-only.lspec', seed.replace(/\n/g, '\r')),
    regular('crlf.lspec', seed.replace(/\n/g, '\r\n')),
    regular('bom.lspec', `\ufeff${seed}`),
    regular('binary.lspec', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...Array.from({ length: 4096 }, () => Math.floor(random() * 256))])),
    regular('invalid-utf8.lspec', Buffer.concat([Buffer.from(seed.slice(0, 200)), Buffer.from([0xc3, 0x28, 0xff, 0xfe, 0xed, 0xa0, 0x80]), Buffer.from(seed.slice(200))])),
    // A spec's escapes in a diagnostic's excerpt and in a violated assert's message.
    regular('escapes-check.lspec', `${seed}// \u202e\x1b[2J\x9b\nscenario bad { bind "\x1b]0;pwned\x07" }\n`),
    regular('escapes-run.lspec', escapesRun),
    regular('long-line.lspec', `topology {\n  host_bridge hb\n  device gpu under hb { bar 0 size ${'9'.repeat(100_000)} }\n}\n`),
    // A spec at the limit: the seed padded with a comment to exactly MAX_SPEC_BYTES.
    regular('at-limit.lspec', `${seed}// ${'x'.repeat(MAX_SPEC_BYTES - Buffer.byteLength(seed) - 4)}\n`),
  ];
  // Just over the limit, sparse: the CLI must refuse it by its size.
  writeFileSync(at('huge.lspec'), '');
  truncateSync(at('huge.lspec'), MAX_SPEC_BYTES + 1);
  inputs.push({ name: 'huge.lspec', path: at('huge.lspec'), regular: true });
  inputs.push({ name: '/dev/zero', path: '/dev/zero', regular: false }, { name: '/dev/null', path: '/dev/null', regular: false });
  if (existsSync('/dev/full')) inputs.push({ name: '/dev/full', path: '/dev/full', regular: false });
  const fifo = spawnSync('mkfifo', [at('fifo.lspec')]);
  if (fifo.status === 0) inputs.push({ name: 'fifo.lspec', path: at('fifo.lspec'), regular: false });
  mkdirSync(at('dir.lspec'));
  inputs.push({ name: 'dir.lspec', path: at('dir.lspec'), regular: false });
  symlinkSync('loop-b.lspec', at('loop-a.lspec'));
  symlinkSync('loop-a.lspec', at('loop-b.lspec'));
  inputs.push({ name: 'loop-a.lspec', path: at('loop-a.lspec'), regular: false });
  symlinkSync('/dev/zero', at('zero-link.lspec'));
  inputs.push({ name: 'zero-link.lspec', path: at('zero-link.lspec'), regular: false });
  inputs.push({ name: 'missing.lspec', path: at('missing.lspec'), regular: false });
  // Unreadable: chmod 000 stops anyone but root, so under root the case runs as nobody — or is skipped.
  const unreadable = regular('unreadable.lspec', seed);
  chmodSync(unreadable.path, 0o000);
  if (lstatSync(unreadable.path).uid !== 0) inputs.push(unreadable);
  else if (spawnSync(process.execPath, ['-e', ''], { uid: 65534, gid: 65534 }).status === 0) inputs.push({ ...unreadable, uid: 65534 });
  return inputs;
}

/** Random files: bytes of every value, printable noise, and mutants of the repository's specs. */
function randomInputs(dir: string, random: () => number, seed: number, count: number): Input[] {
  const inputs: Input[] = [];
  for (let i = 0; i < count; i++) {
    const n = 1 + Math.floor(random() * 2048);
    const bytes = Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));
    const name = `random-${i}.lspec`;
    writeFileSync(join(dir, name), bytes);
    inputs.push({ name, path: join(dir, name), regular: true });
    const text = Array.from({ length: n }, () => ' \n\t{}()[]<>,.:;="#/*-+!&|^~0123456789abcxyz_\\é€𝄞'[Math.floor(random() * 52)]).join('');
    writeFileSync(join(dir, `noise-${i}.lspec`), text);
    inputs.push({ name: `noise-${i}.lspec`, path: join(dir, `noise-${i}.lspec`), regular: true });
  }
  const mutants = fc.sample(mutantArb(corpus(`${repo}/`)), { seed, numRuns: count });
  mutants.forEach((m, i) => {
    const name = `mutant-${i}.lspec`;
    writeFileSync(join(dir, name), m.text);
    inputs.push({ name: `${name} (of ${m.name})`, path: join(dir, name), regular: true });
  });
  return inputs;
}

/** The commands each input goes through; run and test with a time bound, so exit 3 is a fine answer. */
const commands: { name: string; args: (path: string) => string[]; writes?: boolean; exact?: boolean }[] = [
  { name: 'run', args: (p) => ['run', '--timeout', '10', p] },
  { name: 'run --format json', args: (p) => ['run', '--format', 'json', '--timeout', '10', p], exact: true },
  { name: 'test', args: (p) => ['test', '--timeout', '10', p] },
  { name: 'check', args: (p) => ['check', p] },
  { name: 'fmt', args: (p) => ['fmt', p], exact: true },
  { name: 'fmt --check', args: (p) => ['fmt', '--check', p] },
  { name: 'fmt --write', args: (p) => ['fmt', '--write', p], writes: true },
];

/** Runs `jobs` with at most `width` at a time. */
export async function pool<T>(jobs: (() => Promise<T>)[], width: number): Promise<T[]> {
  const results: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        results[i] = await jobs[i]!();
      }
    }),
  );
  return results;
}

/** The slowest case of the last run, for the report. */
export let slowestFiles = { name: '', ms: 0 };

/**
 * Runs every command of the built CLI on every kind of file (see the top of
 * this module), `seed` choosing the random files; returns the number of cases
 * and one line per case that broke a rule.
 */
export async function fuzzFiles(seed: number): Promise<FuzzReport> {
  builtCli();
  const random = prng(seed);
  const dir = mkdtempSync(join(tmpdir(), 'lifespec-fuzz-files-'));
  // Wide open, so the unreadable case can run as nobody.
  chmodSync(dir, 0o755);
  const inputs = [...fixedInputs(dir, random), ...randomInputs(dir, random, seed, 8)];
  const failures: string[] = [];
  slowestFiles = { name: '', ms: 0 };
  const jobs = inputs.flatMap((input) =>
    commands.map((c) => async () => {
      // fmt --write rewrites a copy; everything else must leave its input as it was.
      let path = input.path;
      if (c.writes && input.regular && input.uid === undefined) {
        path = join(dir, `copy-${Math.floor(random() * 1e9)}-${input.name.split(' ')[0]}`);
        copyFileSync(input.path, path);
      }
      const before = input.regular && input.uid === undefined ? digest(input.path) : undefined;
      const r = await runCli(c.args(path), { cwd: dir, ...(input.uid !== undefined ? { uid: input.uid } : {}) });
      const found = problems(r, c.exact);
      if (before !== undefined && digest(input.path) !== before) found.push('the input changed');
      if (input.uid !== undefined && r.status !== 2) found.push(`exit ${r.status} on a file it may not read`);
      const label = `${c.name} ${input.name}`;
      if (r.ms > slowestFiles.ms) slowestFiles = { name: label, ms: r.ms };
      if (found.length) failures.push(`${label}: ${found.join('; ')} (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}, ${Math.round(r.ms)} ms) ${r.stderr.split('\n').slice(0, 3).join(' | ').slice(0, 300)}`);
    }),
  );
  await pool(jobs, 4);
  const leftovers = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
  if (leftovers.length) failures.push(`temporary files left behind: ${leftovers.join(', ')}`);
  chmodSync(join(dir, 'unreadable.lspec'), 0o600);
  rmSync(dir, { recursive: true, force: true });
  return { cases: jobs.length, failures };
}

// Run alone: `node scripts/run-ts.mjs bench/fuzz/files.ts [SEED]` (bundled as files.mjs).
if (/(^|[\\/])files\.(mjs|ts)$/.test(process.argv[1] ?? '')) {
  const seed = Number(process.argv[2] ?? 20261128);
  const t0 = performance.now();
  const { cases, failures } = await fuzzFiles(seed);
  console.log(`files, seed ${seed}: ${cases} cases, ${failures.length} failures, slowest ${slowestFiles.name} ${Math.round(slowestFiles.ms)} ms, total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of failures) console.log(`  ${f}`);
  process.exitCode = failures.length ? 1 : 0;
}
