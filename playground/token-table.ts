/**
 * The highlighter's word lists and patterns, read from the grammar's token
 * list (grammar/tokens.ts) so the editor and the lexer never disagree. The
 * playground build evaluates this under Node and hands the result to the page
 * as a constant, so the page itself does not load the parser library.
 */
import type { TokenType } from 'chevrotain';
import * as Tok from '../grammar/tokens.js';
import { primitiveAliases, primitives } from '../src/semantics/builtins.js';
import { objectKinds } from '../src/semantics/types.js';

const source = (t: TokenType): string => (t.PATTERN instanceof RegExp ? t.PATTERN.source : String(t.PATTERN));

export function tokenTable() {
  return {
    hardKeywords: [...Tok.hardKeywords],
    softKeywords: [...Tok.softKeywords],
    errno: source(Tok.Errno),
    hexInteger: source(Tok.HexInteger),
    size: source(Tok.Size),
    integer: source(Tok.Integer),
    badNumber: source(Tok.BadNumber),
    string: source(Tok.StringLiteral),
    unterminatedString: source(Tok.UnterminatedString),
    docComment: source(Tok.DocComment),
    lineComment: source(Tok.LineComment),
    identifier: source(Tok.Identifier),
    operators: Tok.operatorTokens.map(source),
    primitives: [...primitives.keys(), ...Object.keys(primitiveAliases)],
    types: ['bool', 'int', 'errno', 'string', 'map_type', ...objectKinds, 'set'],
  };
}

export type TokenTable = ReturnType<typeof tokenTable>;
