/**
 * Merging swarm reports (`lifespec merge`): the JSON reports of swarm runs
 * of one spec with different seeds, as one report of all their walks —
 * every rule any of them found, the shortest trace of each, the runs
 * summed and the seeds listed. Reports of different specs, scenarios or
 * depths, or of the exhaustive search, are refused: their sum would claim
 * walks nobody took. Works on parsed JSON, so it runs where the reports
 * are, without the spec.
 */
import type { Bound, ScenarioResult, Simulation } from '../explore/result.js';
import { simulationIncomplete } from '../explore/verdict.js';
import { TRACE_FORMAT_VERSION, type ScenarioJson, type SimulationJson, type StepJson } from './json.js';
import type { Sources } from './positions.js';

/** A report to merge: its name (a path) as messages show it, its text (for the lines messages point at) and its parsed JSON. */
export interface MergeInput {
  readonly name: string;
  readonly text: string;
  readonly json: unknown;
}

/** The report fields other than the scenarios, as `run --format json` writes them. */
export interface ReportJson {
  readonly file: string;
  readonly formatVersion: number;
  readonly contract: { readonly linux: string; readonly targeted: boolean };
  readonly kernelChecks: readonly string[];
  readonly allowed: readonly string[];
  readonly scenarios: readonly ScenarioJson[];
}

/** Why reports cannot be merged, at a line of one of them. */
export class MergeError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    message: string,
  ) {
    super(message);
    this.name = 'MergeError';
  }
}

