/**
 * The playground's adapter of the language services (src/services): the
 * worker answers the editor's questions from them, turning offsets into the
 * 1-based lines and columns Monaco counts in. Nothing here parses, checks or
 * walks the syntax tree; it imports only the package's public entry.
 */
import { LanguageDocument, services, type Diagnostic, type Program, type Span } from '../src/index.js';
import type { CompletionItem, Marker, Range } from './protocol.js';

/** One checked text and what the editor may ask about it. */
export class Analysis {
  readonly doc: LanguageDocument;
  /** How long the parse and check took. */
  readonly checkMs: number;

  constructor(
    readonly text: string,
    readonly uri = 'playground.lspec',
  ) {
    const t0 = performance.now();
    this.doc = new LanguageDocument(text, { uri });
    this.checkMs = performance.now() - t0;
  }

  get program(): Program {
    return this.doc.program;
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.doc.diagnostics;
  }

  range(start: number, end: number): Range {
    const a = this.doc.source.position(start);
    const b = this.doc.source.position(end);
    return { startLineNumber: a.line, startColumn: a.column, endLineNumber: b.line, endColumn: b.column };
  }

  /** An empty span made one character wide, so the editor can underline it. */
  private visible(span: Span): Range {
    let { start, end } = span;
    if (end <= start) {
      if (start < this.text.length && this.text[start] !== '\n') end = start + 1;
      else if (start > 0) start -= 1;
    }
    return this.range(start, Math.max(end, start));
  }

  markers(): Marker[] {
    return this.diagnostics.map((d) => {
      const here = d.uri === this.uri;
      const at = here ? this.visible(d.span) : this.range(0, Math.min(1, this.text.length));
      return {
        ...at,
        severity: d.severity,
        code: d.code,
        message: here ? d.message : `${d.uri}: ${d.message}`,
        related: (d.related ?? []).filter((r) => r.uri === this.uri).map((r) => ({ ...this.visible(r.span), message: r.message })),
      };
    });
  }

  complete(offset: number): { items: CompletionItem[]; range: Range } {
    const r = services.complete(this.doc, offset);
    return { items: r.items, range: this.range(r.range.start, r.range.end) };
  }

  hover(offset: number): { markdown: string; range: Range } | null {
    const h = services.hover(this.doc, offset);
    return h ? { markdown: h.markdown, range: this.range(h.span.start, h.span.end) } : null;
  }

  /** The declaration's range, when it is in this text (the page shows one text). */
  definition(offset: number): Range | null {
    const d = services.definition(this.doc, offset);
    return d && d.uri === this.uri ? this.range(d.span.start, d.span.end) : null;
  }

  references(offset: number): Range[] {
    return services.references(this.doc, offset).map((l) => this.range(l.span.start, l.span.end));
  }
}
