/**
 * Hover, go to definition and find references, answered from the document's
 * index of each of its files. `uri` is the file asked about: the document's
 * root by default, or a file its `use "…"` lines brought in.
 */
import type { Span } from '../source.js';
import type { LanguageDocument, Location } from './language-document.js';

export interface Hover {
  readonly markdown: string;
  /** The name the hover explains. */
  readonly span: Span;
}

/** What the name at `offset` of the file `uri` is, as Markdown. */
export function hover(doc: LanguageDocument, offset: number, uri: string = doc.uri): Hover | undefined {
  for (const r of doc.referencesAt(offset, uri)) {
    const markdown = r.hover();
    if (markdown) return { markdown, span: r.span };
  }
  return undefined;
}

/** Where the name at `offset` is declared: in this file, another of the spec's files, or a stdlib module. */
export function definition(doc: LanguageDocument, offset: number, uri: string = doc.uri): Location | undefined {
  for (const r of doc.referencesAt(offset, uri)) {
    const d = r.definition?.();
    if (d) return d;
  }
  return undefined;
}

const sameLocation = (a: Location, b: Location) => a.uri === b.uri && a.span.start === b.span.start && a.span.end === b.span.end;

/**
 * Every place in the spec's own files that names what the name at `offset`
 * names (its declaration included, when it is in one of them): this file's
 * first, in source order, then the other files'.
 */
export function references(doc: LanguageDocument, offset: number, uri: string = doc.uri): Location[] {
  const target = definition(doc, offset, uri);
  if (!target) return [];
  const out: Location[] = [];
  for (const file of [uri, ...doc.files.filter((f) => f !== uri)]) {
    const here: Location[] = [];
    for (const r of doc.references(file)) {
      const d = r.definition?.();
      if (d && sameLocation(d, target)) here.push({ uri: file, span: r.span });
    }
    out.push(...here.sort((a, b) => a.span.start - b.span.start).filter((l, i, all) => i === 0 || !sameLocation(l, all[i - 1]!)));
  }
  return out;
}
