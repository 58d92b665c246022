/**
 * The token vocabulary of Lifespec, in one place: the lexer, the parser, the
 * playground's highlighter and the completion lists are all derived from it.
 *
 * Newlines are whitespace to the lexer. The few places where a line break
 * matters (a call's `(` must be on the callee's line, `return` takes a value
 * only from its own line, two statements on one line need a `;`) are decided
 * by the parser and the lowering pass from token positions, which keeps the
 * grammar free of newline tokens everywhere else.
 */
import { createToken, Lexer, type TokenType } from 'chevrotain';

/**
 * Hand-written matchers for the tokens that can be long: a regular
 * expression with a repeated alternation keeps a backtracking entry per
 * repetition, and V8 overflows its stack on a string literal of a few
 * million characters. These scan in a loop and return what a RegExp exec
 * would (Chevrotain's custom token patterns).
 */
type Matcher = (text: string, offset: number) => RegExpExecArray | null;
const matched = (text: string, from: number, to: number): RegExpExecArray => [text.slice(from, to)] as unknown as RegExpExecArray;

/** `"…"` with backslash escapes, on one line; `terminated` false: up to the line's end, for the lexer to report. */
function stringMatcher(terminated: boolean): Matcher {
  return (text, offset) => {
    if (text.charCodeAt(offset) !== 34) return null;
    let i = offset + 1;
    for (;;) {
      if (i >= text.length) return terminated ? null : matched(text, offset, i);
      const c = text.charCodeAt(i);
      if (c === 34) return terminated ? matched(text, offset, i + 1) : null;
      if (c === 10 || c === 13) return terminated ? null : matched(text, offset, i);
      // A backslash escapes the next character, a line break excepted (as `\\.` did not match one).
      if (c === 92 && i + 1 < text.length && text.charCodeAt(i + 1) !== 10 && text.charCodeAt(i + 1) !== 13) i += 2;
      else if (c === 92) return terminated ? null : matched(text, offset, i);
      else i++;
    }
  };
}

/** `/* … *\/`; `terminated` false: from `/*` to the end of the text when it never closes. */
function blockCommentMatcher(terminated: boolean): Matcher {
  return (text, offset) => {
    if (text.charCodeAt(offset) !== 47 || text.charCodeAt(offset + 1) !== 42) return null;
    const close = text.indexOf('*/', offset + 2);
    if (terminated) return close < 0 ? null : matched(text, offset, close + 2);
    return close < 0 ? matched(text, offset, text.length) : null;
  };
}

// Whitespace and comments.
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
/** `///` doc comments are kept (in a group of their own) so declarations can carry them. */
export const DocComment = createToken({ name: 'DocComment', pattern: /\/\/\/[^\n\r]*/, group: 'comments' });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: { exec: blockCommentMatcher(true) },
  start_chars_hint: ['/'],
  group: 'comments',
  line_breaks: true,
});
/** An unterminated block comment runs to the end of the file; the lexer reports it. */
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: { exec: blockCommentMatcher(false) },
  start_chars_hint: ['/'],
  group: 'comments',
  line_breaks: true,
});

export const Identifier = createToken({ name: 'Identifier', pattern: /[A-Za-z_][A-Za-z0-9_]*/ });

/**
 * Every token that can stand where a name is expected: identifiers and soft
 * keywords (errno-looking words are errnos, never names). Keywords are reserved only
 * where the grammar needs them (LANGUAGE.md §2), so `provider`, `device`,
 * `remove` or `size` still work as field, event and method names.
 */
export const Name = createToken({ name: 'Name', pattern: Lexer.NA });
/**
 * Any word at all, hard keywords included: what may follow a `.`, where no
 * keyword can start anything (`model.assert`, `s.remove(x)`).
 */
export const Word = createToken({ name: 'Word', pattern: Lexer.NA });
Identifier.CATEGORIES = [Name, Word];

/**
 * A malformed number such as `64Mx` or `12abc`: lexed as one token so the
 * error names the whole word, then reported and read as an integer.
 */
export const BadNumber = createToken({ name: 'BadNumber', pattern: /[0-9][A-Za-z0-9_]*/ });
export const HexInteger = createToken({ name: 'HexInteger', pattern: /0[xX][0-9a-fA-F]+/, longer_alt: BadNumber });
export const Size = createToken({ name: 'Size', pattern: /[0-9]+[KMG]/, longer_alt: BadNumber });
export const Integer = createToken({ name: 'Integer', pattern: /[0-9]+/, longer_alt: BadNumber });
export const Errno = createToken({ name: 'Errno', pattern: /E[A-Z0-9]+/, longer_alt: Identifier });
/** What StringLiteral matches, as a regular expression for highlighters (the lexer scans it in a loop). */
export const STRING_PATTERN = /"(?:[^"\\\n\r]|\\.)*"/;
/** What UnterminatedString matches, likewise. */
export const UNTERMINATED_STRING_PATTERN = /"(?:[^"\\\n\r]|\\.)*/;
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: { exec: stringMatcher(true) }, start_chars_hint: ['"'], line_breaks: false });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: { exec: stringMatcher(false) }, start_chars_hint: ['"'], line_breaks: false });

