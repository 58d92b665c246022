// Builds the CLI and the library entry with esbuild (the stdlib embedded as
// text), then the type declarations with tsc. Run by `npm ci` (prepare).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const common = {
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  target: 'node20',
  loader: { '.lspec': 'text' },
  sourcemap: true,
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['src/cli/bin.ts'],
  outfile: 'dist/cli.js',
  platform: 'node',
  // Bundled CommonJS (the language server's protocol library) requires Node's built-ins: give it a require.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as __lifespecRequire } from 'node:module';\nconst require = __lifespecRequire(import.meta.url);" },
});
chmodSync(new URL('../dist/cli.js', import.meta.url), 0o755);

// The library is platform-neutral: the same bundle serves Node and browsers.
await build({
  ...common,
  entryPoints: ['src/index.ts'],
  outfile: 'dist/index.js',
  platform: 'neutral',
  mainFields: ['module', 'main'],
});

if (!process.argv.includes('--no-types')) {
  execFileSync(process.execPath, [new URL('../node_modules/typescript/bin/tsc', import.meta.url).pathname, '-p', 'tsconfig.build.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}
