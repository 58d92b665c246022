/**
 * The CLI's files and arguments: every way a path can be wrong becomes one line and exit
 * code 2, never a stack trace, and no file can make the CLI wait forever or
 * read without bound. A spec is read only from a regular file (after
 * symlinks) of at most `MAX_SPEC_BYTES`; an output is written only to a
 * regular file, never over an input, and atomically: a temporary file beside
 * it, renamed over it, so a failed write leaves the old file whole.
 */
import { randomBytes } from 'node:crypto';
import {
  accessSync,
  closeSync,
  constants,
  fchmodSync,
  fchownSync,
  fstatSync,
  fsyncSync,
  lstatSync,
  openSync,
  readSync,
  realpathSync,
  renameSync,
  statSync,
  unlinkSync,
  writeSync,
  type Stats,
} from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve } from 'node:path';
import type { SpecHost, StartPool } from '../index.js';
import { visible } from '../diagnostics/format.js';
import type { WorkerSpec } from './search-pool.js';

export class UsageError extends Error {}

/** What each option that takes a value needs, as the message for a missing one says it. */
export const optionNeeds: Readonly<Record<string, string>> = {
  'max-states': 'a positive integer',
  timeout: 'a positive number of seconds',
  'max-memory': 'a positive number of megabytes',
  format: 'text or json',
  scenario: 'the name of a scenario',
  svg: 'the path of the SVG file to write',
};

/**
 * The arguments with each of the `numeric` options joined to its value when
 * the value starts with `-` (`--max-states -1` → `--max-states=-1`).
 * node:util's parseArgs calls such a value ambiguous; joined, it reaches the
 * option's own check, which says what the option needs and what it got.
 * Nothing after `--` is touched: those are files.
 */
export function keepNumberSigns(argv: readonly string[], numeric: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    if (a.startsWith('--') && numeric.includes(a.slice(2)) && next !== undefined && next.startsWith('-')) {
      out.push(`${a}=${next}`);
      i++;
    } else out.push(a);
  }
  return out;
}

/** Where the CLI writes; tests pass their own to run it in-process. */
export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  /** Colour the output (stdout is a terminal and NO_COLOR is unset). */
  color: boolean;
  /** stderr is a terminal: progress may redraw one line. */
  errIsTty?: boolean;
  /** Set when the user interrupts (Ctrl-C): searches stop as the playground's Stop stops them, and report what they have. */
  signal?: { readonly aborted: boolean };
  /** The heap in use, in bytes, for --max-memory to bound (bin.ts reads it from Node); without it, an estimate. */
  heapBytes?: () => number;
  /** Starts the worker threads of a search of `spec` (bin.ts); without it, every search runs in one thread. */
  startPool?: (spec: WorkerSpec) => StartPool;
}

/**
 * The largest spec the CLI reads: 8 MiB, a thousand times the largest spec
 * in the repository. Parsing and checking need about 170 MB of heap per MB
 * (npm run fuzz measures it), so this size fits in 1.5 GB, well inside
 * Node's default heap; a bigger file is refused up front.
 */
export const MAX_SPEC_BYTES = 8 * 1024 * 1024;
export const MAX_SPEC_TEXT = '8 MiB';

/** A spec as read: its text, and which file it was, to keep outputs off it. */
export interface SpecFile {
  readonly path: string;
  readonly text: string;
  readonly dev: number;
  readonly ino: number;
}

/** The words for the errors a path can give, as a person would say them. */
const reasons: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'not permitted',
  ELOOP: 'too many levels of symbolic links (a loop?)',
  ENAMETOOLONG: 'the name is too long',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'is a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EROFS: 'read-only file system',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENXIO: 'no such device',
  ETXTBSY: 'the file is busy',
  EBUSY: 'the file is busy',
  EXDEV: 'another file system',
};

function why(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code ? (reasons[code] ?? code) : 'error';
}

