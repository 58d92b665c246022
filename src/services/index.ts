/**
 * The language services: one implementation of what an editor asks about a
 * spec — diagnostics, completion, hover, go to definition, references — in
 * offsets, platform-neutral. The playground adapts them to Monaco; a
 * language server adapts them to LSP.
 */
export { LanguageDocument, type DocumentOptions, type Location } from './language-document.js';
export { complete, type CompletionItem, type CompletionKind, type Completions } from './completion.js';
export { definition, hover, references, type Hover } from './navigation.js';
export { highlightingTable, type HighlightingTable } from './highlighting.js';
export type { Reference } from './symbols.js';
