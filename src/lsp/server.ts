/**
 * The language server: the language services (src/services) adapted to LSP,
 * as the playground adapts them to Monaco. The client's open documents fill
 * a Workspace, which is also the host `use "file"` lines are read through (a
 * file that is not open comes from the fallback, the disk). Everything here
 * is translation: URIs and offsets to LSP's positions (UTF-16, as JS strings
 * are), the services' kinds to LSP's, refusals to errors. Platform-neutral:
 * the stdio entry (stdio.ts) gives it a connection, the disk and a timer.
 */
import {
  CodeActionKind,
  CompletionItemKind,
  DiagnosticSeverity,
  InsertTextFormat,
  LSPErrorCodes,
  MarkupKind,
  ResponseError,
  SymbolKind,
  TextDocumentSyncKind,
  type CodeAction,
  type CompletionItem as LspCompletionItem,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type DocumentSymbol,
  type InitializeResult,
  type Location as LspLocation,
  type Position,
  type Range,
  type TextEdit as LspTextEdit,
  type WorkspaceEdit,
} from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Diagnostic } from '../diagnostics/diagnostic.js';
import type { SpecHost } from '../semantics/files.js';
import { complete, type CompletionKind } from '../services/completion.js';
import { quickFixes } from '../services/fixes.js';
import type { LanguageDocument, Location } from '../services/language-document.js';
import { definition, hover, references } from '../services/navigation.js';
import { outline, type OutlineItem, type OutlineKind } from '../services/outline.js';
import { rename, renameTarget, type TextEdit } from '../services/rename.js';
import { Workspace } from '../services/workspace.js';
import type { Span } from '../source.js';
import { formatText } from '../syntax/format.js';
import { parseText } from '../syntax/parse.js';

export interface ServerOptions {
  /** Reads a used file that is not open (the disk, by `file:` URI). */
  readonly fallback?: SpecHost;
  /** Runs `run` after `ms` milliseconds; returns a function that cancels it. */
  readonly schedule: (run: () => void, ms: number) => () => void;
  /** How long after the last change diagnostics are published; 150 ms by default. */
  readonly debounceMs?: number;
}

const severities = { error: DiagnosticSeverity.Error, warning: DiagnosticSeverity.Warning, info: DiagnosticSeverity.Information } as const;

const completionKinds: Record<CompletionKind, CompletionItemKind> = {
  keyword: CompletionItemKind.Keyword,
  variable: CompletionItemKind.Variable,
  field: CompletionItemKind.Field,
  function: CompletionItemKind.Function,
  primitive: CompletionItemKind.Function,
  type: CompletionItemKind.Class,
  module: CompletionItemKind.Module,
  rule: CompletionItemKind.Event,
  slot: CompletionItemKind.Property,
  action: CompletionItemKind.Method,
  driver: CompletionItemKind.Class,
  device: CompletionItemKind.Constant,
  provider: CompletionItemKind.Constant,
  constant: CompletionItemKind.Constant,
  errno: CompletionItemKind.EnumMember,
  event: CompletionItemKind.Event,
  file: CompletionItemKind.File,
  version: CompletionItemKind.Value,
};

const symbolKinds: Record<OutlineKind, SymbolKind> = {
  module: SymbolKind.Module,
  namespace: SymbolKind.Namespace,
  device: SymbolKind.Object,
  provider: SymbolKind.Constant,
  kind: SymbolKind.Struct,
  field: SymbolKind.Field,
  interface: SymbolKind.Interface,
  driver: SymbolKind.Class,
  callback: SymbolKind.Method,
  ops: SymbolKind.Object,
  action: SymbolKind.Method,
  fn: SymbolKind.Function,
  constraint: SymbolKind.Event,
  scenario: SymbolKind.Event,
};