/** What a file that is not a regular one is, for the message that refuses it. */
function kindOf(st: Stats): string {
  if (st.isDirectory()) return 'a directory';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

// A FIFO opened for reading waits for a writer; O_NONBLOCK makes open return
// at once if one appears between the stat and the open. Windows has neither.
const O_NONBLOCK = constants.O_NONBLOCK ?? 0;
const O_NOCTTY = constants.O_NOCTTY ?? 0;

/**
 * Reads a spec file as UTF-8 text, or throws a UsageError that names the path
 * and says why not. Refuses, before opening it, anything but a regular file
 * (symlinks followed) and a file over `MAX_SPEC_BYTES`; then reads at most
 * one byte more than that, so a file that grows, or whose size lies (as
 * /proc's do), cannot take more memory than the limit.
 */
export function readSpecFile(path: string): SpecFile {
  // `-` is standard input, as for most tools; diagnostics name it <stdin>.
  if (path === '-') return { path: STDIN, text: decodeSpec(readAtMost(0, MAX_SPEC_BYTES + 1, STDIN), STDIN), dev: -1, ino: -1 };
  const shown = visible(path);
  let st: Stats;
  try {
    st = statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? `${shown}: no such file` : `${shown}: cannot read (${why(e)})`);
  }
  if (st.isDirectory()) throw new UsageError(`${shown}: is a directory; name the .lspec files in it`);
  if (!st.isFile()) throw new UsageError(`${shown}: is ${kindOf(st)}, not a spec file; name a regular .lspec file`);
  if (st.size > MAX_SPEC_BYTES) throw tooBig(shown);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | O_NONBLOCK | O_NOCTTY);
  } catch (e) {
    throw new UsageError(`${shown}: cannot read (${why(e)})`);
  }
  let bytes: Buffer;
  try {
    // The file opened may not be the one stat saw: look again, at the open file.
    st = fstatSync(fd);
    if (!st.isFile()) throw new UsageError(`${shown}: is ${kindOf(st)}, not a spec file; name a regular .lspec file`);
    if (st.size > MAX_SPEC_BYTES) throw tooBig(shown);
    bytes = readAtMost(fd, MAX_SPEC_BYTES + 1, shown);
  } finally {
    closeSync(fd);
  }
  return { path, text: decodeSpec(bytes, shown), dev: st.dev, ino: st.ino };
}

/** The name standard input (`-`) goes by in diagnostics. */
export const STDIN = '<stdin>';

/** A spec's bytes as text, or the UsageError that says why they are not one. */
function decodeSpec(bytes: Buffer, shown: string): string {
  if (bytes.length > MAX_SPEC_BYTES) throw tooBig(shown);
  if (bytes.length === 0) throw new UsageError(`${shown}: is empty`);
  // A NUL in otherwise valid text is a located `unexpected-character`, as rustc, Go and Python report it.
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new UsageError(`${shown}: is not valid UTF-8 text${bytes.includes(0) ? ' (it looks like a binary file)' : ''}`);
  }
}

function tooBig(shown: string): UsageError {
  return new UsageError(`${shown}: is larger than ${MAX_SPEC_TEXT}, the most a spec may be`);
}

/** Up to `limit` bytes of an open file, stopping at its end. */
function readAtMost(fd: number, limit: number, shown: string): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  while (total < limit) {
    const chunk = Buffer.allocUnsafe(Math.min(64 * 1024, limit - total));
    let n: number;
    try {
      n = readSync(fd, chunk, 0, chunk.length, null);
    } catch (e) {
      throw new UsageError(`${shown}: cannot read (${why(e)})`);
    }
    if (n === 0) break;
    chunks.push(n === chunk.length ? chunk : chunk.subarray(0, n));
    total += n;
  }
  return Buffer.concat(chunks, total);
}

/** Where an output goes: the real path (symlinks resolved) and, if it exists, the file there now. */
interface OutputTarget {
  readonly real: string;
  readonly existing?: Stats;
}

/**
 * Checks that `path` may be written: a regular file or a new name in an
 * existing directory, not a symlink to anything else, and not the same file
 * (by resolved path or by device and inode) as any of `inputs`. Throws a
 * UsageError naming `what` (`--svg`) and the path; call it before the work,
 * so a run is not wasted on an output that will be refused.
 */
