/**
 * Lifespec against SPIN on the importer-race family, in one run: for each
 * N = 4…MAX_N, SPIN checks the hand-written Promela model of the family
 * (bench/spin/importer-race.ts) and Lifespec explores the generated spec
 * `importerRace(N)` (bench/generate.ts). Prints, per N, both state counts,
 * both times and the ratio of the times (Lifespec / SPIN).
 *
 *   npm run bench:vs-spin [-- MAX_N [SECONDS]] [--no-reduce] [--spin-memory MB]
 *                             [--lifespec-memory MB] [--keep]
 *
 * MAX_N defaults to 16 and SECONDS, the time limit of each tool for each N, to
 * 120. SPIN's time is `spin -a` + `gcc` + `./pan` together, Lifespec's is
 * `check` + `explore` through the library (what `lifespec run` does, with no
 * state limit). The tools run one after the other, never at the same time.
 *
 * SPIN is compiled as an exact, complete safety search: -DSAFETY (assertions
 * and invalid end states, no never claim), partial-order reduction on (SPIN's
 * default), no bitstate and no hash-compact (-DHC is a lossy signature), and
 * -DMEMLIM (default: 8 GB or 60% of the machine's memory, if less) so a
 * search too big for the machine stops instead of swapping. Lifespec runs
 * with its reductions on (its default): symmetry of the importers, and
 * partial-order reduction of local steps. A tool that reaches its time limit
 * is stopped and marked "> S s (stopped)", with the states it had reached;
 * it is not run for larger N. Lifespec keeps its own memory bound
 * (`maxMemoryMb`, default 1,500 MB; `--lifespec-memory`, which past about
 * 3,000 needs a larger heap: NODE_OPTIONS=--max-old-space-size=MB).
 *
 * `--no-reduce` turns both reductions off (pan -DNOREDUCE, Lifespec
 * `reduce: false`). The two explorers then count the same state space, apart
 * from what only the Lifespec spec has: its N + 3 states before the state
 * the Promela model starts in (the initial state, and those after the binds
 * and after the entry of `exporter.export()`), and the one state after the
 * `parallel`'s `join` (the attachments are a set and the walk's order is
 * forgotten when it ends, so every run finishes in the same state). A last
 * column checks SPIN + (N + 3) + 1 = Lifespec (bench/spin/README.md).
 *
 * The bench installs nothing. Without `spin` (or `gcc`) it says in one line how
 * to get it (`apt-get install spin`, the Debian package) and runs the
 * Lifespec half only, exiting 0. It exits 1 if either tool finds the family
 * violated (it holds for every N), and 2 on a usage error.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { check, explore } from '../src/index.js';
import { importerRace } from './generate.js';
import { importerRacePromela } from './spin/importer-race.js';

const MIN_N = 4;
const usage = 'usage: npm run bench:vs-spin [-- MAX_N [SECONDS]] [--no-reduce] [--spin-memory MB] [--lifespec-memory MB] [--keep]';

// ---- arguments ---------------------------------------------------------------

const argv = process.argv.slice(2);
const positional: string[] = [];
let noReduce = false;
let keep = false;
let spinMemoryMb = Math.min(8192, Math.floor((totalmem() / 1024 / 1024) * 0.6));
let lifespecMemoryMb: number | undefined;
for (let i = 0; i < argv.length; i++) {
  const a = argv[i]!;
  if (a === '--no-reduce') noReduce = true;
  else if (a === '--keep') keep = true;
  else if (a === '--spin-memory') spinMemoryMb = Number(argv[++i]);
  else if (a.startsWith('--spin-memory=')) spinMemoryMb = Number(a.slice('--spin-memory='.length));
  else if (a === '--lifespec-memory') lifespecMemoryMb = Number(argv[++i]);
  else if (a.startsWith('--lifespec-memory=')) lifespecMemoryMb = Number(a.slice('--lifespec-memory='.length));
  else if (a.startsWith('-')) fatalUsage(`unknown option ${a}`);
  else positional.push(a);
}
const maxN = Number(positional[0] ?? 16);
const seconds = Number(positional[1] ?? 120);
if (!Number.isInteger(maxN) || maxN < MIN_N || maxN > 250) fatalUsage(`MAX_N must be an integer from ${MIN_N} to 250, got ${positional[0]}`);
if (!(seconds > 0)) fatalUsage(`SECONDS must be a positive number, got ${positional[1]}`);
if (!(spinMemoryMb >= 64)) fatalUsage('--spin-memory must be at least 64 (MB)');
if (lifespecMemoryMb !== undefined && !(lifespecMemoryMb > 0)) fatalUsage('--lifespec-memory must be a positive number (MB)');

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
}

/** pan prints large counts with %g, e.g. `1.2345679e+08 states, stored`. */
function panNumber(out: string, label: RegExp): number | undefined {
  const m = label.exec(out);
  return m ? Number(m[1]) : undefined;
}

