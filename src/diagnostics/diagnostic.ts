/**
 * One diagnostic type for every stage: lexer, parser, checker and, later, the
 * interpreter. Positions are offsets into the source named by `uri`; line and
 * column are computed only where a person reads them.
 */
import type { Span } from '../source.js';
import type { DiagnosticCode } from './codes.js';

export type Severity = 'error' | 'warning' | 'info';

/** Another place that explains a diagnostic ("first declared here"). */
export interface RelatedInformation {
  readonly message: string;
  readonly uri: string;
  readonly span: Span;
}

export interface Diagnostic {
  readonly code: DiagnosticCode;
  readonly severity: Severity;
  readonly message: string;
  /** The source the span points into. */
  readonly uri: string;
  readonly span: Span;
  readonly related?: readonly RelatedInformation[];
}

/** Collects diagnostics for one source; stages report, never throw, for user mistakes. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];

  constructor(readonly uri: string) {}

  error(code: DiagnosticCode, message: string, span: Span, related?: RelatedInformation[]): void {
    this.items.push({ code, severity: 'error', message, uri: this.uri, span, ...(related ? { related } : {}) });
  }

  warning(code: DiagnosticCode, message: string, span: Span): void {
    this.items.push({ code, severity: 'warning', message, uri: this.uri, span });
  }
}

/** True when any diagnostic is an error. */
export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** Sort by source, then offset, so output reads top to bottom. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  return [...diagnostics].sort((a, b) =>
    a.uri === b.uri ? a.span.start - b.span.start || a.span.end - b.span.end : a.uri < b.uri ? -1 : 1,
  );
}
