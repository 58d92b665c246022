/**
 * One text as the editor services see it: parsed and checked once, with
 * everything the questions about it (completion, hover, definition,
 * references) need. Platform-neutral, and in offsets: the adapters (the
 * playground's Monaco providers, the language server) turn offsets into
 * their own positions at the edge.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import { builtinRegistry, type ModelRegistry } from '../models/registry.js';
import { checkParsed } from '../semantics/check.js';
import type { Program } from '../semantics/program.js';
import type { SourceFile } from '../source.js';
import { parseText, type ParseResult } from '../syntax/parse.js';
import { buildIndex, type Location, type Reference } from './symbols.js';

export type { Location };

export interface DocumentOptions {
  /** The name the text goes by in diagnostics; `<input>` by default. */
  readonly uri?: string;
  /** The models the spec may use; the built-in ones by default. */
  readonly registry?: ModelRegistry;
}

export class LanguageDocument {
  readonly uri: string;
  readonly parsed: ParseResult;
  readonly program: Program;
  readonly diagnostics: readonly Diagnostic[];
  private index: Reference[] | undefined;

  constructor(
    readonly text: string,
    options: DocumentOptions = {},
  ) {
    this.uri = options.uri ?? '<input>';
    this.parsed = parseText(text, { uri: this.uri });
    const checked = checkParsed(this.parsed, options.registry ?? builtinRegistry());
    this.program = checked.program;
    this.diagnostics = checked.diagnostics;
  }

  get source(): SourceFile {
    return this.parsed.source;
  }

  /** Every name in the text that the services can explain, with what it refers to. */
  references(): readonly Reference[] {
    return (this.index ??= buildIndex(this.program, this.uri));
  }

  /** The references whose span holds `offset`, innermost first. */
  referencesAt(offset: number): Reference[] {
    return this.references()
      .filter((r) => offset >= r.span.start && offset <= r.span.end && r.span.end > r.span.start)
      .sort((a, b) => a.span.end - a.span.start - (b.span.end - b.span.start));
  }
}
