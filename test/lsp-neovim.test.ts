// `lifespec lsp` driven by a real client: headless Neovim runs
// test/fixtures/lsp/session.lua, which starts the server over stdio, opens a
// spec with a misspelt name that uses a file left closed (read from disk),
// and asks what an editor asks; this test reads the answers it wrote and
// holds them exactly. The CLI is bundled once (packages left external, as
// scripts/run-ts.mjs does) so the session starts the server in milliseconds.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const fixtures = join(root, 'test', 'fixtures', 'lsp');
const nvim = ['/usr/bin/nvim', '/usr/local/bin/nvim'].find((p) => existsSync(p)) ?? (spawnSync('nvim', ['--version']).status === 0 ? 'nvim' : undefined);

interface Range {
  start: { line: number; character: number };
  end: { line: number; character: number };
}
const range = (line: number, from: number, to: number, endLine = line): Range => ({ start: { line, character: from }, end: { line: endLine, character: to } });

describe.skipIf(!nvim)('lifespec lsp in headless Neovim', () => {
  let dir: string;
  let out: Record<string, any>;
  let mainUri: string;
  let usedUri: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifespec-lsp-nvim-'));
    const bundleDir = join(root, 'node_modules', '.cache', `lifespec-lsp-test-${process.pid}`);
    mkdirSync(bundleDir, { recursive: true });
    const cli = join(bundleDir, 'cli.mjs');
    await build({
      absWorkingDir: root,
      entryPoints: ['src/cli/bin.ts'],
      outfile: cli,
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: 'node20',
      loader: { '.lspec': 'text' },
      packages: 'external',
      logLevel: 'warning',
    });
    const ws = join(dir, 'ws');
    mkdirSync(ws);
    for (const f of ['main.lspec', 'used.lspec']) copyFileSync(join(fixtures, f), join(ws, f));
    const result = join(dir, 'out.json');
    const run = spawnSync(nvim!, ['--headless', '-u', 'NONE', '-i', 'NONE', '-n', '-c', `luafile ${join(fixtures, 'session.lua')}`], {
      env: { ...process.env, LSPEC_DIR: ws, LSPEC_OUT: result, LSPEC_CMD: JSON.stringify([process.execPath, cli, 'lsp', '--stdio']) },
      timeout: 30_000,
      encoding: 'utf8',
    });
    rmSync(bundleDir, { recursive: true, force: true });
    if (!existsSync(result)) throw new Error(`Neovim wrote no results (status ${run.status}, signal ${run.signal}): ${run.stderr}${run.stdout}`);
    out = JSON.parse(readFileSync(result, 'utf8'));
    mainUri = pathToFileURL(join(ws, 'main.lspec')).href;
    usedUri = pathToFileURL(join(ws, 'used.lspec')).href;
  }, 60_000);

  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('the session ran to the end', () => {
    expect(out.failure).toBeUndefined();
    expect(out.uri).toBe(mainUri);
  });

  test('diagnostics arrive as the file opens: line, column, code and message', () => {
    expect(out.diagnostics).toEqual([
      { range: range(15, 14, 17), severity: 1, code: 'unknown-name', source: 'lifespec', message: 'unknown name `kep` (did you mean `keep`?)' },
    ]);
  });

  test('hover explains an action of a used file, in Markdown', () => {
    expect(out.hover.result).toEqual({
      contents: { kind: 'markdown', value: '```lspec\naction ib_core.reg(key: int) -> mr fails ENOMEM\n```' },
      range: range(10, 20, 23),
    });
  });

  test('definition goes into the used file, read from disk', () => {
    expect(out.definition.result).toEqual({ uri: usedUri, range: range(10, 9, 12) });
  });

  test('references: the state field and its one use', () => {
    expect(out.references.result).toEqual([
      { uri: mainUri, range: range(8, 10, 14) },
      { uri: mainUri, range: range(12, 4, 8) },
    ]);
  });

  test('rename edits both files; a primitive is refused with a reason', () => {
    expect(out.rename.result).toEqual({
      changes: {
        [mainUri]: [{ range: range(10, 20, 23), newText: 'register' }],
        [usedUri]: [{ range: range(10, 9, 12), newText: 'register' }],
      },
    });
    expect(out.renameBuiltin.error).toBe('`kref_get` is built in (a primitive, kind, event or constant of the models): it cannot be renamed.');
  });

  test('formatting replaces the file with its canonical layout', () => {
    const text = readFileSync(join(fixtures, 'main.lspec'), 'utf8');
    expect(out.formatting.result).toEqual([{ range: range(0, 0, 0, 23), newText: text.replace('let m =   kep', 'let m = kep') }]);
  });

  test('document symbols: the outline of the file', () => {
    type Sym = { name: string; kind: number; detail?: string; children?: Sym[] };
    const names = (s: Sym[]): unknown[] => s.map((x) => (x.children?.length ? [x.name, x.kind, names(x.children)] : [x.name, x.kind]));
    expect(names(out.symbols.result)).toEqual([
      ['"used.lspec"', 2],
      ['topology', 3, [['hb', 19], ['nic', 19]]],
      ['nicdrv', 5, [['keep', 8], ['grab', 6], ['drop', 6]]],
      ['s', 24],
    ]);
  });

  test('a quick fix for the "did you mean" diagnostic', () => {
    expect(out.codeAction.result).toHaveLength(1);
    const [fix] = out.codeAction.result;
    expect(fix.title).toBe('Change `kep` to `keep`');
    expect(fix.kind).toBe('quickfix');
    expect(fix.edit).toEqual({ changes: { [mainUri]: [{ range: range(15, 14, 17), newText: 'keep' }] } });
  });
});

test.skipIf(nvim)('lifespec lsp in headless Neovim: skipped, nvim is not installed (apt-get install -y neovim)', () => {});
