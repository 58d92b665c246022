/**
 * One spec as the editor services see it: its root text, parsed and checked
 * once (with the files its `use "…"` lines bring in, read through a host),
 * with everything the questions about any of those files (completion, hover,
 * definition, references) need. Platform-neutral, and in offsets: the
 * adapters (the playground's Monaco providers, a language server) turn
 * offsets into their own positions at the edge, and URIs into their tabs or
 * documents.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { builtinRegistry, type ModelRegistry } from '../models/registry.js';
import { checkParsed } from '../semantics/check.js';
import type { SpecHost } from '../semantics/files.js';
import type { Program } from '../semantics/program.js';
import type { SourceFile } from '../source.js';
import type * as A from '../syntax/ast.js';
import { parseText, type ParseResult } from '../syntax/parse.js';
import { buildIndex, type Location, type Reference } from './symbols.js';

export type { Location };

/** How a document reaches the files it uses: the checker's host, and the names it could offer after `use "`. */
export interface DocumentHost extends SpecHost {
  /** The URIs of the files a `use "…"` may name (a playground's tabs, an editor's open files), for completion. */
  list?(): readonly string[];
}

export interface DocumentOptions {
  /** The name the text goes by in diagnostics; `<input>` by default. */
  readonly uri?: string;
  /** The models the spec may use; the built-in ones by default. */
  readonly registry?: ModelRegistry;
  /** Reads the files `use "…"` names; without it such a line is an error, as in check(). */
  readonly host?: DocumentHost;
}

export class LanguageDocument {
  readonly uri: string;
  readonly parsed: ParseResult;
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  readonly host: DocumentHost | undefined;
  private readonly indexes = new Map<string, Reference[]>();
  private declUris: Map<A.Node, string> | undefined;

  constructor(
    readonly text: string,
    options: DocumentOptions = {},
  ) {
    this.uri = options.uri ?? '<input>';
    this.host = options.host;
    this.parsed = parseText(text, { uri: this.uri });
    const checked = checkParsed(this.parsed, options.registry ?? builtinRegistry(), options.host ? { host: options.host } : {});
    this.program = checked.program;
    this.diagnostics = checked.diagnostics;
  }

  get source(): SourceFile {
    return this.parsed.source;
  }

  /** The URIs of the spec's own files: the root, then every file its `use "…"` lines brought in. */
  get files(): readonly string[] {
    return [this.uri, ...this.program.files.map((f) => f.uri)];
  }

  /** Whether `uri` is one of the spec's own files. */
  has(uri: string): boolean {
    return this.specOf(uri) !== undefined;
  }

  /** The syntax tree of one of the spec's own files. */
  specOf(uri: string = this.uri): A.Spec | undefined {
    return uri === this.uri ? this.parsed.spec : this.program.files.find((f) => f.uri === uri)?.spec;
  }

  /** The text of one of the spec's files (or of a stdlib module it loaded). */
  sourceOf(uri: string = this.uri): SourceFile | undefined {
    return uri === this.uri ? this.parsed.source : this.program.sources.get(uri);
  }

  /** The diagnostics located in one file. */
  diagnosticsOf(uri: string = this.uri): Diagnostic[] {
    return this.diagnostics.filter((d) => (d.uri ?? this.uri) === uri);
  }

  /** The URI a `use "path"` line of the file at `from` names, when the host can say. */
  resolve(from: string, path: string): string | undefined {
    try {
      return this.host?.resolve(from, path);
    } catch {
      return undefined;
    }
  }

  /** The file a top-level declaration or a topology item of the spec's own files is in. */
  uriOf(node: A.Node): string | undefined {
    if (!this.declUris) {
      this.declUris = new Map();
      for (const uri of this.files) {
        for (const d of this.specOf(uri)?.decls ?? []) {
          this.declUris.set(d, uri);
          if (d.kind === 'topology') for (const item of d.items) this.declUris.set(item, uri);
        }
      }
    }
    return this.declUris.get(node);
  }

  /** Every name in one of the spec's files that the services can explain, with what it refers to. */
  references(uri: string = this.uri): readonly Reference[] {
    let index = this.indexes.get(uri);
    if (!index) {
      const spec = this.specOf(uri);
      index = spec
        ? buildIndex({
            program: this.program,
            uri,
            spec,
            diagnostics: this.diagnosticsOf(uri),
            uriOf: (n) => this.uriOf(n),
            resolve: (from, path) => this.resolve(from, path),
          })
        : [];
      this.indexes.set(uri, index);
    }
    return index;
  }

  /** The references whose span holds `offset` in the file `uri`, innermost first. */
  referencesAt(offset: number, uri: string = this.uri): Reference[] {
    return this.references(uri)
      .filter((r) => offset >= r.span.start && offset <= r.span.end && r.span.end > r.span.start)
      .sort((a, b) => a.span.end - a.span.start - (b.span.end - b.span.start));
  }
}
