/**
 * Diagnostics as people read them: `file:line:col: error: message [code]`,
 * then the source line with a caret under the span, like a compiler. Used by
 * the CLI; platform-neutral so other hosts can print the same way.
 */
import type { SourceFile } from '../source.js';
import type { Diagnostic } from './diagnostic.js';

export interface FormatOptions {
  /** Wrap severity and caret in ANSI colours. */
  readonly color?: boolean;
}

const ansi = { red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

/** Formats one diagnostic; `sources` gives the text of every URI it may point into. */
export function formatDiagnostic(d: Diagnostic, sources: (uri: string) => SourceFile | undefined, options: FormatOptions = {}): string {
  const c = (code: string, s: string) => (options.color ? `${code}${s}${ansi.reset}` : s);
  const src = sources(d.uri);
  if (!src) return `${d.uri}: ${d.severity}: ${d.message} [${d.code}]`;
  const start = src.position(d.span.start);
  const sevColor = d.severity === 'error' ? ansi.red : d.severity === 'warning' ? ansi.yellow : ansi.cyan;
  const head = `${c(ansi.bold, `${d.uri}:${start.line}:${start.column}:`)} ${c(sevColor + ansi.bold, `${d.severity}:`)} ${d.message} [${d.code}]`;
  const lines = [head, ...excerpt(src, d.span.start, d.span.end, (s) => c(sevColor, s))];
  for (const r of d.related ?? []) {
    const rs = sources(r.uri);
    const at = rs ? rs.position(r.span.start) : undefined;
    lines.push(`${r.uri}${at ? `:${at.line}:${at.column}` : ''}: note: ${r.message}`);
  }
  return lines.join('\n');
}

/** The source line of `start` with a caret and tildes under `[start, end)` (clipped to that line). */
function excerpt(src: SourceFile, start: number, end: number, paint: (s: string) => string): string[] {
  const pos = src.position(start);
  const text = src.lineText(pos.line);
  if (text.length > 400) return [];
  const gutter = String(pos.line).length;
  const col = pos.column - 1;
  const width = Math.max(1, Math.min(end - start, text.length - col));
  // Tabs keep their width so the caret lines up under them.
  const pad = text.slice(0, col).replace(/[^\t]/g, ' ');
  return [
    `${String(pos.line).padStart(gutter + 1)} | ${text}`,
    `${' '.repeat(gutter + 1)} | ${pad}${paint(`^${'~'.repeat(width - 1)}`)}`,
  ];
}

/** The diagnostic as plain data with 1-based line/column, for JSON output and editors. */
export function diagnosticToJson(d: Diagnostic, src: SourceFile | undefined) {
  const s = src?.position(d.span.start);
  const e = src?.position(d.span.end);
  return {
    uri: d.uri,
    severity: d.severity,
    code: d.code,
    message: d.message,
    range: s && e ? { start: s, end: e } : undefined,
    span: d.span,
    ...(d.related ? { related: d.related } : {}),
  };
}
