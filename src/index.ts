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
import { exploreProgram, type ExploreOptions, type ExploreResult } from './explore/explore.js';
import { builtinRegistry, ModelRegistry } from './models/registry.js';
import { checkParsed, type CheckResult } from './semantics/check.js';
import type { Program } from './semantics/program.js';
import type { PrimitiveSig } from './semantics/vocabulary.js';
import { parseText, type ParseOptions, type ParseResult } from './syntax/parse.js';

export type { Diagnostic, Severity, RelatedInformation } from './diagnostics/diagnostic.js';
export { hasErrors, sortDiagnostics } from './diagnostics/diagnostic.js';
export { diagnosticCodes, type DiagnosticCode } from './diagnostics/codes.js';
export { SourceFile, type Span, type Position } from './source.js';
export type * as ast from './syntax/ast.js';
export type { Program, Symbol, DriverInfo, OpstypeInfo, ProviderInfo, ConstraintInfo, ScenarioInfo } from './semantics/program.js';
export type { Type } from './semantics/types.js';
export type { Vocabulary, KindSpec, FieldSpec, EventSpec, ConstantSpec, PrimitiveSig, ParamSig } from './semantics/vocabulary.js';
export { queries } from './semantics/builtins.js';
export { stdlibModules, type StdlibModule } from './stdlib/index.js';
export type { ParseOptions, ParseResult, CheckResult, ExploreOptions, ExploreResult };
export type { ScenarioResult, ViolationReport, DeadlockReport, TraceStep, Verdict, Progress, Bound, Incomplete } from './explore/result.js';
export { DEFAULT_MAX_MEMORY_MB, DEFAULT_MAX_STATES, type SearchOptions } from './explore/budget.js';
export { formatScenarioResult, formatTrace, incompleteText, mismatchText, expectText, statsLine, type ReportOptions } from './report/text.js';
export { scenarioToJson, locatedTrace, type ScenarioJson, type StepJson } from './report/json.js';
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
}

/**
 * Parses a Lifespec text into a syntax tree. Never throws on bad input: syntax
 * errors come back as diagnostics next to the partial tree recovery built.
 *
 * @param text - the spec's source text
 * @param options - `uri` names the source in diagnostics (default `<input>`)
 */
export function parse(text: string, options: ParseOptions = {}): ParseResult {
  return parseText(text, options);
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
  const parsed = typeof input === 'string' ? parseText(input, options) : input;
  return checkParsed(parsed, options.registry ?? builtins);
}

/**
 * Explores every scenario of a checked program (or the one `options.scenario`
 * names) under every interleaving, and returns a verdict per scenario with a
 * shortest trace for each violated rule. Call it only on a program whose
 * check gave no errors. `onProgress` reports states as they are explored;
 * `signal` stops the search (verdict `incomplete`).
 *
 * @throws RangeError when `options.scenario` names no scenario of the program
 */
export function explore(program: Program, options: ExploreOptions = {}): ExploreResult {
  // The models the program was checked against, unless told otherwise.
  const registry = options.registry ?? (program.vocabulary instanceof ModelRegistry ? program.vocabulary : builtins);
  return exploreProgram(program, { ...options, registry });
}

/** Diagnostics of a text in one call: parse, then check. */
export function diagnose(text: string, options: ParseOptions = {}): Diagnostic[] {
  return check(text, options).diagnostics;
}
