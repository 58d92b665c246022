/**
 * Quick fixes: a diagnostic that says "did you mean `X`?" of the name at its
 * span offers to replace that name with X.
 */
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { TextEdit } from './rename.js';

export interface QuickFix {
  readonly title: string;
  /** The diagnostic it fixes. */
  readonly diagnostic: Diagnostic;
  readonly edit: TextEdit;
}

const suggestion = /\(did you mean `([^`]+)`\?\)/;
const word = /^[A-Za-z_][A-Za-z0-9_.]*$/;

/** The fixes for the diagnostics of one text (`text` is the file the diagnostics are located in). */
export function quickFixes(diagnostics: readonly Diagnostic[], text: string): QuickFix[] {
  const out: QuickFix[] = [];
  for (const d of diagnostics) {
    const meant = suggestion.exec(d.message)?.[1];
    const written = text.slice(d.span.start, d.span.end);
    if (!meant || !word.test(written) || written === meant) continue;
    out.push({ title: `Change \`${written}\` to \`${meant}\``, diagnostic: d, edit: { uri: d.uri, span: d.span, newText: meant } });
  }
  return out;
}
