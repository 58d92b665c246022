/**
 * How much JavaScript heap parsing and checking need per MB of spec: a
 * generated spec of a few MB is checked in child processes with ever larger
 * heap limits (--max-old-space-size), and the smallest that succeeds, over
 * the text's size, is the figure (docs/language.md states it).
 */
import { spawnSync } from 'node:child_process';
import { check } from '../../src/index.js';

/** Spec shapes: many small drivers; many functions with arithmetic. */
export function bigSpec(shape: 'drivers' | 'fns', n: number): string {
  if (shape === 'drivers') return Array.from({ length: n }, (_, i) => `driver d${i} for gpu { state { n: int = 0 } action a() { n = n + 1 } }`).join('\n');
  return Array.from({ length: n }, (_, i) => `fn f${i}(a: int, b: int) -> int {\n  let c = a + b - ${i}\n  if c > 3 { return c }\n  return a\n}`).join('\n');
}

export interface MemoryReport {
  readonly rows: { shape: string; mb: number; heapMb: number; perMb: number }[];
}

export function measureMemory(script: string): MemoryReport {
  const rows: MemoryReport['rows'] = [];
  for (const [shape, n] of [['drivers', 60_000], ['fns', 40_000]] as const) {
    const mb = bigSpec(shape, n).length / 1e6;
    let heapMb = -1;
    for (const limit of [128, 192, 256, 320, 384, 448, 512, 640, 768, 1024, 1536, 2048]) {
      const r = spawnSync(process.execPath, [`--max-old-space-size=${limit}`, script, '--child', shape, String(n)], { encoding: 'utf8', timeout: 120_000 });
      if (r.status === 0) {
        heapMb = limit;
        break;
      }
    }
    rows.push({ shape, mb: Number(mb.toFixed(2)), heapMb, perMb: heapMb < 0 ? -1 : Math.round(heapMb / mb) });
  }
  return { rows };
}

/** The child's side: `SCRIPT --child SHAPE N` checks one generated spec; exit 0 if it fit. */
export function memoryChild(argv: readonly string[]): boolean {
  if (argv[2] !== '--child') return false;
  const r = check(bigSpec(argv[3] as 'drivers' | 'fns', Number(argv[4])), { uri: 'big.lspec' });
  process.exitCode = r.program ? 0 : 1;
  return true;
}

// Bundled by scripts/run-ts.mjs, every module shares the bundle's import.meta.url: match the script's name.
if (/(^|[\\/])memory\.(mjs|ts)$/.test(process.argv[1] ?? '')) {
  if (!memoryChild(process.argv)) {
    for (const row of measureMemory(process.argv[1]!).rows) console.log(`memory: ${row.shape}, ${row.mb} MB of spec: parse + check fit in ${row.heapMb} MB of heap (${row.perMb} MB per MB)`);
  }
}
