// Every diagnostic as a user sees it. Each code in src/diagnostics/codes.ts has
// test/fixtures/diagnostics/<code>.lspec, a small spec that triggers that code
// alone; test/fixtures/recovery/*.lspec hold several mistakes each, to show that
// recovery reports every one on its own line and nothing more. Next to each
// spec, <name>.expected is exactly what `lifespec check --no-color <path>`
// prints on stdout, with the path relative to the repository root.
//
// After an intended change to a message or a position, rewrite the .expected
// files and read their diff before committing it:
//
//   UPDATE_FIXTURES=1 npx vitest run test/diagnostics.test.ts
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { diagnosticCodes } from '../src/diagnostics/codes.js';

const root = new URL('..', import.meta.url).pathname;
const update = process.env.UPDATE_FIXTURES === '1';

/** The `.lspec` fixtures of a directory, as paths relative to the repository root. */
function specs(dir: string): string[] {
  return readdirSync(join(root, dir))
    .filter((f) => f.endsWith('.lspec'))
    .sort()
    .map((f) => `${dir}/${f}`);
}

const diagnosticSpecs = specs('test/fixtures/diagnostics');
const recoverySpecs = specs('test/fixtures/recovery');
// `CODE.lspec`, or `CODE.VARIANT.lspec` for a second fixture of one code.
const codeOf = (path: string) => path.slice(path.lastIndexOf('/') + 1, -'.lspec'.length).split('.')[0]!;

function check(path: string) {
  let out = '';
  let err = '';
  const code = main(['check', '--no-color', path], { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

/** Compares stdout with the `.expected` file next to the spec, or rewrites it under UPDATE_FIXTURES=1. */
function expectOutput(path: string, out: string): void {
  const expectedPath = join(root, path.replace(/\.lspec$/, '.expected'));
  if (update) {
    writeFileSync(expectedPath, out);
    return;
  }
  expect(out).toBe(readFileSync(expectedPath, 'utf8'));
}

/** The `[code]` of every diagnostic headline in the output. */
function codesIn(out: string): string[] {
  return [...out.matchAll(/^\S+:\d+:\d+: error: .* \[([a-z-]+)\]$/gm)].map((m) => m[1]!);
}

beforeAll(() => {
  // The fixtures name themselves by relative path, as a user would type it.
  if (process.cwd() !== root.replace(/\/$/, '')) process.chdir(root);
});

describe('one fixture per diagnostic code', () => {
  test('every code in the catalogue has a fixture, and every fixture names a code', () => {
    const fixtures = diagnosticSpecs.map(codeOf);
    expect(Object.keys(diagnosticCodes).filter((c) => !fixtures.includes(c))).toEqual([]);
    expect(fixtures.filter((f) => !(f in diagnosticCodes))).toEqual([]);
  });

  test.each(diagnosticSpecs)('%s', (path) => {
    const r = check(path);
    expect(r.code).toBe(1);
    expect(codesIn(r.out)).toEqual([codeOf(path)]);
    expect(r.err).toBe('1 error in 1 file\n');
    expectOutput(path, r.out);
  });
});

describe('recovery: several mistakes in one spec', () => {
  test.each(recoverySpecs)('%s', (path) => {
    const r = check(path);
    expect(r.code).toBe(1);
    expect(codesIn(r.out).length).toBeGreaterThan(1);
    expectOutput(path, r.out);
  });
});
