/**
 * Lifespec's public API: the same core the CLI and the playground use.
 * Platform-neutral: nothing here touches the file system or the DOM.
 *
 * @example
 * ```ts
 * import { parse, check } from 'lifespec';
 * const parsed = parse(text, { uri: 'my.lspec' });
 * const { program, diagnostics } = check(parsed);
 * ```
 * @packageDocumentation
 */
import type { Diagnostic } from './diagnostics/diagnostic.js';
import { exploreProgram, replayProgram, searchWorkerFor, type ExploreOptions, type ExploreResult, type RecordedStep, type ReplayResult } from './explore/explore.js';
export type { RecordedStep, ReplayResult } from './explore/explore.js';
import { simulateProgram, type SimulateOptions } from './explore/simulate.js';
import type { FromWorker, ToWorker } from './explore/pool.js';
export type { SimulateOptions } from './explore/simulate.js';
export type { StartPool, WorkerPool, ToWorker, FromWorker, Handle, RemoteState, RemoteSuccessor } from './explore/pool.js';
export type { SharedTable } from './explore/visited.js';
export { MAX_SEED, walkSeed } from './explore/prng.js';
import { builtinRegistry, ModelRegistry } from './models/registry.js';
import { checkParsed, type CheckResult } from './semantics/check.js';
import type { Program } from './semantics/program.js';
import type { PrimitiveSig } from './semantics/vocabulary.js';
import { parseText, type ParseOptions, type ParseResult } from './syntax/parse.js';

export type { Diagnostic, Severity, RelatedInformation } from './diagnostics/diagnostic.js';
export { hasErrors, sortDiagnostics } from './diagnostics/diagnostic.js';
export { ModelError } from './models/guard.js';
export type { SpecHost } from './semantics/files.js';
import type { SpecHost } from './semantics/files.js';
import { baseVocabulary } from './semantics/spec-vocabulary.js';
export { diagnosticCodes, type DiagnosticCode } from './diagnostics/codes.js';
export { SourceFile, type Span, type Position } from './source.js';
export type * as ast from './syntax/ast.js';
export type { Program, Symbol, DriverInfo, OpstypeInfo, ProviderInfo, ConstraintInfo, ScenarioInfo } from './semantics/program.js';
export type { Type } from './semantics/types.js';
export type { Vocabulary, KindSpec, FieldSpec, EventSpec, ConstantSpec, PrimitiveSig, ParamSig } from './semantics/vocabulary.js';
export { queries } from './semantics/builtins.js';
export { stdlibModules, type StdlibModule } from './stdlib/index.js';
export type { ParseOptions, ParseResult, CheckResult, ExploreOptions, ExploreResult };
export type { ScenarioResult, ViolationReport, DeadlockReport, TraceStep, Verdict, Progress, Bound, Incomplete, Simulation } from './explore/result.js';
export { simulationText, simulationIncomplete } from './explore/verdict.js';
export { DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_STATES, type SearchOptions } from './explore/budget.js';
export { formatScenarioResult, formatTrace, incompleteText, mismatchText, expectText, statsLine, locatedLine, findingLine, type ReportOptions } from './report/text.js';
export { runFindings, testFindings, scenarioPlace, type Finding, type FindingKind, type FindingOptions, type Place } from './report/findings.js';
export { SarifLog, SARIF_SCHEMA, artifactUri } from './report/sarif.js';
export { junitXml, junitCase, findingHead, type JunitCase, type JunitSuite, type JunitProblem } from './report/junit.js';
export { annotation, findingAnnotation, diagnosticAnnotation, escapeData, escapeProperty } from './report/annotations.js';
export { scenarioToJson, contractToJson, locatedTrace, specDigest, TRACE_FORMAT_VERSION, type ContractJson, type ScenarioJson, type StepJson, type SimulationJson } from './report/json.js';
export { mergeReports, resultOfJson, MergeError, type MergeInput, type ReportJson } from './report/merge.js';
export { locate, type Sources } from './report/positions.js';
export { timelineModel, type TimelineOptions, type TimelineModel, type TimelineLane, type TimelineObject, type StepRange } from './report/timeline-model.js';
export { renderTimeline, renderTimelines } from './report/timeline-svg.js';
export { ModelRegistry, defaultRegistry, builtinRegistry, builtinModels } from './models/registry.js';
export type { Model, PrimitiveImpl, ModelContext, NativeResult, CallResult, KindImpl, LockProtocol, HardwareImpl, FixedObject, Violation } from './models/model.js';
export { ret, fail, call, wait } from './models/model.js';
export * as services from './services/index.js';
export { LanguageDocument } from './services/index.js';
export type { CompletionItem, CompletionKind, Completions, Hover, Location, DocumentOptions, HighlightingTable } from './services/index.js';
export { ref, refId, isRef, errno, isErrno, errnoName, type Value } from './runtime/values.js';
export type { World, Obj, NativeFrame, Thread } from './runtime/world.js';
export type { CompiledProgram } from './runtime/compiled.js';
export { T as types, typeToString } from './semantics/types.js';

