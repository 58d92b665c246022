// docs/models.md is generated from the model registry, the one source of the
// models' kinds, primitives, events, constants and violations: it must be up
// to date, and it must list what the registry holds.
import { readFileSync } from 'node:fs';
import { expect, test } from 'vitest';
import { builtinRegistry } from '../src/index.js';
import { modelsMarkdown } from '../scripts/models-doc.js';

const doc = readFileSync(new URL('../docs/models.md', import.meta.url), 'utf8');

test('docs/models.md is up to date (run `npm run docs:models` after changing a model)', () => {
  expect(doc).toBe(modelsMarkdown());
});

test('it names every kind, primitive and violation of the registry', () => {
  const r = builtinRegistry();
  for (const k of r.kinds.keys()) expect(doc, k).toContain(`### kind \`${k}\``);
  for (const p of r.primitives.keys()) expect(doc, p).toContain(`| \`${p}(`);
  for (const v of r.violations.keys()) expect(doc, v).toContain(`| \`${v}\` |`);
});
