// The library API as an embedder sees it: parse, check, diagnose, and the
// promise that the core never touches Node or the DOM.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { check, diagnose, diagnosticCodes, hasErrors, parse, primitives, SourceFile, stdlibModules } from '../src/index.js';

const seed = readFileSync(new URL('../examples/vfio_mlx5_hotunplug.lspec', import.meta.url), 'utf8');

describe('parse', () => {
  test('returns the AST with spans and the uri', () => {
    const r = parse(seed, { uri: 'seed.lspec' });
    expect(r.diagnostics).toEqual([]);
    expect(r.spec.uri).toBe('seed.lspec');
    const driver = r.spec.decls.find((d) => d.kind === 'driver')!;
    expect(seed.slice(driver.span.start, driver.span.start + 15)).toBe('driver vfio_pci');
  });

  test('gives a partial tree and diagnostics for broken text, without throwing', () => {
    const r = parse('driver d for x {\n  action a( {\n}\nscenario s { bind d }\n');
    expect(r.diagnostics.length).toBeGreaterThan(0);
    expect(r.diagnostics.every((d) => d.code === 'syntax-error')).toBe(true);
    expect(r.spec.decls.map((d) => d.kind)).toContain('scenario');
  });

  test('defaults the uri', () => {
    expect(parse('use x').source.uri).toBe('<input>');
  });
});

describe('check', () => {
  test('accepts a parse result or a text', () => {
    const a = check(parse(seed, { uri: 's' }));
    const b = check(seed, { uri: 's' });
    expect(a.diagnostics).toEqual([]);
    expect(b.diagnostics).toEqual([]);
    expect([...a.program.drivers.keys()]).toEqual(['vfio_pci', 'mlx5_ib']);
  });

  test('builds the program tables the interpreter reads', () => {
    const { program } = check(seed);
    expect([...program.topology.keys()]).toEqual(['hb0', 'sw0', 'gpu', 'nic']);
    expect(program.providers.get('gpu_bar0')).toMatchObject({ device: 'gpu', bar: 0, lifetime: 'devres' });
    expect(program.modules).toEqual(expect.arrayContaining(['dmabuf.ops', 'dmabuf.rules', 'p2pdma.rules']));
    expect(program.constraints.has('dmabuf.move_notify_locked')).toBe(true);
    expect(program.constraints.has('no_mapping_outlives_provider')).toBe(true);
    const vfio = program.drivers.get('vfio_pci')!;
    expect([...vfio.fields.keys()]).toEqual(['bufs', 'revoked']);
    expect([...vfio.ops.get('dmabuf_ops')!.callbacks.keys()]).toEqual(['map_dma_buf', 'unmap_dma_buf', 'release']);
    expect(program.scenarios.get('hot_unplug')!.expect).toMatchObject({ outcome: 'ok' });
  });

  test('resolves names and types expressions', () => {
    const { program } = check(seed);
    const resolved = [...program.resolutions.values()].map((s) => `${s.kind}:${s.name}`);
    expect(resolved).toEqual(expect.arrayContaining(['field:revoked', 'provider:gpu_bar0', 'primitive:p2pdma_map', 'ops:importer', 'device:nic']));
    const types = new Set([...program.types.values()].map((t) => t.k));
    expect(types.has('object')).toBe(true);
  });

  test('the newer kernel spellings are accepted and mean the same', () => {
    const renamed = seed.replace('move_notify(attach) {', 'invalidate_mappings(attach) {').replace('dma_buf_move_notify(buf)', 'dma_buf_invalidate_mappings(buf)');
    expect(renamed).not.toBe(seed);
    const { diagnostics, program } = check(renamed);
    expect(diagnostics).toEqual([]);
    expect(program.drivers.get('mlx5_ib')!.ops.get('importer')!.callbacks.has('move_notify')).toBe(true);
  });

  test('diagnostics carry a catalogued code, a severity and an in-text span', () => {
    const text = 'driver d for nowhere {\n  action a() { x = 1 }\n}\n';
    const ds = diagnose(text, { uri: 'bad.lspec' });
    expect(ds.map((d) => d.code)).toEqual(['unknown-device', 'assign-to-undeclared']);
    for (const d of ds) {
      expect(Object.keys(diagnosticCodes)).toContain(d.code);
      expect(d.severity).toBe('error');
      expect(d.uri).toBe('bad.lspec');
      expect(d.span.start).toBeGreaterThanOrEqual(0);
      expect(d.span.end).toBeLessThanOrEqual(text.length);
    }
    expect(hasErrors(ds)).toBe(true);
    const src = new SourceFile('bad.lspec', text);
    expect(ds.map((d) => src.position(d.span.start))).toEqual([
      { line: 1, column: 14 },
      { line: 2, column: 16 },
    ]);
  });

  test('exports the primitives and stdlib for hosts that offer completion', () => {
    expect(primitives.get('dma_buf_map_attachment')!.params.map((p) => p.name)).toEqual(['attach']);
    expect(stdlibModules.map((m) => m.name)).toEqual(expect.arrayContaining(['dmabuf.rules', 'p2pdma.rules', 'dmabuf.ops']));
  });
});

describe('platform neutrality', () => {
  // The playground bundles src/ for the browser: only the CLI and the language server's stdio entry may use Node.
  function files(dir: string): string[] {
    return readdirSync(dir).flatMap((f) => {
      const p = join(dir, f);
      return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
    });
  }
  const root = new URL('..', import.meta.url).pathname;
  const core = [...files(join(root, 'src')), ...files(join(root, 'grammar'))].filter((f) => !f.includes(`${join('src', 'cli')}`) && !f.endsWith(join('src', 'lsp', 'stdio.ts')));

  test.each(core.map((f) => [f.slice(root.length)]))('%s imports nothing from node: and uses no process', (f) => {
    const text = readFileSync(join(root, f), 'utf8');
    // `document.` as the DOM's global, not as the end of a module name (`./language-document.js`).
    expect(text).not.toMatch(/from ['"]node:|require\(|\bprocess\.|(?<![\w.\-/])document\./);
  });
});
