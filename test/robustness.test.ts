// Bounds and bad input: every bound ends a run with INCOMPLETE (exit 3) and a
// located reason, never a pass; every bad invocation is one line and exit 2;
// the formatter never loses text and never writes what would not parse.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { importerRace } from '../bench/generate.js';

const tmp = mkdtempSync(join(tmpdir(), 'lifespec-robust-'));
function file(name: string, content: string): string {
  const p = join(tmp, name);
  writeFileSync(p, content);
  return p;
}
function cli(...argv: string[]) {
  let out = '';
  let err = '';
  const code = main(argv, { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

const base = `topology {
  host_bridge hb
  switch sw under hb
  device gpu under sw { bar 0 size 64M }
  device nic under sw
}
provider gbar : p2pdma { device gpu  bar 0 }
`;

describe('bounds give INCOMPLETE with a located reason, exit 3', () => {
  test('a runaway recursive fn', () => {
    const p = file(
      'recursion.lspec',
      `${base}fn spin(n: int) -> int {
  return spin(n + 1)
}
driver d for gpu {
  action go() {
    let x = spin(0)
  }
}
scenario s {
  bind d
  d.go()
}
`,
    );
    const r = cli('run', p);
    expect(r.code).toBe(3);
    expect(r.out).toContain('scenario s: INCOMPLETE: no verdict');
    expect(r.out).toContain(`calls nested deeper than 200 frames: a runaway recursion at ${p}:9:10`);
  });

  test('a callback that never returns: map_dma_buf mapping the attachment it is mapping', () => {
    const p = file(
      'callback.lspec',
      `${base}driver exp for gpu {
  ops bops : dma_buf_ops {
    map_dma_buf(a) { return dma_buf_map_attachment(a) }
    unmap_dma_buf(a, s) { }
    release(b) { }
  }
  action export() -> dma_buf { return dma_buf_export(bops, gbar) }
}
driver imp for nic {
  action take(b: dma_buf) {
    let a = dma_buf_attach(b, nic)
    let s = dma_buf_map_attachment(a)
  }
}
scenario s {
  bind exp
  let b = exp.export()
  imp.take(b)
}
`,
    );
    const r = cli('run', p);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(/calls nested deeper than 200 frames: a runaway recursion at \S+callback\.lspec:\d+:\d+/);
  });

  test('a scenario too big for --max-states', () => {
    const p = file('race.lspec', importerRace(3));
    const r = cli('run', '--max-states', '100', p);
    expect(r.code).toBe(3);
    expect(r.out).toContain('stopped at the state limit (100 states); raise it with --max-states');
    expect(r.out).toContain('1 scenario: 0 ok, 0 violated, 1 incomplete');
    const t = cli('test', '--max-states', '100', p);
    expect(t.code).toBe(3);
    expect(t.out).toContain('INCOMPLETE');
    expect(t.out).toContain('0 passed, 1 failed');
  });

  test('--timeout and --max-memory stop too', () => {
    const p = file('race12.lspec', importerRace(12));
    expect(cli('run', '--timeout', '0.2', p)).toMatchObject({ code: 3 });
    const m = cli('run', '--max-memory', '1', p);
    expect(m.code).toBe(3);
    expect(m.out).toContain('stopped at the memory limit (about 1 MB of states); raise it with --max-memory');
  });
});

describe('bad invocations: one line, exit 2', () => {
  const ok = file('ok.lspec', `${base}scenario s { }\n`);
  test.each([
    [['run', 'missing.lspec'], 'lifespec: missing.lspec: no such file'],
    [['run', tmp], `lifespec: ${tmp}: is a directory`],
    [['run', '--scenario', 'nope', ok], `lifespec: no scenario 'nope' in ${ok} (it has s)`],
    [['run', '--max-states', 'many', ok], "lifespec: --max-states takes a positive whole number, not 'many'"],
    [['test', '--bogus', ok], "lifespec: unknown option '--bogus' (try: lifespec test --help)"],
    [['fmt', '--check', '--write', ok], 'lifespec: fmt takes --check or --write, not both'],
    [['run'], 'lifespec: run needs a FILE'],
  ])('%j', (argv, message) => {
    const r = cli(...argv);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
    expect(r.err.trimEnd().split('\n')).toHaveLength(1);
    expect(r.err.startsWith(message)).toBe(true);
  });

  test('run and test on a spec with check errors print them and explore nothing (exit 1)', () => {
    const p = file('bad.lspec', `${base}scenario s { bind nobody }\n`);
    const r = cli('run', p);
    expect(r.code).toBe(1);
    expect(r.out).toContain('unknown driver `nobody`');
    expect(r.out).not.toContain('scenario s:');
    expect(r.err).toContain('not explored');
    const t = cli('test', p);
    expect(t.code).toBe(1);
    expect(t.out).toContain(`FAIL ${p}: check errors, not explored`);
  });
});

describe('lifespec fmt', () => {
  const messy = 'use dmabuf.rules\ntopology{host_bridge hb   // the root\ndevice gpu under hb{bar 0 size 64M}}\n\n\n\nfn f(a:int)->int{if a==1{return 1} else {return 2}}\n';
  const formatted =
    'use dmabuf.rules\ntopology {\n  host_bridge hb   // the root\n  device gpu under hb { bar 0 size 64M }\n}\n\nfn f(a: int) -> int {\n  if a == 1 {\n    return 1\n  } else {\n    return 2\n  }\n}\n';

  test('prints the canonical layout, keeping comments', () => {
    expect(cli('fmt', file('messy.lspec', messy))).toEqual({ code: 0, out: formatted, err: '' });
  });

  test('--check lists what needs formatting (exit 1) and passes on formatted files', () => {
    const m = file('messy2.lspec', messy);
    expect(cli('fmt', '--check', m)).toMatchObject({ code: 1, out: `would reformat ${m}\n` });
    expect(cli('fmt', '--check', file('done.lspec', formatted))).toMatchObject({ code: 0, out: '1 file already formatted\n' });
  });

  test('--write rewrites only when needed, and never a file with syntax errors', () => {
    const m = file('messy3.lspec', messy);
    expect(cli('fmt', '--write', m)).toMatchObject({ code: 0, out: `formatted ${m}\n` });
    expect(readFileSync(m, 'utf8')).toBe(formatted);
    expect(cli('fmt', '--write', m)).toMatchObject({ code: 0, out: '' });
    const broken = 'fn f( {\n';
    const b = file('broken.lspec', broken);
    const r = cli('fmt', '--write', b);
    expect(r.code).toBe(1);
    expect(r.err).toContain('not formatted: it has syntax errors');
    expect(readFileSync(b, 'utf8')).toBe(broken);
  });

  test('every spec in the repository that parses is already formatted', () => {
    const root = new URL('..', import.meta.url).pathname;
    const dirs = ['examples', 'examples/bugs', 'stdlib/dmabuf', 'stdlib/p2pdma', 'stdlib/pci', 'stdlib/iommu', 'stdlib/vfio', 'test/fixtures/specs'];
    const files = dirs.flatMap((d) => {
      try {
        return readdirSync(join(root, d))
          .filter((f: string) => f.endsWith('.lspec'))
          .map((f: string) => join(root, d, f));
      } catch {
        return [];
      }
    });
    const r = cli('fmt', '--check', ...files);
    expect(r.out).toBe(`${files.length} files already formatted\n`);
    expect(r.code).toBe(0);
  });
});
