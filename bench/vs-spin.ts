/**
 * Lifespec against SPIN on the importer-race families, in one run: for each
 * family (bench/generate.ts `FAMILIES`) and each N of its range, SPIN checks
 * the hand-written Promela model of the family (bench/spin/importer-race.ts,
 * `familyPromela`) and Lifespec explores the generated spec
 * `familySpec(family, N)`. Prints one markdown table: per family and N, both
 * state counts, times and memory per state, Lifespec's states per second,
 * and the ratio of the times (Lifespec / SPIN).
 *
 *   npm run bench:vs-spin [-- MAX_N [SECONDS]] [--family race|tag|kinds|detach|all]
 *                             [--range FAMILY=LO..HI] [--no-reduce] [--both]
 *                             [--workers N] [--spin-memory MB]
 *                             [--lifespec-memory MB] [--live] [--keep]
 *
 * MAX_N (default 16) caps every family's range; SECONDS, the time limit of
 * each tool for each family and N, defaults to 120. `--family` picks one
 * family (default: all, in the order race, tag, kinds, detach). Each family
 * has its own range of N (`RANGES`: from 2, where the counts are checked,
 * up; `--range detach=2..5` changes one, and may be given once per family).
 * SPIN's time is `spin -a` + `gcc` + `./pan` together (pan's own in
 * brackets), Lifespec's is `check` + `explore` through the library (what
 * `lifespec run` does, with no state limit). The tools run one after the
 * other, never at the same time.
 *
 * Memory per state. SPIN: pan's "total actual memory usage" divided by the
 * states stored; it includes the hash table (2^W slots of 8 bytes, sized
 * from the previous N's count and at least 2^18) and the DFS stack, so it
 * overstates small N. Lifespec: the peak heap growth divided by the states,
 * where the peak is the largest `process.memoryUsage().heapUsed` seen by the
 * search's `heapBytes` sampler (every 256 looks) or at its end, and the
 * growth is that minus `heapUsed` right before the run, after a full GC.
 * Garbage not yet collected counts, so it is an upper bound. `--live` adds
 * what the search holds: each complete Lifespec row is run once more, in
 * one thread and untimed, with a full collection each time the states pass
 * another twentieth of the first run's count; "live B/state" is the largest
 * heap left after one, less the heap before the run, divided by the states
 * (the visited set, the paths, the frontier's worlds and the findings: what
 * pan's figure counts for SPIN).
 *
 * SPIN is compiled as an exact, complete safety search: -DSAFETY (assertions
 * and invalid end states, no never claim), partial-order reduction on (SPIN's
 * default), no bitstate and no hash-compact (-DHC is a lossy signature), and
 * -DMEMLIM (default: 8 GB or 60% of the machine's memory, if less) so a
 * search too big for the machine stops instead of swapping. Lifespec runs
 * with its reductions on (its default). A tool that reaches its time limit
 * is stopped and marked "> S s (stopped)", with the states it had reached;
 * it is not run for larger N of that family. Lifespec keeps its own memory
 * bound (`maxMemoryMb`, default 1,500 MB of measured heap;
 * `--lifespec-memory`, which past about 3,000 needs a larger heap:
 * NODE_OPTIONS=--max-old-space-size=MB).
 *
 * `--no-reduce` turns both tools' reductions off (pan -DNOREDUCE, Lifespec
 * `reduce: false`). The two explorers then count the same state space, apart
 * from what only the Lifespec spec has: its N + 3 states before the state
 * the Promela model starts in (the initial state, and those after the binds
 * and after the entry of `exporter.export()`), and the one state after the
 * `parallel`'s `join` (every run of every family finishes in the same
 * state). The `check` column verifies SPIN + N + 4 = Lifespec for each
 * family (bench/spin/README.md). `--both` runs Lifespec twice per row, with
 * its reductions on and off, and prints both; the check then uses the run
 * with them off. `--workers N` searches with N threads (`explore`'s
 * `workers`, the threads of the built CLI in dist/, as `lifespec run
 * --workers N` runs them) and names it in the header; B/state then counts
 * the workers' heaps too.
 *
 * The bench installs nothing. Without `spin` (or `gcc`) it says in one line how
 * to get it (`apt-get install spin`, the Debian package) and runs the
 * Lifespec half only, exiting 0. It exits 1 if either tool finds a family
 * violated (each holds for every N), and 2 on a usage error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { check, explore } from '../src/index.js';
import { workerPool } from '../src/cli/search-pool.js';
import { FAMILIES, familySpec, type Family } from './generate.js';
import { familyPromela } from './spin/importer-race.js';

/**
 * Each family's N range before MAX_N caps it. From 2, so that the check
 * column covers the small N where both tools finish with reductions off;
 * the tops are where Lifespec's reduced search is still well under the
 * default time limit on the project's 2-core machine (detach grows fastest:
 * its importers' second action doubles the steps of each).
 */
