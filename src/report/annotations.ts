/**
 * GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=RULE::message`
 * lines, which a job's log turns into annotations on the files of a pull
 * request. Escaped as GitHub's toolkit escapes them: in the message `%`,
 * `\r` and `\n`; in a property also `:` and `,`.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SourceFile } from '../source.js';
import type { Finding } from './findings.js';

/** The message of a workflow command. */
export function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/** A property value of a workflow command. */
export function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

interface Annotation {
  readonly level: 'error' | 'warning' | 'notice';
  readonly file: string;
  readonly line?: number | undefined;
  readonly col?: number | undefined;
  readonly endLine?: number | undefined;
  readonly endColumn?: number | undefined;
  readonly title: string;
  readonly message: string;
}

/** One workflow command line, without its newline. */
export function annotation(a: Annotation): string {
  const props: [string, string | number | undefined][] = [
    ['file', a.file],
    ['line', a.line],
    ['col', a.col],
    ['endLine', a.endLine],
    ['endColumn', a.endColumn],
    ['title', a.title],
  ];
  const shown = props.filter(([, v]) => v !== undefined && v !== 0).map(([k, v]) => `${k}=${escapeProperty(String(v))}`);
  return `::${a.level} ${shown.join(',')}::${escapeData(a.message)}`;
}

/** A finding of `run` or `test` as an annotation: an error, or a warning for a search with no verdict. */
export function findingAnnotation(f: Finding): string {
  const message = f.kind === 'violation' || f.kind === 'deadlock' ? `scenario ${f.scenario}: ${f.message}` : f.message;
  return annotation({ level: f.level, file: f.where.uri, line: f.where.line, col: f.where.column, title: f.rule, message });
}

/** A diagnostic of `check` as an annotation over its range. */
export function diagnosticAnnotation(d: Diagnostic, src: SourceFile | undefined): string {
  const s = src?.position(d.span.start);
  const e = src?.position(d.span.end);
  const level = d.severity === 'info' ? 'notice' : d.severity;
  return annotation({ level, file: d.uri, line: s?.line, col: s?.column, endLine: e?.line, endColumn: e?.column, title: d.code, message: d.message });
}
