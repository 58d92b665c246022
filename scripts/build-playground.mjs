// Builds the playground into playground/dist: index.html, the page's script
// and stylesheet (Monaco included), the Lifespec worker (the same src/ as the
// CLI, the stdlib embedded as text), Monaco's editor worker, and the codicon
// font. `npm run build:playground`; `npm run playground` also serves it.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';

const root = fileURLToPath(new URL('..', import.meta.url));
const out = join(root, 'playground/dist');
const dev = process.argv.includes('--dev');

// The highlighter's token table comes from grammar/tokens.ts, evaluated here
// so the page need not load the parser library for it.
const cache = join(root, 'node_modules/.cache/lifespec-scripts');
mkdirSync(cache, { recursive: true });
await build({
  absWorkingDir: root,
  entryPoints: ['playground/token-table.ts'],
  outfile: join(cache, 'token-table.mjs'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  loader: { '.lspec': 'text' },
  packages: 'external',
  logLevel: 'warning',
});
const { tokenTable } = await import(`${pathToFileURL(join(cache, 'token-table.mjs')).href}?t=${Date.now()}`);

/** `virtual:lifespec-examples`: every .lspec under examples/, read at build time. */
const examplesPlugin = {
  name: 'lifespec-examples',
  setup(b) {
    b.onResolve({ filter: /^virtual:lifespec-examples$/ }, () => ({ path: 'examples', namespace: 'lifespec-examples' }));
    b.onLoad({ filter: /.*/, namespace: 'lifespec-examples' }, () => {
      const list = (dir) =>
        readdirSync(join(root, dir))
          .filter((f) => f.endsWith('.lspec'))
          .sort()
          .map((f) => ({ path: `${dir}/${f}`, text: readFileSync(join(root, dir, f), 'utf8') }));
      const files = [...list('examples'), ...list('examples/bugs')];
      return { contents: `export default ${JSON.stringify(files)};`, loader: 'js', watchFiles: files.map((f) => join(root, f.path)) };
    });
  },
};

rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'browser',
  format: 'iife',
  target: ['chrome110', 'firefox110', 'safari16'],
  minify: !dev,
  sourcemap: true,
  legalComments: 'linked',
  logLevel: 'warning',
  loader: { '.lspec': 'text', '.ttf': 'file' },
  assetNames: 'assets/[name]-[hash]',
};

await Promise.all([
  build({
    ...common,
    entryPoints: { main: 'playground/main.ts' },
    outdir: out,
    define: { LIFESPEC_TOKENS: JSON.stringify(tokenTable()) },
    plugins: [examplesPlugin],
  }),
  build({ ...common, entryPoints: { 'lifespec.worker': 'playground/worker.ts' }, outdir: out }),
  build({ ...common, entryPoints: { 'editor.worker': 'monaco-editor/esm/vs/editor/editor.worker.js' }, outdir: out }),
]);
copyFileSync(join(root, 'playground/index.html'), join(out, 'index.html'));

/** Every file of the build with its size and gzipped size, for the summary and the bench. */
export function distSizes(dir = out) {
  const files = [];
  const walk = (d) => {
    for (const f of readdirSync(d)) {
      const p = join(d, f);
      if (statSync(p).isDirectory()) walk(p);
      else {
        const bytes = readFileSync(p);
        files.push({ file: p.slice(dir.length + 1), bytes: bytes.length, gzip: gzipSync(bytes, { level: 9 }).length });
      }
    }
  };
  walk(dir);
  return files.sort((a, b) => b.bytes - a.bytes);
}

if (!process.argv.includes('--quiet')) {
  const kb = (n) => `${(n / 1024).toFixed(0)} KiB`;
  const shipped = distSizes().filter((f) => /\.(js|css|html)$/.test(f.file));
  for (const f of shipped) console.log(`  ${f.file.padEnd(24)} ${kb(f.bytes).padStart(9)}  ${kb(f.gzip).padStart(8)} gzipped`);
  const total = shipped.reduce((a, f) => ({ bytes: a.bytes + f.bytes, gzip: a.gzip + f.gzip }), { bytes: 0, gzip: 0 });
  console.log(`playground/dist: ${kb(total.bytes)} of JS, CSS and HTML, ${kb(total.gzip)} gzipped`);
}
