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

// Whitespace and comments.
export const WhiteSpace = createToken({ name: 'WhiteSpace', pattern: /[ \t\r\n\f\v]+/, group: Lexer.SKIPPED });
/** `///` doc comments are kept (in a group of their own) so declarations can carry them. */
export const DocComment = createToken({ name: 'DocComment', pattern: /\/\/\/[^\n\r]*/, group: 'comments' });
export const LineComment = createToken({ name: 'LineComment', pattern: /\/\/[^\n\r]*/, group: 'comments' });
export const BlockComment = createToken({
  name: 'BlockComment',
  pattern: /\/\*[^*]*\*+(?:[^/*][^*]*\*+)*\//,
  group: 'comments',
  line_breaks: true,
});
/** An unterminated block comment runs to the end of the file; the lexer reports it. */
export const UnterminatedBlockComment = createToken({
  name: 'UnterminatedBlockComment',
  pattern: /\/\*[^]*/,
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
export const StringLiteral = createToken({ name: 'StringLiteral', pattern: /"(?:[^"\\\n\r]|\\.)*"/ });
export const UnterminatedString = createToken({ name: 'UnterminatedString', pattern: /"(?:[^"\\\n\r]|\\.)*/ });

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
