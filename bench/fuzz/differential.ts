/**
 * The differential property of the search: on random specs, exploring with
 * the reductions (symmetry, partial order) and without them gives the same
 * verdicts, the same violated rules, and traces of the same length for each
 * rule and for the deadlock.
 */
import { check, explore, hasErrors, type ScenarioResult } from '../../src/index.js';
import { randomSpec } from './random-spec.js';

export interface DifferentialReport {
  readonly specs: number;
  readonly scenarios: number;
  readonly skipped: number;
  readonly failures: string[];
}

function summary(r: ScenarioResult): string {
  const rules = r.violations.map((v) => `${v.rule}:${v.trace.length}`).sort();
  return `${r.verdict} [${rules.join(' ')}]${r.deadlock ? ` deadlock:${r.deadlock.trace.length}` : ''}`;
}

export function fuzzDifferential(seed: number, count: number, maxStates = 5_000): DifferentialReport {
  let scenarios = 0;
  let skipped = 0;
  const failures: string[] = [];
  for (let i = 0; i < count; i++) {
    const text = randomSpec(seed + i);
    const { program, diagnostics } = check(text, { uri: `random-${seed + i}.lspec` });
    if (hasErrors(diagnostics)) {
      failures.push(`spec ${seed + i} does not check: ${diagnostics.find((d) => d.severity === 'error')?.message}`);
      continue;
    }
    const on = explore(program, { maxStates }).scenarios;
    const off = explore(program, { maxStates, reduce: false }).scenarios;
    for (let k = 0; k < on.length; k++) {
      const a = on[k]!;
      const b = off[k]!;
      if (!a.complete || !b.complete) {
        skipped++;
        continue;
      }
      scenarios++;
      if (summary(a) !== summary(b)) failures.push(`spec ${seed + i} scenario ${a.scenario}: reduced ${summary(a)}, unreduced ${summary(b)}`);
    }
  }
  return { specs: count, scenarios, skipped, failures };
}

// Bundled by scripts/run-ts.mjs, every module shares the bundle's import.meta.url: match the script's name.
if (/(^|[\\/])differential\.(mjs|ts)$/.test(process.argv[1] ?? '')) {
  const seed = Number(process.argv[2] ?? 1);
  const count = Number(process.argv[3] ?? 200);
  const t0 = performance.now();
  const r = fuzzDifferential(seed, count);
  console.log(`differential: ${r.specs} random specs, ${r.scenarios} scenarios compared, ${r.skipped} over the bound, ${r.failures.length} failures, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  for (const f of r.failures.slice(0, 20)) console.log(`  ${f}`);
  process.exitCode = r.failures.length > 0 ? 1 : 0;
}
