// The contract: every `lspec` and `lspec v1` block of LANGUAGE.md parses and
// checks clean, behaves as written (each scenario meets its `expect`), and is
// kept under examples/ by the name its first comment gives.
// LANGUAGE.md lives beside the repository (../shared/design), which a clone
// does not have: there the contract check is skipped, and says so.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { check, explore } from '../src/index.js';

const contract = new URL('../../shared/design/LANGUAGE.md', import.meta.url);
const present = existsSync(contract);

function blocks(): { name: string; text: string; v1: boolean }[] {
  if (!present) return [];
  const md = readFileSync(contract, 'utf8');
  const out: { name: string; text: string; v1: boolean }[] = [];
  const re = /^```lspec( v1)?\n([\s\S]*?)^```/gm;
  for (let m = re.exec(md); m; m = re.exec(md)) {
    const text = m[2]!;
    const name = /^\/\/\s*(\S+\.lspec)/.exec(text)?.[1] ?? `block${out.length + 1}.lspec`;
    out.push({ name, text, v1: m[1] !== undefined });
  }
  return out;
}

if (!present) {
  console.warn('language-md.test.ts: ../shared/design/LANGUAGE.md is not beside this checkout; the contract check is skipped');
}

describe.skipIf(!present)('LANGUAGE.md (beside the repository)', () => {
  const all = blocks();

  test('has the lspec blocks of §1 and §9 and the lspec v1 blocks of §10', () => {
    expect(all.map((b) => b.name)).toEqual(expect.arrayContaining(['vfio_mlx5_hotunplug.lspec', 'tour.lspec']));
    expect(all.filter((b) => b.v1).length).toBeGreaterThanOrEqual(2);
  });

  test.each(all)('$name checks clean', ({ name, text }) => {
    const { diagnostics, program } = check(text, { uri: name });
    expect(diagnostics).toEqual([]);
    expect(program.scenarios.size).toBeGreaterThan(0);
  });

  test.each(all)('$name behaves as written: every scenario meets its expect line', ({ name, text }) => {
    const { program } = check(text, { uri: name });
    const results = explore(program).scenarios;
    expect(results.length).toBe(program.scenarios.size);
    for (const r of results) {
      expect(r.complete, r.scenario).toBe(true);
      expect({ scenario: r.scenario, met: r.expectMet, verdict: r.verdict, rules: r.violations.map((v) => v.rule) }).toEqual(expect.objectContaining({ met: true }));
    }
  });

  test.each(all)('$name is saved under examples/ as written', ({ name, text }) => {
    expect(readFileSync(new URL(`../examples/${name}`, import.meta.url), 'utf8')).toBe(text);
  });
});
