// The stdlib's rules: each cites its source, and docs/rules.md is what the
// generator makes of them today.
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check, explore, locatedTrace } from '../src/index.js';
import { stdlibModules } from '../src/stdlib/index.js';
import { ruleDocs, rulesMarkdown } from '../scripts/rules-doc.js';

describe('stdlib rules', () => {
  const docs = ruleDocs();

  test('every rule module checks clean when a spec uses it', () => {
    const uses = stdlibModules.filter((m) => !m.prelude).map((m) => `use ${m.name}`);
    expect(check(uses.join('\n'), { uri: 'uses.lspec' }).diagnostics).toEqual([]);
  });

  test.each(docs.map((d) => [d.name, d]))('%s says what it checks and cites its source', (_name, d) => {
    expect(d.says.length).toBeGreaterThan(20);
    expect(d.source).toMatch(/\S/);
    // A source names a kernel file, a document, or a commit.
    expect(d.source).toMatch(/\.(c|h|rst)\b|Documentation\/|commit|[0-9a-f]{12}/);
  });

  test.each(docs.map((d) => [d.name, d]))('%s says whether the kernel checks it', (_name, d) => {
    expect(d.kind).toMatch(/^(kernel check( in kernels before [0-9a-f]{12}[^:]*)?: \S|documented convention\b|derived convention\b)/);
    // A kernel check names what fires: a WARN or an assert.
    if (d.kind.startsWith('kernel check')) expect(d.kind).toMatch(/WARN_ON|assert/);
  });

  test('docs/rules.md is up to date (run `npm run docs:rules` after changing stdlib/)', () => {
    expect(readFileSync(new URL('../docs/rules.md', import.meta.url), 'utf8')).toBe(rulesMarkdown());
  });
});

describe('pci.no_mmio_after_remove', () => {
  test('fires on MMIO after the driver is unbound, and not after a rebind', () => {
    const text = readFileSync(new URL('./fixtures/specs/pci-rebind-mmio.lspec', import.meta.url), 'utf8');
    const { program, diagnostics } = check(text, { uri: 'pci-rebind-mmio.lspec' });
    expect(diagnostics).toEqual([]);
    const results = explore(program).scenarios;
    expect(results.map((r) => [r.scenario, r.verdict, r.violations.map((v) => v.rule), r.expectMet])).toEqual([
      ['rebind', 'ok', [], true],
      ['after_unbind', 'violated', ['pci.no_mmio_after_remove'], true],
    ]);
    expect(locatedTrace(results[1]!.violations[0]!.trace, program.sources).at(-1)).toMatchObject({ event: 'mmio_read(gpu) → 0', line: 7 });
  });
});
