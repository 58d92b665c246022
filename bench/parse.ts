/**
 * Parse + check throughput on a generated 10,000-line spec (issue: at least
 * 1 MB/s on the project's 2-core machines). Prints MB/s, lines/s and the
 * ratio to the target, all measured in this one run.
 */
import { check, parse } from '../src/index.js';
import { generateSpecOfLines } from './generate.js';

const TARGET_MB_PER_S = 1;
const text = generateSpecOfLines(10_000);
const lines = text.split('\n').length;
const mb = new TextEncoder().encode(text).length / 1e6;

// Warm up the JIT and the parser's lookahead caches, as a long-running editor would be.
for (let i = 0; i < 3; i++) check(text);
const first = check(text);
if (first.diagnostics.length > 0) {
  console.error('the generated spec has diagnostics:', first.diagnostics.slice(0, 3));
  process.exit(1);
}

function time(runs: number, f: () => void): number {
  const t0 = performance.now();
  for (let i = 0; i < runs; i++) f();
  return (performance.now() - t0) / runs / 1000;
}

const runs = 10;
const parseS = time(runs, () => parse(text));
const checkS = time(runs, () => check(text));

const row = (name: string, s: number) =>
  `${name.padEnd(14)} ${(s * 1000).toFixed(1).padStart(8)} ms  ${(mb / s).toFixed(2).padStart(7)} MB/s  ${Math.round(lines / s)
    .toLocaleString('en-US')
    .padStart(10)} lines/s  ${(mb / s / TARGET_MB_PER_S).toFixed(2).padStart(6)}× target`;

console.log(`spec: ${lines.toLocaleString('en-US')} lines, ${mb.toFixed(2)} MB, mean of ${runs} runs after warm-up`);
console.log(row('parse', parseS));
console.log(row('parse+check', checkS));
