// The layers of docs/architecture.md, checked on the import graph of grammar/,
// src/ and playground/: each module imports only its own layer and the layers
// below it, no two modules import each other (directly or round a cycle, type
// imports included), the playground reaches the core through its public
// entry only, and no module is longer than a reader can take in at once.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = normalize(new URL('..', import.meta.url).pathname);

function files(dir: string): string[] {
  return readdirSync(join(root, dir)).flatMap((f) => {
    const p = join(dir, f);
    if (p.startsWith(join('playground', 'dist'))) return [];
    return statSync(join(root, p)).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const modules = [...files('grammar'), ...files('src'), ...files('playground')];

/** Every module a file imports or re-exports from, as repository paths (packages left out). */
function importsOf(file: string): string[] {
  const text = readFileSync(join(root, file), 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\b[^'"]*?\bfrom\s+['"]([^'"]+)['"]/gm)) {
    const spec = m[1]!;
    if (!spec.startsWith('.')) continue;
    out.push(normalize(join(dirname(file), spec)).replace(/\.js$/, '.ts'));
  }
  return out;
}

const graph = new Map(modules.map((m) => [m, importsOf(m)]));

/** The layer of a module, lowest first (docs/architecture.md). */
const layers: [string, (f: string) => boolean][] = [
  ['grammar', (f) => f.startsWith('grammar/')],
  ['base', (f) => f === 'src/source.ts' || f.startsWith('src/diagnostics/') || f.startsWith('src/stdlib/')],
  ['syntax', (f) => f.startsWith('src/syntax/')],
  ['semantics', (f) => f.startsWith('src/semantics/')],
  ['runtime', (f) => f.startsWith('src/runtime/')],
  ['models', (f) => f.startsWith('src/models/')],
  ['search', (f) => f.startsWith('src/explore/')],
  ['presentation', (f) => f.startsWith('src/report/') || f.startsWith('src/services/')],
  ['entry', (f) => f === 'src/index.ts'],
  ['lsp', (f) => f.startsWith('src/lsp/')],
  ['cli', (f) => f.startsWith('src/cli/')],
  ['playground', (f) => f.startsWith('playground/')],
];

const layerOf = (f: string): number => layers.findIndex(([, is]) => is(f));

describe('the layers', () => {
  test('every module belongs to a layer', () => {
    expect(modules.filter((m) => layerOf(m) < 0)).toEqual([]);
  });

  test.each(modules)('%s imports only its own layer and those below it', (m) => {
    const mine = layerOf(m);
    const upward = graph.get(m)!.filter((d) => layerOf(d) > mine);
    expect(upward.map((d) => `${d} (${layers[layerOf(d)]?.[0]})`)).toEqual([]);
  });

  test('the two presentations do not lean on each other: the editor services and the reports', () => {
    const cross = modules.flatMap((m) => graph.get(m)!.filter((d) => (m.startsWith('src/services/') && d.startsWith('src/report/')) || (m.startsWith('src/report/') && d.startsWith('src/services/'))).map((d) => `${m} → ${d}`));
    expect(cross).toEqual([]);
  });

  test('nothing below the search imports it; only the presentation, the entry and the CLI do', () => {
    const importers = modules.filter((m) => !m.startsWith('src/explore/') && graph.get(m)!.some((d) => d.startsWith('src/explore/')));
    expect(importers.filter((m) => layerOf(m) < layerOf('src/explore/search.ts'))).toEqual([]);
  });

  test('the playground reaches the core only through the package entry', () => {
    const reach = modules.filter((m) => m.startsWith('playground/')).flatMap((m) => graph.get(m)!.filter((d) => !d.startsWith('playground/') && d !== 'src/index.ts').map((d) => `${m} → ${d}`));
    expect(reach).toEqual([]);
  });
});

describe('cycles', () => {
  test('no module imports another that imports it back, directly or round a cycle', () => {
    // Tarjan's strongly connected components; a component of two or more modules is a cycle.
    let index = 0;
    const idx = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const on = new Set<string>();
    const cycles: string[][] = [];
    const visit = (v: string) => {
      idx.set(v, index);
      low.set(v, index++);
      stack.push(v);
      on.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!graph.has(w)) continue;
        if (!idx.has(w)) {
          visit(w);
          low.set(v, Math.min(low.get(v)!, low.get(w)!));
        } else if (on.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
      }
      if (low.get(v) === idx.get(v)) {
        const c: string[] = [];
        let w: string;
        do {
          w = stack.pop()!;
          on.delete(w);
          c.push(w);
        } while (w !== v);
        if (c.length > 1) cycles.push(c.sort());
      }
    };
    for (const m of modules) if (!idx.has(m)) visit(m);
    expect(cycles).toEqual([]);
  });
});

describe('module size', () => {
  // The parser and its CST lowering mirror the grammar rule by rule: they are as long as the grammar is.
  const exempt = new Set(['grammar/parser.ts', 'src/syntax/lower.ts']);
  test.each(modules.filter((m) => !exempt.has(m)))('%s is at most 600 lines', (m) => {
    expect(readFileSync(join(root, m), 'utf8').split('\n').length).toBeLessThanOrEqual(600);
  });
});

test('the import graph is read from real files', () => {
  expect(graph.get('src/index.ts')).toContain('src/explore/explore.ts');
  expect(relative(root, join(root, 'src'))).toBe('src');
});