const builtins = builtinRegistry();

/** The built-in models' primitive signatures, for hosts that offer completion. */
export const primitives: ReadonlyMap<string, PrimitiveSig> = builtins.primitives;

/** Options of {@link check}: where the text came from, and the models whose primitives it may call. */
export interface CheckOptions extends ParseOptions {
  /** A registry with extra models; their primitives become callable. Built-in models by default. */
  readonly registry?: ModelRegistry;
  /** Reads the files `use "…"` names (v1): the CLI reads the file system, the playground its tabs. */
  readonly host?: SpecHost;
}

/**
 * Parses a Lifespec text into a syntax tree. Never throws on bad input: syntax
 * errors come back as diagnostics next to the partial tree recovery built.
 *
 * @param text - the spec's source text
 * @param options - `uri` names the source in diagnostics (default `<input>`)
 */
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  return parseText(textArg('parse', text), options);
}

/** What a wrong argument was, for the message. */
function kindOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `${typeof v}${typeof v === 'number' || typeof v === 'boolean' ? ` ${String(v)}` : ''}`;
}

function textArg(fn: string, text: unknown): string {
  if (typeof text !== 'string') throw new TypeError(`${fn}() takes the spec's text as a string; got ${kindOf(text)}`);
  return text;
}

/** Thrown by {@link explore} for a program whose check found errors: it has no meaning to run. */
export class CheckErrors extends Error {
  constructor(
    /** The check's errors. */
    readonly diagnostics: readonly Diagnostic[],
  ) {
    const first = diagnostics[0]!;
    super(
      `explore() needs a program that checks clean; check() found ${diagnostics.length} error${diagnostics.length === 1 ? '' : 's'}, the first: ` +
        `${first.uri ?? '<input>'} at offset ${first.span.start}: ${first.message} [${first.code}]`,
    );
    this.name = 'CheckErrors';
  }
}

/** The models the program was checked against, unless the options name others. */
function registryFor(program: Program, options: { readonly registry?: ModelRegistry }): ModelRegistry {
  const base = baseVocabulary(program.vocabulary);
  return options.registry ?? (base instanceof ModelRegistry ? base : builtins);
}

/** Rejects options that would silently mean something else (`maxStates: NaN` is no limit at all). */
function validateOptions(o: ExploreOptions): void {
  const positive = (name: string, v: number | undefined, whole: boolean) => {
    if (v === undefined) return;
    if (typeof v !== 'number' || Number.isNaN(v) || v <= 0 || (whole && Number.isFinite(v) && !Number.isInteger(v))) {
      throw new RangeError(`${name} must be a positive ${whole ? 'whole ' : ''}number (or Infinity for no limit); got ${kindOf(v)}`);
    }
  };
  positive('maxStates', o.maxStates, true);
  positive('timeoutMs', o.timeoutMs, false);
  positive('maxMemoryMb', o.maxMemoryMb, false);
  if (o.progressIntervalMs !== undefined && !(typeof o.progressIntervalMs === 'number' && o.progressIntervalMs >= 0)) {
    throw new RangeError(`progressIntervalMs must be a number of milliseconds, 0 or more; got ${kindOf(o.progressIntervalMs)}`);
  }
  if (o.scenario !== undefined && typeof o.scenario !== 'string') throw new TypeError(`scenario must be a scenario's name; got ${kindOf(o.scenario)}`);
  if (o.workers !== undefined && !(Number.isInteger(o.workers) && o.workers >= 1)) throw new RangeError(`workers must be a whole number, 1 or more; got ${kindOf(o.workers)}`);
  if (o.startPool !== undefined && typeof o.startPool !== 'function') throw new TypeError(`startPool must be a function that starts workers; got ${kindOf(o.startPool)}`);
}

/**
 * Checks a spec: resolves names, matches ops tables against their ops types,
 * and reports type errors. Accepts a {@link parse} result, or a text to parse
 * first. The diagnostics include the parse diagnostics, sorted by position.
 *
 * @returns the checked program (usable even with errors, for editor features)
 *   and every diagnostic
 */
export function check(input: ParseResult | string, options: CheckOptions = {}): CheckResult {
  if (typeof input !== 'string' && !(typeof input === 'object' && input !== null && 'spec' in input && 'source' in input)) {
    throw new TypeError(`check() takes the spec's text as a string, or what parse() returned; got ${kindOf(input)}`);
  }
  const parsed = typeof input === 'string' ? parseText(input, options) : input;
  return checkParsed(parsed, options.registry ?? builtins, options.host ? { host: options.host } : {});
}

/**
 * Explores every scenario of a checked program (or the one `options.scenario`
 * names) under every interleaving, and returns a verdict per scenario with a
 * shortest trace for each violated rule. `onProgress` reports states as
 * they are explored; `signal` stops the search (verdict `incomplete`). An
 * exception from a model's code costs that scenario its verdict (`incomplete`,
 * bound `error`, the reason naming the model and the primitive), not the
 * other scenarios theirs.
 *
 * @throws CheckErrors when the program's check found errors
 * @throws RangeError when `options.scenario` names no scenario of the program,
 *   or a bound is not a positive number
 * @throws TypeError when `program` is not what check() returned
 */