export function checkOutputPath(path: string, inputs: readonly SpecFile[], what = 'output'): OutputTarget {
  const shown = visible(path);
  let link: Stats | undefined;
  try {
    link = lstatSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw new UsageError(`${shown}: cannot write (${why(e)})`);
  }
  if (link === undefined) {
    // A new file: its directory must exist; the real path is the directory's, resolved, and the name.
    let dir: string;
    try {
      dir = realpathSync(dirname(resolve(path)));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new UsageError(`${shown}: cannot write (${code === 'ENOENT' ? 'no such directory' : why(e)})`);
    }
    return { real: join(dir, basename(path)) };
  }
  let real: string;
  let st: Stats;
  try {
    real = realpathSync(path);
    st = statSync(real);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(`${shown}: cannot write (${code === 'ENOENT' ? 'a symbolic link to a file that does not exist' : why(e)})`);
  }
  const through = link.isSymbolicLink() ? 'a symbolic link to ' : '';
  if (!st.isFile()) throw new UsageError(`${shown}: is ${through}${kindOf(st)}; ${what} is written only to a regular file`);
  for (const input of inputs) {
    if ((input.dev === st.dev && input.ino === st.ino) || safeReal(input.path) === real) {
      throw new UsageError(`${shown}: is the input ${visible(input.path)}; name another file for the ${what}`);
    }
  }
  return { real, existing: st };
}

function safeReal(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined;
  }
}

/**
 * Writes `text` to `path` atomically: into a new temporary file in the same
 * directory, flushed, then renamed over the target, so a reader sees the old
 * file or the new one and a failure (a full disk, no permission) leaves the
 * old one whole. An existing file keeps its mode (and, where allowed, its
 * owner); a symlink keeps pointing at it. Throws a UsageError naming `path`;
 * the temporary file never outlives a failure.
 */
export function writeOutputFile(path: string, text: string, inputs: readonly SpecFile[] = [], what = 'output'): void {
  const target = checkOutputPath(path, inputs, what);
  const shown = visible(path);
  if (target.existing) {
    // rename() needs only the directory's permission: do not replace a file its owner made read-only.
    try {
      accessSync(target.real, constants.W_OK);
    } catch (e) {
      throw new UsageError(`${shown}: cannot write (${why(e)})`);
    }
  }
  // Beside the target, so the rename stays on one file system; its name cut so a long one still fits NAME_MAX.
  const tmp = join(dirname(target.real), `.${basename(target.real).slice(0, 100)}.${randomBytes(6).toString('hex')}.tmp`);
  let fd: number | undefined;
  let created = false;
  try {
    // O_EXCL: never write into a file someone else put there; 0o666 lets the umask decide a new file's mode.
    fd = openSync(tmp, 'wx', 0o666);
    created = true;
    const old = target.existing;
    if (old) {
      fchmodSync(fd, old.mode & 0o7777);
      const now = fstatSync(fd);
      if (now.uid !== old.uid || now.gid !== old.gid) {
        try {
          fchownSync(fd, old.uid, old.gid);
        } catch {
          // Only root may give a file away; the new file is then the writer's, as an editor's save would be.
        }
      }
    }
    const bytes = Buffer.from(text, 'utf8');
    for (let off = 0; off < bytes.length; ) off += writeSync(fd, bytes, off, bytes.length - off);
    fsyncSync(fd);
    closeSync(fd);
    fd = undefined;
    renameSync(tmp, target.real);
  } catch (e) {
    if (fd !== undefined) {
      try {
        closeSync(fd);
      } catch {
        // Already failing: the error that matters is the first one.
      }
    }
    if (created) {
      try {
        unlinkSync(tmp);
      } catch {
        // Nothing more can be done about it here.
      }
    }
    throw new UsageError(`${shown}: cannot write (${why(e)})`);
  }
}

/**
 * How `use "path"` lines reach the file system (v1): a path is relative to
 * the file that says `use`, and a used file is read as the CLI reads any
 * spec (a regular file, at most MAX_SPEC_TEXT, UTF-8), its failure one line.
 */
export function fileHost(): SpecHost {
  return {
    resolve: (from, path) => (isAbsolute(path) ? path : relative(process.cwd(), resolve(dirname(from), path)) || path),
    read: (uri) => {
      try {
        return readSpecFile(uri).text;
      } catch (e) {
        if (e instanceof UsageError) return { error: e.message };
        throw e;
      }
    },
  };
}
