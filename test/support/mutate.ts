// Mutants of real specs for the robustness properties and the fuzz script:
// deleted spans, inserted junk, duplicated spans, NUL, odd Unicode, huge
// numbers. Deterministic for a given random source, so failures replay.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const here = new URL('../..', import.meta.url).pathname;

/** Every spec in the repository that parses: examples, bugs, test specs, stdlib. */
export function corpus(root = here): { name: string; text: string }[] {
  const dirs = ['examples', 'examples/bugs', 'test/fixtures/specs', 'stdlib/dmabuf', 'stdlib/p2pdma', 'stdlib/pci', 'stdlib/iommu', 'stdlib/vfio'];
  const out: { name: string; text: string }[] = [];
  for (const d of dirs) {
    let files: string[] = [];
    try {
      files = readdirSync(join(root, d)).filter((f) => f.endsWith('.lspec'));
    } catch {
      continue;
    }
    for (const f of files.sort()) out.push({ name: `${d}/${f}`, text: readFileSync(join(root, d, f), 'utf8') });
  }
  return out;
}

const junk = [
  '\u0000',
  '\uFFFD',
  '\u200B',
  '\u{1F600}',
  '\uD800',
  'é',
  '\r\n',
  '\t',
  '{',
  '}',
  '(',
  ')',
  ';',
  '.',
  ',',
  '->',
  '==',
  '"',
  '/*',
  '*/',
  '///',
  '99999999999999999999999',
  '0x',
  '64Q',
  '-',
  '!',
  'let',
  'lock',
  'parallel',
  'expect violation',
  'fail',
  'none',
  'EBUSY',
  '_',
];

export type Mutation =
  | { readonly k: 'delete'; readonly at: number; readonly len: number }
  | { readonly k: 'insert'; readonly at: number; readonly text: string }
  | { readonly k: 'duplicate'; readonly at: number; readonly len: number }
  | { readonly k: 'swap'; readonly at: number; readonly len: number; readonly to: number };

/** A mutation with positions as fractions of the text, so it applies to any text. */
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ k: fc.constant('delete' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 80 }) }),
  fc.record({ k: fc.constant('insert' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), text: fc.oneof(fc.constantFrom(...junk), fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 })) }),
  fc.record({ k: fc.constant('duplicate' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 200 }) }),
  fc.record({ k: fc.constant('swap' as const), at: fc.double({ min: 0, max: 1, noNaN: true }), len: fc.integer({ min: 1, max: 60 }), to: fc.double({ min: 0, max: 1, noNaN: true }) }),
) as fc.Arbitrary<Mutation>;

export function applyMutation(text: string, m: Mutation): string {
  const at = Math.floor(m.at * text.length);
  switch (m.k) {
    case 'delete':
      return text.slice(0, at) + text.slice(at + m.len);
    case 'insert':
      return text.slice(0, at) + m.text + text.slice(at);
    case 'duplicate':
      return text.slice(0, at + m.len) + text.slice(at, at + m.len) + text.slice(at + m.len);
    case 'swap': {
      const piece = text.slice(at, at + m.len);
      const rest = text.slice(0, at) + text.slice(at + m.len);
      const to = Math.floor(m.to * rest.length);
      return rest.slice(0, to) + piece + rest.slice(to);
    }
  }
}

/** A corpus spec with one to four mutations. */
export function mutantArb(specs: { name: string; text: string }[]): fc.Arbitrary<{ name: string; text: string }> {
  return fc.record({ spec: fc.constantFrom(...specs), ms: fc.array(mutationArb, { minLength: 1, maxLength: 4 }) }).map(({ spec, ms }) => ({
    name: spec.name,
    text: ms.reduce(applyMutation, spec.text),
  }));
}
