/**
 * The words and patterns an editor's highlighter needs, read from the
 * grammar's token list (grammar/tokens.ts) and the registry, so the editor
 * and the lexer never disagree and a registered model's primitives and kinds
 * are highlighted too. The playground builds its Monarch grammar from this.
 */
import type { TokenType } from 'chevrotain';
import * as Tok from '../../grammar/tokens.js';
import { builtinRegistry, type ModelRegistry } from '../models/registry.js';
import { freeSig, krefPrimitives, queries } from '../semantics/builtins.js';
import { scalarTypeNames } from '../semantics/types.js';

const source = (t: TokenType): string => (t.PATTERN instanceof RegExp ? t.PATTERN.source : String(t.PATTERN));

/** Keywords, primitive and type names, and the token patterns, as regular-expression sources. */
export function highlightingTable(registry: ModelRegistry = builtinRegistry()) {
  return {
    hardKeywords: [...Tok.hardKeywords],
    softKeywords: [...Tok.softKeywords],
    errno: source(Tok.Errno),
    hexInteger: source(Tok.HexInteger),
    size: source(Tok.Size),
    integer: source(Tok.Integer),
    badNumber: source(Tok.BadNumber),
    string: Tok.STRING_PATTERN.source,
    unterminatedString: Tok.UNTERMINATED_STRING_PATTERN.source,
    docComment: source(Tok.DocComment),
    lineComment: source(Tok.LineComment),
    identifier: source(Tok.Identifier),
    operators: Tok.operatorTokens.map(source),
    primitives: [...queries.keys(), ...krefPrimitives.keys(), freeSig.name, ...registry.primitives.keys(), ...registry.primitiveAliases.keys()],
    types: [...scalarTypeNames, ...registry.kinds.keys(), 'set'],
  };
}

export type HighlightingTable = ReturnType<typeof highlightingTable>;
