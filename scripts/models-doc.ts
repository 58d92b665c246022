/**
 * Generates docs/models.md from the model registry, the one source of what
 * the models offer: each built-in model's object kinds and their fields, its
 * primitives with their signatures and docs, its events, constants, kernel
 * spellings and violations. Run with `npm run docs:models`;
 * test/models-doc.test.ts fails when the committed file is stale.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { builtinModels, builtinRegistry, typeToString, type Model, type Type } from '../src/index.js';

/** A type as a spec writes it; an ops table's as `ops TYPE`. */
const typeText = (t: Type): string => (t.k === 'ops' ? `ops ${t.opstype}` : typeToString(t));

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

function modelSection(m: Model): string[] {
  const out = [`## ${m.name}`, ''];
  for (const k of m.kinds ?? []) {
    out.push(`### kind \`${k.name}\``, '', k.doc, '');
    const fields = Object.entries(k.fields);
    if (fields.length) {
      out.push('| field | type | lifetime reference | |', '|---|---|---|---|');
      for (const [name, f] of fields) out.push(`| \`${name}\` | \`${typeText(f.type)}\` | ${f.lifetime ? 'yes' : ''} | ${cell(f.doc ?? '')} |`);
      out.push('');
    }
    const traits = [k.lockable ? '`lock` and `held` take it' : '', k.inState ? 'a driver state field of this kind starts as an object of its own' : '', k.readableAfterEnd ? 'its fields stay readable after it ends' : ''].filter(Boolean);
    if (traits.length) {
      const text = traits.join('; ');
      out.push(`${text[0]!.toUpperCase()}${text.slice(1)}.`, '');
    }
  }
  const prims = m.primitives.filter((p) => !p.sig.name.startsWith('@'));
  if (prims.length) {
    out.push('| primitive | | under `faults on` |', '|---|---|---|');
    for (const p of prims) {
      const sig = `${p.sig.name}(${p.sig.params.map((x) => `${x.name}${x.optional ? '?' : ''}: ${typeText(x.type)}`).join(', ')})${p.sig.returns.k === 'void' ? '' : ` -> ${typeText(p.sig.returns)}`}`;
      out.push(`| \`${cell(sig)}\` | ${cell(p.sig.doc)} | ${(p.sig.faults ?? []).join(', ')} |`);
    }
    out.push('');
  }
  const aliases = Object.entries(m.aliases?.primitives ?? {}).concat(Object.entries(m.aliases?.slots ?? {}));
  if (aliases.length) out.push(`Other spellings: ${aliases.map(([a, to]) => `\`${a}\` for \`${to}\``).join(', ')}.`, '');
  const events = Object.entries(m.events ?? {});
  if (events.length) {
    out.push('| event | |', '|---|---|');
    for (const [name, e] of events) out.push(`| \`${name}(${e.params.map((x) => x.name).join(', ')})\` | ${cell(e.doc)} |`);
    out.push('');
  }
  const constants = Object.entries(m.constants ?? {});
  if (constants.length) {
    out.push('| constant | |', '|---|---|');
    for (const [name, c] of constants) out.push(`| \`${name}\` | ${cell(c.doc)} |`);
    out.push('');
  }
  const violations = Object.entries(m.violations ?? {});
  if (violations.length) {
    out.push('| violation | |', '|---|---|');
    for (const [name, doc] of violations) out.push(`| \`${name}\` | ${cell(doc)} |`);
    out.push('');
  }
  return out;
}

export function modelsMarkdown(): string {
  const registry = builtinRegistry();
  const own = builtinModels.flatMap((m) => Object.keys(m.violations ?? {}));
  const language = [...registry.violations].filter(([name]) => !own.includes(name));
  const lines = [
    '# The built-in models',
    '',
    'Generated from the model registry by `npm run docs:models`; do not edit. Each model declares its object kinds, its primitives (with the signatures the checker uses), the events and constants a spec may name, and the violations it reports by itself. How the models behave, step by step and against which kernel functions, is [semantics.md](semantics.md); the stdlib\'s rules are [rules.md](rules.md).',
    '',
    '## The language',
    '',
    'Whatever the models, a body may ask `held(m)`, `is_err(x)` and `count(KIND)` (queries, not steps), patterns may name `create(x)` and `destroy(x)` of any kind, and the language itself reports:',
    '',
    '| violation | |',
    '|---|---|',
    ...language.map(([name, doc]) => `| \`${name}\` | ${cell(doc)} |`),
    '',
    ...builtinModels.flatMap(modelSection),
  ];
  return `${lines.join('\n').trimEnd()}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = join(process.cwd(), 'docs/models.md');
  writeFileSync(out, modelsMarkdown());
  console.log(`wrote ${out}`);
}
