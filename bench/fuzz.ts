/**
 * Fuzzing, as issue-sized numbers, in six parts:
 * - mutants: N mutants of every spec in the repository through `check`, and M
 *   of them (those that check clean) through `explore` with a small state
 *   bound, counting crashes (any exception) and hangs;
 * - differential: random specs explored with and without the reductions,
 *   which must agree on verdicts, rules and trace lengths (bench/fuzz/differential.ts);
 * - library: non-string input, bad options, throwing models (bench/fuzz/library.ts);
 * - files and flags: the built CLI on every kind of file and on random
 *   command lines (bench/fuzz/files.ts, flags.ts);
 * - memory: the heap parse + check need per MB of spec (bench/fuzz/memory.ts).
 * `npm run fuzz -- [CHECK_MUTANTS [RUN_MUTANTS [SEED [RANDOM_SPECS]]]]`. Exits 1 on any failure.
 */
import fc from 'fast-check';
import { check, explore, hasErrors } from '../src/index.js';
import { corpus, mutantArb } from '../test/support/mutate.js';
import { fuzzDifferential } from './fuzz/differential.js';
import { fuzzFiles } from './fuzz/files.js';
import { fuzzFlags } from './fuzz/flags.js';
import { fuzzLibrary } from './fuzz/library.js';
import { measureMemory, memoryChild } from './fuzz/memory.js';

if (!memoryChild(process.argv)) await main();

async function main(): Promise<void> {

  const checkCount = Number(process.argv[2] ?? 10_000);
  const runCount = Number(process.argv[3] ?? 1_000);
  const seed = Number(process.argv[4] ?? 20261128);
  const randomSpecs = Number(process.argv[5] ?? 300);
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
  let failed = crashes + hangs;

  const d = fuzzDifferential(seed, randomSpecs);
  console.log(`differential: ${d.specs} random specs, ${d.scenarios} scenarios compared with and without reductions, ${d.skipped} over the bound, ${d.failures.length} differences`);
  for (const f of d.failures.slice(0, 10)) console.log(`  ${f}`);
  const lib = fuzzLibrary(seed, 2_000);
  console.log(`library: ${lib.cases} cases (non-string input, bad options, throwing models, random text), ${lib.failures.length} failures`);
  for (const f of lib.failures.slice(0, 10)) console.log(`  ${f}`);
  const files = await fuzzFiles(seed);
  console.log(`files: ${files.cases} CLI runs on odd files, ${files.failures.length} failures`);
  for (const f of files.failures.slice(0, 10)) console.log(`  ${f}`);
  const flags = await fuzzFlags(seed);
  console.log(`flags: ${flags.cases} CLI runs on random command lines, ${flags.failures.length} failures`);
  for (const f of flags.failures.slice(0, 10)) console.log(`  ${f}`);
  for (const row of measureMemory(process.argv[1]!).rows) console.log(`memory: ${row.shape}, ${row.mb} MB of spec: parse + check fit in ${row.heapMb} MB of heap (${row.perMb} MB per MB)`);
  failed += d.failures.length + lib.failures.length + files.failures.length + flags.failures.length;
  process.exitCode = failed > 0 ? 1 : 0;
}