const RANGES: Record<Family, { lo: number; hi: number }> = {
  race: { lo: 2, hi: 16 },
  tag: { lo: 2, hi: 16 },
  kinds: { lo: 2, hi: 12 },
  detach: { lo: 2, hi: 8 },
};
const usage =
  'usage: npm run bench:vs-spin [-- MAX_N [SECONDS]] [--family race|tag|kinds|detach|all] [--range FAMILY=LO..HI] [--no-reduce] [--both] [--workers N] [--spin-memory MB] [--lifespec-memory MB] [--live] [--keep]';

// ---- arguments ---------------------------------------------------------------

const argv = process.argv.slice(2);
const positional: string[] = [];
let noReduce = false;
let both = false;
let keep = false;
let live = false;
let familyArg = 'all';
let workers: number | undefined;
let spinMemoryMb = Math.min(8192, Math.floor((totalmem() / 1024 / 1024) * 0.6));
let lifespecMemoryMb: number | undefined;
const ranges = { ...RANGES };
/** `--opt value` or `--opt=value`. */
const value = (a: string, name: string, i: number): [string | undefined, number] => (a === name ? [argv[i + 1], i + 1] : [a.slice(name.length + 1), i]);
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  const opt = a.split('=')[0]!;
  if (a === '--no-reduce') noReduce = true;
  else if (a === '--both') both = true;
  else if (a === '--keep') keep = true;
  else if (a === '--live') live = true;
  else if (['--family', '--range', '--workers', '--spin-memory', '--lifespec-memory'].includes(opt)) {
    const [v, j] = value(a, opt, i);
    i = j;
    if (v === undefined) fatalUsage(`${opt} needs a value`);
    if (opt === '--family') familyArg = v;
    else if (opt === '--workers') workers = Number(v);
    else if (opt === '--spin-memory') spinMemoryMb = Number(v);
    else if (opt === '--lifespec-memory') lifespecMemoryMb = Number(v);
    else {
      const m = /^(\w+)=(\d+)\.\.(\d+)$/.exec(v);
      if (!m || !(FAMILIES as readonly string[]).includes(m[1]!)) fatalUsage(`--range must be FAMILY=LO..HI with FAMILY one of ${FAMILIES.join(', ')}, got ${v}`);
      const [lo, hi] = [Number(m[2]), Number(m[3])];
      if (lo < 1 || hi < lo || hi > 250) fatalUsage(`--range ${v}: need 1 <= LO <= HI <= 250`);
      ranges[m[1] as Family] = { lo, hi };
    }
  } else if (a.startsWith('-')) fatalUsage(`unknown option ${a}`);
  else positional.push(a);
}
const maxN = Number(positional[0] ?? 16);
const seconds = Number(positional[1] ?? 120);
if (!Number.isInteger(maxN) || maxN < 1 || maxN > 250) fatalUsage(`MAX_N must be an integer from 1 to 250, got ${positional[0]}`);
if (!(seconds > 0)) fatalUsage(`SECONDS must be a positive number, got ${positional[1]}`);
if (!(spinMemoryMb >= 64)) fatalUsage('--spin-memory must be at least 64 (MB)');
if (lifespecMemoryMb !== undefined && !(lifespecMemoryMb > 0)) fatalUsage('--lifespec-memory must be a positive number (MB)');
if (workers !== undefined && !(Number.isInteger(workers) && workers >= 1)) fatalUsage('--workers must be a positive integer');
if (familyArg !== 'all' && !(FAMILIES as readonly string[]).includes(familyArg)) fatalUsage(`--family must be one of ${FAMILIES.join(', ')} or all, got ${familyArg}`);
const families: readonly Family[] = familyArg === 'all' ? FAMILIES : [familyArg as Family];

