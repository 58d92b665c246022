/**
 * The highlighter's word lists and patterns: the language services' table
 * (grammar/tokens.ts and the registry), which the playground build evaluates
 * under Node and hands to the page as a constant, so the page itself does not
 * load the parser library for it.
 */
import { services } from '../src/index.js';

export function tokenTable() {
  return services.highlightingTable();
}

export type TokenTable = ReturnType<typeof tokenTable>;
