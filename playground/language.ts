/**
 * Lifespec in Monaco: the highlighter (a Monarch grammar built from the
 * grammar's own token list), and completion, hover and go-to-definition
 * providers that ask the worker. Nothing here parses or checks.
 */
import type * as Monaco from 'monaco-editor/esm/vs/editor/editor.api.js';
import type { CompletionItem, CompletionKind, Question, Range, Response } from './protocol.js';
import type { TokenTable } from './token-table.js';

export const LANGUAGE_ID = 'lifespec';

/** The token table, computed from grammar/tokens.ts at build time (scripts/build-playground.mjs). */
declare const LIFESPEC_TOKENS: TokenTable;

/** A question about a tab's text at an offset, for the worker. */
export interface Ask extends Question {
  readonly type: 'complete' | 'hover' | 'definition';
}

/** What the providers need of the page's tabs: the question's context for a model, and the model of a tab. */
export interface TabsView {
  /** The tabs now, and the name of `model`'s tab (undefined for a model that is no tab's). */
  question(model: Monaco.editor.ITextModel, offset: number): Question | undefined;
  /** The model of the tab named `uri`. */
  model(uri: string): Monaco.editor.ITextModel | undefined;
}

/** Sends a question to the worker and resolves with its answer. */
export interface WorkerClient {
  request<T extends 'completions' | 'hover' | 'definition'>(message: Ask, answer: T): Promise<Extract<Response, { type: T }>>;
}

