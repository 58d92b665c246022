/**
 * `lifespec run` and `lifespec test`: explore scenarios and report verdicts.
 *
 * Exit codes: 0 everything holds (run) / every expectation met (test);
 * 1 a violation, a mismatch, or check errors (nothing is explored then);
 * 2 a usage or I/O error; 3 a bound was reached before a verdict.
 */
import { parseArgs } from 'node:util';
import {
  check,
  DEFAULT_MAX_MEMORY_MB,
  DEFAULT_MAX_STATES,
  expectText,
  explore,
  findingAnnotation,
  findingLine,
  formatScenarioResult,
  formatTrace,
  hasErrors,
  junitCase,
  junitXml,
  mismatchText,
  renderTimelines,
  runFindings,
  SarifLog,
  scenarioPlace,
  scenarioToJson,
  contractToJson,
  MAX_SEED,
  simulate,
  specDigest,
  testFindings,
  type Bound,
  type CheckResult,
  type JunitSuite,
  type Program,
  type Progress,
  type ScenarioResult,
  type StartPool,
} from '../index.js';
import { diagnosticToJson, formatDiagnostic, shown, visible } from '../diagnostics/format.js';
import { kernelChecksOn } from '../report/json.js';
import { itfDocuments } from '../report/itf.js';
import { annotate, count, filesLine, formatOption, printAnnotations, printDiagnostics, readAll, sourcesFor, toolVersion } from './check-command.js';
import { checkOutputPath, fileHost, keepNumberSigns, UsageError, writeOutputFile, type Io, type SpecFile } from './io.js';

/** The options that take a number; `--max-states -1` is the value -1, refused by name. */
const numeric = ['max-states', 'timeout', 'max-memory', 'workers', 'seed', 'runs', 'depth', 'walk-seed'];

/** Swarm mode's defaults: a fixed seed, so that a run without --seed can be run again too. */
const DEFAULT_SEED = 0;
const DEFAULT_RUNS = 1000;
const DEFAULT_DEPTH = 100;

const common = `  --max-states N       stop a scenario's search after N distinct states
                       (default ${DEFAULT_MAX_STATES.toLocaleString('en-US')}); the verdict is then INCOMPLETE, exit 3
  --timeout SECONDS    stop a scenario's search after this long (INCOMPLETE, exit 3)
  --max-memory MB      stop when the JavaScript heap in use reaches this much
                       (default ${DEFAULT_MAX_MEMORY_MB.toLocaleString('en-US')}; INCOMPLETE, exit 3)
  --no-reduce          explore without state-space reductions (fields no code
                       reads, symmetry of interchangeable drivers, local steps
                       taken alone); the verdicts, rules and trace lengths are
                       the same
  --exact              tell states apart by their whole keys, not 64-bit
                       fingerprints: no chance of two states taken for one
                       (reported otherwise), at about a kilobyte a state;
                       searches in one thread
  --workers N          search with N threads (default 1); a search starts the
                       others once it has run 0.4 s, and the result is the
                       same for any N: the same states, findings and traces.
                       Not yet faster on a 2-core machine (docs/swarm.md)
  --no-color           never colour the output (also: NO_COLOR=1)
  -h, --help           show this help`;

