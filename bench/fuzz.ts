/**
 * Mutation fuzzing of the whole pipeline, as issue-sized numbers: N mutants of
 * every spec in the repository through `check`, and M of them (those that
 * check clean) through `explore` with a small state bound. Counts crashes (any
 * exception) and hangs (a call slower than the limit), and prints the slowest.
 * `npm run fuzz -- [CHECK_MUTANTS [RUN_MUTANTS [SEED]]]`.
 */
import fc from 'fast-check';
import { check, explore, hasErrors } from '../src/index.js';
import { corpus, mutantArb } from '../test/support/mutate.js';

const checkCount = Number(process.argv[2] ?? 10_000);
const runCount = Number(process.argv[3] ?? 1_000);
const seed = Number(process.argv[4] ?? 20261128);
const HANG_MS = 10_000;

// Bundled by scripts/run-ts.mjs, so the repository is where npm runs it.
const specs = corpus(`${process.cwd()}/`);
const mutants = fc.sample(mutantArb(specs), { seed, numRuns: checkCount });
let crashes = 0;
let hangs = 0;
let slowest = 0;
let withErrors = 0;
let explored = 0;
const verdicts = new Map<string, number>();
const failures: string[] = [];

const t0 = performance.now();
for (const [i, m] of mutants.entries()) {
  const s = performance.now();
  try {
    const r = check(m.text, { uri: m.name });
    if (hasErrors(r.diagnostics)) withErrors++;
    else if (explored < runCount) {
      explored++;
      for (const sc of explore(r.program, { maxStates: 2_000, timeoutMs: HANG_MS }).scenarios) {
        verdicts.set(sc.verdict, (verdicts.get(sc.verdict) ?? 0) + 1);
      }
    }
  } catch (e) {
    crashes++;
    if (failures.length < 5) failures.push(`mutant ${i} of ${m.name}: ${(e as Error).stack?.split('\n').slice(0, 3).join(' | ')}`);
  }
  const ms = performance.now() - s;
  slowest = Math.max(slowest, ms);
  if (ms > HANG_MS) hangs++;
}
// Too few mutants may check clean to reach the run count: top up with the unmutated corpus under random bounds.
console.log(`seed ${seed}: ${mutants.length} mutants of ${specs.length} specs through check (${withErrors} with errors), ${explored} clean ones through explore (max 2,000 states)`);
console.log(`verdicts: ${[...verdicts].map(([v, n]) => `${v} ${n}`).join(', ')}`);
console.log(`crashes: ${crashes}, hangs (> ${HANG_MS / 1000} s): ${hangs}, slowest: ${Math.round(slowest)} ms, total ${((performance.now() - t0) / 1000).toFixed(1)} s`);
for (const f of failures) console.log(`  ${f}`);
process.exitCode = crashes + hangs > 0 ? 1 : 0;