async function runSpin(n: number, dir: string, hashBits: number): Promise<Outcome> {
  const limitMs = seconds * 1000;
  const t0 = performance.now();
  const left = () => limitMs - (performance.now() - t0);
  const stoppedAt = (): Outcome => ({ states: undefined, seconds: (performance.now() - t0) / 1000, done: false, stopped: 'time' });
  writeFileSync(join(dir, 'importer_race.pml'), importerRacePromela(n));

  const gen = await run('spin', ['-a', 'importer_race.pml'], dir, left());
  if (gen.timedOut) return stoppedAt();
  if (gen.status !== 0) throw new Error(`spin -a failed (exit ${gen.status}):\n${gen.stdout}${gen.stderr}`);

  // -w: pan's default warnings about pan.c's generic array code are noise here.
  const cflags = ['-O2', '-w', '-DSAFETY', `-DMEMLIM=${spinMemoryMb}`, ...(noReduce ? ['-DNOREDUCE'] : [])];
  const cc = await run('gcc', [...cflags, '-o', 'pan', 'pan.c'], dir, left());
  if (cc.timedOut) return stoppedAt();
  if (cc.status !== 0) throw new Error(`gcc ${cflags.join(' ')} -o pan pan.c failed (exit ${cc.status}):\n${cc.stderr}`);

  // -m: the search depth bound, far above the longest run (about 12N steps);
  // -w: the hash table's size (2^w slots); -n: no list of unreached code.
  const depth = Math.max(10_000, 20 * n);
  const pan = await run('./pan', [`-m${depth}`, `-w${hashBits}`, '-n'], dir, left());
  const seconds_ = (performance.now() - t0) / 1000;
  const out = pan.stdout + pan.stderr;
  const states = panNumber(out, /([\d.e+]+) states, stored/);
  const errors = panNumber(out, /errors: (\d+)/);
  const searchSeconds = pan.seconds;
  if (errors !== undefined && errors > 0) {
    const what = out.split('\n').filter((l) => /^pan:\d*:|assertion violated|invalid end state/.test(l));
    return { states, seconds: seconds_, done: false, violated: what.join('; ') || `${errors} error(s)`, searchSeconds };
  }
  if (pan.timedOut) return { states, seconds: seconds_, done: false, stopped: 'time', searchSeconds };
  if (/reached -DMEMLIM bound/.test(out)) {
    return { states, seconds: seconds_, done: false, stopped: 'memory', note: `pan reached its memory limit (-DMEMLIM=${spinMemoryMb}, in MB; --spin-memory)`, searchSeconds };
  }
  if (/max search depth too small/.test(out)) return { states, seconds: seconds_, done: false, stopped: 'depth', note: `pan's depth bound -m${depth} was too small`, searchSeconds };
  if (pan.status !== 0 || states === undefined || errors === undefined) throw new Error(`./pan failed (exit ${pan.status}):\n${out.slice(-2000)}`);
  return { states, seconds: seconds_, done: true, searchSeconds };
}

// ---- Lifespec ------------------------------------------------------------------

function runLifespec(n: number): Outcome {
  const t0 = performance.now();
  const { program, diagnostics } = check(importerRace(n), { uri: `importer-race-${n}.lspec` });
  if (diagnostics.length > 0) throw new Error(`importerRace(${n}) has diagnostics: ${diagnostics[0]!.message}`);
  const left = seconds * 1000 - (performance.now() - t0);
  const [r] = explore(program, { maxStates: Number.MAX_SAFE_INTEGER, timeoutMs: Math.max(1, left), reduce: !noReduce, ...(lifespecMemoryMb ? { maxMemoryMb: lifespecMemoryMb } : {}) }).scenarios;
  const s = (performance.now() - t0) / 1000;
  if (r!.verdict === 'ok') return { states: r!.states, seconds: s, done: true };
  if (r!.verdict === 'incomplete') {
    const reason = r!.incomplete?.reason ?? 'stopped';
    if (reason.startsWith('stopped at the time limit')) return { states: r!.states, seconds: s, done: false, stopped: 'time' };
    return { states: r!.states, seconds: s, done: false, stopped: reason.startsWith('stopped at the memory limit') ? 'memory' : 'bound', note: reason.replace('--max-memory', '--lifespec-memory') };
  }
  const what = r!.deadlock ? 'deadlock' : r!.violations.map((v) => v.rule).join(', ');
  return { states: r!.states, seconds: s, done: false, violated: `${r!.verdict}: ${what}` };
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
  if (o.violated) return `${fmtS(o.seconds)} VIOLATED`;
  if (o.stopped === 'time') return `> ${seconds} s (stopped)`;
  if (o.stopped) return `${fmtS(o.seconds)} (stopped: ${o.stopped})`;
  return fmtS(o.seconds);
}

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
 * With --no-reduce, Lifespec's count is SPIN's plus its N + 3 states before
 * the Promela model's initial state and its one `join` state (the importers'
 * attachments are a set, so every run ends in the same state).
 */
