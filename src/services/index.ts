/**
 * The language services: one implementation of what an editor asks about a
 * spec — diagnostics, completion, hover, go to definition, references — in
 * offsets and URIs, platform-neutral. A `Workspace` holds the open files and
 * says which checked document answers for each; the playground adapts it to
 * Monaco and its tabs, a language server to LSP and the client's documents.
 */
export { LanguageDocument, type DocumentHost, type DocumentOptions, type Location } from './language-document.js';
export { Workspace, relativePath, resolvePath, type WorkspaceOptions } from './workspace.js';
export { complete, type CompletionItem, type CompletionKind, type Completions } from './completion.js';
export { definition, hover, references, type Hover } from './navigation.js';
export { highlightingTable, type HighlightingTable } from './highlighting.js';
export { knownVersions, type KnownVersion } from './kernel.js';
export type { Reference } from './symbols.js';
export { outline, type OutlineItem, type OutlineKind } from './outline.js';
export { rename, renameTarget, type RenameResult, type RenameTarget, type TextEdit } from './rename.js';
export { quickFixes, type QuickFix } from './fixes.js';
