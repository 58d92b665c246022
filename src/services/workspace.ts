/**
 * Several open files, as an editor has them: the host the checker reads
 * `use "…"` through, and which checked document answers for each file. One
 * implementation for every editor: the playground's worker fills it with its
 * tabs, a language server with the documents the client has open (and a
 * fallback that reads the rest from disk). A file a main spec uses is
 * answered from the main spec's check, so its names resolve as they do when
 * the main spec runs; any other open file is checked as a spec of its own.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { ModelRegistry } from '../models/registry.js';
import type { SpecHost } from '../semantics/files.js';
import { LanguageDocument, type DocumentHost } from './language-document.js';

export interface WorkspaceOptions {
  /** The models the specs may use; the built-in ones by default. */
  readonly registry?: ModelRegistry;
  /** How a `use "path"` of the file at `from` names a URI; relative paths, `/`-separated, by default. */
  readonly resolve?: (from: string, path: string) => string;
  /** Reads a file that is not open (a language server's disk); without it, only open files can be used. */
  readonly fallback?: SpecHost;
  /** Why `uri` cannot be read when it is not open and the fallback has nothing: the checker puts it at the `use` line. */
  readonly missing?: (uri: string, open: readonly string[]) => string;
}

/** `path` as written in a `use` line of the file at `from`: relative to its folder, `.` and `..` resolved. */
export function resolvePath(from: string, path: string): string {
  const absolute = path.startsWith('/');
  const out = absolute ? [] : from.split('/').slice(0, -1);
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..' && out.length > 0 && out.at(-1) !== '..' && out.at(-1) !== '') out.pop();
    else out.push(part);
  }
  return `${absolute ? '/' : ''}${out.join('/')}`;
}

/** How the file at `from` writes `to` in a `use` line: the inverse of `resolvePath`. */
export function relativePath(from: string, to: string): string {
  const a = from.split('/').slice(0, -1);
  const b = to.split('/');
  let common = 0;
  while (common < a.length && common < b.length - 1 && a[common] === b[common]) common++;
  return [...a.slice(common).map(() => '..'), ...b.slice(common)].join('/');
}

export class Workspace implements DocumentHost {
  private readonly texts = new Map<string, string>();
  private readonly documents = new Map<string, LanguageDocument>();
  private mainUri: string | undefined;

  constructor(private readonly options: WorkspaceOptions = {}) {}

  /** Opens a file, or changes its text. */
  set(uri: string, text: string): void {
    if (this.texts.get(uri) === text) return;
    this.texts.set(uri, text);
    this.documents.clear();
  }

  /** Closes a file. */
  delete(uri: string): void {
    if (this.texts.delete(uri)) this.documents.clear();
    if (this.mainUri === uri) this.mainUri = undefined;
  }

  /** The open files, in the order they were opened. */
  list(): readonly string[] {
    return [...this.texts.keys()];
  }

  text(uri: string): string | undefined {
    return this.texts.get(uri);
  }

  /** The main spec (the playground's first tab): the files it uses are answered from its check. */
  get main(): string | undefined {
    return this.mainUri ?? this.list()[0];
  }

  set main(uri: string | undefined) {
    if (uri === this.mainUri) return;
    this.mainUri = uri;
    this.documents.clear();
  }

  resolve(from: string, path: string): string {
    return (this.options.resolve ?? resolvePath)(from, path);
  }

  read(uri: string): string | { readonly error: string } {
    const open = this.texts.get(uri);
    if (open !== undefined) return open;
    const other = this.options.fallback?.read(uri);
    if (typeof other === 'string') return other;
    return { error: this.options.missing?.(uri, this.list()) ?? other?.error ?? `\`${uri}\` is not open` };
  }

  /** The spec `uri` is checked as part of: the main spec's, when the main spec uses it, else its own. */
  rootOf(uri: string): string {
    const main = this.main;
    if (main !== undefined && main !== uri && this.texts.has(main) && this.checked(main).has(uri)) return main;
    return uri;
  }

  /** The checked document that answers questions about the open file `uri`. */
  documentFor(uri: string): LanguageDocument {
    return this.checked(this.rootOf(uri));
  }

  /** The diagnostics of every open file, by URI: each from the check of the spec it is part of. */
  diagnostics(): Map<string, Diagnostic[]> {
    const out = new Map<string, Diagnostic[]>();
    for (const uri of this.list()) {
      const doc = this.documentFor(uri);
      const own = doc.diagnosticsOf(uri);
      // What is located in no file of the spec (a stdlib module's) goes with its root.
      if (doc.uri === uri) own.push(...doc.diagnostics.filter((d) => d.uri !== undefined && !doc.has(d.uri)));
      out.set(uri, own);
    }
    return out;
  }

  /** The root `uri` checked, with the other open files as its host; once per change of any file. */
  private checked(uri: string): LanguageDocument {
    let doc = this.documents.get(uri);
    if (!doc) {
      doc = new LanguageDocument(this.texts.get(uri) ?? '', { uri, host: this, ...(this.options.registry ? { registry: this.options.registry } : {}) });
      this.documents.set(uri, doc);
    }
    return doc;
  }
}
