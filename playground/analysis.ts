/**
 * The playground's adapter of the language services (src/services): the
 * worker answers the editor's questions from a Workspace of the page's tabs,
 * turning offsets into the 1-based lines and columns Monaco counts in, each
 * in its tab. Nothing here parses, checks or walks the syntax tree; it
 * imports only the package's public entry.
 */
import { services, type Diagnostic, type LanguageDocument, type Program, type SourceFile, type Span } from '../src/index.js';
import { MAIN_NAME, type SpecFile } from './files.js';
import type { CompletionItem, Marker, MarkersByFile, Place, Range } from './protocol.js';

/** What the checker says when a `use "…"` names no tab. */
function missingTab(uri: string, open: readonly string[]): string {
  return `no tab is named \`${uri}\` (the tabs: ${open.join(', ')}); add one with + and name it so`;
}

/** The page's tabs, checked, and what the editor may ask about each. */
export class Analysis {
  readonly workspace: services.Workspace;
  /** How long parsing and checking every tab took. */
  readonly checkMs: number;
  readonly main: string;
  private markerCache: Record<string, Marker[]> | undefined;

  /** A text alone (named `uri`), or the tabs' files with the main one's name. */
  constructor(files: string | readonly SpecFile[], main?: string) {
    const list = typeof files === 'string' ? [{ name: main ?? 'playground.lspec', text: files }] : files;
    this.main = main ?? list[0]?.name ?? MAIN_NAME;
    const t0 = performance.now();
    this.workspace = new services.Workspace({ missing: missingTab });
    for (const f of list) this.workspace.set(f.name, f.text);
    this.workspace.main = this.main;
    this.markerCache = this.allMarkers();
    this.checkMs = performance.now() - t0;
  }

  /** The checked spec the tab `uri` is part of. */
  document(uri: string = this.main): LanguageDocument {
    return this.workspace.documentFor(uri);
  }

  /** The spec Run explores from the tab `uri`: the main tab's, when it uses that tab, else the tab's own. */
  program(uri: string = this.main): Program {
    return this.document(uri).program;
  }

  get diagnostics(): readonly Diagnostic[] {
    return this.document().diagnostics;
  }

  private source(uri: string): SourceFile | undefined {
    return this.document(uri).sourceOf(uri);
  }

  range(start: number, end: number, uri: string = this.main): Range {
    const src = this.source(uri);
    if (!src) return { startLineNumber: 1, startColumn: 1, endLineNumber: 1, endColumn: 1 };
    const a = src.position(start);
    const b = src.position(end);
    return { startLineNumber: a.line, startColumn: a.column, endLineNumber: b.line, endColumn: b.column };
  }

  /** An empty span made one character wide, so the editor can underline it. */
  private visible(span: Span, uri: string): Range {
    const text = this.workspace.text(uri) ?? '';
    let { start, end } = span;
    if (end <= start) {
      if (start < text.length && text[start] !== '\n') end = start + 1;
      else if (start > 0) start -= 1;
    }
    return this.range(start, Math.max(end, start), uri);
  }

  /** The markers of the tab `uri`: its own diagnostics, and on its root's first character those located in no tab. */
  markers(uri: string = this.main): Marker[] {
    const cached = this.markerCache?.[uri];
    if (cached) return cached;
    const text = this.workspace.text(uri) ?? '';
    return (this.workspace.diagnostics().get(uri) ?? []).map((d) => {
      const here = (d.uri ?? uri) === uri;
      const at = here ? this.visible(d.span, uri) : this.range(0, Math.min(1, text.length), uri);
      return {
        ...at,
        severity: d.severity,
        code: d.code,
        message: here ? d.message : `${d.uri}: ${d.message}`,
        related: (d.related ?? []).filter((r) => r.uri === uri).map((r) => ({ ...this.visible(r.span, uri), message: r.message })),
      };
    });
  }

  /** Every tab's markers. */
  allMarkers(): Record<string, Marker[]> {
    if (this.markerCache) return this.markerCache;
    const out: Record<string, Marker[]> = {};
    for (const uri of this.workspace.list()) out[uri] = this.markers(uri);
    return out;
  }

  /** The markers of the tabs of the spec Run explores from `uri`. */
  markersOf(uri: string): MarkersByFile {
    const doc = this.document(uri);
    const all = this.allMarkers();
    return Object.fromEntries(Object.entries(all).filter(([name]) => doc.has(name)));
  }

  complete(offset: number, uri: string = this.main): { items: CompletionItem[]; range: Range } {
    const r = services.complete(this.document(uri), offset, uri);
    return { items: r.items, range: this.range(r.range.start, r.range.end, uri) };
  }

  hover(offset: number, uri: string = this.main): { markdown: string; range: Range } | null {
    const h = services.hover(this.document(uri), offset, uri);
    return h ? { markdown: h.markdown, range: this.range(h.span.start, h.span.end, uri) } : null;
  }

  /** The declaration's tab and range, when it is in a tab (a stdlib module has none). */
  place(offset: number, uri: string = this.main): Place | null {
    const d = services.definition(this.document(uri), offset, uri);
    return d && this.workspace.text(d.uri) !== undefined ? { uri: d.uri, range: this.range(d.span.start, d.span.end, d.uri) } : null;
  }

  /** The declaration's range and tab, as `place`, in one object. */
  definition(offset: number, uri: string = this.main): (Range & { uri: string }) | null {
    const p = this.place(offset, uri);
    return p ? { uri: p.uri, ...p.range } : null;
  }

  references(offset: number, uri: string = this.main): (Range & { uri: string })[] {
    return services.references(this.document(uri), offset, uri).map((l) => ({ uri: l.uri, ...this.range(l.span.start, l.span.end, l.uri) }));
  }
}
