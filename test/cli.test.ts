// The CLI as users and CI meet it: help, exit codes, one-line errors for bad
// invocations, text and JSON output. Runs main() in-process for speed; one
// test runs the built executable to prove `npx lifespec` works, and the files
// that could hang or blow up a process (devices, FIFOs, full disks, a user
// who may not write) are tried on a CLI bundled from src/ for this run.
import { execFileSync, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, linkSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { MAX_SPEC_BYTES } from '../src/cli/io.js';
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
    [['check', '--format', 'xml', 'examples/tour.lspec'], "lifespec: --format must be text, json or sarif, not 'xml'"],
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
    ['binary.lspec', Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0xff, 0xfe]), 'is not valid UTF-8 text (it looks like a binary file)'],
    ['latin1.lspec', Buffer.from([0x2f, 0x2f, 0x20, 0xe9, 0x0a]), 'is not valid UTF-8 text'],
  ])('unreadable input %s: one line, exit 2', (name, content, message) => {
    const p = file(name, content);
    const r = run('check', p);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`lifespec: ${p}: ${message}\n`);
  });
});

test('a NUL byte in a spec is a located diagnostic, as compilers give it, not an I/O error', () => {
  const p = file('nul.lspec', Buffer.from('topology {\n  host_bridge hb\u0000\n}\n', 'utf8'));
  const r = run('check', p);
  expect(r.code).toBe(1);
  expect(r.out.split('\n')[0]).toBe(`${p}:2:17: error: unexpected character \`\\u0000\` [unexpected-character]`);
  expect(r.err).toBe('1 error in 1 file\n');
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

// A CLI bundled from the sources as they are now (dist/ may be stale), where
// any user can run it: the unwritable-file test runs it as `nobody` under root.
const binDir = mkdtempSync(join(tmpdir(), 'lifespec-bin-'));
chmodSync(binDir, 0o755);
const bin = join(binDir, 'cli.mjs');
beforeAll(async () => {
  const { build } = await import('esbuild');
  // As scripts/build.mjs builds it: the CommonJS it inlines (the LSP library) gets a require().
  const banner = "import { createRequire as __lifespecRequire } from 'node:module';\nconst require = __lifespecRequire(import.meta.url);";
  await build({ absWorkingDir: root, entryPoints: ['src/cli/bin.ts'], outfile: bin, bundle: true, platform: 'node', format: 'esm', target: 'node20', loader: { '.lspec': 'text' }, logLevel: 'silent', banner: { js: banner } });
}, 60_000);

/** Runs the bundled CLI in a child; a hang is killed after 10 s and a heap blow-up fails at 256 MB. */
function child(args: string[], options: { uid?: number; gid?: number; wrap?: string; timeoutMs?: number } = {}): SpawnSyncReturns<string> {
  const argv = ['--max-old-space-size=256', bin, ...args];
  const [cmd, cmdArgs] = options.wrap ? ['/bin/sh', ['-c', `${options.wrap}; exec "$0" "$@"`, process.execPath, ...argv]] : [process.execPath, argv];
  return spawnSync(cmd, cmdArgs, { encoding: 'utf8', timeout: options.timeoutMs ?? 10_000, killSignal: 'SIGKILL', cwd: binDir, ...(options.uid !== undefined ? { uid: options.uid, gid: options.gid } : {}) });
}

/** Exit 2 and exactly one line on stderr, without a stack trace. */
function expectIoError(r: SpawnSyncReturns<string>, line: string): void {
  expect(r.signal, 'killed: it hung or ran away').toBeNull();
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: `lifespec: ${line}\n` });
}

const spec = 'topology {\n  host_bridge hb\n  device gpu under hb\n}\n';