export function explore(program: Program, options: ExploreOptions = {}): ExploreResult {
  if (typeof program !== 'object' || program === null || !(program.scenarios instanceof Map) || !Array.isArray(program.errors)) {
    throw new TypeError(`explore() takes the program check() returned; got ${kindOf(program)}`);
  }
  if (program.errors.length > 0) throw new CheckErrors(program.errors);
  validateOptions(options);
  const registry = registryFor(program, options);
  return exploreProgram(program, { ...options, registry });
}

/**
 * A worker of a parallel {@link explore} (`workers` above 1), for a host
 * that runs its own: `startPool` starts threads, each checks the same spec
 * texts (the program's `sources`) with the same registry, makes its
 * worker with this, passes it each message the search sends (`handle`) and
 * calls `work` while it returns true (between calls, it handles the
 * messages that have come), posting back what either replies. `index` of `count` is its place among the workers;
 * `heap` measures its heap in bytes, where the host can (the search adds it
 * to what `maxMemoryMb` bounds).
 *
 * @throws RangeError when `scenario` names no scenario of the program
 */
export function searchWorker(program: Program, scenario: string, options: Pick<ExploreOptions, 'reduce' | 'exact' | 'registry'>, index: number, count: number, heap?: () => number): { handle(message: ToWorker, post: (reply: FromWorker) => void): void; work(post: (reply: FromWorker) => void): boolean } {
  if (program.errors.length > 0) throw new CheckErrors(program.errors);
  const registry = registryFor(program, options);
  return searchWorkerFor(program, scenario, { ...options, registry }, index, count, heap);
}

/**
 * Swarm mode: instead of the exhaustive search of {@link explore}, `runs`
 * random walks per scenario (or the one `options.scenario` names), each at
 * most `depth` steps from the scenario's initial state, each step chosen
 * uniformly among the successors the search would see (no reductions, so
 * every step is a real kernel step). Walk `i` is seeded from
 * `walkSeed(seed, i)`; `walkSeed` in the options takes that one walk alone.
 * The same program, seed and options give the same result, field for field
 * (`timeMs` is 0).
 *
 * What a walk finds is reported as {@link explore} reports it — the same
 * rules, traces of the same form, which `replay` re-runs — keeping the
 * shortest trace per rule over every walk; `simulation.walks` names the walk
 * behind each. A swarm result is never `ok`: with nothing found its verdict
 * is `incomplete`, bound `simulation`, reason `no violation in R runs of
 * depth D (seed S)`; the runs not taken may break any rule.
 *
 * @throws CheckErrors when the program's check found errors
 * @throws RangeError when `options.scenario` names no scenario, or `seed`,
 *   `runs` or `depth` is out of range
 * @throws TypeError when `program` is not what check() returned
 */
export function simulate(program: Program, options: SimulateOptions): ExploreResult {
  if (typeof program !== 'object' || program === null || !(program.scenarios instanceof Map) || !Array.isArray(program.errors)) {
    throw new TypeError(`simulate() takes the program check() returned; got ${kindOf(program)}`);
  }
  if (program.errors.length > 0) throw new CheckErrors(program.errors);
  const whole = (name: string, v: unknown, min: number, max: number) => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be a whole number from ${min} to ${max}; got ${kindOf(v)}`);
  };
  whole('seed', options.seed, 0, 0xffff_ffff);
  whole('runs', options.runs, 1, Number.MAX_SAFE_INTEGER);
  whole('depth', options.depth, 1, Number.MAX_SAFE_INTEGER);
  if (options.walkSeed !== undefined) whole('walkSeed', options.walkSeed, 0, 0xffff_ffff);
  validateOptions(options);
  const registry = registryFor(program, options);
  return simulateProgram(program, { ...options, registry });
}

/**
 * Replays a recorded trace (the `thread` and `event` of each step, as
 * `scenarioToJson` writes them) in scenario `scenario` of a checked program,
 * which may have changed since the trace was taken: how many steps it still
 * allows, the first it does not (with what it offers there), and the rules
 * the replayed run violates. `lifespec replay` is built on it.
 *
 * @throws CheckErrors when the program's check found errors
 * @throws RangeError when the program has no such scenario
 */
export function replay(program: Program, scenario: string, steps: readonly RecordedStep[], options: Pick<ExploreOptions, 'registry'> = {}): ReplayResult {
  if (program.errors.length > 0) throw new CheckErrors(program.errors);
  const registry = registryFor(program, options);
  return replayProgram(program, scenario, steps, { registry });
}

/** Diagnostics of a text in one call: parse, then check. */
export function diagnose(text: string, options: ParseOptions = {}): Diagnostic[] {
  return check(text, options).diagnostics;
}
