/**
 * The importer-race family (bench/generate.ts) for N = 2…16 importers: states,
 * transitions, time and states per second for each N, all in this one run.
 * Each N gets a budget of states and seconds (the machine has 24 GiB and two
 * cores); an N that exceeds it is reported as incomplete with what it reached.
 * `npm run bench:explore [-- MAX_N [MAX_STATES [SECONDS]]]`.
 */
import { check, explore } from '../src/index.js';
import { importerRace } from './generate.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const maxN = Number(args[0] ?? 16);
const maxStates = Number(args[1] ?? 1_000_000);
const seconds = Number(args[2] ?? 120);
// `--no-reduce` anywhere on the command line explores without symmetry reduction.
const noReduce = process.argv.includes('--no-reduce');
console.log(noReduce ? 'reductions: off' : 'reductions: on (symmetry of the interchangeable importers, partial-order reduction of local steps)');
console.log('  N      states   transitions     time    states/s  verdict');
let prev: number | undefined;
for (let n = 2; n <= maxN; n++) {
  const { program, diagnostics } = check(importerRace(n), { uri: `importer-race-${n}.lspec` });
  if (diagnostics.length > 0) throw new Error(`generated spec has diagnostics: ${diagnostics[0]!.message}`);
  const t0 = performance.now();
  const [r] = explore(program, { maxStates, timeoutMs: seconds * 1000, reduce: !noReduce }).scenarios;
  const s = (performance.now() - t0) / 1000;
  const growth = prev ? `  ×${(r!.states / prev).toFixed(1)}` : '';
  prev = r!.states;
  console.log(
    `${String(n).padStart(3)}  ${r!.states.toLocaleString('en-US').padStart(10)}  ${r!.transitions.toLocaleString('en-US').padStart(12)}  ${s.toFixed(2).padStart(7)} s  ${Math.round(r!.states / s).toLocaleString('en-US').padStart(10)}  ${r!.verdict}${growth}`,
  );
  if (r!.verdict === 'incomplete') {
    console.log(`     ${r!.incomplete!.reason}; larger N are skipped`);
    break;
  }
  if (r!.verdict !== 'ok') {
    console.error(`N=${n}: expected ok, got ${r!.verdict}: ${r!.violations.map((v) => v.rule).join(', ')}`);
    process.exit(1);
  }
}
