/**
 * Rename: every place in the spec's own files that names what the name at
 * the cursor names, given the new name; refused, with a reason an editor
 * shows, for what the spec does not declare (a primitive, a model's kind, a
 * stdlib rule), for keywords, and for a `use "file"` path.
 */
import { hardKeywords } from '../../grammar/tokens.js';
import type { Span } from '../source.js';
import type { LanguageDocument, Location } from './language-document.js';
import { definition, references } from './navigation.js';

export interface TextEdit {
  readonly uri: string;
  readonly span: Span;
  readonly newText: string;
}

export type RenameTarget = { readonly ok: true; readonly span: Span; readonly name: string } | { readonly ok: false; readonly reason: string };
export type RenameResult = { readonly ok: true; readonly edits: TextEdit[] } | { readonly ok: false; readonly reason: string };

const identifier = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What a rename at `offset` would rename: the name and its span, or why it cannot. */
export function renameTarget(doc: LanguageDocument, offset: number, uri: string = doc.uri): RenameTarget {
  const text = doc.sourceOf(uri)?.text ?? '';
  const refs = doc.referencesAt(offset, uri);
  const ref = refs.find((r) => r.definition?.()) ?? refs[0];
  if (!ref) return { ok: false, reason: 'There is no name here that the spec declares.' };
  const name = text.slice(ref.span.start, ref.span.end);
  if (name.startsWith('"')) return { ok: false, reason: 'A `use` line names a file: rename the file instead.' };
  const def = ref.definition?.();
  if (!def) return { ok: false, reason: `\`${name}\` is built in (a primitive, kind, event or constant of the models): it cannot be renamed.` };
  if (def.uri.startsWith('stdlib:') || !doc.has(def.uri)) return { ok: false, reason: `\`${name}\` is declared in \`${def.uri}\`, not in the spec's own files: it cannot be renamed.` };
  if (!identifier.test(name)) return { ok: false, reason: `\`${name}\` cannot be renamed.` };
  const declared = doc.sourceOf(def.uri)?.text.slice(def.span.start, def.span.end);
  if (declared !== name) return { ok: false, reason: `\`${name}\` is not a name the spec declares: it cannot be renamed.` };
  if (name === 'probe' || name === 'remove') return { ok: false, reason: `\`${name}\` is a callback's keyword: it cannot be renamed.` };
  return { ok: true, span: ref.span, name };
}

/** The edits that rename what the name at `offset` names to `newName`, in every file of the spec. */
export function rename(doc: LanguageDocument, offset: number, newName: string, uri: string = doc.uri): RenameResult {
  const target = renameTarget(doc, offset, uri);
  if (!target.ok) return target;
  if (!identifier.test(newName)) return { ok: false, reason: `\`${newName}\` is not a name: a name is a letter or \`_\`, then letters, digits and \`_\`.` };
  if (hardKeywords.includes(newName)) return { ok: false, reason: `\`${newName}\` is a keyword.` };
  const at = definition(doc, offset, uri);
  const places: Location[] = references(doc, offset, uri);
  // Only the places that spell the old name (an ops entry may name a slot by an alias).
  const edits = places
    .filter((l) => doc.sourceOf(l.uri)?.text.slice(l.span.start, l.span.end) === target.name)
    .map((l) => ({ uri: l.uri, span: l.span, newText: newName }));
  if (at && !edits.some((e) => e.uri === at.uri && e.span.start === at.span.start)) edits.push({ uri: at.uri, span: at.span, newText: newName });
  return { ok: true, edits };
}