function exactCell(n: number, spin: Outcome | undefined, ls: Outcome | undefined): string {
  if (!spin?.done || !ls?.done || spin.states === undefined || ls.states === undefined) return '—';
  const d = ls.states - (spin.states + n + 3 + 1);
  return d === 0 ? 'equal' : `off by ${fmtInt(d)}`;
}

const columns = [
  { title: 'N', width: 3 },
  { title: 'SPIN states', width: 14 },
  { title: 'SPIN time', width: 24 },
  { title: '(pan alone)', width: 11 },
  { title: 'Lifespec states', width: 15 },
  { title: 'Lifespec time', width: 24 },
  { title: 'Lifespec/SPIN', width: 13 },
  ...(noReduce ? [{ title: 'SPIN + (N+3) + 1', width: 16 }] : []),
];
const row = (cells: string[]) => '  ' + cells.map((c, i) => c.padStart(columns[i]!.width)).join('  ');

// ---- the run -------------------------------------------------------------------

const haveSpin = installed('spin', '-V');
const haveGcc = installed('gcc', '--version');
if (!haveSpin) console.log('spin is not installed: get it with `apt-get install spin` (Debian package "spin"); running the Lifespec half only.');
else if (!haveGcc) console.log('gcc is not installed (SPIN compiles its verifier with it): get it with `apt-get install gcc`; running the Lifespec half only.');
const withSpin = haveSpin && haveGcc;

if (withSpin) {
  const v = spawnSync('spin', ['-V'], { encoding: 'utf8' }).stdout.trim();
  console.log(`SPIN: ${v}; spin -a, gcc -O2 -DSAFETY -DMEMLIM=${spinMemoryMb}${noReduce ? ' -DNOREDUCE' : ''}, ./pan (exact search, ${noReduce ? 'no reduction' : 'partial-order reduction'})`);
}
console.log(`Lifespec: check + explore of importerRace(N), ${noReduce ? 'no reduction' : 'symmetry of the importers, partial-order reduction of local steps'}`);
console.log(`time limit: ${seconds} s per tool and N; times include generating and compiling (SPIN) and checking (Lifespec)`);
console.log('');
console.log(row(columns.map((c) => c.title)));

const work = withSpin ? mkdtempSync(join(tmpdir(), 'lifespec-vs-spin-')) : undefined;
let spinOn = withSpin;
let lifespecOn = true;
let violated = false;
let lastSpinStates: number | undefined;
const notes: string[] = [];
try {
  for (let n = MIN_N; n <= maxN && (spinOn || lifespecOn); n++) {
    let spin: Outcome | undefined;
    if (spinOn) {
      const dir = join(work!, `n${n}`);
      mkdirSync(dir);
      // Size the hash table from the last N's count (the family grows about 6-fold per importer,
      // with or without reduction; 16 times the last count leaves the table under half full).
      const hashBits = lastSpinStates === undefined ? 24 : Math.min(28, Math.max(18, Math.ceil(Math.log2(lastSpinStates * 16))));
      spin = await runSpin(n, dir, hashBits);
      lastSpinStates = spin.states;
      if (!spin.done) spinOn = false;
    }
    let ls: Outcome | undefined;
    if (lifespecOn) {
      ls = runLifespec(n);
      if (!ls.done) lifespecOn = false;
    }
    const cells = [
      String(n),
      statesCell(spin),
      timeCell(spin, withSpin),
      spin?.searchSeconds !== undefined ? fmtS(spin.searchSeconds) : '—',
      statesCell(ls),
      timeCell(ls, true),
      ratioCell(spin, ls),
      ...(noReduce ? [exactCell(n, spin, ls)] : []),
    ];
    console.log(row(cells));
    for (const [tool, o] of [
      ['SPIN', spin],
      ['Lifespec', ls],
    ] as const) {
      if (o?.violated) {
        violated = true;
        console.log(`     ${tool} found the family violated at N=${n} (it should hold): ${o.violated}`);
      } else if (o && !o.done) {
        const why = o.stopped === 'time' ? `reached the time limit of ${seconds} s` : `${o.note ?? o.stopped} after ${fmtS(o.seconds)}`;
        notes.push(`${tool} stopped at N=${n}: ${why}${o.states === undefined ? '' : `, with ${fmtInt(o.states)} states`}; it is not run for larger N.`);
      }
    }
  }
  console.log('');
  for (const note of notes) console.log(`  ${note}`);
  console.log('  ≥: the states a stopped tool had reached. Lifespec/SPIN: the ratio of the times (< or > when one tool was stopped).');
} finally {
  if (work && !keep) rmSync(work, { recursive: true, force: true });
  else if (work) console.log(`  the Promela models and pan binaries are kept in ${work}`);
}
process.exit(violated ? 1 : 0);