export const runHelp = `lifespec run — explore every interleaving of a spec's scenarios

Usage:
  lifespec run [--scenario NAME] [--max-states N] [--timeout S] [--max-memory MB]
               [--no-reduce] [--exact] [--workers N] [--format text|json|sarif|itf] [--svg OUT.svg] [--no-color] FILE…
  lifespec run --simulate [--seed S] [--runs R] [--depth D] [--walk-seed W]
               [--scenario NAME] [--timeout S] [--format …] [--svg OUT.svg] FILE…

Several FILEs are explored one after another (JSON: { "files": [report, …] },
SARIF: one log); --scenario and --svg take one FILE. Explores each scenario's threads, choose branches, fault branches (under
\`faults on\`) and the DMA of armed hardware, breadth-first, and prints for each
its verdict, the states and transitions explored and the time; for every
violated rule (and a deadlock), a line \`FILE:LINE:COL: error: RULE: message\`
at the violating step, as compilers print errors, then a shortest trace:
numbered steps with the thread, the event and the source line. A spec with
check errors is not explored. Under GitHub Actions (GITHUB_ACTIONS=true) the
text output also has a \`::error file=…::…\` annotation line per finding.
${filesLine}

Options:
  --scenario NAME      explore only this scenario
  --format text|json|sarif|itf
                       text (default); JSON as described in docs/trace-format.md;
                       SARIF 2.1.0 for code scanning (docs/ci.md); ITF, the
                       Informal Trace Format of Quint and Apalache, a document
                       per trace (docs/trace-format.md)
  --svg OUT.svg        also draw every violated rule's (and deadlock's) trace as a
                       timeline, stacked in one SVG file: a lane per thread and per
                       armed device, the locks held, the objects' lifetimes;
                       written atomically, and never over the input FILE
${common}

Swarm mode (docs/swarm.md), for scenarios too big to explore:
  --simulate           instead of the exhaustive search, take random walks:
                       R per scenario, each at most D steps from the start,
                       each step chosen uniformly among the steps the search
                       would see (no reductions). What a walk finds is
                       reported as the search reports it, with the walk's
                       seed; nothing found is "NO VIOLATION FOUND in R runs of
                       depth D (seed S), not a proof" (JSON: verdict
                       incomplete, bound simulation), exit 3 — never "holds".
                       The same seed, spec and options print the same output,
                       byte for byte (no times are printed).
  --seed S             the seed the walks derive from, 0 to 4294967295
                       (default ${DEFAULT_SEED}); walk i's own seed comes from S and i
  --runs R             walks per scenario (default ${DEFAULT_RUNS.toLocaleString('en-US')})
  --depth D            the most steps a walk takes (default ${DEFAULT_DEPTH})
  --walk-seed W        take only the walk of seed W, as a report names it, to
                       see again what it found
  Reports of different seeds add up: lifespec merge A.json B.json (lifespec help merge).

Exit codes: 0 every rule holds, 1 a violation or deadlock (or check errors),
2 usage or I/O error, 3 a bound was reached before a verdict (with --simulate:
no violation was found, which proves nothing).
`;

export const testHelp = `lifespec test — run every scenario against its \`expect\` line

Usage:
  lifespec test [--max-states N] [--timeout S] [--max-memory MB] [--no-reduce] [--exact] [--workers N]
                [--format text|json|sarif|junit] [--no-color] FILE…

A scenario passes when its outcome matches \`expect\` (\`expect ok\` when it has
none): \`expect violation A, B\` needs A and B among the violated rules (others
may be too), \`expect deadlock\` needs a deadlock. Prints a line per scenario;
for each mismatch a line \`FILE:LINE:COL: error: RULE: message\` at the
violating step (or at the \`expect\` line, for what did not happen) and its
trace; and a summary \`N passed, N failed\` (\`, N incomplete\` for scenarios a
bound left without a verdict). Under GitHub Actions (GITHUB_ACTIONS=true) the
text output also has a \`::error file=…::…\` annotation line per mismatch.
${filesLine}

Options:
  --format text|json|sarif|junit
                       text (default); json: each file's report as \`run\` gives
                       it and a summary; sarif: SARIF 2.1.0; junit: JUnit XML,
                       a testsuite per file (docs/ci.md)
${common}

Exit codes: 0 every expectation met, 1 a mismatch (or check errors), 2 usage
or I/O error, 3 a bound was reached before a verdict (and nothing mismatched).
`;

/** The option that raises each bound, as a bound's reason tells the user. */
function raiseIt(bound: Bound): string | undefined {
  if (bound === 'states') return 'raise it with --max-states';
  if (bound === 'memory') return 'raise it with --max-memory';
  if (bound === 'simulation') return 'more walks: raise --runs or --depth, or add runs of other seeds with lifespec merge';
  return undefined;
}

interface Common {
  /** The search options `run` and `test` share: bounds and reductions. */
  search: { maxStates: number; maxMemoryMb?: number; timeoutMs?: number; reduce: boolean; exact: boolean; heapBytes?: () => number; signal?: { readonly aborted: boolean } };
  color: boolean;
  /** Threads a search may use (--workers). */
  workers: number;
}