describe('only regular files of at most 8 MiB are read, and nothing waits or grows', () => {
  test('/dev/zero is refused at once, not read until memory runs out', () => {
    expectIoError(child(['run', '/dev/zero']), '/dev/zero: is a character device, not a spec file; name a regular .lspec file');
  });

  test('/dev/null is a device, not an empty spec', () => {
    const r = run('check', '/dev/null');
    expect(r).toEqual({ code: 2, out: '', err: 'lifespec: /dev/null: is a character device, not a spec file; name a regular .lspec file\n' });
  });

  test('a FIFO with no writer is refused without opening it', () => {
    const fifo = join(tmp, 'spec.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const command of ['check', 'run', 'test', 'fmt']) expectIoError(child([command, fifo]), `${fifo}: is a FIFO (named pipe), not a spec file; name a regular .lspec file`);
  });

  test('fmt --write through a symlink to /dev/full reads nothing and writes nothing', () => {
    const link = join(tmp, 'full.lspec');
    symlinkSync('/dev/full', link);
    expectIoError(child(['fmt', '--write', link]), `${link}: is a character device, not a spec file; name a regular .lspec file`);
  });

  test('a file one byte over the limit is refused by its size, before it is read', () => {
    const big = file('big.lspec', '');
    truncateSync(big, MAX_SPEC_BYTES + 1);
    expect(run('check', big)).toEqual({ code: 2, out: '', err: `lifespec: ${big}: is larger than 8 MiB, the most a spec may be\n` });
    const limit = file('limit.lspec', `${spec}${' '.repeat(MAX_SPEC_BYTES - spec.length - 1)}\n`);
    expect(run('check', limit).code).toBe(0);
  });

  test('--help says what a FILE may be', () => {
    expect(run('--help').out).toContain('A FILE is a regular file (symlinks followed) of at most 8 MiB of UTF-8.');
  });
});

describe('outputs are written atomically, and a failed write is one line (exit 2)', () => {
  const messy = `${spec.replace(/\n {2}/g, '\n')}${Array.from({ length: 200 }, (_, i) => `fn f${i}(a:int)->int{return a}\n`).join('')}`;

  test('fmt --write on a file this user may not write: exit 2, the file untouched', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-ro-'));
    const p = join(dir, 'ro.lspec');
    writeFileSync(p, messy);
    // Under root, permissions stop nobody: run the CLI as `nobody` in a directory and file root owns.
    const asRoot = statSync(p).uid === 0;
    chmodSync(dir, asRoot ? 0o755 : 0o555);
    chmodSync(p, asRoot ? 0o644 : 0o444);
    const r = child(['fmt', '--write', p], asRoot ? { uid: 65534, gid: 65534 } : {});
    chmodSync(dir, 0o755);
    expectIoError(r, `${p}: cannot write (permission denied)`);
    expect(readFileSync(p, 'utf8')).toBe(messy);
  });

  test('a write that fails midway (the file size limit) leaves the old file whole and no temporary file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-efbig-'));
    const p = join(dir, 'messy.lspec');
    writeFileSync(p, messy);
    // RLIMIT_FSIZE of 8 blocks with SIGXFSZ ignored: a write past 4 KiB fails with EFBIG.
    expectIoError(child(['fmt', '--write', p], { wrap: "trap '' XFSZ; ulimit -f 8" }), `${p}: cannot write (EFBIG)`);
    expect(readFileSync(p, 'utf8')).toBe(messy);
    expect(readdirSync(dir)).toEqual(['messy.lspec']);
  });

  test('fmt --write keeps the file’s mode, and a symlink keeps pointing at the file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-mode-'));
    const p = join(dir, 'messy.lspec');
    writeFileSync(p, messy);
    chmodSync(p, 0o640);
    const link = join(dir, 'link.lspec');
    symlinkSync(p, link);
    expect(run('fmt', '--write', link)).toMatchObject({ code: 0, out: `formatted ${link}\n` });
    expect(statSync(p).mode & 0o777).toBe(0o640);
    expect(readFileSync(p, 'utf8')).toContain('fn f0(a: int) -> int {');
    expect(readdirSync(dir).sort()).toEqual(['link.lspec', 'messy.lspec']);
  });

  test('stdout that cannot be written (> /dev/full) is an I/O error, not a crash', () => {
    const r = child(['check', join(root, 'examples/tour.lspec')], { wrap: 'exec >/dev/full' });
    expectIoError(r, 'cannot write the output (ENOSPC)');
  });

  test('--svg naming the input spec (or a link to it) is refused before anything runs', () => {
    const p = file('svg-input.lspec', `${spec}scenario s { }\n`);
    const hard = join(tmp, 'svg-hard.lspec');
    linkSync(p, hard);
    const soft = join(tmp, 'svg-soft.svg');
    symlinkSync(p, soft);
    for (const out of [p, join(tmp, '.', 'svg-input.lspec'), hard, soft]) {
      expect(run('run', '--svg', out, p)).toEqual({ code: 2, out: '', err: `lifespec: ${out}: is the input ${p}; name another file for the --svg timeline\n` });
    }
    expect(readFileSync(p, 'utf8')).toBe(`${spec}scenario s { }\n`);
  });

  test('--svg to a device, or a symlink to one, is refused', () => {
    const link = join(tmp, 'svg-full.svg');
    symlinkSync('/dev/full', link);
    const p = file('svg-ok.lspec', `${spec}scenario s { }\n`);
    expect(run('run', '--svg', link, p).err).toBe(`lifespec: ${link}: is a symbolic link to a character device; --svg timeline is written only to a regular file\n`);
    expect(run('run', '--svg', '/dev/null', p).err).toBe('lifespec: /dev/null: is a character device; --svg timeline is written only to a regular file\n');
  });
});