function fatalUsage(message: string): never {
  console.error(`vs-spin: ${message}\n${usage}`);
  process.exit(2);
}

// ---- running a tool with a deadline ------------------------------------------

interface Ran {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly seconds: number;
  /** Killed at the deadline: SIGINT first (pan then prints what it reached), SIGKILL 5 s later. */
  readonly timedOut: boolean;
}

function run(cmd: string, args: string[], cwd: string, timeoutMs: number): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let timedOut = false;
    let hardKill: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    const timer = setTimeout(
      () => {
        timedOut = true;
        child.kill('SIGINT');
        hardKill = setTimeout(() => child.kill('SIGKILL'), 5000);
      },
      Math.max(0, timeoutMs),
    );
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (status) => {
      clearTimeout(timer);
      if (hardKill) clearTimeout(hardKill);
      resolve({ status, stdout, stderr, seconds: (performance.now() - t0) / 1000, timedOut });
    });
  });
}

/** Whether `cmd` runs at all (it is installed and on PATH). */
function installed(cmd: string, versionArg: string): boolean {
  const r = spawnSync(cmd, [versionArg], { stdio: 'ignore' });
  return r.error === undefined;
}

// ---- SPIN ----------------------------------------------------------------------

interface Outcome {
  /** Distinct states: all of them when `done`, else as many as were reached (undefined if unknown). */
  readonly states: number | undefined;
  readonly seconds: number;
  /** The search was complete. */
  readonly done: boolean;
  /** Why it was not: `time` (the time limit), `memory`, `depth`, or another reason. */
  readonly stopped?: string;
  /** The stop in a sentence, for the notes under the table. */
  readonly note?: string;
  /** The family was found violated (it should hold): what the tool said. */
  readonly violated?: string;
  /** SPIN only: the time of `./pan` alone. */
  readonly searchSeconds?: number;
  /** Lifespec with `--live`: the live heap per state (see the header). */
  readonly liveBytesPerState?: number;
  /** Memory per state stored, in bytes (see the header for what each tool's covers). */
  readonly bytesPerState?: number;
  /** Lifespec only: states per second of the search alone (its `timeMs`). */
  readonly statesPerSecond?: number;
  /** Lifespec only: the reductions the search applied (`symmetry`, `partial order`, …). */
  readonly reductions?: readonly string[];
}

/** pan prints large counts with %g, e.g. `1.2345679e+08 states, stored`. */
function panNumber(out: string, label: RegExp): number | undefined {
  const m = label.exec(out);
  return m ? Number(m[1]) : undefined;
}

