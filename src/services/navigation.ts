/** Hover, go to definition and find references, answered from the document's index. */
import type { Span } from '../source.js';
import type { LanguageDocument, Location } from './language-document.js';

export interface Hover {
  readonly markdown: string;
  /** The name the hover explains. */
  readonly span: Span;
}

/** What the name at `offset` is, as Markdown. */
export function hover(doc: LanguageDocument, offset: number): Hover | undefined {
  for (const r of doc.referencesAt(offset)) {
    const markdown = r.hover();
    if (markdown) return { markdown, span: r.span };
  }
  return undefined;
}

/** Where the name at `offset` is declared: in this text, or in another the spec loaded (a stdlib module). */
export function definition(doc: LanguageDocument, offset: number): Location | undefined {
  for (const r of doc.referencesAt(offset)) {
    const d = r.definition?.();
    if (d) return d;
  }
  return undefined;
}

const sameLocation = (a: Location, b: Location) => a.uri === b.uri && a.span.start === b.span.start && a.span.end === b.span.end;

/**
 * Every place in this text that names what the name at `offset` names (its
 * declaration included, when it is in this text), in source order.
 */
export function references(doc: LanguageDocument, offset: number): Location[] {
  const target = definition(doc, offset);
  if (!target) return [];
  const out: Location[] = [];
  for (const r of doc.references()) {
    const d = r.definition?.();
    if (d && sameLocation(d, target)) out.push({ uri: doc.uri, span: r.span });
  }
  return out.sort((a, b) => a.span.start - b.span.start).filter((l, i, all) => i === 0 || !sameLocation(l, all[i - 1]!));
}