describe('- is standard input', () => {
  const withInput = (args: string[], input: string) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', input, timeout: 10_000, cwd: binDir });

  test('check, run and fmt read a spec from standard input, named <stdin> in diagnostics', () => {
    const bad = withInput(['check', '-'], 'topology {\n  host_bridge hb\n  device d under hx\n}\n');
    expect(bad.status).toBe(1);
    expect(bad.stdout.split('\n')[0]).toBe('<stdin>:3:18: error: `hx` is not a host bridge or switch of the topology (did you mean `hb`?) [invalid-parent]');
    const ran = withInput(['run', '--no-color', '-'], `${spec}driver d for gpu { action a() { } }\nscenario s {\n  d.a()\n  expect ok\n}\n`);
    expect(ran.status).toBe(0);
    expect(ran.stdout).toContain('scenario s: ok');
    expect(withInput(['fmt', '-'], '// c\n\ntopology {  host_bridge hb }\n').stdout).toBe('// c\n\ntopology {\n  host_bridge hb\n}\n');
  });

  test('fmt --write - is a usage error: standard input is not a file to rewrite', () => {
    const r = withInput(['fmt', '--write', '-'], spec);
    expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 2, stderr: 'lifespec: fmt --write rewrites files; standard input (-) has none: use `lifespec fmt -` to print it\n' });
  });
});

