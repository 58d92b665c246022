// Runs a TypeScript script (a bench or a doc generator) by bundling it with
// esbuild first, so scripts need no extra runtime dependency.
import { build } from 'esbuild';
import { mkdirSync } from 'node:fs';
import { basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs FILE.ts [args…]');
  process.exit(2);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const outdir = `${root}node_modules/.cache/lifespec-scripts`;
mkdirSync(outdir, { recursive: true });
const outfile = `${outdir}/${basename(entry).replace(/\.ts$/, '')}.mjs`;
await build({
  absWorkingDir: root,
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  loader: { '.lspec': 'text' },
  packages: 'external',
  logLevel: 'warning',
});
process.argv = [process.argv[0], outfile, ...args];
await import(pathToFileURL(outfile).href);
