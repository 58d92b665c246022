/**
 * Fuzzing the CLI's flags: random command lines for the built CLI — every
 * command and option, valid and invalid values (negative, zero, huge, NaN,
 * fractions, empty, escapes, 10,000 digits), repeated and unknown options,
 * `--` and `-` tricks, `--svg` pointed at the input, at a device or into a
 * missing directory — each in a child with the limits of files.ts and held
 * to its rules (exit 0–3, no stack trace, one line on stderr for exit 2, no
 * raw control character, within the time and memory limits), and to two
 * more: no input spec changes unless `fmt --write` was asked for, and no
 * temporary file is left behind.
 * `node scripts/run-ts.mjs bench/fuzz/flags.ts [SEED [CASES]]`.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtCli, pool, problems, prng, repo, runCli, type FuzzReport } from './files.js';

/** The specs a command line may name, each quick to explore: one violated, one clean, one of each; and one with check errors. */
const specs = ['examples/tour.lspec', 'examples/vfio_mlx5_hotunplug.lspec', 'test/fixtures/specs/model-iommu-fault.lspec'];
const withErrors = 'topology {\n  host_bridge hb\n  device gpu under zz\n}\nscenario s { bind nobody }\n';

const commands = ['run', 'test', 'check', 'fmt', 'help', '--help', '-h', '--version', '-V', 'frobnicate', '', '-', '--'];

/** Every option of every command, and some of none. */
const options = [
  '--max-states',
  '--timeout',
  '--max-memory',
  '--no-reduce',
  '--no-color',
  '--format',
  '--scenario',
  '--svg',
  '--check',
  '--write',
  '--help',
  '-h',
  '--bogus',
  '-x',
  '-hx',
  '---',
  '--=',
  '--max-states=',
  '--no-color=1',
  '--MAX-STATES',
];

/** Values, good and bad, for any option that takes one. */
const values = [
  '1',
  '100',
  '2000',
  '0.5',
  '1e3',
  '-1',
  '-0',
  '0',
  '1.5',
  'NaN',
  'Infinity',
  '-Infinity',
  '1e400',
  '1e308',
  '99999999999999999999',
  '0x10',
  '',
  ' ',
  'text',
  'json',
  'xml',
  'hot_unplug',
  'nope',
  '\x1b[31m',
  '\u202e',
  '--',
  '-',
  '9'.repeat(10_000),
];

/** Each command's own options, with values it takes (and one it does not) for those that take one. */
const own: Record<string, Record<string, readonly string[] | null>> = {
  run: {
    '--max-states': ['1', '50', '2000', '1e3', '-1'],
    '--timeout': ['0.5', '5', '1e-3', '0'],
    '--max-memory': ['1', '100', '0.5', 'NaN'],
    '--no-reduce': null,
    '--no-color': null,
    '--format': ['text', 'json', 'xml'],
    '--scenario': ['hot_unplug', 'unplug_races_registration', 'fires', 'nope'],
    '--svg': [],
  },
  test: { '--max-states': ['1', '50', '2000', '0'], '--timeout': ['0.5', '5', ''], '--max-memory': ['1', '100', '-5'], '--no-reduce': null, '--no-color': null },
  check: { '--format': ['text', 'json', ''], '--no-color': null },
  fmt: { '--check': null, '--write': null, '--no-color': null },
};

/**
 * One random command line. Most are what a person might type — a command,
 * a few of its options with mostly good values, then files — so the runs get
 * past the argument checks to the files and the outputs; the rest are any
 * words in any order.
 */