/** The 1-based line of the first `needle` in `text` at or after `from` (line 1 when it is not there). */
function lineOf(text: string, needle: string, from = 0): number {
  const at = text.indexOf(needle, from);
  if (at < 0) return 1;
  let line = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < at; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

/** Where scenario `name` starts in a report's text. */
function scenarioLine(input: MergeInput, name: string): number {
  return lineOf(input.text, `"scenario": ${JSON.stringify(name)}`);
}

/** A report as merge reads it, or a MergeError that says what it is instead. */
function readReport(input: MergeInput): ReportJson {
  const j = input.json as Partial<ReportJson> & { files?: unknown; diagnostics?: unknown };
  const run = 'lifespec run --simulate --format json writes one';
  if (typeof j !== 'object' || j === null || Array.isArray(j)) throw new MergeError(input.name, 1, `not a Lifespec JSON report (${run})`);
  if (Array.isArray(j.files)) throw new MergeError(input.name, lineOf(input.text, '"files"'), `a report of several specs; merge takes the reports of one spec, each from its own run (${run})`);
  if (!Array.isArray(j.scenarios) || typeof j.file !== 'string') throw new MergeError(input.name, 1, `not a Lifespec JSON report (${run})`);
  if (j.formatVersion !== TRACE_FORMAT_VERSION) throw new MergeError(input.name, lineOf(input.text, '"formatVersion"'), `formatVersion ${JSON.stringify(j.formatVersion)}, not ${TRACE_FORMAT_VERSION}: a report of another Lifespec version`);
  if (j.diagnostics !== undefined) throw new MergeError(input.name, lineOf(input.text, '"diagnostics"'), 'the spec has check errors: nothing was simulated');
  if (j.scenarios.length === 0) throw new MergeError(input.name, lineOf(input.text, '"scenarios"'), 'no scenarios: nothing was simulated');
  for (const s of j.scenarios) {
    const sim = (s as Partial<ScenarioJson>).simulation;
    if (typeof sim !== 'object' || sim === null) throw new MergeError(input.name, scenarioLine(input, s.scenario), `scenario '${s.scenario}' was explored, not simulated: merge takes swarm reports (${run})`);
    if (sim.walk !== undefined) throw new MergeError(input.name, lineOf(input.text, '"walk"'), `scenario '${s.scenario}' is the walk of seed ${sim.walk} taken alone, not a swarm run of a seed`);
  }
  return j as ReportJson;
}

/** The report of all the inputs' walks: the first input's fields, every scenario merged. `hint` adds the host's advice to a merged reason, as scenarioToJson does. */
export function mergeReports(inputs: readonly MergeInput[], hint?: (bound: Bound) => string | undefined): ReportJson {
  const reports = inputs.map(readReport);
  const first = reports[0]!;
  const firstIn = inputs[0]!;
  const names = first.scenarios.map((s) => s.scenario);
  const seedOwner = new Map<number, string>();
  reports.forEach((r, i) => {
    const input = inputs[i]!;
    if (r.scenarios[0]!.simulation!.spec !== first.scenarios[0]!.simulation!.spec) {
      throw new MergeError(input.name, lineOf(input.text, '"spec"'), `a report of another spec than ${firstIn.name} (${r.file} and ${first.file} differ in their texts): walks of different specs do not add up`);
    }
    const theirs = r.scenarios.map((s) => s.scenario);
    const missing = names.find((n) => !theirs.includes(n));
    if (missing !== undefined) throw new MergeError(input.name, lineOf(input.text, '"scenarios"'), `has no scenario '${missing}', which ${firstIn.name} has: merge reports of the same scenarios (the same --scenario)`);
    const extra = theirs.find((n) => !names.includes(n));
    if (extra !== undefined) throw new MergeError(input.name, scenarioLine(input, extra), `scenario '${extra}' is not in ${firstIn.name}: merge reports of the same scenarios (the same --scenario)`);
    for (const s of r.scenarios) {
      const sim = s.simulation!;
      const depth = first.scenarios[0]!.simulation!.depth;
      if (sim.depth !== depth) throw new MergeError(input.name, lineOf(input.text, '"depth"', input.text.indexOf(`"scenario": ${JSON.stringify(s.scenario)}`)), `scenario '${s.scenario}' was walked to depth ${sim.depth}, ${firstIn.name} to depth ${depth}: merge runs of one --depth`);
    }
    for (const seed of r.scenarios[0]!.simulation!.seeds) {
      const owner = seedOwner.get(seed);
      if (owner !== undefined) throw new MergeError(input.name, lineOf(input.text, '"seeds"'), `seed ${seed} is in ${owner} too: its walks would be counted twice`);
      seedOwner.set(seed, input.name);
    }
  });
  const scenarios = names.map((name) => mergeScenario(reports.map((r) => r.scenarios.find((s) => s.scenario === name)!), hint));
  return { file: first.file, formatVersion: first.formatVersion, contract: first.contract, kernelChecks: first.kernelChecks, allowed: first.allowed, scenarios };
}

/** One scenario's results over several swarm runs. */
function mergeScenario(parts: readonly ScenarioJson[], hint: ((bound: Bound) => string | undefined) | undefined): ScenarioJson {
  const first = parts[0]!;
  type Kept = { v: ScenarioJson['violations'][number]; seed: number | undefined; order: number };
  const kept = new Map<string, Kept>();
  let order = 0;
  let deadlock: { d: NonNullable<ScenarioJson['deadlock']>; seed: number | undefined } | undefined;
  for (const p of parts) {
    const seedOf = (rule: string) => p.simulation!.walks.find((w) => w.rule === rule)?.seed;
    for (const v of p.violations) {
      const k = kept.get(v.rule);
      // Ties keep the earlier report's: merging is the same whichever seed came first, up to which of two equally short traces is shown.
      if (!k || v.trace.length < k.v.trace.length) kept.set(v.rule, { v, seed: seedOf(v.rule), order: k?.order ?? order++ });
    }
    if (p.deadlock && (!deadlock || p.deadlock.trace.length < deadlock.d.trace.length)) deadlock = { d: p.deadlock, seed: seedOf('deadlock') };
  }
  const violations = [...kept.values()].sort((a, b) => a.v.trace.length - b.v.trace.length || a.order - b.order);
  const walks = [
    ...violations.flatMap((k) => (k.seed !== undefined ? [{ rule: k.v.rule, seed: k.seed }] : [])),
    ...(deadlock?.seed !== undefined ? [{ rule: 'deadlock', seed: deadlock.seed }] : []),
  ];
  const sim: Simulation = { seeds: parts.flatMap((p) => p.simulation!.seeds), runs: parts.reduce((n, p) => n + p.simulation!.runs, 0), depth: first.simulation!.depth, walks };
  const simulation: SimulationJson = { spec: first.simulation!.spec, ...sim };
  const found = violations.length > 0 || deadlock !== undefined;
  // A run cut short (stopped, timed out, a bound inside the spec) stays said: the merged walks are not all R runs of depth D.
  const cut = parts.find((p) => p.incomplete && p.incomplete.bound !== 'simulation')?.incomplete;
  const own = simulationIncomplete(sim, found);
  const advice = hint?.('simulation');
  const incomplete = cut ?? { bound: own.bound, reason: advice ? `${own.reason}; ${advice}` : own.reason };
  const rules = new Set(violations.map((k) => k.v.rule));
  const e = first.expect;
  // As verdict.ts judges it, for a result that is never complete.
  const expectMet = (e?.outcome ?? 'ok') === 'ok' ? (found ? false : null) : e!.outcome === 'violation' ? (e!.rules.every((r) => rules.has(r)) ? true : null) : deadlock ? true : null;
  return {
    scenario: first.scenario,
    verdict: violations.length > 0 ? 'violated' : deadlock ? 'deadlock' : 'incomplete',
    complete: false,
    states: parts.reduce((n, p) => n + p.states, 0),
    transitions: parts.reduce((n, p) => n + p.transitions, 0),
    timeMs: parts.reduce((n, p) => n + p.timeMs, 0),
    violations: violations.map((k) => k.v),
    deadlock: deadlock?.d ?? null,
    incomplete,
    expect: first.expect,
    expectMet,
    reductions: [],
    simulation,
  };
}

/**
 * A merged scenario as the text output's ScenarioResult, and the positions
 * its steps carry as Sources: the text of a merged report is printed as
 * `run` prints a result, without the spec at hand.
 */
export function resultOfJson(s: ScenarioJson): { result: ScenarioResult; sources: Sources } {
  const at = new Map<string, Map<number, { line: number; column: number }>>();
  const note = (x: { uri: string; offset: number; line: number; column: number }) => {
    let m = at.get(x.uri);
    if (!m) at.set(x.uri, (m = new Map()));
    m.set(x.offset, { line: x.line, column: x.column });
  };
  const steps = (trace: readonly StepJson[]) => trace.map((x) => (note(x), x));
  const inc = s.incomplete;
  // A bound inside the spec has a line and no offset in the JSON: offset 0 of its file stands for it.
  if (inc?.uri !== undefined && inc.line !== undefined) note({ uri: inc.uri, offset: 0, line: inc.line, column: inc.column ?? 1 });
  const { simulation, ...rest } = s;
  const result: ScenarioResult = {
    ...rest,
    violations: s.violations.map((v) => ({ ...v, trace: steps(v.trace) })),
    ...(s.deadlock ? { deadlock: { ...s.deadlock, trace: steps(s.deadlock.trace) } } : { deadlock: undefined }),
    ...(inc ? { incomplete: { bound: inc.bound, reason: inc.reason, ...(inc.uri !== undefined ? { uri: inc.uri, offset: 0 } : {}) } } : { incomplete: undefined }),
    expect: s.expect ?? undefined,
    expectMet: s.expectMet ?? undefined,
    ...(simulation ? { simulation: { seeds: simulation.seeds, runs: simulation.runs, depth: simulation.depth, walks: simulation.walks } } : {}),
  };
  const sources: Sources = new Map([...at].map(([uri, m]) => [uri, { position: (offset: number) => m.get(offset) ?? { line: 0, column: 0 } }]));
  return { result, sources };
}
