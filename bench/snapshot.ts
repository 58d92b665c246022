/**
 * A snapshot of everything the explorer decides, for comparing two versions
 * of the code: every scenario of the examples, the bug corpus and the spec
 * fixtures, and the bench families, each with reductions on and off — its
 * verdict, state and transition counts, and per finding the rule, the trace
 * length and a digest of the whole trace (thread, event, line of each step).
 *
 * `npm run snapshot [-- OUT.json]` writes the JSON (to stdout without OUT);
 * `npm run snapshot -- --compare A.json B.json` lists every difference and
 * exits 1 when there is one.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { check, explore, locatedTrace, type ScenarioResult, type Sources, type StepJson } from '../src/index.js';
import { lockedImporters } from '../test/support/specs.js';
import { importerRace } from './generate.js';

interface Finding {
  readonly rule: string;
  readonly steps: number;
  readonly digest: string;
}

interface Entry {
  readonly verdict: string;
  readonly states: number;
  readonly transitions: number;
  readonly findings: readonly Finding[];
}

/** FNV-1a over a trace's steps: equal digests mean the same trace, step for step. */
function digest(trace: readonly StepJson[]): string {
  let h = 0x811c9dc5;
  for (const s of trace) {
    const text = `${s.thread}|${s.event}|${s.uri}:${s.line}:${s.column}\n`;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h.toString(16).padStart(8, '0');
}

function entry(r: ScenarioResult, sources: Sources): Entry {
  const findings: Finding[] = r.violations.map((v) => ({ rule: v.rule, steps: v.trace.length, digest: digest(locatedTrace(v.trace, sources)) }));
  if (r.deadlock) findings.push({ rule: 'deadlock', steps: r.deadlock.trace.length, digest: digest(locatedTrace(r.deadlock.trace, sources)) });
  return { verdict: r.verdict, states: r.states, transitions: r.transitions, findings: findings.sort((a, b) => (a.rule < b.rule ? -1 : 1)) };
}

function specs(): { name: string; text: string }[] {
  const root = `${process.cwd()}/`;
  const dir = (d: string) =>
    readdirSync(`${root}${d}`)
      .filter((f) => f.endsWith('.lspec'))
      .sort()
      .map((f) => ({ name: `${d}/${f}`, text: readFileSync(`${root}${d}/${f}`, 'utf8') }));
  const out = [...dir('examples'), ...dir('examples/bugs'), ...dir('test/fixtures/specs'), ...dir('test/fixtures/kernel')];
  for (const n of [2, 4, 8, 16]) out.push({ name: `bench:importer-race-${n}`, text: importerRace(n) });
  for (const n of [2, 3, 4]) out.push({ name: `bench:locked-importers-${n}`, text: lockedImporters(n) });
  return out;
}

function snapshot(): Record<string, Entry> {
  const out: Record<string, Entry> = {};
  for (const s of specs()) {
    const { program, diagnostics } = check(s.text, { uri: s.name });
    if (diagnostics.some((d) => d.severity === 'error')) throw new Error(`${s.name} does not check: ${diagnostics[0]!.message}`);
    for (const reduce of [true, false]) {
      // The large bench sizes are only run with their reductions: without them they are out of reach.
      if (!reduce && /-(8|16)$/.test(s.name)) continue;
      for (const r of explore(program, { reduce, maxStates: 400_000 }).scenarios) {
        out[`${s.name} ${r.scenario} ${reduce ? 'reduced' : 'full'}`] = entry(r, program.sources);
      }
    }
  }
  return out;
}

const args = process.argv.slice(2);
if (args[0] === '--compare') {
  const [a, b] = [args[1]!, args[2]!].map((f) => JSON.parse(readFileSync(f, 'utf8')) as Record<string, Entry>);
  let differences = 0;
  for (const key of new Set([...Object.keys(a!), ...Object.keys(b!)])) {
    const x = JSON.stringify(a![key]);
    const y = JSON.stringify(b![key]);
    if (x === y) continue;
    differences++;
    console.log(`${key}\n  before: ${x}\n  after:  ${y}`);
  }
  console.log(`${Object.keys(a!).length} runs before, ${Object.keys(b!).length} after, ${differences} different`);
  process.exit(differences === 0 ? 0 : 1);
} else {
  const json = `${JSON.stringify(snapshot(), null, 1)}\n`;
  if (args[0]) writeFileSync(args[0], json);
  else process.stdout.write(json);
}
