/**
 * Diagnostics as people read them: `file:line:col: error: message [code]`,
 * then the source line with a caret under the span, like a compiler. Used by
 * the CLI; platform-neutral so other hosts can print the same way.
 *
 * Also the one place that makes a user's text safe to show: a spec's strings,
 * comments and names, and the paths it was given, reach a terminal or an SVG
 * only through `visible` (and `shown`, which also clips), so an escape
 * sequence in a spec cannot recolour or retitle the terminal and a bidi
 * override cannot make a line read other than it is.
 */
import type { SourceFile } from '../source.js';
import type { Diagnostic } from './diagnostic.js';

export interface FormatOptions {
  /** Wrap severity and caret in ANSI colours. */
  readonly color?: boolean;
}

/** At most this many columns of a source line are shown, around the caret. */
export const EXCERPT_WIDTH = 200;
/** A message is shown to at most this many characters, */
export const MAX_MESSAGE = 1000;
/** and any one word of it (a 100,000-digit number, a name) to at most this many. */
export const MAX_WORD = 200;

const ansi = { red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m', bold: '\x1b[1m', reset: '\x1b[0m' };

/**
 * What a terminal would act on rather than show: C0 controls but the tab,
 * DEL, C1 controls, the bidi marks, embeddings, overrides and isolates, the
 * line and paragraph separators, lone surrogates and the two non-characters
 * XML forbids. The tab stays: it shows as space, and excerpts need it to
 * line the caret up.
 */
const unsafe = /[\x00-\x08\x0a-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function escapeChar(c: string): string {
  if (c === '\n') return '\\n';
  if (c === '\r') return '\\r';
  const n = c.charCodeAt(0);
  return n <= 0xff ? `\\x${n.toString(16).padStart(2, '0')}` : `\\u${n.toString(16).padStart(4, '0')}`;
}

/**
 * A user's text as it may be shown: every control, bidi and line-breaking
 * character written as a visible escape (`\x1b`, `\u202e`, `\n`). Nothing
 * else changes, so plain text is shown as it is.
 */
export function visible(text: string): string {
  return text.replace(unsafe, escapeChar);
}

/** Cuts `text` to `max` characters with an ellipsis, never inside a surrogate pair. */
function cut(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = max - 1;
  if (/[\ud800-\udbff]/.test(text[end - 1] ?? '')) end--;
  return `${text.slice(0, end)}…`;
}

/**
 * A message as `visible` shows it, and clipped: a word longer than
 * `MAX_WORD` keeps its start and end around an ellipsis, and the whole to
 * `MAX_MESSAGE` characters. Reports meant for tools (JSON) keep the text whole.
 */
export function shown(text: string): string {
  const words = text.length <= MAX_WORD ? text : text.replace(new RegExp(`\\S{${MAX_WORD + 1},}`, 'g'), (w) => `${cut(w, MAX_WORD - 40)}${w.slice(-39)}`);
  return visible(cut(words, MAX_MESSAGE));
}

/** Formats one diagnostic; `sources` gives the text of every URI it may point into. */
export function formatDiagnostic(d: Diagnostic, sources: (uri: string) => SourceFile | undefined, options: FormatOptions = {}): string {
  const c = (code: string, s: string) => (options.color ? `${code}${s}${ansi.reset}` : s);
  const uri = visible(d.uri);
  const src = sources(d.uri);
  if (!src) return `${uri}: ${d.severity}: ${shown(d.message)} [${d.code}]`;
  const start = src.position(d.span.start);
  const sevColor = d.severity === 'error' ? ansi.red : d.severity === 'warning' ? ansi.yellow : ansi.cyan;
  const head = `${c(ansi.bold, `${uri}:${start.line}:${start.column}:`)} ${c(sevColor + ansi.bold, `${d.severity}:`)} ${shown(d.message)} [${d.code}]`;
  const lines = [head, ...excerpt(src, start.line, d.span.start, d.span.end, (s) => c(sevColor, s))];
  for (const r of d.related ?? []) {
    const rs = sources(r.uri);
    const at = rs ? rs.position(r.span.start) : undefined;
    lines.push(`${visible(r.uri)}${at ? `:${at.line}:${at.column}` : ''}: note: ${shown(r.message)}`);
  }
  return lines.join('\n');
}

const isBreak = (code: number) => code === 10 || code === 13;

/**
 * The source line of `start` with a caret and tildes under `[start, end)`
 * (clipped to that line). The line is found here, from the text, at any of
 * `\n`, `\r\n` and a lone `\r`, so no line break reaches the output whatever
 * the line table counts; `line` only labels it. A line wider than
 * `EXCERPT_WIDTH` is cut to that many columns around the caret.
 */
function excerpt(src: SourceFile, line: number, start: number, end: number, paint: (s: string) => string): string[] {
  const text = src.text;
  const at = Math.max(0, Math.min(Number.isFinite(start) ? start : 0, text.length));
  let from = at;
  while (from > 0 && !isBreak(text.charCodeAt(from - 1))) from--;
  let to = at;
  while (to < text.length && !isBreak(text.charCodeAt(to))) to++;
  // The window: the whole line, or EXCERPT_WIDTH columns that start a little before the caret.
  let lo = from;
  let hi = to;
  if (to - from > EXCERPT_WIDTH) {
    lo = Math.max(from, Math.min(at - Math.floor(EXCERPT_WIDTH / 4), to - EXCERPT_WIDTH));
    hi = lo + EXCERPT_WIDTH;
    if (lo > from && /[\udc00-\udfff]/.test(text[lo] ?? '')) lo++;
    if (hi < to && /[\udc00-\udfff]/.test(text[hi] ?? '')) hi--;
  }
  const stop = Math.max(at, Math.min(end, hi));
  const before = `${lo > from ? '…' : ''}${visible(text.slice(lo, at))}`;
  const under = visible(text.slice(at, stop));
  const after = `${visible(text.slice(stop, hi))}${hi < to ? '…' : ''}`;
  const gutter = String(line).length;
  // Tabs keep their width so the caret lines up under them.
  const pad = before.replace(/[^\t]/g, ' ');
  return [
    `${String(line).padStart(gutter + 1)} | ${before}${under}${after}`,
    `${' '.repeat(gutter + 1)} | ${pad}${paint(`^${'~'.repeat(Math.max(1, under.length) - 1)}`)}`,
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
