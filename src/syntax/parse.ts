/**
 * text → tokens → CST → AST, with every lexer and parser error turned into a
 * `Diagnostic`. Total: any input gives a (possibly partial) AST, never a throw.
 */
import { EOF, type IRecognitionException, type IToken } from 'chevrotain';
import { lexer } from '../../grammar/lexer.js';
import { declarationStarts, parser } from '../../grammar/parser.js';
import * as T from '../../grammar/tokens.js';
import { DiagnosticBag, type Diagnostic } from '../diagnostics/diagnostic.js';
import { SourceFile, type Span } from '../source.js';
import type { Decl, Spec } from './ast.js';
import { Lowering } from './lower.js';

export interface ParseOptions {
  /** Where the text came from; diagnostics carry it. Defaults to `<input>`. */
  readonly uri?: string;
}

/** A comment as written, kept so tools (the formatter, hovers) can use it. */
export interface Comment {
  readonly text: string;
  readonly start: number;
  readonly end: number;
}

export interface ParseResult {
  readonly spec: Spec;
  readonly source: SourceFile;
  readonly diagnostics: Diagnostic[];
  /** Every line, doc and block comment, in source order. */
  readonly comments: readonly Comment[];
}

function span(tok: IToken): Span {
  return { start: tok.startOffset, end: (tok.endOffset ?? tok.startOffset) + 1 };
}

/** Reads the `///` lines just above each declaration. */
function docIndex(comments: IToken[], source: SourceFile, tokens: IToken[]): (offset: number) => string | undefined {
  const docByLine = new Map<number, string>();
  // A `///` counts as a doc line only when nothing precedes it on its line.
  const firstOnLine = new Map<number, number>();
  for (const t of [...tokens, ...comments]) {
    const line = t.startLine ?? source.position(t.startOffset).line;
    const prev = firstOnLine.get(line);
    if (prev === undefined || t.startOffset < prev) firstOnLine.set(line, t.startOffset);
  }
  for (const c of comments) {
    if (c.tokenType !== T.DocComment) continue;
    const line = c.startLine ?? source.position(c.startOffset).line;
    if (firstOnLine.get(line) !== c.startOffset) continue;
    docByLine.set(line, c.image.replace(/^\/\/\/ ?/, ''));
  }
  if (docByLine.size === 0) return () => undefined;
  return (offset) => {
    let line = source.position(offset).line - 1;
    const lines: string[] = [];
    while (docByLine.has(line)) lines.unshift(docByLine.get(line)!), line--;
    return lines.length ? lines.join('\n') : undefined;
  };
}

/** Lexes, reporting lexer errors and mending malformed tokens so the parser can go on. */
function lex(source: SourceFile, bag: DiagnosticBag): { tokens: IToken[]; comments: IToken[] } {
  const result = lexer.tokenize(source.text);
  for (const e of result.errors) {
    const ch = source.text.slice(e.offset, e.offset + e.length);
    const shown = ch.length > 16 ? `${ch.slice(0, 16)}…` : ch;
    // Counted in code points: an emoji is one character but two UTF-16 units.
    bag.error('unexpected-character', `unexpected character${[...ch].length > 1 ? 's' : ''} \`${printable(shown)}\``, {
      start: e.offset,
      end: e.offset + e.length,
    });
  }
  for (const t of result.tokens) {
    if (t.tokenType === T.BadNumber) {
      bag.error('malformed-number', `\`${t.image}\` is not a number: write an integer, 0x hex, or a size such as 64M`, span(t));
      retype(t, T.Integer);
      t.image = '0';
    } else if (t.tokenType === T.UnterminatedString) {
      bag.error('unterminated-string', 'string has no closing `"` on this line', span(t));
      retype(t, T.StringLiteral);
    }
  }
  const comments = result.groups.comments ?? [];
  for (const c of comments) {
    if (c.tokenType === T.UnterminatedBlockComment) {
      bag.error('unterminated-comment', '`/*` comment is never closed', { start: c.startOffset, end: c.startOffset + 2 });
    }
  }
  return { tokens: result.tokens, comments };
}

function retype(t: IToken, to: typeof T.Integer): void {
  (t as { tokenType: typeof T.Integer }).tokenType = to;
  (t as { tokenTypeIdx: number }).tokenTypeIdx = to.tokenTypeIdx!;
}