/** Monarch wants its regexes as sources: the token patterns are used as written in the grammar. */
export function monarchLanguage(t: TokenTable): Monaco.languages.IMonarchLanguage {
  const group = (src: string) => `(?:${src})`;
  return {
    defaultToken: '',
    tokenPostfix: '.lspec',
    hardKeywords: t.hardKeywords,
    softKeywords: t.softKeywords,
    primitives: t.primitives,
    typeNames: t.types,
    brackets: [
      { open: '{', close: '}', token: 'delimiter.curly' },
      { open: '(', close: ')', token: 'delimiter.parenthesis' },
    ],
    tokenizer: {
      root: [
        [new RegExp(group(t.docComment)), 'comment.doc'],
        [new RegExp(group(t.lineComment)), 'comment'],
        [/\/\*/, 'comment', '@blockComment'],
        [new RegExp(group(t.string)), 'string'],
        [new RegExp(group(t.unterminatedString)), 'string.invalid'],
        [new RegExp(`${group(t.hexInteger)}(?![A-Za-z0-9_])`), 'number.hex'],
        [new RegExp(`${group(t.size)}(?![A-Za-z0-9_])`), 'number.size'],
        [new RegExp(`${group(t.integer)}(?![A-Za-z0-9_])`), 'number'],
        [new RegExp(group(t.badNumber)), 'invalid'],
        [new RegExp(`${group(t.errno)}(?![A-Za-z0-9_])`), 'constant.errno'],
        [
          new RegExp(group(t.identifier)),
          {
            cases: {
              '@hardKeywords': 'keyword',
              '@softKeywords': 'keyword.soft',
              '@typeNames': 'type',
              '@primitives': 'predefined',
              '@default': 'identifier',
            },
          },
        ],
        [/[{}()]/, '@brackets'],
        [new RegExp(t.operators.map(group).join('|')), 'operator'],
        // After a `.` any word is a member or a name part, keywords included (`model.assert`, `s.remove`).
        [/\./, 'delimiter', '@member'],
        [/[;,:?]/, 'delimiter'],
      ],
      member: [
        [/[ \t]+/, ''],
        [new RegExp(group(t.identifier)), 'identifier', '@pop'],
        [/(?=.|$)/, '', '@pop'],
      ],
      blockComment: [
        [/[^*]+/, 'comment'],
        [/\*\//, 'comment', '@pop'],
        [/\*/, 'comment'],
      ],
    },
  };
}

const kindOrder: Record<CompletionKind, number> = {
  variable: 0,
  field: 0,
  slot: 0,
  action: 0,
  rule: 0,
  module: 0,
  file: 0,
  version: 0,
  event: 1,
  device: 2,
  provider: 2,
  driver: 2,
  type: 2,
  function: 3,
  primitive: 4,
  constant: 5,
  keyword: 6,
  errno: 7,
};

function itemKind(monaco: typeof Monaco, k: CompletionKind): Monaco.languages.CompletionItemKind {
  const K = monaco.languages.CompletionItemKind;
  const map: Record<CompletionKind, Monaco.languages.CompletionItemKind> = {
    keyword: K.Keyword,
    variable: K.Variable,
    field: K.Field,
    function: K.Function,
    primitive: K.Function,
    type: K.Class,
    module: K.Module,
    rule: K.Event,
    slot: K.Method,
    action: K.Method,
    driver: K.Struct,
    device: K.Constant,
    provider: K.Constant,
    constant: K.EnumMember,
    errno: K.EnumMember,
    event: K.Event,
    file: K.File,
    version: K.Value,
  };
  return map[k];
}

const toMonaco = (monaco: typeof Monaco, r: Range) => new monaco.Range(r.startLineNumber, r.startColumn, r.endLineNumber, r.endColumn);

/** Registers the language, its highlighter, and the providers backed by the worker. */
export function registerLifespec(monaco: typeof Monaco, client: WorkerClient, tabs: TabsView): void {
  monaco.languages.register({ id: LANGUAGE_ID, extensions: ['.lspec'], aliases: ['Lifespec'] });
  monaco.languages.setMonarchTokensProvider(LANGUAGE_ID, monarchLanguage(LIFESPEC_TOKENS));
  monaco.languages.setLanguageConfiguration(LANGUAGE_ID, {
    comments: { lineComment: '//', blockComment: ['/*', '*/'] },
    brackets: [
      ['{', '}'],
      ['(', ')'],
    ],
    autoClosingPairs: [
      { open: '{', close: '}' },
      { open: '(', close: ')' },
      { open: '"', close: '"', notIn: ['string', 'comment'] },
    ],
    surroundingPairs: [
      { open: '{', close: '}' },
      { open: '(', close: ')' },
      { open: '"', close: '"' },
    ],
    indentationRules: { increaseIndentPattern: /\{[^}]*$/, decreaseIndentPattern: /^\s*\}/ },
    wordPattern: /[A-Za-z_][A-Za-z0-9_]*/,
  });

  monaco.languages.registerCompletionItemProvider(LANGUAGE_ID, {
    triggerCharacters: ['.', ' ', ':', '"'],
    async provideCompletionItems(model, position) {
      const q = tabs.question(model, model.getOffsetAt(position));
      if (!q) return { suggestions: [] };
      const r = await client.request({ type: 'complete', ...q }, 'completions');
      const range = toMonaco(monaco, r.range);
      const suggestions = r.items.map((it: CompletionItem): Monaco.languages.CompletionItem => ({
        label: it.label,
        kind: itemKind(monaco, it.kind),
        insertText: it.snippet ?? it.label,
        ...(it.snippet ? { insertTextRules: monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet } : {}),
        ...(it.detail ? { detail: it.detail } : {}),
        ...(it.documentation ? { documentation: { value: it.documentation } } : {}),
        sortText: `${kindOrder[it.kind]}${it.label}`,
        range,
      }));
      return { suggestions };
    },
  });

  monaco.languages.registerHoverProvider(LANGUAGE_ID, {
    async provideHover(model, position) {
      const q = tabs.question(model, model.getOffsetAt(position));
      if (!q) return null;
      const r = await client.request({ type: 'hover', ...q }, 'hover');
      if (!r.markdown) return null;
      return { contents: [{ value: r.markdown }], ...(r.range ? { range: toMonaco(monaco, r.range) } : {}) };
    },
  });

  monaco.languages.registerDefinitionProvider(LANGUAGE_ID, {
    async provideDefinition(model, position) {
      const q = tabs.question(model, model.getOffsetAt(position));
      if (!q) return null;
      const r = await client.request({ type: 'definition', ...q }, 'definition');
      // Another tab's model: Monaco opens it through the page's editor opener, which switches tabs.
      const target = r.place && tabs.model(r.place.uri);
      return r.place && target ? { uri: target.uri, range: toMonaco(monaco, r.place.range) } : null;
    },
  });
}