async function runSpin(family: Family, n: number, dir: string, hashBits: number): Promise<Outcome> {
  const limitMs = seconds * 1000;
  const t0 = performance.now();
  const left = () => limitMs - (performance.now() - t0);
  const stoppedAt = (): Outcome => ({ states: undefined, seconds: (performance.now() - t0) / 1000, done: false, stopped: 'time' });
  writeFileSync(join(dir, `${family}.pml`), familyPromela(family, n));

  const gen = await run('spin', ['-a', `${family}.pml`], dir, left());
  if (gen.timedOut) return stoppedAt();
  if (gen.status !== 0) throw new Error(`spin -a failed (exit ${gen.status}):\n${gen.stdout}${gen.stderr}`);

  // -w: pan's default warnings about pan.c's generic array code are noise here.
  const cflags = ['-O2', '-w', '-DSAFETY', `-DMEMLIM=${spinMemoryMb}`, ...(noReduce ? ['-DNOREDUCE'] : [])];
  const cc = await run('gcc', [...cflags, '-o', 'pan', 'pan.c'], dir, left());
  if (cc.timedOut) return stoppedAt();
  if (cc.status !== 0) throw new Error(`gcc ${cflags.join(' ')} -o pan pan.c failed (exit ${cc.status}):\n${cc.stderr}`);

  // -m: the search depth bound, far above the longest run (about 12N steps, 20N for detach);
  // -w: the hash table's size (2^w slots); -n: no list of unreached code.
  const depth = Math.max(10_000, 20 * n);
  const pan = await run('./pan', [`-m${depth}`, `-w${hashBits}`, '-n'], dir, left());
  const seconds_ = (performance.now() - t0) / 1000;
  const out = pan.stdout + pan.stderr;
  const states = panNumber(out, /([\d.e+]+) states, stored/);
  const errors = panNumber(out, /errors: (\d+)/);
  const searchSeconds = pan.seconds;
  const mb = panNumber(out, /([\d.e+]+)\s+total actual memory usage/);
  const bytesPerState = mb !== undefined && states ? (mb * 1024 * 1024) / states : undefined;
  if (errors !== undefined && errors > 0) {
    const what = out.split('\n').filter((l) => /^pan:\d*:|assertion violated|invalid end state/.test(l));
    return { states, seconds: seconds_, done: false, violated: what.join('; ') || `${errors} error(s)`, searchSeconds, bytesPerState };
  }
  if (pan.timedOut) return { states, seconds: seconds_, done: false, stopped: 'time', searchSeconds, bytesPerState };
  if (/reached -DMEMLIM bound/.test(out)) {
    return { states, seconds: seconds_, done: false, stopped: 'memory', note: `pan reached its memory limit (-DMEMLIM=${spinMemoryMb}, in MB; --spin-memory)`, searchSeconds, bytesPerState };
  }
  if (/max search depth too small/.test(out)) return { states, seconds: seconds_, done: false, stopped: 'depth', note: `pan's depth bound -m${depth} was too small`, searchSeconds, bytesPerState };
  if (pan.status !== 0 || states === undefined || errors === undefined) throw new Error(`./pan failed (exit ${pan.status}):\n${out.slice(-2000)}`);
  return { states, seconds: seconds_, done: true, searchSeconds, bytesPerState };
}

// ---- Lifespec ------------------------------------------------------------------

// A full GC before each run, so the heap growth measured is the run's, not the
// last run's garbage; Node exposes `gc` only behind a flag, set here at run time.
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/**
 * The live heap per state of a search that completed with `states` states:
 * run again in this thread, untimed, with a full collection each time the
 * states pass another twentieth of `states`.
 */
function liveBytes(family: Family, n: number, reduce: boolean, states: number): number {
  const { program } = check(familySpec(family, n), { uri: `${family}-${n}.lspec` });
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = 0;
  let next = states / 20;
  const [r] = explore(program, {
    maxStates: Number.MAX_SAFE_INTEGER,
    reduce,
    ...(lifespecMemoryMb ? { maxMemoryMb: lifespecMemoryMb } : {}),
    progressIntervalMs: 0,
    onProgress: (p) => {
      if (p.states < next) return;
      next += states / 20;
      gc();
      peak = Math.max(peak, process.memoryUsage().heapUsed - before);
    },
  }).scenarios;
  gc();
  peak = Math.max(peak, process.memoryUsage().heapUsed - before);
  if (r!.states !== states) throw new Error(`${family} N=${n}: the untimed run found ${r!.states} states, the timed one ${states}`);
  return peak / states;
}

