/**
 * The CLI's file reading: every way a path can be wrong becomes one line and
 * exit code 2, never a stack trace.
 */
import { readFileSync, statSync } from 'node:fs';

export class UsageError extends Error {}

/** Where the CLI writes; tests pass their own to run it in-process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Colour the output (stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
  /** stderr is a terminal: progress may redraw one line. */
  errIsTty?: boolean;
}

/** Reads a spec file as UTF-8 text, or throws a UsageError that says why not. */
export function readSpecFile(path: string): string {
  let stat;
  try {
    stat = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${path}: no such file` : `${path}: cannot read (${code ?? 'error'})`);
  }
  if (stat.isDirectory()) throw new UsageError(`${path}: is a directory; name the .lspec files in it`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    throw new UsageError(`${path}: cannot read (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
  }
  if (bytes.length === 0) throw new UsageError(`${path}: is empty`);
  if (bytes.includes(0)) throw new UsageError(`${path}: is a binary file, not a Lifespec spec`);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new UsageError(`${path}: is not valid UTF-8 text`);
  }
}
