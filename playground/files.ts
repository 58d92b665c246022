/**
 * The files of the page: one per tab, the first the main spec. What names a
 * tab may have (a `use "…"` line names it), and one key per set of files,
 * for the drafts and the checks remembered across reloads. No DOM here.
 */

/** A tab's file: its name (what `use "…"` writes) and its text. */
export interface SpecFile {
  readonly name: string;
  readonly text: string;
}

/** The name of the main tab of a text that came without one (an older draft or `#code=` link). */
export const MAIN_NAME = 'main.lspec';

/** More tabs than this are not kept in a draft or taken from a link. */
export const MAX_FILES = 32;

const namePattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_][A-Za-z0-9_.-]*)*$/;

/** Why `name` cannot be a tab's name among `others`, or undefined when it can. */
export function nameProblem(name: string, others: readonly string[]): string | undefined {
  if (name === '') return 'a file needs a name';
  if (name.length > 80) return 'a name of at most 80 characters';
  if (!namePattern.test(name) || name.split('/').some((p) => p === '.' || p === '..')) return 'letters, digits, `_`, `-` and `.`, with `/` between folders';
  if (others.includes(name)) return `there is a tab named ${name} already`;
  return undefined;
}

/** A name not yet taken: `file2.lspec`, `file3.lspec`, … */
export function freeName(taken: readonly string[]): string {
  for (let i = taken.length + 1; ; i++) if (!taken.includes(`file${i}.lspec`)) return `file${i}.lspec`;
}

/** One file, named as a text without a name is: the page before tabs, and `#code=` links. */
export function single(text: string): SpecFile[] {
  return [{ name: MAIN_NAME, text }];
}

/** Whether the files are one main file of the default name: a plain text, as before tabs. */
export function isSingle(files: readonly SpecFile[]): boolean {
  return files.length === 1 && files[0]!.name === MAIN_NAME;
}

/** One string per set of files (its one text, for a single file), to compare and hash. */
export function filesKey(files: readonly SpecFile[]): string {
  return isSingle(files) ? files[0]!.text : JSON.stringify(files.map((f) => [f.name, f.text]));
}

/** Files read from storage or a link: undefined unless it is a list of 1 to MAX_FILES well-named, distinct files. */
export function validFiles(value: unknown): SpecFile[] | undefined {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_FILES) return undefined;
  const out: SpecFile[] = [];
  for (const f of value) {
    const { name, text } = (f ?? {}) as Partial<SpecFile>;
    if (typeof name !== 'string' || typeof text !== 'string') return undefined;
    if (nameProblem(name, out.map((x) => x.name))) return undefined;
    out.push({ name, text });
  }
  return out;
}