test('the progress line names the file and scenario, the share of --max-states, the rate and the queue', async () => {
  const { importerRace } = await import('../bench/generate.js');
  // A search that lasts past the first second however fast the machine: a big race, stopped at 2 s.
  const p = file('race.lspec', importerRace(16));
  let err = '';
  const code = main(['run', '--no-color', '--max-states', '1000000', '--timeout', '2', p], { out: () => {}, err: (s) => (err += s), color: false, errIsTty: true });
  expect(code).toBe(3);
  const lines = err.split('\r\x1b[K').filter((l) => l.length > 0);
  expect(lines.length).toBeGreaterThan(0);
  for (const l of lines) expect(l).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} [a-z_0-9]+: [\\d,]+ states \\(\\d+(\\.\\d)?% of --max-states\\), [\\d,]+ states/s, [\\d,]+ queued, [\\d,]+ transitions, \\d+\\.\\d s$`));
}, 60_000);

describe('Ctrl-C', () => {
  /** Starts a long search in the bundled CLI and sends SIGINT `times` times once its first progress line is out. */
  async function interrupt(args: string[], times: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
    const { importerRace } = await import('../bench/generate.js');
    const p = file('long.lspec', importerRace(16));
    const { spawn } = await import('node:child_process');
    const c = spawn(process.execPath, [bin, ...args, p], { cwd: binDir });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    c.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (stderr.includes('states/s') && !c.killed) for (let i = 0; i < times; i++) c.kill('SIGINT');
    });
    const code = await new Promise<number | null>((resolve) => c.on('exit', (n) => resolve(n)));
    return { code, stdout, stderr };
  }

  test('the first one stops the search through the stop signal and reports it as incomplete: exit 3', async () => {
    const r = await interrupt(['run', '--no-color'], 1);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/scenario importers_race_unplug: INCOMPLETE: no verdict/);
    expect(r.stdout).toContain('stopped on request');
    expect(r.stdout).toMatch(/1 scenario: 0 ok, 0 violated, 1 incomplete\n$/);
    expect(r.stderr).toContain('lifespec: interrupted: reporting what was found (Ctrl-C again to quit at once)');
  }, 60_000);

  test('JSON output survives it: a whole report, the scenario incomplete with bound "stopped"', async () => {
    const r = await interrupt(['run', '--format', 'json'], 1);
    expect(r.code).toBe(3);
    const report = JSON.parse(r.stdout) as { scenarios: { verdict: string; incomplete: { bound: string } | null }[] };
    expect(report.scenarios.map((s) => [s.verdict, s.incomplete?.bound])).toEqual([['incomplete', 'stopped']]);
  }, 60_000);
});

test('run takes several files: text one after another, JSON as { files: [...] }, the worst exit code', () => {
  const ok = file('ok.lspec', `${spec}driver d for gpu { action a() { } }\nscenario s {\n  d.a()\n  expect ok\n}\n`);
  const bad = file('bad.lspec', `${spec}driver d for gpu { action a() { assert false } }\nscenario s {\n  d.a()\n}\n`);
  const text = run('run', '--no-color', ok, bad);
  expect(text.code).toBe(1);
  expect(text.out.indexOf(`${ok}\n`)).toBeLessThan(text.out.indexOf(`${bad}\n`));
  expect(text.out.match(/^1 scenario: .*$/gm)).toEqual(['1 scenario: 1 ok, 0 violated', '1 scenario: 0 ok, 1 violated']);
  const json = JSON.parse(run('run', '--format', 'json', ok, bad).out) as { files: { file: string; scenarios: { verdict: string }[] }[] };
  expect(json.files.map((f) => [f.file, f.scenarios[0]!.verdict])).toEqual([
    [ok, 'ok'],
    [bad, 'violated'],
  ]);
  expect(run('run', '--svg', join(tmp, 'x.svg'), ok, bad)).toMatchObject({ code: 2, err: 'lifespec: --svg draws the timelines of one FILE; run the files one at a time\n' });
});

test('--max-memory bounds the heap the search really uses, and the run stops within 10% of it', async () => {
  const { importerRace } = await import('../bench/generate.js');
  const p = file('race6.lspec', importerRace(6));
  // Filling 120 MB takes a few seconds, more on a loaded machine: the child may take most of the test's time.
  const r = child(['run', '--no-color', '--no-reduce', '--max-memory', '120', p], { timeoutMs: 50_000 });
  expect(r.signal, 'killed: it ran past 50 s').toBeNull();
  expect(r.status).toBe(3);
  const m = /stopped at the memory limit \((\d+) MB of heap in use, the limit 120 MB\); raise it with --max-memory/.exec(r.stdout);
  expect(m, r.stdout).not.toBeNull();
  const used = Number(m![1]);
  expect(used).toBeGreaterThanOrEqual(120);
  expect(used).toBeLessThanOrEqual(132);
}, 60_000);

describe('run --simulate', () => {
  test('the progress line says which walk of how many is running', () => {
    let err = '';
    // Walks that last past the first second however fast the machine: more than it can take, stopped at 2 s.
    const argv = ['run', '--simulate', '--runs', '100000000', '--depth', '100', '--timeout', '2', '--scenario', 'revoke_returns_before_unmap', 'examples/bugs/vfio_dmabuf_wait_invalidation.lspec'];
    const code = main(argv, { out: () => {}, err: (s) => (err += s), color: false, errIsTty: true });
    expect(code).toBe(1);
    const lines = err.split('\r\x1b[K').filter((l) => l.length > 0);
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l).toMatch(/^examples\/bugs\/vfio_dmabuf_wait_invalidation\.lspec revoke_returns_before_unmap: [\d,]+ states, [\d,]+ states\/s, walk [\d,]+ of 100,000,000, [\d,]+ transitions, \d+\.\d s$/);
  }, 60_000);

  test('the stop signal stops the walks: what was found is reported, exit 3', () => {
    let out = '';
    const code = main(['run', '--simulate', '--format', 'json', 'examples/bugs/amdgpu_unmap_mmio.lspec'], { out: (s) => (out += s), err: () => {}, color: false, signal: { aborted: true } });
    expect(code).toBe(3);
    const json = JSON.parse(out);
    expect(json.scenarios.map((s: any) => s.incomplete.bound)).toEqual(['stopped', 'stopped']);
    expect(json.scenarios.every((s: any) => s.simulation && s.verdict === 'incomplete')).toBe(true);
  });

  test('--svg and --format itf take a swarm run’s traces as a search’s', () => {
    const svg = join(tmp, 'swarm.svg');
    const r = run('run', '--simulate', '--seed', '1', '--runs', '20', '--depth', '40', '--svg', svg, 'examples/bugs/amdgpu_unmap_mmio.lspec');
    expect(r.code).toBe(1);
    expect(r.out).toContain(`1 timeline written to ${svg}\n`);
    expect(readFileSync(svg, 'utf8')).toContain('<svg');
    const itf = JSON.parse(run('run', '--simulate', '--seed', '1', '--runs', '20', '--depth', '40', '--format', 'itf', 'examples/bugs/amdgpu_unmap_mmio.lspec').out);
    expect(itf.map((d: any) => d['#meta'].description)).toEqual(['scenario user_mapping_outlives_remove: pci.no_mmio_after_remove']);
  });
});

test('--workers takes a whole number from 1 to 256, and only for the exhaustive search', () => {
  expect(run('run', '--workers', '0', 'examples/tour.lspec')).toEqual({ code: 2, out: '', err: "lifespec: --workers needs a whole number from 1 to 256, got 0\n" });
  expect(run('run', '--workers', 'two', 'examples/tour.lspec').err).toBe('lifespec: --workers needs a whole number from 1 to 256, got two\n');
  expect(run('run', '--simulate', '--workers', '2', 'examples/tour.lspec').err).toBe('lifespec: --workers is an option of the exhaustive search; --simulate takes --runs and --depth (and --timeout)\n');
});