/** A number option's value, or a UsageError that names the option, what it needs and what it got. */
function numberOption(name: string, value: string, ok: (n: number) => boolean, needs: string): number {
  const n = Number(value);
  if (value.trim() === '' || !ok(n)) throw new UsageError(`--${name} needs ${needs}, got ${value === '' ? "''" : visible(value)}`);
  return n;
}

function commonOptions(values: { 'max-states'?: string; 'max-memory'?: string; timeout?: string; workers?: string; 'no-color'?: boolean; 'no-reduce'?: boolean; exact?: boolean }, io: Io): Common {
  let maxStates = DEFAULT_MAX_STATES;
  if (values['max-states'] !== undefined) maxStates = numberOption('max-states', values['max-states'], (n) => Number.isSafeInteger(n) && n >= 1, 'a positive integer');
  // Finite once in milliseconds, so no bound is infinity in disguise.
  const positive = (n: number) => n > 0 && Number.isFinite(n * 1000);
  let timeoutMs: number | undefined;
  if (values.timeout !== undefined) timeoutMs = numberOption('timeout', values.timeout, positive, 'a positive number of seconds') * 1000;
  let maxMemoryMb: number | undefined;
  if (values['max-memory'] !== undefined) maxMemoryMb = numberOption('max-memory', values['max-memory'], positive, 'a positive number of megabytes');
  return {
    search: { maxStates, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(maxMemoryMb !== undefined ? { maxMemoryMb } : {}), reduce: !values['no-reduce'], exact: values.exact === true, ...(io.signal ? { signal: io.signal } : {}), ...(io.heapBytes ? { heapBytes: io.heapBytes } : {}) },
    color: io.color && !values['no-color'],
    // One thread unless asked: on the 2-core machines measured, two threads find the same in about the same time, at more CPU (docs/swarm.md).
    workers: values.workers === undefined ? 1 : numberOption('workers', values.workers, (n) => Number.isInteger(n) && n >= 1 && n <= 256, 'a whole number from 1 to 256'),
  };
}

/**
 * The options that search a checked spec with `opts.workers` threads, where
 * the host can start them: the workers check the very texts this one did.
 */
function parallelOptions(program: Program, uri: string, opts: Common, io: Io): { workers?: number; startPool?: StartPool } {
  if (opts.workers <= 1 || !io.startPool) return {};
  const sources = [...program.sources].map(([u, s]) => [u, s.text] as const);
  return { workers: opts.workers, startPool: io.startPool({ uri, sources, reduce: opts.search.reduce, exact: opts.search.exact }) };
}

