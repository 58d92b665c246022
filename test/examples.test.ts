// Every example and every bug of the corpus, through `lifespec test` as CI
// would run it: each buggy scenario fails with its rule, each fixed one passes.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { check, explore } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;
const bugs = readdirSync(`${root}examples/bugs`)
  .filter((f) => f.endsWith('.lspec'))
  .sort()
  .map((f) => `examples/bugs/${f}`);
const examples = readdirSync(`${root}examples`)
  .filter((f) => f.endsWith('.lspec'))
  .sort()
  .map((f) => `examples/${f}`);

function lifespecTest(files: string[]) {
  let out = '';
  const code = main(['test', '--no-color', ...files.map((f) => `${root}${f}`)], { out: (s) => (out += s), err: () => {}, color: false });
  return { code, out };
}

describe('examples/', () => {
  test('lifespec test examples/*.lspec passes', () => {
    const r = lifespecTest(examples);
    expect(r.out).toMatch(/^\d+ passed, 0 failed$/m);
    expect(r.code).toBe(0);
  });
});

describe('examples/bugs/: real kernel bugs', () => {
  test('the corpus has at least 19 bugs', () => {
    expect(bugs.length).toBeGreaterThanOrEqual(19);
  });

  test('lifespec test examples/bugs/*.lspec passes', () => {
    const r = lifespecTest(bugs);
    expect(r.out).not.toContain('FAIL');
    expect(r.out).toMatch(/^\d+ passed, 0 failed$/m);
    expect(r.code).toBe(0);
  });

  test.each(bugs)('%s: a buggy scenario that breaks a named rule, a fixed one that holds, and the commit it comes from', (file) => {
    const text = readFileSync(`${root}${file}`, 'utf8');
    // The header names the kernel commit and the wrong order.
    expect(text.split('\n').slice(0, 12).join('\n')).toMatch(/commit|Fixes:|CVE-|\[PATCH/i);
    const { program, diagnostics } = check(text, { uri: file });
    expect(diagnostics).toEqual([]);
    const results = explore(program).scenarios;
    const buggy = results.filter((r) => r.expect?.outcome === 'violation' || r.expect?.outcome === 'deadlock');
    const fixed = results.filter((r) => r.expect?.outcome === 'ok');
    expect(buggy.length).toBeGreaterThanOrEqual(1);
    expect(fixed.length).toBeGreaterThanOrEqual(1);
    for (const r of results) expect(r.expectMet, `${r.scenario}`).toBe(true);
    for (const r of buggy) {
      if (r.expect?.outcome === 'violation') {
        for (const rule of r.expect.rules) expect(r.violations.find((v) => v.rule === rule)?.trace.length).toBeGreaterThan(0);
      } else {
        expect(r.deadlock?.waiting.length).toBeGreaterThan(0);
      }
    }
    for (const r of fixed) expect(r).toMatchObject({ verdict: 'ok', complete: true });
  });
});
