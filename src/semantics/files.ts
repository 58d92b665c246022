/**
 * `use "path/file.lspec"` (v1): another file's declarations, read through a
 * host the caller provides (the CLI reads the file system; the playground
 * serves its open tabs). Each file is loaded once; a cycle, a missing file
 * or an unreadable one is a located error at the `use` line.
 */
import type { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source.js';
import type * as A from '../syntax/ast.js';
import { parseText, type ParseResult } from '../syntax/parse.js';
import type { UsedFile } from './program.js';

/** How the checker reaches the files a spec uses. */
export interface SpecHost {
  /** The URI of `path`, as written in a `use` line of the file at URI `from`. */
  resolve(from: string, path: string): string;
  /** The text at `uri`; `{ error }` says why it cannot be read. */
  read(uri: string): string | { readonly error: string };
}

/** A used file, parsed, with the `use` line that first brought it in. */
export interface LoadedFile extends UsedFile {
  readonly parsed: ParseResult;
  readonly via: { readonly uri: string; readonly span: Span };
}

/** Loads every file `root` uses, transitively, depth first, each once. */
export function loadFiles(root: ParseResult, host: SpecHost | undefined, bag: (uri: string) => DiagnosticBag): LoadedFile[] {
  const out: LoadedFile[] = [];
  const byUri = new Map<string, LoadedFile>();
  const visit = (p: ParseResult, stack: readonly string[]) => {
    for (const d of p.spec.decls) {
      if (d.kind !== 'use' || !d.file || d.file.name === '') continue;
      const at = d.file.span;
      const here = p.source.uri;
      if (!host) {
        bag(here).error('missing-file', `\`use "${d.file.name}"\` needs a host that reads files (the CLI and the playground give one; a library caller passes \`host\` to check())`, at);
        continue;
      }
      let uri: string;
      try {
        uri = host.resolve(here, d.file.name);
      } catch (e) {
        bag(here).error('missing-file', `\`${d.file.name}\`: ${(e as Error).message}`, at);
        continue;
      }
      const cycle = stack.indexOf(uri);
      if (cycle >= 0) {
        const ring = [...stack.slice(cycle), uri].join(' → ');
        bag(here).error('use-cycle', `\`use "${d.file.name}"\` closes a cycle of files: ${ring}; a file may not use itself, directly or through others`, at);
        continue;
      }
      if (byUri.has(uri)) continue;
      const text = host.read(uri);
      if (typeof text !== 'string') {
        bag(here).error('missing-file', `\`use "${d.file.name}"\`: ${text.error}`, at);
        continue;
      }
      const parsed = parseText(text, { uri });
      const file: LoadedFile = { path: d.file.name, uri, spec: parsed.spec, parsed, via: { uri: here, span: d.span } };
      byUri.set(uri, file);
      out.push(file);
      visit(parsed, [...stack, uri]);
    }
  };
  visit(root, [root.source.uri]);
  return out;
}

/** What a used file contributes: every declaration but its scenarios (and its own target and allow lines). */
export function exported(spec: A.Spec): A.Spec {
  return { ...spec, decls: spec.decls.filter((d) => d.kind !== 'scenario' && d.kind !== 'target' && d.kind !== 'allow') };
}
