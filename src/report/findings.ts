/**
 * The problems of a scenario's result, each at one place in the source: what
 * the text output's `FILE:LINE:COL: error: RULE: message` lines, GitHub's
 * annotations, SARIF results and JUnit failures are made of. Texts here are
 * the spec's as they are; each format escapes them its own way.
 */
import type { Bound, ScenarioResult, TraceStep } from '../explore/result.js';
import type { Program } from '../semantics/program.js';
import { locate, type Sources } from './positions.js';

/** A 1-based place in a file (line 0 when its text is not at hand). */
export interface Place {
  readonly uri: string;
  readonly line: number;
  readonly column: number;
}

/** What the host adds to a bound's reason, as ReportOptions has it. */
export interface FindingOptions {
  readonly hint?: (bound: Bound) => string | undefined;
}

export type FindingKind = 'violation' | 'deadlock' | 'expect' | 'incomplete';

export interface Finding {
  readonly kind: FindingKind;
  /** `error` for a violation, a deadlock and a failed expectation; `warning` for a search with no verdict. */
  readonly level: 'error' | 'warning';
  /** A rule's name as `expect violation` spells it, or `deadlock`, `expect`, `incomplete`. */
  readonly rule: string;
  readonly message: string;
  readonly scenario: string;
  /** The violating step (the last of the trace), the stuck step, the `expect` line, or the scenario. */
  readonly where: Place;
  /** The trace behind a violation or a deadlock. */
  readonly trace?: readonly TraceStep[];
}

/** Who waits for what in a deadlock: `t1 waits for d.b; t2 waits for d.a`. */
function waiting(r: ScenarioResult): string {
  return (r.deadlock?.waiting ?? []).map((w) => `${w.thread} waits for ${w.on}`).join('; ');
}

/** The file a scenario is declared in: the spec's, or a file `use "…"` brought in. */
function scenarioUri(program: Program, name: string): string {
  const decl = program.scenarios.get(name)?.decl;
  const used = decl ? program.files.find((f) => f.spec.decls.includes(decl)) : undefined;
  return used?.uri ?? program.spec.uri;
}

/** Where a scenario's outcome is judged: its `expect` line, else its name. */
export function scenarioPlace(program: Program, name: string): Place {
  const info = program.scenarios.get(name);
  const uri = scenarioUri(program, name);
  const offset = info?.expect?.span.start ?? info?.decl.name.span.start ?? 0;
  return { uri, ...locate(program.sources, uri, offset) };
}

function stepPlace(step: TraceStep | undefined, sources: Sources, fallback: Place): Place {
  return step ? { uri: step.uri, ...locate(sources, step.uri, step.offset) } : fallback;
}

/** `stopped at the state limit (5 states); raise it with --max-states`, and where for a bound inside the spec. */
function incompleteFinding(r: ScenarioResult, program: Program, options: FindingOptions): Finding {
  const inc = r.incomplete;
  const hint = inc ? options.hint?.(inc.bound) : undefined;
  const reason = inc ? `${inc.reason}${hint ? `; ${hint}` : ''}` : 'the search was cut short';
  const where = inc?.uri !== undefined && inc.offset !== undefined ? { uri: inc.uri, ...locate(program.sources, inc.uri, inc.offset) } : scenarioPlace(program, r.scenario);
  // A swarm run's walks are a bound too, and say so: what they found is real, and nothing they did not find is ruled out.
  const what = inc?.bound === 'simulation' ? (r.verdict === 'incomplete' ? 'simulated, no verdict' : 'simulated, other rules not ruled out') : 'incomplete, no verdict';
  return { kind: 'incomplete', level: 'warning', rule: 'incomplete', message: `scenario ${r.scenario} ${what}: ${reason}`, scenario: r.scenario, where };
}

function violationFindings(r: ScenarioResult, program: Program, only?: (rule: string) => boolean): Finding[] {
  const fallback = scenarioPlace(program, r.scenario);
  return r.violations
    .filter((v) => !only || only(v.rule))
    .map((v) => ({ kind: 'violation', level: 'error', rule: v.rule, message: v.message, scenario: r.scenario, where: stepPlace(v.trace.at(-1), program.sources, fallback), trace: v.trace }));
}

function deadlockFinding(r: ScenarioResult, program: Program): Finding[] {
  if (!r.deadlock) return [];
  const where = stepPlace(r.deadlock.trace.at(-1), program.sources, scenarioPlace(program, r.scenario));
  return [{ kind: 'deadlock', level: 'error', rule: 'deadlock', message: `no thread can move — ${waiting(r)}`, scenario: r.scenario, where, trace: r.deadlock.trace }];
}

/** What `lifespec run` reports of a scenario: every violated rule, a deadlock, and a search cut short. */
export function runFindings(r: ScenarioResult, program: Program, options: FindingOptions = {}): Finding[] {
  return [...violationFindings(r, program), ...deadlockFinding(r, program), ...(r.incomplete ? [incompleteFinding(r, program, options)] : [])];
}

/**
 * What `lifespec test` reports of a scenario: nothing when it met its
 * `expect`; a warning when the search could not tell; else each unexpected
 * finding at its step (`expect ok`), or the unmet expectation at its line.
 */
export function testFindings(r: ScenarioResult, program: Program, options: FindingOptions = {}): Finding[] {
  if (r.expectMet === true) return [];
  if (r.expectMet === undefined) return [incompleteFinding(r, program, options)];
  const e = r.expect ?? { outcome: 'ok' as const, rules: [] };
  if (e.outcome === 'ok') return [...violationFindings(r, program), ...deadlockFinding(r, program)];
  const found = [...r.violations.map((v) => v.rule), ...(r.deadlock ? ['deadlock'] : [])];
  const also = found.length ? `; found ${found.join(', ')}` : '';
  const states = `${r.states.toLocaleString('en-US')} state${r.states === 1 ? '' : 's'}`;
  const but =
    e.outcome === 'deadlock'
      ? `no deadlock in ${states}${also}`
      : `${e.rules.filter((x) => !found.includes(x)).join(', ')} not violated in ${states}${also}`;
  const expected = e.outcome === 'deadlock' ? 'deadlock' : `violation ${e.rules.join(', ')}`;
  return [{ kind: 'expect', level: 'error', rule: 'expect', message: `scenario ${r.scenario} expected ${expected} but ${but}`, scenario: r.scenario, where: scenarioPlace(program, r.scenario) }];
}
