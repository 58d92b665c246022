// Robustness as properties (fast-check): whatever text arrives — random
// tokens, mutants of every spec in the repository — lexing, parsing and
// checking return diagnostics and never throw, and every span lies inside the
// text; a random well-formed tree printed by the formatter parses back to the
// same tree, and formatting is idempotent.
//
// CI runs with a fixed seed. To search longer with a random one:
//   FC_SEED=random FC_RUNS=20000 npx vitest run test/properties.test.ts
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { check, parse } from '../src/index.js';
import { formatSpec, shapeOf } from '../src/syntax/format.js';
import type * as A from '../src/syntax/ast.js';
import { specArb } from './support/ast-arb.js';
import { corpus, mutantArb } from './support/mutate.js';

const seed = process.env.FC_SEED === 'random' ? Date.now() : Number(process.env.FC_SEED ?? 20261128);
const runs = (n: number) => Number(process.env.FC_RUNS ?? n);
const params = (n: number) => ({ seed, numRuns: runs(n) });

/** The check that must hold for any text: no throw, spans inside, a catalogued code on each. */
function totalOn(text: string): void {
  const r = check(text, { uri: 'p.lspec' });
  for (const d of r.diagnostics) {
    if (d.uri !== 'p.lspec') continue;
    expect(d.span.start).toBeGreaterThanOrEqual(0);
    expect(d.span.end).toBeGreaterThanOrEqual(d.span.start);
    expect(d.span.end).toBeLessThanOrEqual(text.length);
    expect(d.message.length).toBeGreaterThan(0);
  }
}

const tokenArb = fc.oneof(
  fc.constantFrom(
    'use', 'topology', 'provider', 'opstype', 'driver', 'fn', 'constraint', 'scenario', 'let', 'if', 'else', 'for', 'in', 'lock', 'return',
    'fail', 'assert', 'try', 'true', 'false', 'none', 'never', 'always', 'parallel', 'choose', 'state', 'probe', 'remove', 'ops', 'action',
    'bind', 'unbind', 'unplug', 'expect', 'violation', 'ok', 'deadlock', 'faults', 'on', 'lifetime', 'within', 'before', 'after', 'requires',
    'at', 'end', 'device', 'bar', 'size', 'host_bridge', 'switch', 'under', 'iommu', 'p2p', 'flag', 'required',
    '{', '}', '(', ')', ',', ';', ':', '.', '?', '=', '==', '!=', '<', '>', '<=', '>=', '+', '-', '!', '&&', '||', '->',
    'x', 'buf', 'gpu', '_', '0', '64M', '0xff', 'ENODEV', '"s"', '"', '//c', '/*', '*/', '@', '\u0000', '\n', '\n\n',
  ),
  fc.string({ maxLength: 4 }),
);

describe('the front end is total', () => {
  test('on random token streams', () => {
    fc.assert(fc.property(fc.array(tokenArb, { maxLength: 60 }), fc.constantFrom(' ', '\n', '  '), (toks, sep) => totalOn(toks.join(sep))), params(400));
  });

  test('on mutants of every spec in the repository', () => {
    const specs = corpus();
    expect(specs.length).toBeGreaterThan(10);
    fc.assert(fc.property(mutantArb(specs), ({ text }) => totalOn(text)), params(400));
  });

  test('on huge numbers, deep nesting and long lines', () => {
    for (const text of [
      `fn f() { let x = ${'9'.repeat(400)} }`,
      `fn f() { let x = ${'('.repeat(2000)}1${')'.repeat(2000)} }`,
      `fn f() { let x = ${Array.from({ length: 3000 }, () => 'a').join(' + ')} }`,
      `fn f() ${'{ if a '.repeat(300)}${'}'.repeat(301)}`,
      `topology { ${'device d under s '.repeat(500)} }`,
      '\uFEFFuse x\r\nuse y\r\n',
    ]) {
      totalOn(text);
    }
  });
});

describe('the formatter', () => {
  test('a printed well-formed tree parses back to the same tree, and printing it again changes nothing', () => {
    fc.assert(
      fc.property(specArb, (spec: A.Spec) => {
        const text = formatSpec({ spec, source: { text: '', uri: 'gen.lspec' } as never, diagnostics: [], comments: [] });
        const back = parse(text, { uri: 'gen.lspec' });
        expect(back.diagnostics.map((d) => d.message), text).toEqual([]);
        expect(shapeOf(back.spec)).toBe(shapeOf(spec));
        expect(formatSpec(back)).toBe(text);
      }),
      params(300),
    );
  });

  test('formatting every spec in the repository keeps its tree and comments, and is idempotent', () => {
    for (const { name, text } of corpus()) {
      const p = parse(text, { uri: name });
      if (p.diagnostics.length > 0) continue;
      const once = formatSpec(p);
      const again = parse(once, { uri: name });
      expect(shapeOf(again.spec), name).toBe(shapeOf(p.spec));
      expect(again.comments.map((c) => c.text.trimEnd()), name).toEqual(p.comments.map((c) => c.text.trimEnd()));
      expect(formatSpec(again), name).toBe(once);
    }
  });
});