function runLifespec(family: Family, n: number, reduce: boolean): Outcome {
  const t0 = performance.now();
  const { program, diagnostics } = check(familySpec(family, n), { uri: `${family}-${n}.lspec` });
  if (diagnostics.length > 0) throw new Error(`familySpec('${family}', ${n}) has diagnostics: ${diagnostics[0]!.message}`);
  gc();
  const before = process.memoryUsage().heapUsed;
  let peak = before;
  // With workers, the search passes their heaps: the peak is of the whole search.
  const heapBytes = (others = 0) => {
    const used = process.memoryUsage().heapUsed;
    if (used + others > peak) peak = used + others;
    return used;
  };
  const left = seconds * 1000 - (performance.now() - t0);
  const options = {
    maxStates: Number.MAX_SAFE_INTEGER,
    timeoutMs: Math.max(1, left),
    reduce,
    heapBytes,
    ...(lifespecMemoryMb ? { maxMemoryMb: lifespecMemoryMb } : {}),
    // More than one: worker threads of the built CLI (npm ci builds dist/), as `lifespec run --workers` starts them.
    ...(workers !== undefined && workers > 1 ? { workers, startPool: workerPool(pathToFileURL(join(process.cwd(), 'dist/cli.js')), { uri: `${family}-${n}.lspec`, sources: [...program.sources].map(([u, s]) => [u, s.text] as const), reduce, exact: false }) } : {}),
  };
  const [r] = explore(program, options).scenarios;
  heapBytes();
  const s = (performance.now() - t0) / 1000;
  const measured = { reductions: r!.reductions.map((x) => x.split(':')[0]!), bytesPerState: r!.states > 0 ? (peak - before) / r!.states : undefined, statesPerSecond: r!.timeMs > 0 ? (r!.states * 1000) / r!.timeMs : undefined };
  if (r!.verdict === 'ok') return { states: r!.states, seconds: s, done: true, ...measured, ...(live ? { liveBytesPerState: liveBytes(family, n, reduce, r!.states) } : {}) };
  if (r!.verdict === 'incomplete') {
    const reason = r!.incomplete?.reason ?? 'stopped';
    if (reason.startsWith('stopped at the time limit')) return { states: r!.states, seconds: s, done: false, stopped: 'time', ...measured };
    return { states: r!.states, seconds: s, done: false, stopped: reason.startsWith('stopped at the memory limit') ? 'memory' : 'bound', note: reason.replace('--max-memory', '--lifespec-memory'), ...measured };
  }
  const what = r!.deadlock ? 'deadlock' : r!.violations.map((v) => v.rule).join(', ');
  return { states: r!.states, seconds: s, done: false, violated: `${r!.verdict}: ${what}`, ...measured };
}

// ---- the table -----------------------------------------------------------------

const fmtInt = (x: number) => Math.round(x).toLocaleString('en-US');
const fmtS = (x: number) => `${x < 10 ? x.toFixed(2) : x.toFixed(1)} s`;

function statesCell(o: Outcome | undefined): string {
  if (!o) return '—';
  if (o.states === undefined) return '?';
  return o.done ? fmtInt(o.states) : `≥ ${fmtInt(o.states)}`;
}

function timeCell(o: Outcome | undefined, skipped: boolean): string {
  if (!o) return skipped ? 'not run' : '—';
  const pan = o.searchSeconds !== undefined && !o.stopped && !o.violated ? ` (${fmtS(o.searchSeconds)})` : '';
  if (o.violated) return `${fmtS(o.seconds)} VIOLATED`;
  if (o.stopped === 'time') return `> ${seconds} s (stopped)`;
  if (o.stopped) return `${fmtS(o.seconds)} (stopped: ${o.stopped})`;
  return fmtS(o.seconds) + pan;
}

const bytesCell = (o: Outcome | undefined) => (o?.bytesPerState === undefined ? '—' : fmtInt(o.bytesPerState));
const liveCell = (o: Outcome | undefined) => (o?.liveBytesPerState === undefined ? '—' : fmtInt(o.liveBytesPerState));
const rateCell = (o: Outcome | undefined) => (o?.statesPerSecond === undefined ? '—' : fmtInt(o.statesPerSecond));

