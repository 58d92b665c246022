/** Exploration results as tools read them: the JSON of docs/trace-format.md, typed. */
import type { Program } from '../semantics/program.js';
import type { Bound, DeadlockReport, ScenarioResult, Simulation, TraceStep, ViolationReport } from '../explore/result.js';
import { WordWriter } from '../explore/words.js';
import { locate, type Sources } from './positions.js';
import type { ReportOptions } from './text.js';

/** A trace step in the JSON: the result's step with its 1-based line and column. */
export interface StepJson extends TraceStep {
  readonly line: number;
  readonly column: number;
}

/** A scenario's result as the JSON has it: located traces, `null` where the result leaves a field out. */
export type ScenarioJson = Pick<ScenarioResult, 'scenario' | 'verdict' | 'complete' | 'states' | 'transitions' | 'timeMs' | 'reductions' | 'fingerprints' | 'threads'> & {
  readonly violations: (Omit<ViolationReport, 'trace'> & { readonly trace: StepJson[] })[];
  readonly deadlock: (Omit<DeadlockReport, 'trace'> & { readonly trace: StepJson[] }) | null;
  readonly incomplete: { readonly bound: Bound; readonly reason: string; readonly uri?: string; readonly line?: number; readonly column?: number } | null;
  readonly expect: NonNullable<ScenarioResult['expect']> | null;
  readonly expectMet: boolean | null;
  /** Only in a swarm run's report (`run --simulate`): its walks, and the spec they were taken in. */
  readonly simulation?: SimulationJson;
};

/** A swarm run's walks as the JSON has them: `Simulation` and the digest of the spec's texts, which `lifespec merge` compares. */
export type SimulationJson = { readonly spec: string } & Simulation;

/**
 * A digest of the texts a program was checked from (the spec's, the files
 * it uses, the stdlib modules), in load order and without their paths: two
 * machines that check the same spec out at different paths get the same
 * digest, and a spec edited between two swarm runs gets another. The 64-bit
 * fingerprint state keys use (`WordWriter`), over each text as a
 * length-prefixed token, in hex.
 */
export function specDigest(texts: Iterable<string>): string {
  const w = new WordWriter();
  for (const text of texts) w.str(text);
  const h = w.hash();
  let out = '';
  for (let i = 3; i >= 0; i--) out += h.charCodeAt(i).toString(16).padStart(4, '0');
  return out;
}

/** Each step with its line and column in the program's texts. */
export function locatedTrace(trace: readonly TraceStep[], sources: Sources | undefined): StepJson[] {
  return trace.map((s) => ({ ...s, ...locate(sources, s.uri, s.offset) }));
}

/**
 * The JSON form of one scenario's result (schema in docs/trace-format.md);
 * `options.hint` adds the host's advice to a bound's reason; `options.spec`
 * is the spec's digest (`specDigest`) a swarm run's `simulation` carries.
 */
export function scenarioToJson(r: ScenarioResult, sources: Sources, options: Pick<ReportOptions, 'hint'> & { readonly spec?: string } = {}): ScenarioJson {
  const inc = r.incomplete;
  const hint = inc ? options.hint?.(inc.bound) : undefined;
  const where = inc?.uri !== undefined && inc.offset !== undefined ? { uri: inc.uri, ...locate(sources, inc.uri, inc.offset) } : {};
  return {
    scenario: r.scenario,
    verdict: r.verdict,
    complete: r.complete,
    states: r.states,
    transitions: r.transitions,
    timeMs: Math.round(r.timeMs),
    violations: r.violations.map((v) => ({ rule: v.rule, message: v.message, trace: locatedTrace(v.trace, sources) })),
    deadlock: r.deadlock ? { trace: locatedTrace(r.deadlock.trace, sources), waiting: r.deadlock.waiting } : null,
    incomplete: inc ? { bound: inc.bound, reason: hint ? `${inc.reason}; ${hint}` : inc.reason, ...where } : null,
    expect: r.expect ?? null,
    expectMet: r.expectMet ?? null,
    reductions: r.reductions,
    ...(r.fingerprints ? { fingerprints: r.fingerprints } : {}),
    ...(r.threads ? { threads: r.threads } : {}),
    ...(r.simulation ? { simulation: { spec: options.spec ?? '', ...r.simulation } } : {}),
  };
}

/** The kernel contract of a report, as the JSON has it. */
export interface ContractJson {
  /** `"6.1"`: the version whose contract the rules, slots and spellings follow. */
  readonly linux: string;
  /** Whether the spec chose it with `target linux …` (else it is the newest the stdlib knows). */
  readonly targeted: boolean;
}

/** The kernel checks a spec gets without `use` (LANGUAGE.md §6), less those it turned off with `allow`. */
export function kernelChecksOn(program: Program): string[] {
  return program.defaultRules.filter((r) => !program.allowed.includes(r));
}

/** The report fields that say what the verdicts are relative to: contract, default-on kernel checks, `allow`ed rules. */
export function contractToJson(program: Program): { formatVersion: number; contract: ContractJson; kernelChecks: string[]; allowed: string[] } {
  const c = program.contract;
  return { formatVersion: TRACE_FORMAT_VERSION, contract: { linux: `${c.major}.${c.minor}`, targeted: c.targeted }, kernelChecks: kernelChecksOn(program), allowed: [...program.allowed] };
}

/**
 * The version of the JSON report (docs/trace-format.md, docs/trace-format.schema.json):
 * 2 since steps carry `call` and `changes`. A change a reader could trip on raises it.
 */
export const TRACE_FORMAT_VERSION = 2;
