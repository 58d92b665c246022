// The package as a user gets it: `npm pack`, installed into an empty
// directory, with no runtime dependencies (the bundles carry what they use),
// the CLI runs, and a strict TypeScript consumer type-checks against it.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';

const root = new URL('..', import.meta.url).pathname;
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false', npm_config_update_notifier: 'false' } });

describe('npm pack, installed in an empty directory', { timeout: 180_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'lifespec-pack-'));
  let tarball = '';
  let files: string[] = [];

  test('the tarball has the bundles, types, stdlib, docs and LICENSE, and no sources or source maps', () => {
    const out = JSON.parse(npm(['pack', '--json', '--pack-destination', dir], root)) as { filename: string; files: { path: string }[]; size: number; unpackedSize: number }[];
    tarball = join(dir, out[0]!.filename);
    files = out[0]!.files.map((f) => f.path);
    for (const f of ['dist/cli.js', 'dist/index.js', 'dist/types/src/index.d.ts', 'stdlib/dmabuf/rules.lspec', 'docs/language.md', 'LICENSE', 'README.md', 'package.json']) expect(files).toContain(f);
    expect(files.filter((f) => f.endsWith('.map') || f.startsWith('src/') || f.startsWith('grammar/'))).toEqual([]);
  });

  test('it installs with no dependencies and its CLI runs an example', () => {
    const app = join(dir, 'app');
    execFileSync('mkdir', ['-p', app]);
    writeFileSync(join(app, 'package.json'), '{ "name": "consumer", "version": "1.0.0", "type": "module" }\n');
    npm(['install', '--offline', tarball], app);
    expect(readdirSync(join(app, 'node_modules')).filter((d) => !d.startsWith('.'))).toEqual(['lifespec']);
    const r = spawnSync(join(app, 'node_modules/.bin/lifespec'), ['run', '--no-color', join(root, 'examples/refcounts.lspec')], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('5 scenarios: 2 ok, 3 violated');
    // The README's links point into docs/, which the package carries.
    expect(existsSync(join(app, 'node_modules/lifespec/docs/semantics.md'))).toBe(true);
  });

  test('a strict TypeScript consumer type-checks against the published types', () => {
    const app = join(dir, 'app');
    writeFileSync(
      join(app, 'consumer.ts'),
      `import { check, explore, scenarioToJson, type ScenarioJson } from 'lifespec';
const { program, diagnostics } = check('topology {\\n  host_bridge hb\\n}\\n', { uri: 'x.lspec' });
const json: ScenarioJson[] = diagnostics.length ? [] : explore(program).scenarios.map((s) => scenarioToJson(s, program.sources));
const verdicts: string[] = json.map((s) => s.verdict);
console.log(verdicts.length);
`,
    );
    writeFileSync(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', skipLibCheck: false, types: [] }, files: ['consumer.ts'] }));
    const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', app], { encoding: 'utf8' });
    expect(tsc.stdout + tsc.stderr).toBe('');
    expect(tsc.status).toBe(0);
  });
});
