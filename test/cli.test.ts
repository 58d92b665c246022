// The CLI as users and CI meet it: help, exit codes, one-line errors for bad
// invocations, text and JSON output. Runs main() in-process for speed; one
// test runs the built executable to prove `npx lifespec` works.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { check } from '../src/index.js';

const root = new URL('..', import.meta.url).pathname;

function run(...argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

const tmp = mkdtempSync(join(tmpdir(), 'lifespec-cli-'));
function file(name: string, content: string | Buffer): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}

describe('lifespec check', () => {
  test('a clean spec: exit 0 and a one-line summary', () => {
    const r = run('check', 'examples/vfio_mlx5_hotunplug.lspec');
    // The spec's own two constraints, and those of the two rule modules it uses.
    const { program } = check(readFileSync('examples/vfio_mlx5_hotunplug.lspec', 'utf8'));
    const stdlib = [...program.constraints.keys()].filter((n) => n.startsWith('dmabuf.') || n.startsWith('p2pdma.')).length;
    expect(stdlib).toBeGreaterThanOrEqual(7);
    expect(r).toEqual({
      code: 0,
      out: `examples/vfio_mlx5_hotunplug.lspec: ok (2 drivers, 2 constraints (+${stdlib} from stdlib), 2 scenarios)\n`,
      err: '',
    });
  });

  test('errors: compiler-style lines with the source and a caret, exit 1', () => {
    const p = file('bad.lspec', 'topology { device gpu under hb }\n');
    const r = run('check', p);
    expect(r.code).toBe(1);
    expect(r.out).toBe(
      `${p}:1:29: error: \`hb\` is not a host bridge or switch of the topology [invalid-parent]\n` +
        ' 1 | topology { device gpu under hb }\n' +
        '   |                             ^~\n',
    );
    expect(r.err).toBe('1 error in 1 file\n');
  });

  test('--format json gives every diagnostic with 1-based ranges', () => {
    const p = file('bad2.lspec', 'scenario s {\n  bind nobody\n}\n');
    const r = run('check', '--format', 'json', p);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out);
    expect(json.files[0].uri).toBe(p);
    expect(json.files[0].diagnostics).toEqual([
      {
        uri: p,
        severity: 'error',
        code: 'unknown-driver',
        message: 'unknown driver `nobody`',
        range: { start: { line: 2, column: 8 }, end: { line: 2, column: 14 } },
        span: { start: 20, end: 26 },
      },
    ]);
  });

  test('several files: each checked on its own; exit 1 if any has errors', () => {
    const bad = file('bad3.lspec', 'use nothing.here\n');
    const r = run('check', 'examples/tour.lspec', bad);
    expect(r.code).toBe(1);
    expect(r.out).toContain('examples/tour.lspec: ok');
    expect(r.out).toContain(`${bad}:1:5: error: no stdlib module \`nothing.here\``);
  });

  test.each([
    [['check'], 'lifespec: check needs at least one FILE'],
    [['check', 'no/such.lspec'], 'lifespec: no/such.lspec: no such file'],
    [['check', 'examples'], 'lifespec: examples: is a directory'],
    [['check', '--format', 'xml', 'examples/tour.lspec'], "lifespec: --format must be text or json, not 'xml'"],
    [['check', '--frobnicate', 'examples/tour.lspec'], "lifespec: unknown option '--frobnicate' (try: lifespec check --help)"],
    [['frobnicate'], "lifespec: unknown command 'frobnicate' (try: lifespec --help)"],
  ])('usage error %j: one line on stderr, exit 2', (argv, message) => {
    const r = run(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.split('\n').filter(Boolean)).toHaveLength(1);
    expect(r.err.startsWith(message)).toBe(true);
  });

  test.each([
    ['empty.lspec', '', 'is empty'],
    ['binary.lspec', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2]), 'is a binary file, not a Lifespec spec'],
    ['latin1.lspec', Buffer.from([0x2f, 0x2f, 0x20, 0xe9, 0x0a]), 'is not valid UTF-8 text'],
  ])('unreadable input %s: one line, exit 2', (name, content, message) => {
    const p = file(name, content);
    const r = run('check', p);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`lifespec: ${p}: ${message}\n`);
  });
});

describe('help and version', () => {
  test('--help lists the commands and exit codes', () => {
    const r = run('--help');
    expect(r.code).toBe(0);
    for (const c of ['lifespec run FILE', 'lifespec test FILE…', 'lifespec check FILE…']) expect(r.out).toContain(c);
    expect(r.out).toContain('Exit codes: 0 clean, 1 diagnostics found (run/test: a violation or mismatch),\n2 usage or I/O error, 3 a bound was reached before a verdict.');
  });

  test('check --help and help check say the same', () => {
    const a = run('check', '--help');
    const b = run('help', 'check');
    expect(a.code).toBe(0);
    expect(a.out).toBe(b.out);
    expect(a.out).toContain('--format text|json');
  });

  test('no arguments: the help on stderr, exit 2', () => {
    const r = run();
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage:');
  });

  test('--version', () => {
    expect(run('--version').out).toMatch(/^lifespec \d+\.\d+\.\d+\n$/);
  });
});

describe('the built executable', () => {
  test('npx lifespec runs from the repo root', () => {
    if (!existsSync(join(root, 'dist/cli.js'))) execFileSync(process.execPath, ['scripts/build.mjs', '--no-types'], { cwd: root });
    const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'check', 'examples/tour.lspec'], { cwd: root, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('examples/tour.lspec: ok');
    const bad = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'check', 'nope.lspec'], { cwd: root, encoding: 'utf8' });
    expect(bad.status).toBe(2);
    expect(bad.stderr).toBe('lifespec: nope.lspec: no such file\n');
  });
});