const optionSpec = {
  'max-states': { type: 'string' },
  'max-memory': { type: 'string' },
  timeout: { type: 'string' },
  workers: { type: 'string' },
  'no-color': { type: 'boolean', default: false },
  'no-reduce': { type: 'boolean', default: false },
  exact: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

/**
 * A progress line on stderr, for searches longer than a second: the file
 * and scenario, states (and their share of --max-states), the rate, the
 * queue still to expand, transitions and time.
 */
export function progressReporter(io: Io, now: () => number, file: string): { onProgress: (p: Progress) => void; done: () => void } {
  let drawn = false;
  let lastLine = 0;
  return {
    onProgress(p) {
      if (p.elapsedMs < 1000) return;
      const share = p.maxStates ? ` (${((100 * p.states) / p.maxStates).toFixed(p.states * 1000 < p.maxStates ? 1 : 0)}% of --max-states)` : '';
      const rate = Math.round((p.states * 1000) / p.elapsedMs).toLocaleString('en-US');
      const queue = p.runs ? `walk ${(p.runs.done + 1).toLocaleString('en-US')} of ${p.runs.of.toLocaleString('en-US')}` : `${p.queued.toLocaleString('en-US')} queued`;
      const text = `${visible(file)} ${shown(p.scenario)}: ${count(p.states, 'state')}${share}, ${rate} states/s, ${queue}, ${count(p.transitions, 'transition')}, ${(p.elapsedMs / 1000).toFixed(1)} s`;
      if (io.errIsTty) {
        io.err(`\r\x1b[K${text}`);
        drawn = true;
      } else if (now() - lastLine >= 5000) {
        lastLine = now();
        io.err(`${text}\n`);
      }
    },
    done() {
      if (drawn) io.err('\r\x1b[K');
      drawn = false;
    },
  };
}

function exitFor(results: readonly ScenarioResult[]): number {
  if (results.some((r) => r.verdict === 'violated' || r.verdict === 'deadlock')) return 1;
  if (results.some((r) => r.verdict === 'incomplete')) return 3;
  return 0;
}

export function commandRun(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({
    args: keepNumberSigns(argv, numeric),
    allowPositionals: true,
    options: {
      ...optionSpec,
      scenario: { type: 'string' },
      format: { type: 'string', default: 'text' },
      svg: { type: 'string' },
      simulate: { type: 'boolean', default: false },
      seed: { type: 'string' },
      runs: { type: 'string' },
      depth: { type: 'string' },
      'walk-seed': { type: 'string' },
    },
  });
  if (values.help) {
    io.out(runHelp);
    return 0;
  }
  const opts = commonOptions(values, io);
  const swarm = swarmOptions(values);
  const format = formatOption(values.format, ['text', 'json', 'sarif', 'itf']);
  if (positionals.length > 1 && values.svg !== undefined) throw new UsageError('--svg draws the timelines of one FILE; run the files one at a time');
  if (positionals.length > 1 && values.scenario !== undefined) throw new UsageError('--scenario names a scenario of one FILE; run the files one at a time');
  const files = readAll(positionals, 'run needs a FILE (try: lifespec run examples/vfio_mlx5_hotunplug.lspec)');
  // Refuse an output over the input (or a device, a directory) before the search, not after it.
  if (values.svg !== undefined) checkOutputPath(values.svg, files, '--svg timeline');
  // Several files: one SARIF log for all, JSON as `test --format json` writes it ({ files: [...] }), text one after another.
  const sarif = format === 'sarif' ? new SarifLog({ version: toolVersion }) : undefined;
  const reports: unknown[] = [];
  let code = 0;
  for (const file of files) {
    const c = runFile(file, files, { ...values, ...(swarm ? { swarm } : {}) }, opts, format, io, sarif, (r) => reports.push(r));
    code = worse(code, c);
  }
  if (sarif) io.out(`${JSON.stringify(sarif.toJson(code), null, 2)}\n`);
  if (format === 'json') io.out(`${JSON.stringify(files.length === 1 ? reports[0] : { files: reports }, null, 2)}\n`);
  // ITF: one document per trace, of every file, in report order.
  if (format === 'itf') io.out(`${JSON.stringify(reports.flat(), null, 2)}\n`);
  return code;
}

/** The exit code of several results: a finding (1) over incomplete (3) over clean (0). */
function worse(a: number, b: number): number {
  const rank = (c: number) => (c === 1 ? 2 : c === 3 ? 1 : 0);
  return rank(b) > rank(a) ? b : a;
}

type Swarm = { seed: number; runs: number; depth: number; walkSeed?: number };
type RunValues = { scenario?: string; svg?: string; swarm?: Swarm };

/** `--simulate` and its options, or undefined for the exhaustive search; options of the one mode are refused in the other. */
function swarmOptions(values: { simulate?: boolean; seed?: string; runs?: string; depth?: string; 'walk-seed'?: string; 'max-states'?: string; 'max-memory'?: string; workers?: string; 'no-reduce'?: boolean; exact?: boolean }): Swarm | undefined {
  const own = (['seed', 'runs', 'depth', 'walk-seed'] as const).filter((o) => values[o] !== undefined);
  if (!values.simulate) {
    if (own.length) throw new UsageError(`--${own[0]} is an option of swarm mode: add --simulate (lifespec help run)`);
    return undefined;
  }
  const search = (['max-states', 'max-memory', 'workers', 'no-reduce', 'exact'] as const).filter((o) => values[o] !== undefined && values[o] !== false);
  if (search.length) throw new UsageError(`--${search[0]} ${search[0] === 'exact' || search[0] === 'workers' ? 'is an option of' : 'bounds'} the exhaustive search; --simulate takes --runs and --depth (and --timeout)`);
  const seedOk = (n: number) => Number.isInteger(n) && n >= 0 && n <= MAX_SEED;
  const count = (n: number) => Number.isSafeInteger(n) && n >= 1;
  const seed = values.seed === undefined ? DEFAULT_SEED : numberOption('seed', values.seed, seedOk, `a whole number from 0 to ${MAX_SEED}`);
  const runs = values.runs === undefined ? DEFAULT_RUNS : numberOption('runs', values.runs, count, 'a positive integer');
  const depth = values.depth === undefined ? DEFAULT_DEPTH : numberOption('depth', values.depth, count, 'a positive integer');
  const walk = values['walk-seed'];
  if (walk !== undefined && (values.seed !== undefined || values.runs !== undefined)) throw new UsageError('--walk-seed takes one walk by its own seed: leave out --seed and --runs');
  return { seed, runs, depth, ...(walk !== undefined ? { walkSeed: numberOption('walk-seed', walk, seedOk, `a whole number from 0 to ${MAX_SEED}`) } : {}) };
}

/** One FILE of `lifespec run`: text goes out as it comes; JSON reports go to `report`, SARIF findings into `sarif`. */
function runFile(file: SpecFile, files: readonly SpecFile[], values: RunValues, opts: Common, format: string, io: Io, sarif: SarifLog | undefined, report: (r: unknown) => void): number {
  const { path, text } = file;
  const checked = check(text, { uri: path, host: fileHost() });
  if (hasErrors(checked.diagnostics)) {
    if (format === 'json') {
      const lookup = sourcesFor(path, text, checked.program);
      report({ file: path, ...contractToJson(checked.program), diagnostics: checked.diagnostics.map((d) => diagnosticToJson(d, lookup(d.uri))), scenarios: [] });
      return 1;
    }
    if (sarif) {
      sarif.addDiagnostics(checked.diagnostics, sourcesFor(path, text, checked.program));
      return 1;
    }
    printDiagnostics(checked, path, text, io, opts.color);
    if (annotate(io)) printAnnotations(checked.diagnostics, path, text, checked.program, io);
    io.err(`${visible(path)}: not explored: fix the errors above first\n`);
    return 1;
  }
  if (values.scenario !== undefined && !checked.program.scenarios.has(values.scenario)) {
    const names = [...checked.program.scenarios.keys()];
    throw new UsageError(`no scenario '${values.scenario}' in ${path}${names.length ? ` (it has ${names.join(', ')})` : ''}`);
  }
  if (checked.program.scenarios.size === 0) {
    if (format === 'json') report({ file: path, ...contractToJson(checked.program), scenarios: [] });
    else if (format === 'text') io.out(`${visible(path)}: no scenarios to explore\n`);
    return 0;
  }
  const now = () => Date.now();
  const progress = progressReporter(io, now, path);
  if (format === 'text') io.out(`${visible(path)}\n${contractLines(checked.program).join('')}`);
  const swarm = values.swarm;
  const { timeoutMs, signal } = opts.search;
  const shared = {
    ...(values.scenario !== undefined ? { scenario: values.scenario } : {}),
    onProgress: progress.onProgress,
    onScenario: (r: ScenarioResult) => {
      progress.done();
      if (format !== 'text') return;
      io.out(`${formatScenarioResult(r, checked.program.sources, { color: opts.color, hint: raiseIt, quickfix: true })}\n`);
      if (annotate(io)) for (const f of runFindings(r, checked.program, { hint: raiseIt })) io.out(`${findingAnnotation(f)}\n`);
    },
  };
  // Swarm mode is bounded by its walks: of the search's bounds only the time and the stop signal apply.
  const result = swarm ? simulate(checked.program, { ...swarm, ...(timeoutMs !== undefined ? { timeoutMs } : {}), ...(signal ? { signal } : {}), ...shared }) : explore(checked.program, { ...opts.search, ...shared, ...parallelOptions(checked.program, path, opts, io) });
  if (sarif) {
    if (values.svg !== undefined) writeTimelines(values.svg, files, result.scenarios, checked.program, io.err);
    for (const r of result.scenarios) sarif.addFindings(runFindings(r, checked.program, { hint: raiseIt }), checked.program);
  } else if (format === 'itf') {
    report(result.scenarios.flatMap((r) => itfDocuments(r, checked.program, path)));
  } else if (format === 'json') {
    // The file first: a write error then leaves stdout without a half-true report.
    if (values.svg !== undefined) writeTimelines(values.svg, files, result.scenarios, checked.program, io.err);
    const spec = specDigest([...checked.program.sources.values()].map((s) => s.text));
    const scenarios = result.scenarios.map((r) => scenarioToJson(r, checked.program.sources, { hint: raiseIt, spec }));
    report({ file: path, ...contractToJson(checked.program), scenarios });
  } else {
    io.out(`${summaryLine(result.scenarios)}\n`);
  }
  if (values.svg !== undefined && format === 'text') writeTimelines(values.svg, files, result.scenarios, checked.program, io.out);
  return exitFor(result.scenarios);
}

/** `2 scenarios: 1 ok, 1 violated`; a swarm run's never counts one ok: `2 scenarios simulated: 1 violated, 1 with no violation found (not a proof)`. */
export function summaryLine(results: readonly ScenarioResult[]): string {
  const by = (v: ScenarioResult['verdict']) => results.filter((r) => r.verdict === v).length;
  const walked = results.filter((r) => r.verdict === 'incomplete' && r.incomplete?.bound === 'simulation').length;
  const parts = [
    ...(results.some((r) => r.simulation) ? [] : [`${by('ok')} ok`]),
    `${by('violated') + by('deadlock')} violated`,
    ...(walked ? [`${walked} with no violation found (not a proof)`] : []),
    ...(by('incomplete') - walked ? [`${by('incomplete') - walked} incomplete`] : []),
  ];
  return `${count(results.length, 'scenario')}${results.some((r) => r.simulation) ? ' simulated' : ''}: ${parts.join(', ')}`;
}

/**
 * What the verdicts are relative to (LANGUAGE.md §6, §10): the kernel contract,
 * the kernel checks that apply without a `use`, and the rules `allow` turned off.
 */
function contractLines(program: Program): string[] {
  const lines = [`  contract: ${program.contract.text}\n`];
  const on = kernelChecksOn(program);
  if (on.length) lines.push(`  kernel checks on by default: ${on.join(', ')}\n`);
  if (program.allowed.length) lines.push(`  allowed, not checked: ${program.allowed.join(', ')}\n`);
  return lines;
}

/** `--svg OUT.svg`: every finding's timeline in one file, and a line that says where it went. */
function writeTimelines(out: string, inputs: readonly SpecFile[], results: readonly ScenarioResult[], program: Program, say: (s: string) => void): void {
  const findings = results.reduce((n, r) => n + r.violations.length + (r.deadlock ? 1 : 0), 0);
  writeOutputFile(out, renderTimelines(results, { sources: program.sources }), inputs, '--svg timeline');
  say(findings ? `${count(findings, 'timeline')} written to ${visible(out)}\n` : `no violation to draw; ${visible(out)} says so\n`);
}

/** One file of `lifespec test`: its check, and its scenarios' results when it checked clean. */
interface TestedFile {
  readonly path: string;
  readonly text: string;
  readonly checked: CheckResult;
  readonly results: ScenarioResult[];
}

/** `spec.lspec:12:3`: where a scenario's outcome is judged (its `expect` line, else its name). */
function placeText(program: Program, scenario: string): string {
  const p = scenarioPlace(program, scenario);
  return `${visible(p.uri)}:${p.line}:${p.column}`;
}

/** The text lines of one scenario's outcome: pass, or FAIL/INCOMPLETE with each finding located and its trace. */
function testLines(r: ScenarioResult, path: string, program: Program, io: Io, color: boolean): string {
  const name = `${visible(path)} ${shown(r.scenario)} (${expectText(r)})`;
  if (r.expectMet === true) return `pass ${name}: ${r.verdict}, ${count(r.states, 'state')}\n`;
  const sources = program.sources;
  const findings = testFindings(r, program, { hint: raiseIt });
  const lines = [`${r.expectMet === undefined ? 'INCOMPLETE' : 'FAIL'} ${name}: ${mismatchText(r, sources, { hint: raiseIt })} (${placeText(program, r.scenario)})`];
  for (const f of findings) {
    if (f.kind === 'incomplete') continue;
    lines.push(findingLine(f, { color }));
    if (f.trace) lines.push(...formatTrace(f.trace, sources, '    ', { color }));
  }
  if (annotate(io)) lines.push(...findings.map(findingAnnotation));
  return `${lines.join('\n')}\n`;
}

/** The JSON of `lifespec test`: each file's report as `run --format json` gives it, and the summary. */
function testJson(tested: readonly TestedFile[], summary: { passed: number; failed: number; incomplete: number }): string {
  const files = tested.map(({ path, text, checked, results }) => {
    if (hasErrors(checked.diagnostics)) {
      const lookup = sourcesFor(path, text, checked.program);
      return { file: path, ...contractToJson(checked.program), diagnostics: checked.diagnostics.map((d) => diagnosticToJson(d, lookup(d.uri))), scenarios: [] };
    }
    return { file: path, ...contractToJson(checked.program), scenarios: results.map((r) => scenarioToJson(r, checked.program.sources, { hint: raiseIt })) };
  });
  return `${JSON.stringify({ files, summary }, null, 2)}\n`;
}

/** JUnit XML: a suite per file; a file with check errors is one failed case, `check`. */
function testJunit(tested: readonly TestedFile[]): string {
  const suites: JunitSuite[] = tested.map(({ path, text, checked, results }) => {
    if (!hasErrors(checked.diagnostics)) return { file: path, cases: results.map((r) => junitCase(r, testFindings(r, checked.program, { hint: raiseIt }), checked.program)) };
    const lookup = sourcesFor(path, text, checked.program);
    const shownDiagnostics = checked.diagnostics.map((d) => formatDiagnostic(d, lookup));
    const first = shownDiagnostics[0]!.split('\n')[0]!;
    return { file: path, cases: [{ name: 'check', timeMs: 0, problem: { element: 'failure', type: 'check-errors', message: first, text: shownDiagnostics.join('\n') } }] };
  });
  return junitXml(suites);
}

export function commandTest(argv: string[], io: Io): number {
  const { values, positionals } = parseArgs({ args: keepNumberSigns(argv, numeric), allowPositionals: true, options: { ...optionSpec, format: { type: 'string', default: 'text' } } });
  if (values.help) {
    io.out(testHelp);
    return 0;
  }
  const opts = commonOptions(values, io);
  const format = formatOption(values.format, ['text', 'json', 'sarif', 'junit']);
  const text = format === 'text';
  const files = readAll(positionals, 'test needs at least one FILE (try: lifespec test examples/*.lspec)');
  let passed = 0;
  let failed = 0;
  let incomplete = 0;
  const tested: TestedFile[] = [];
  for (const { path, text: spec } of files) {
    const checked = check(spec, { uri: path, host: fileHost() });
    const results: ScenarioResult[] = [];
    tested.push({ path, text: spec, checked, results });
    if (hasErrors(checked.diagnostics)) {
      failed++;
      if (!text) continue;
      printDiagnostics(checked, path, spec, io, opts.color);
      if (annotate(io)) printAnnotations(checked.diagnostics, path, spec, checked.program, io);
      io.out(`FAIL ${visible(path)}: check errors, not explored\n`);
      continue;
    }
    const progress = progressReporter(io, () => Date.now(), path);
    explore(checked.program, {
      ...opts.search,
      ...parallelOptions(checked.program, path, opts, io),
      onProgress: progress.onProgress,
      onScenario: (r) => {
        progress.done();
        results.push(r);
        if (r.expectMet === true) passed++;
        else if (r.expectMet === undefined) incomplete++;
        else failed++;
        if (text) io.out(testLines(r, path, checked.program, io, opts.color));
      },
    });
  }
  // Incomplete is neither passed nor failed: exit 3 when it is the only problem.
  const code = failed > 0 ? 1 : incomplete > 0 ? 3 : 0;
  if (format === 'json') io.out(testJson(tested, { passed, failed, incomplete }));
  else if (format === 'junit') io.out(testJunit(tested));
  else if (format === 'sarif') {
    const sarif = new SarifLog({ version: toolVersion });
    for (const t of tested) {
      if (hasErrors(t.checked.diagnostics)) sarif.addDiagnostics(t.checked.diagnostics, sourcesFor(t.path, t.text, t.checked.program));
      else for (const r of t.results) sarif.addFindings(testFindings(r, t.checked.program, { hint: raiseIt }), t.checked.program);
    }
    io.out(`${JSON.stringify(sarif.toJson(code), null, 2)}\n`);
  } else io.out(`${passed} passed, ${failed} failed${incomplete ? `, ${incomplete} incomplete` : ''}\n`);
  return code;
}
