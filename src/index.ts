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
import { checkParsed, type CheckResult } from './semantics/check.js';
import { parseText, type ParseOptions, type ParseResult } from './syntax/parse.js';

export type { Diagnostic, Severity, RelatedInformation } from './diagnostics/diagnostic.js';
export { hasErrors, sortDiagnostics } from './diagnostics/diagnostic.js';
export { diagnosticCodes, type DiagnosticCode } from './diagnostics/codes.js';
export { SourceFile, type Span, type Position } from './source.js';
export type * as ast from './syntax/ast.js';
export type { Program, Symbol, DriverInfo, OpstypeInfo, ProviderInfo, ConstraintInfo, ScenarioInfo } from './semantics/program.js';
export type { Type, ObjectKind } from './semantics/types.js';
export { primitives, modelViolations, lifecycleEvents, type PrimitiveSig } from './semantics/builtins.js';
export { stdlibModules, type StdlibModule } from './stdlib/index.js';
export type { ParseOptions, ParseResult, CheckResult };

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
export function check(input: ParseResult | string, options: ParseOptions = {}): CheckResult {
  const parsed = typeof input === 'string' ? parseText(input, options) : input;
  return checkParsed(parsed);
}

/** Diagnostics of a text in one call: parse, then check. */
export function diagnose(text: string, options: ParseOptions = {}): Diagnostic[] {
  return check(text, options).diagnostics;
}
