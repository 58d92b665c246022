/**
 * The one Lifespec lexer, built once at module load as Chevrotain recommends.
 * `ensureOptimizations` turns a silently slow lexer into a start-up error.
 */
import { Lexer } from 'chevrotain';
import { allTokens } from './tokens.js';

export const lexer = new Lexer(allTokens, {
  ensureOptimizations: true,
  positionTracking: 'full',
});