function printable(s: string): string {
  return s.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/**
 * Reports a parser error unless its line already has one. After the first
 * error on a line, recovery's token insertions and deletions produce more that
 * only restate it ("expected `{` but found `}`", then "expected `}` but found
 * `{`"), so each line reports its first.
 */
function reportParseError(e: IRecognitionException, source: SourceFile, bag: DiagnosticBag, reportedLines: Set<number>): void {
  let where: Span;
  const tok = e.token;
  const prev = (e as { previousToken?: IToken }).previousToken;
  const afterPrev = prev && Number.isFinite(prev.endOffset) ? (prev.endOffset as number) + 1 : undefined;
  if (tok.tokenType === EOF || !Number.isFinite(tok.startOffset)) {
    const at = afterPrev ?? source.text.length;
    where = { start: at, end: at };
  } else if (afterPrev !== undefined && prev!.endLine! < tok.startLine! && prev!.tokenType !== T.RBrace) {
    // A line that stops short (`bind` without its driver, `n = n +`) is
    // reported where it stops; the next line's token is named in the message.
    // After a `}` the gap is between items, and the next item marks it best.
    where = { start: afterPrev, end: afterPrev };
  } else {
    where = span(tok);
  }
  const line = source.position(where.start).line;
  if (reportedLines.has(line)) return;
  reportedLines.add(line);
  bag.error('syntax-error', e.message, where);
}

const isDeclStart = (t: IToken) => declarationStarts.includes(t.tokenType);

/** About how many tokens the parser takes at once (more when one declaration is longer). */
const BATCH_TOKENS = 4096;

/**
 * The token stream cut between declarations, in batches of about
 * BATCH_TOKENS: a cut falls before a declaration keyword that starts its
 * line outside any bracket, where a declaration must begin. Parsing the
 * batches one by one gives the declarations parsing the whole would.
 */
function batches(tokens: IToken[]): IToken[][] {
  if (tokens.length <= BATCH_TOKENS) return [tokens];
  const out: IToken[][] = [];
  let start = 0;
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const type = t.tokenType;
    if (depth === 0 && i - start >= BATCH_TOKENS && isDeclStart(t) && tokens[i - 1]!.endLine !== t.startLine) {
      out.push(tokens.slice(start, i));
      start = i;
    }
    if (type === T.LParen || type === T.LBrace) depth++;
    else if (type === T.RParen || type === T.RBrace) depth = Math.max(0, depth - 1);
  }
  out.push(tokens.slice(start));
  return out;
}

/** Deeper nesting than any spec needs; the parser and checker recurse on it. */
export const MAX_NESTING = 128;

/**
 * Cuts the token stream where brackets or prefix operators nest deeper than
 * MAX_NESTING, with one located error: recursion that deep would overflow the
 * stack, and no real spec comes close.
 */
function limitNesting(tokens: IToken[], bag: DiagnosticBag): IToken[] {
  let depth = 0;
  let prefixRun = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!.tokenType;
    if (t === T.LParen || t === T.LBrace) depth++;
    else if (t === T.RParen || t === T.RBrace) depth = Math.max(0, depth - 1);
    prefixRun = t === T.Bang || t === T.Minus || t === T.Kw.try ? prefixRun + 1 : 0;
    if (depth > MAX_NESTING || prefixRun > MAX_NESTING) {
      bag.error('syntax-error', `nesting deeper than ${MAX_NESTING} levels: the rest of the file is not read`, span(tokens[i]!));
      return tokens.slice(0, i);
    }
  }
  return tokens;
}

/**
 * Parses one Lifespec text. The parser stops at junk between declarations;
 * this driver then resumes at the next declaration keyword that starts a
 * line, so a stray token hides nothing after it.
 */
export function parseText(text: string, options: ParseOptions = {}): ParseResult {
  const source = new SourceFile(options.uri ?? '<input>', text);
  const bag = new DiagnosticBag(source.uri);
  const lexed = lex(source, bag);
  const comments = lexed.comments;
  const tokens = limitNesting(lexed.tokens, bag);
  const lowering = new Lowering(bag, (off) => source.position(off).line, docIndex(comments, source, tokens));
  const decls: Decl[] = [];
  const reportedLines = new Set<number>();

  // The parser's tree (CST) of a whole large file takes about 170 bytes per
  // character; parsed a batch of declarations at a time, it is garbage after each.
  for (const batch of batches(tokens)) {
    let from = 0;
    while (from < batch.length) {
      const chunk = from === 0 ? batch : batch.slice(from);
      parser.input = chunk;
      const cst = parser.spec();
      let resumeAt = -1;
      for (const e of parser.errors) {
        reportParseError(e, source, bag, reportedLines);
        if (e.name === 'NotAllInputParsedException') resumeAt = chunk.indexOf(e.token);
      }
      // Not push(...decls): a spread of 100,000 arguments overflows the stack.
      for (const d of lowering.lowerSpec(cst, source.uri, text).decls) decls.push(d);
      if (resumeAt < 0) break;
      // Skip the junk: resume at the next declaration keyword, preferring one that starts its line.
      let next = -1;
      for (let i = resumeAt + 1; i < chunk.length; i++) {
        const t = chunk[i]!;
        if (!isDeclStart(t)) continue;
        const prev = chunk[i - 1]!;
        if (prev.endLine !== t.startLine) {
          next = i;
          break;
        }
        if (next < 0) next = i;
      }
      if (next < 0) break;
      from += next;
    }
  }
  parser.input = [];

  const spec: Spec = { uri: source.uri, decls, span: { start: 0, end: text.length } };
  const kept = comments.map((c) => ({ text: c.image, start: c.startOffset, end: c.startOffset + c.image.length }));
  return { spec, source, diagnostics: bag.items, comments: kept };
}
