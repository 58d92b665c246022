// The contract: every `lspec` block of LANGUAGE.md parses and checks clean,
// and each is kept under examples/ by the name its first comment gives.
// LANGUAGE.md lives beside the repository (../shared/design), which a clone
// does not have: there the contract check is skipped, and says so.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check } from '../src/index.js';

const contract = new URL('../../shared/design/LANGUAGE.md', import.meta.url);
const present = existsSync(contract);

function blocks(): { name: string; text: string }[] {
  if (!present) return [];
  const md = readFileSync(contract, 'utf8');
  const out: { name: string; text: string }[] = [];
  const re = /^```lspec\n([\s\S]*?)^```/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    const text = m[1]!;
    const name = /^\/\/\s*(\S+\.lspec)/.exec(text)?.[1] ?? `block${out.length + 1}.lspec`;
    out.push({ name, text });
  }
  return out;
}

if (!present) {
  console.warn('language-md.test.ts: ../shared/design/LANGUAGE.md is not beside this checkout; the contract check is skipped');
}

describe.skipIf(!present)('LANGUAGE.md (beside the repository)', () => {
  const all = blocks();

  test('has the lspec blocks of §1 and §9', () => {
    expect(all.map((b) => b.name)).toEqual(expect.arrayContaining(['vfio_mlx5_hotunplug.lspec', 'tour.lspec']));
  });

  test.each(all)('$name checks clean', ({ name, text }) => {
    const { diagnostics, program } = check(text, { uri: name });
    expect(diagnostics).toEqual([]);
    expect(program.scenarios.size).toBeGreaterThan(0);
  });

  test.each(all)('$name is saved under examples/ as written', ({ name, text }) => {
    expect(readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8')).toBe(text);
  });
});