/** Hard keywords: reserved everywhere, because statements or declarations start with them. */
const hardKeywordNames = [
  'use', 'topology', 'opstype', 'constraint', 'scenario', 'fn',
  'let', 'if', 'else', 'for', 'in', 'lock', 'return', 'fail', 'assert', 'try',
  'true', 'false', 'none', 'never', 'always', 'parallel', 'choose',
] as const;

/** Soft keywords: they introduce a form in one context and are ordinary names elsewhere. */
const softKeywordNames = [
  'provider', 'driver', 'state', 'probe', 'remove', 'ops', 'action', 'required', 'flag',
  'host_bridge', 'switch', 'device', 'under', 'iommu', 'translated', 'passthrough', 'off',
  'p2p', 'allowed', 'denied', 'same_bridge', 'bar', 'size', 'acs', 'on', 'p2pdma', 'lifetime', 'devres', 'pgmap', 'manual',
  'within', 'before', 'after', 'requires', 'at', 'end', 'ok', 'fails',
  'bind', 'unbind', 'unplug', 'faults', 'expect', 'violation', 'deadlock',
  'kind', 'new', 'target', 'linux', 'allow', 'leads_to',
] as const;

export type HardKeyword = (typeof hardKeywordNames)[number];
export type SoftKeyword = (typeof softKeywordNames)[number];
export type Keyword = HardKeyword | SoftKeyword;

function keywordToken(word: string, soft: boolean): TokenType {
  return createToken({
    name: `Kw_${word}`,
    pattern: new RegExp(word),
    longer_alt: Identifier,
    categories: soft ? [Name, Word] : [Word],
  });
}

/** Keyword tokens by their spelling. */
export const Kw: Record<Keyword, TokenType> = Object.fromEntries([
  ...hardKeywordNames.map((w) => [w, keywordToken(w, false)]),
  ...softKeywordNames.map((w) => [w, keywordToken(w, true)]),
]) as Record<Keyword, TokenType>;

export const hardKeywords: readonly string[] = hardKeywordNames;
export const softKeywords: readonly string[] = softKeywordNames;

/** Every binary operator, so the parser can take them in one place. */
export const BinaryOperator = createToken({ name: 'BinaryOperator', pattern: Lexer.NA });

// Punctuation and operators; longer spellings before their prefixes.
export const Arrow = createToken({ name: 'Arrow', pattern: /->/ });
export const OrOr = createToken({ name: 'OrOr', pattern: /\|\|/, categories: [BinaryOperator] });
export const AndAnd = createToken({ name: 'AndAnd', pattern: /&&/, categories: [BinaryOperator] });
export const EqEq = createToken({ name: 'EqEq', pattern: /==/, categories: [BinaryOperator] });
export const NotEq = createToken({ name: 'NotEq', pattern: /!=/, categories: [BinaryOperator] });
export const LtEq = createToken({ name: 'LtEq', pattern: /<=/, categories: [BinaryOperator] });
export const GtEq = createToken({ name: 'GtEq', pattern: /\>=/, categories: [BinaryOperator] });
export const Lt = createToken({ name: 'Lt', pattern: /</, categories: [BinaryOperator] });
export const Gt = createToken({ name: 'Gt', pattern: />/, categories: [BinaryOperator] });
export const Bang = createToken({ name: 'Bang', pattern: /!/ });
export const Plus = createToken({ name: 'Plus', pattern: /\+/, categories: [BinaryOperator] });
export const Minus = createToken({ name: 'Minus', pattern: /-/, categories: [BinaryOperator] });
export const Assign = createToken({ name: 'Assign', pattern: /=/ });
export const LBrace = createToken({ name: 'LBrace', pattern: /\{/ });
export const RBrace = createToken({ name: 'RBrace', pattern: /\}/ });
export const LParen = createToken({ name: 'LParen', pattern: /\(/ });
export const RParen = createToken({ name: 'RParen', pattern: /\)/ });
export const Comma = createToken({ name: 'Comma', pattern: /,/ });
export const Semicolon = createToken({ name: 'Semicolon', pattern: /;/ });
export const Colon = createToken({ name: 'Colon', pattern: /:/ });
export const Dot = createToken({ name: 'Dot', pattern: /\./ });
export const Question = createToken({ name: 'Question', pattern: /\?/ });

/** Lexer order: the first pattern that matches wins, so longer forms come first. */
export const allTokens: TokenType[] = [
  WhiteSpace,
  DocComment,
  LineComment,
  BlockComment,
  UnterminatedBlockComment,
  Arrow,
  OrOr,
  AndAnd,
  EqEq,
  NotEq,
  LtEq,
  GtEq,
  Lt,
  Gt,
  Bang,
  Plus,
  Minus,
  Assign,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Comma,
  Semicolon,
  Colon,
  Dot,
  Question,
  StringLiteral,
  UnterminatedString,
  HexInteger,
  Size,
  Integer,
  BadNumber,
  Errno,
  // Longest spelling first, so `p2pdma` is not read as `p2p` followed by `dma`.
  ...Object.entries(Kw)
    .sort(([a], [b]) => b.length - a.length)
    .map(([, t]) => t),
  Identifier,
  Name,
  Word,
  BinaryOperator,
];

/** Operator spellings, for the highlighter. */
export const operatorTokens: TokenType[] = [Arrow, OrOr, AndAnd, EqEq, NotEq, LtEq, GtEq, Lt, Gt, Bang, Plus, Minus, Assign];