function ratioCell(spin: Outcome | undefined, ls: Outcome | undefined): string {
  if (!spin || !ls || spin.violated || ls.violated) return '—';
  const r = ls.seconds / spin.seconds;
  const x = r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
  if (spin.done && ls.done) return `${x}×`;
  // A stopped tool's time is a lower bound on what it would have needed.
  if (spin.done && !ls.done) return `> ${x}×`;
  if (!spin.done && ls.done) return `< ${x}×`;
  return '—';
}

/**
 * With both tools' reductions off, Lifespec's count is SPIN's plus its N + 3
 * states before the Promela model's initial state and its one `join` state
 * (every run of every family ends in the same state): bench/spin/README.md.
 */
function checkCell(n: number, spin: Outcome | undefined, ls: Outcome | undefined): string {
  if (!spin?.done || !ls?.done || spin.states === undefined || ls.states === undefined) return '—';
  const d = ls.states - (spin.states + n + 4);
  return d === 0 ? 'equal' : `off by ${fmtInt(d)}`;
}

/** Lifespec's runs per row: its reductions on, off, or both. */
const modes: readonly boolean[] = both ? [true, false] : [!noReduce];
const modeTag = (reduce: boolean) => (both ? (reduce ? ' (on)' : ' (off)') : '');
/** The check needs SPIN without reduction and a Lifespec run without it. */
const checking = noReduce && modes.includes(false);
const columns = [
  { title: 'family', width: 6 },
  { title: 'N', width: 3 },
  { title: 'SPIN states', width: 13 },
  { title: 'SPIN time (pan)', width: 24 },
  { title: 'SPIN B/state', width: 12 },
  ...modes.flatMap((m) => [
    { title: `Lifespec states${modeTag(m)}`, width: 15 },
    { title: `Lifespec time${modeTag(m)}`, width: 20 },
    { title: `Lifespec B/state${modeTag(m)}`, width: 16 },
    ...(live ? [{ title: `live B/state${modeTag(m)}`, width: 12 }] : []),
    { title: `states/s${modeTag(m)}`, width: 8 },
    { title: `Lifespec/SPIN${modeTag(m)}`, width: 13 },
  ]),
  ...(checking ? [{ title: 'check: SPIN + N + 4', width: 19 }] : []),
];
const widths = columns.map((c) => Math.max(c.width, c.title.length));
const row = (cells: string[]) => `| ${cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;

// ---- the run -------------------------------------------------------------------

const haveSpin = installed('spin', '-V');
const haveGcc = installed('gcc', '--version');
if (!haveSpin) console.log('spin is not installed: get it with `apt-get install spin` (Debian package "spin"); running the Lifespec half only.');
else if (!haveGcc) console.log('gcc is not installed (SPIN compiles its verifier with it): get it with `apt-get install gcc`; running the Lifespec half only.');
const withSpin = haveSpin && haveGcc;

// Which reductions a reduced run applied depends on the Lifespec being measured: the notes list them per family.
const lifespecReductions = (reduce: boolean) => (reduce ? 'reductions on (its defaults)' : 'reductions off');
if (withSpin) {
  const v = spawnSync('spin', ['-V'], { encoding: 'utf8' }).stdout.trim();
  console.log(`SPIN: ${v}; spin -a, gcc -O2 -DSAFETY -DMEMLIM=${spinMemoryMb}${noReduce ? ' -DNOREDUCE' : ''}, ./pan (exact search, ${noReduce ? 'no reduction' : 'partial-order reduction'})`);
}
console.log(`Lifespec: check + explore of familySpec(family, N), ${modes.map(lifespecReductions).join('; and ')}; workers: ${workers ?? 'not set'}`);
console.log(`families: ${families.map((f) => `${f} N = ${ranges[f].lo}…${Math.min(ranges[f].hi, maxN)}`).join(', ')}`);
console.log(`time limit: ${seconds} s per tool, family and N; times include generating and compiling (SPIN) and checking (Lifespec)`);
console.log('B/state: SPIN, pan\'s "total actual memory usage" / states (hash table and DFS stack included); Lifespec, peak heap growth / states (heapUsed sampled by the search, garbage included)');
if (live) console.log('live B/state: Lifespec, the largest heap left after a full GC (one each twentieth of the states, in a second, untimed, one-thread run) less the heap before, / states');
console.log('states/s: Lifespec\'s states / its search time');
console.log('');
console.log(row(columns.map((c) => c.title)));
console.log(`|${widths.map((w, i) => (i < 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`);

const work = withSpin ? mkdtempSync(join(tmpdir(), 'lifespec-vs-spin-')) : undefined;
let violated = false;
const notes: string[] = [];
try {
  for (const family of families) {
    let spinOn = withSpin;
    const lifespecOn = modes.map(() => true);
    let lastSpinStates: number | undefined;
    const applied = new Set<string>();
    const { lo } = ranges[family];
    const hi = Math.min(ranges[family].hi, maxN);
    for (let n = lo; n <= hi && (spinOn || lifespecOn.some((x) => x)); n++) {
      let spin: Outcome | undefined;
      if (spinOn) {
        const dir = join(work!, `${family}-n${n}`);
        mkdirSync(dir);
        // Size the hash table from the last N's count (the families grow 5- to 15-fold per importer;
        // 16 times the last count leaves the table under half full).
        const hashBits = lastSpinStates === undefined ? 18 : Math.min(28, Math.max(18, Math.ceil(Math.log2(lastSpinStates * 16))));
        spin = await runSpin(family, n, dir, hashBits);
        lastSpinStates = spin.states;
        if (!spin.done) spinOn = false;
      }
      const ls = modes.map((reduce, k) => {
        if (!lifespecOn[k]) return undefined;
        const o = runLifespec(family, n, reduce);
        if (!o.done) lifespecOn[k] = false;
        if (reduce) for (const x of o.reductions ?? []) applied.add(x);
        return o;
      });
      const cells = [
        family,
        String(n),
        statesCell(spin),
        timeCell(spin, withSpin),
        bytesCell(spin),
        ...ls.flatMap((o) => [statesCell(o), timeCell(o, true), bytesCell(o), ...(live ? [liveCell(o)] : []), rateCell(o), ratioCell(spin, o)]),
        ...(checking ? [checkCell(n, spin, ls[modes.indexOf(false)])] : []),
      ];
      console.log(row(cells));
      for (const [tool, o] of [['SPIN', spin] as const, ...ls.map((o, k) => [`Lifespec${modeTag(modes[k]!)}`, o] as const)]) {
        if (o?.violated) {
          violated = true;
          notes.push(`${tool} found ${family} violated at N=${n} (it should hold): ${o.violated}`);
        } else if (o && !o.done) {
          const why = o.stopped === 'time' ? `reached the time limit of ${seconds} s` : `${o.note ?? o.stopped} after ${fmtS(o.seconds)}`;
          notes.push(`${tool} stopped on ${family} at N=${n}: ${why}${o.states === undefined ? '' : `, with ${fmtInt(o.states)} states`}; it is not run for larger N of ${family}.`);
        }
      }
    }
    if (modes.includes(true)) notes.push(`Lifespec's reductions on ${family}: ${applied.size ? [...applied].join(', ') : 'none applied'}.`);
  }
  console.log('');
  for (const note of notes) console.log(`  ${note}`);
  console.log('  ≥: the states a stopped tool had reached. Lifespec/SPIN: the ratio of the times (< or > when one tool was stopped).');
} finally {
  if (work && !keep) rmSync(work, { recursive: true, force: true });
  else if (work) console.log(`  the Promela models and pan binaries are kept in ${work}`);
}
process.exit(violated ? 1 : 0);