/** Serves LSP on `connection` until it closes; the caller calls `connection.listen()`. */
export function serve(connection: Connection, options: ServerOptions): void {
  const ws = new Workspace({ ...(options.fallback ? { fallback: options.fallback } : {}) });
  const open = new Map<string, TextDocument>();
  let published = new Set<string>();
  let cancel: (() => void) | undefined;

  /** The text of `uri` as LSP positions see it: an open document, or a file a spec loaded (a used file, a stdlib module). */
  const textOf = (uri: string, doc?: LanguageDocument): TextDocument | undefined => {
    const o = open.get(uri);
    if (o) return o;
    const source = doc?.sourceOf(uri);
    return source ? TextDocument.create(uri, 'lspec', 0, source.text) : undefined;
  };
  const range = (t: TextDocument, span: Span): Range => ({ start: t.positionAt(span.start), end: t.positionAt(span.end) });
  const location = (l: Location, doc: LanguageDocument): LspLocation | undefined => {
    // A stdlib module (`stdlib:…`) is no file the client can open.
    if (l.uri.startsWith('stdlib:')) return undefined;
    const t = textOf(l.uri, doc);
    return t ? { uri: l.uri, range: range(t, l.span) } : undefined;
  };
  const edits = (list: readonly TextEdit[], doc: LanguageDocument): WorkspaceEdit => {
    const changes: Record<string, LspTextEdit[]> = {};
    for (const e of list) {
      const t = textOf(e.uri, doc);
      if (t) (changes[e.uri] ??= []).push({ range: range(t, e.span), newText: e.newText });
    }
    return { changes };
  };
  const toDiagnostic = (d: Diagnostic, t: TextDocument, doc: LanguageDocument): LspDiagnostic => {
    const related = (d.related ?? []).flatMap((r) => {
      const loc = location(r, doc);
      return loc ? [{ location: loc, message: r.message }] : [];
    });
    return {
      range: range(t, d.span),
      severity: severities[d.severity],
      code: d.code,
      source: 'lifespec',
      message: d.message,
      ...(related.length ? { relatedInformation: related } : {}),
    };
  };
  /** The document that answers for `uri` and the offset of `position` in it. */
  const at = (uri: string, position: Position): { doc: LanguageDocument; offset: number; t: TextDocument } | undefined => {
    const t = open.get(uri);
    return t ? { doc: ws.documentFor(uri), offset: t.offsetAt(position), t } : undefined;
  };

  const publish = () => {
    cancel = undefined;
    const all = ws.diagnostics();
    const now = new Set<string>();
    for (const [uri, list] of all) {
      const t = open.get(uri);
      if (!t) continue;
      const doc = ws.documentFor(uri);
      now.add(uri);
      void connection.sendDiagnostics({ uri, version: t.version, diagnostics: list.map((d) => toDiagnostic(d, t, doc)) });
    }
    for (const uri of published) if (!now.has(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
    published = now;
  };
  const changed = () => {
    cancel?.();
    cancel = options.schedule(publish, options.debounceMs ?? 150);
  };

  connection.onInitialize(
    (): InitializeResult => ({
      capabilities: {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Full },
        hoverProvider: true,
        completionProvider: { triggerCharacters: ['.', '"'] },
        definitionProvider: true,
        referencesProvider: true,
        renameProvider: { prepareProvider: true },
        documentSymbolProvider: true,
        documentFormattingProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
      },
      serverInfo: { name: 'lifespec' },
    }),
  );

  connection.onDidOpenTextDocument(({ textDocument: d }) => {
    open.set(d.uri, TextDocument.create(d.uri, d.languageId, d.version, d.text));
    ws.set(d.uri, d.text);
    changed();
  });
  connection.onDidChangeTextDocument(({ textDocument: d, contentChanges }) => {
    const last = contentChanges.at(-1);
    const before = open.get(d.uri);
    if (!last || !before) return;
    // Full sync: each change carries the whole text.
    const next = TextDocument.update(before, contentChanges, d.version);
    open.set(d.uri, next);
    ws.set(d.uri, next.getText());
    changed();
  });
  connection.onDidCloseTextDocument(({ textDocument: d }) => {
    open.delete(d.uri);
    ws.delete(d.uri);
    changed();
  });

  connection.onHover(({ textDocument, position }) => {
    const a = at(textDocument.uri, position);
    const h = a && hover(a.doc, a.offset, textDocument.uri);
    return h && a ? { contents: { kind: MarkupKind.Markdown, value: h.markdown }, range: range(a.t, h.span) } : null;
  });

  connection.onCompletion(({ textDocument, position }) => {
    const a = at(textDocument.uri, position);
    if (!a) return [];
    const c = complete(a.doc, a.offset, textDocument.uri);
    const replace = range(a.t, c.range);
    return c.items.map(
      (i): LspCompletionItem => ({
        label: i.label,
        kind: completionKinds[i.kind],
        ...(i.detail ? { detail: i.detail } : {}),
        ...(i.documentation ? { documentation: { kind: MarkupKind.Markdown, value: i.documentation } } : {}),
        textEdit: { range: replace, newText: i.snippet ?? i.label },
        ...(i.snippet ? { insertTextFormat: InsertTextFormat.Snippet } : {}),
      }),
    );
  });

  connection.onDefinition(({ textDocument, position }) => {
    const a = at(textDocument.uri, position);
    const d = a && definition(a.doc, a.offset, textDocument.uri);
    return (d && a && location(d, a.doc)) ?? null;
  });

  connection.onReferences(({ textDocument, position }) => {
    const a = at(textDocument.uri, position);
    return a ? references(a.doc, a.offset, textDocument.uri).flatMap((l) => location(l, a.doc) ?? []) : [];
  });

  connection.onPrepareRename(({ textDocument, position }) => {
    const a = at(textDocument.uri, position);
    if (!a) return null;
    const r = renameTarget(a.doc, a.offset, textDocument.uri);
    if (!r.ok) throw new ResponseError(LSPErrorCodes.RequestFailed, r.reason);
    return { range: range(a.t, r.span), placeholder: r.name };
  });

  connection.onRenameRequest(({ textDocument, position, newName }) => {
    const a = at(textDocument.uri, position);
    if (!a) return null;
    const r = rename(a.doc, a.offset, newName, textDocument.uri);
    if (!r.ok) throw new ResponseError(LSPErrorCodes.RequestFailed, r.reason);
    return edits(r.edits, a.doc);
  });

  connection.onDocumentSymbol(({ textDocument }) => {
    const t = open.get(textDocument.uri);
    if (!t) return [];
    const symbol = (i: OutlineItem): DocumentSymbol => ({
      name: i.name,
      kind: symbolKinds[i.kind],
      ...(i.detail ? { detail: i.detail } : {}),
      range: range(t, i.span),
      selectionRange: range(t, i.selection),
      children: i.children.map(symbol),
    });
    return outline(ws.documentFor(textDocument.uri), textDocument.uri).map(symbol);
  });

  connection.onDocumentFormatting(({ textDocument }) => {
    const t = open.get(textDocument.uri);
    if (!t) return [];
    const uri = textDocument.uri;
    const r = formatText(parseText(t.getText(), { uri }), (text) => parseText(text, { uri }));
    // A text with syntax errors, or one the formatter cannot lay out without loss, is left as it is.
    if (!r.ok || !r.changed) return [];
    return [{ range: { start: t.positionAt(0), end: t.positionAt(t.getText().length) }, newText: r.text }];
  });

  connection.onCodeAction(({ textDocument, range: asked }) => {
    const t = open.get(textDocument.uri);
    if (!t) return [];
    const doc = ws.documentFor(textDocument.uri);
    const from = t.offsetAt(asked.start);
    const to = t.offsetAt(asked.end);
    return quickFixes(ws.diagnostics().get(textDocument.uri) ?? [], t.getText())
      .filter((f) => f.diagnostic.span.start <= to && f.diagnostic.span.end >= from)
      .map(
        (f): CodeAction => ({
          title: f.title,
          kind: CodeActionKind.QuickFix,
          isPreferred: true,
          diagnostics: [toDiagnostic(f.diagnostic, t, doc)],
          edit: edits([f.edit], doc),
        }),
      );
  });
}
