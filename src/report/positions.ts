/** Line and column at the edge: the texts of a checked program, by URI, turn a trace's offsets into positions. */
import type { Position, SourceFile } from '../source.js';

/**
 * The texts a result's URIs point into: `program.sources` of the checked
 * program. Only positions are asked of them, so a report read back from
 * JSON (`lifespec merge`), whose steps carry their lines, can stand in.
 */
export type Sources = ReadonlyMap<string, Pick<SourceFile, 'position'>>;

/** The 1-based position of `offset` in the text of `uri`; line 0 when the text is not at hand. */
export function locate(sources: Sources | undefined, uri: string, offset: number): Position {
  return sources?.get(uri)?.position(offset) ?? { line: 0, column: 0 };
}