function commandLine(random: () => number, dir: string, files: readonly string[]): { argv: string[]; writes: boolean } {
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
  // Where --svg may point: a new file, the input itself, a device, a missing directory, a directory.
  const svgTargets = [join(dir, 'out.svg'), join(dir, 'out.svg'), ...files, '/dev/null', '/dev/full', join(dir, 'no/such/dir.svg'), dir, '-out.svg'];
  if (random() < 0.6) {
    const command = pick(Object.keys(own));
    const argv = [command];
    const mine = own[command]!;
    for (let n = Math.floor(random() * 4); n > 0; n--) {
      const o = pick(Object.keys(mine));
      const vs = mine[o];
      if (vs === null) argv.push(o);
      else argv.push(o, o === '--svg' ? pick(svgTargets) : pick(vs!));
    }
    const many = command === 'run' || (command === 'fmt' && !argv.includes('--check') && !argv.includes('--write')) ? 1 : 1 + Math.floor(random() * 3);
    for (let n = 0; n < many; n++) argv.push(pick(files));
    return { argv, writes: argv.includes('--write') };
  }
  const argv: string[] = [pick(commands)];
  const n = Math.floor(random() * 7);
  for (let i = 0; i < n; i++) {
    const r = random();
    if (r < 0.45) {
      const o = pick(options);
      const v = o === '--svg' ? pick(svgTargets) : pick(values);
      const how = random();
      // The value as the next word, joined with `=`, or left out.
      if (how < 0.5) argv.push(o, v);
      else if (how < 0.8) argv.push(`${o}=${v}`);
      else argv.push(o);
    } else if (r < 0.85) argv.push(pick(files));
    else if (r < 0.92) argv.push('--');
    else argv.push(pick([join(dir, 'missing.lspec'), dir, '-', '']));
  }
  // Most of the time, keep the search short: the fuzz is of the flags, not of the search.
  if (random() < 0.8 && (argv[0] === 'run' || argv[0] === 'test')) argv.splice(1, 0, '--timeout', '10');
  return { argv, writes: argv.includes('--write') };
}

const digest = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

/** The slowest case of the last run, for the report. */
export let slowestFlags = { argv: '', ms: 0 };

/**
 * Runs `count` random command lines (seeded) through the built CLI, each on
 * fresh copies of a few specs; returns the number of cases and one line per
 * case that broke a rule.
 */
export async function fuzzFlags(seed: number, count = 400): Promise<FuzzReport> {
  builtCli();
  const random = prng(seed);
  const root = mkdtempSync(join(tmpdir(), 'lifespec-fuzz-flags-'));
  const failures: string[] = [];
  slowestFlags = { argv: '', ms: 0 };
  const jobs = Array.from({ length: count }, (_, k) => {
    const dir = join(root, String(k));
    mkdirSync(dir);
    const files = specs.map((s) => {
      const p = join(dir, s.split('/').pop()!);
      copyFileSync(join(repo, s), p);
      return p;
    });
    files.push(join(dir, 'errors.lspec'));
    writeFileSync(files.at(-1)!, withErrors);
    const { argv, writes } = commandLine(random, dir, files);
    // The files the run reads: named other than as the value of --svg, which the user may point at any file.
    const inputs = argv.filter((a, i) => argv[i - 1] !== '--svg' && !a.startsWith('--svg='));
    return async () => {
      const before = files.map(digest);
      const r = await runCli(argv, { cwd: dir });
      // `fmt FILE` prints the spec itself; everything else is for people.
      const found = problems(r, argv[0] === 'fmt' && !argv.includes('--check') && !argv.includes('--write'));
      // node:util's own words for a value that starts with a dash: the CLI says what the option needs instead.
      if (/ambiguous|Did you forget/.test(r.stderr)) found.push('an unclear message');
      if (!writes && files.some((f, i) => inputs.includes(f) && digest(f) !== before[i])) found.push('an input changed without --write');
      const left = readdirSync(dir).filter((f) => f.endsWith('.tmp'));
      if (left.length) found.push(`temporary files left: ${left.join(', ')}`);
      const shown = JSON.stringify(argv.map((a) => (a.length > 40 ? `${a.slice(0, 20)}…(${a.length})` : a)));
      if (r.ms > slowestFlags.ms) slowestFlags = { argv: shown, ms: r.ms };
      if (found.length) failures.push(`case ${k} ${shown}: ${found.join('; ')} (exit ${r.status}${r.signal ? `, ${r.signal}` : ''}, ${Math.round(r.ms)} ms) ${r.stderr.split('\n').slice(0, 3).join(' | ').slice(0, 300)}`);
    };
  });
  await pool(jobs, 4);
  rmSync(root, { recursive: true, force: true });
  return { cases: count, failures };
}

// Run alone: `node scripts/run-ts.mjs bench/fuzz/flags.ts [SEED [CASES]]` (bundled as flags.mjs).
if (/(^|[\\/])flags\.(mjs|ts)$/.test(process.argv[1] ?? '')) {
  const seed = Number(process.argv[2] ?? 20261128);
  const t0 = performance.now();
  const { cases, failures } = await fuzzFlags(seed, Number(process.argv[3] ?? 400));
  console.log(`flags, seed ${seed}: ${cases} cases, ${failures.length} failures, slowest ${slowestFlags.argv} ${Math.round(slowestFlags.ms)} ms, total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of failures) console.log(`  ${f}`);
  process.exitCode = failures.length ? 1 : 0;
}
