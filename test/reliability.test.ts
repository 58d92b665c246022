// The library is total and bounded: a time limit holds however slow the
// steps, a program with check errors or a throwing model cannot produce a
// verdict, and odd input gets a clear error, not a crash.
import { describe, expect, test } from 'vitest';
import { check, CheckErrors, explore, ModelRegistry, parse, ret, types, wait, type Model, type PrimitiveImpl } from '../src/index.js';
import { importerRace } from '../bench/generate.js';
import { formatText } from '../src/syntax/format.js';

describe('bounds hold', () => {
  test('the time limit is read after every successor, not every 256', () => {
    const { program } = check(importerRace(4), { uri: 'race.lspec' });
    // A clock that moves 10 ms at each reading: the 100 ms limit is reached after about ten.
    let t = 0;
    const r = explore(program, { timeoutMs: 100, now: () => (t += 10) }).scenarios[0]!;
    expect(r.verdict).toBe('incomplete');
    expect(r.incomplete?.bound).toBe('time');
    expect(r.transitions).toBeLessThan(20);
  });
});

describe('the library refuses what it cannot run', () => {
  const clean = `topology { host_bridge hb; device d0 under hb }
driver drv for d0 { action a() { } }
scenario s { bind drv; drv.a() }`;

  test.each([
    ['an unknown function in an action', 'driver drv for d0 { action a() { nothing_here() } }'],
    ['`if 5`', 'driver drv for d0 { action a() { if 5 { } } }'],
    ['`for x in 5`', 'driver drv for d0 { action a() { for x in 5 { } } }'],
    ['an unknown driver in a scenario', 'driver drv for d0 { }\nscenario t { bind nobody }'],
  ])('a program with check errors (%s) is refused, not run', (_what, decls) => {
    const { program, diagnostics } = check(`topology { host_bridge hb; device d0 under hb }\n${decls}\nscenario s { }`, { uri: 'bad.lspec' });
    expect(diagnostics.some((d) => d.severity === 'error')).toBe(true);
    expect(() => explore(program)).toThrow(CheckErrors);
    expect(() => explore(program)).toThrow(/explore\(\) needs a program that checks clean; check\(\) found \d+ errors?, the first: bad\.lspec at offset \d+: /);
  });

  test.each([
    ['parse(42)', () => parse(42 as unknown as string), /parse\(\) takes the spec's text as a string; got number 42/],
    ['parse(undefined)', () => parse(undefined as unknown as string), /parse\(\) takes the spec's text as a string; got undefined/],
    ['check(null)', () => check(null as unknown as string), /check\(\) takes the spec's text as a string, or what parse\(\) returned; got null/],
    ['explore({})', () => explore({} as never), /explore\(\) takes the program check\(\) returned; got an object/],
  ])('%s is a clear TypeError', (_what, call, message) => {
    expect(call).toThrow(TypeError);
    expect(call).toThrow(message);
  });

  test.each([
    [{ maxStates: Number.NaN }, /maxStates must be a positive whole number .*; got number NaN/],
    [{ maxStates: -1 }, /maxStates must be a positive whole number/],
    [{ maxStates: 1.5 }, /maxStates must be a positive whole number/],
    [{ timeoutMs: 0 }, /timeoutMs must be a positive number/],
    [{ maxMemoryMb: Number.NaN }, /maxMemoryMb must be a positive number/],
    [{ progressIntervalMs: -5 }, /progressIntervalMs must be a number of milliseconds/],
  ])('option %o is refused', (options, message) => {
    const { program } = check(clean, { uri: 'ok.lspec' });
    expect(() => explore(program, options)).toThrow(RangeError);
    expect(() => explore(program, options)).toThrow(message);
  });

  test('Infinity is no limit, and says so', () => {
    const { program } = check(clean, { uri: 'ok.lspec' });
    expect(explore(program, { maxStates: Infinity }).scenarios[0]!.verdict).toBe('ok');
  });

  test('a choice of a million options stops at the state limit, not after building them all', () => {
    const many: Model = {
      name: 'many',
      primitives: [{ sig: { name: 'pick_one', params: [], returns: types.int, doc: 'one of a million' }, start: (cx) => ret(cx.choose(1_000_000)) }],
    };
    const registry = new ModelRegistry().register(many);
    const { program } = check(`topology { host_bridge hb; device d0 under hb }
driver drv for d0 { state { n: int = 0 } action a() { n = pick_one() } }
scenario s { bind drv; drv.a() }`, { uri: 'many.lspec', registry });
    const r = explore(program, { maxStates: 10_000 }).scenarios[0]!;
    expect(r.incomplete?.bound).toBe('states');
    expect(r.states).toBeLessThanOrEqual(10_001);
    expect(r.transitions).toBeLessThanOrEqual(10_010);
  });
});

describe("a model's exception costs one scenario its verdict, and names the model", () => {
  const spec = `topology { host_bridge hb; device d0 under hb }
driver drv for d0 {
  state { n: int = 0 }
  action boom() { bad_call() }
  action fine() { }
}
scenario breaks { bind drv; drv.boom() }
scenario holds { bind drv; drv.fine() }`;

  const model = (impl: Partial<PrimitiveImpl>): Model => ({
    name: 'flaky',
    primitives: [{ sig: { name: 'bad_call', params: [], returns: types.void, doc: 'throws' }, start: () => ret(null), ...impl }],
  });
  const deep = (n: number): number => deep(n + 1) + 1;

  const throwing = (message: string, make: (m: string) => Error = (m) => new Error(m)) => (): never => {
    throw make(message);
  };
  const cases: [string, Partial<PrimitiveImpl>, RegExp][] = [
    ['start', { start: throwing('x is undefined', (m) => new TypeError(m)) }, /model `flaky`, primitive `bad_call` \(start\), threw: TypeError: x is undefined/],
    ['ready', { start: () => wait(1), ready: throwing('not ready') }, /model `flaky`, primitive `bad_call` \(ready\), threw: Error: not ready/],
    ['waitsFor', { start: () => wait(1), ready: () => false, waitsFor: throwing('who knows') }, /model `flaky`, primitive `bad_call` \(waitsFor\), threw: Error: who knows/],
    ['a stack overflow', { start: () => ret(deep(0)) }, /model `flaky`, primitive `bad_call` \(start\), threw: RangeError: maximum call stack size exceeded/],
    // States share objects until a step writes one through cx.obj: a write past it must stop the run, not change other states.
    [
      'a write to an object not taken through cx.obj',
      {
        start: (cx) => {
          cx.world.objects[0]!.f.present = false;
          return ret(null);
        },
      },
      /model `flaky`, primitive `bad_call` \(start\), threw: TypeError: .*read only property 'present'.* \(write objects only through cx\.obj/,
    ],
    // Driver states are shared the same way, and only the spec's own code writes them.
    [
      'a write to a driver state',
      {
        start: (cx) => {
          (cx.world.fields[0] as unknown[])[0] = 7;
          return ret(null);
        },
      },
      /model `flaky`, primitive `bad_call` \(start\), threw: TypeError: .*read only property '0'.*driver state is written only by the spec/,
    ],
  ];
  test.each(cases)('from %s', (_where, impl, reason) => {
    const registry = new ModelRegistry().register(model(impl));
    const { program, diagnostics } = check(spec, { uri: 'flaky.lspec', registry });
    expect(diagnostics).toEqual([]);
    const [breaks, holds] = explore(program).scenarios;
    expect(breaks).toMatchObject({ scenario: 'breaks', verdict: 'incomplete', complete: false, expectMet: undefined, incomplete: { bound: 'error' } });
    expect(breaks!.incomplete!.reason).toMatch(reason);
    expect(holds).toMatchObject({ scenario: 'holds', verdict: 'ok', complete: true });
  });
});

describe('integers are exact or stop the run', () => {
  const spec = (init: string, step: string, rule = 'always drv.n != 0 || true') => `topology { host_bridge hb; device d0 under hb }
driver drv for d0 {
  state { n: int = ${init} }
  action a() {
    let v = mmio_read(d0)
    ${step}
  }
}
constraint c { ${rule} }
scenario s { bind drv; drv.a() }`;

  test('the largest exact integer is a valid literal; one more is a located error', () => {
    expect(check(spec('9007199254740991', 'n = n - 1'), { uri: 'n.lspec' }).diagnostics).toEqual([]);
    const d = check(spec('9007199254740992', 'n = n - 1'), { uri: 'n.lspec' }).diagnostics;
    expect(d.map((x) => [x.code, x.message])).toEqual([
      ['number-too-large', '`9007199254740992` is larger than 9,007,199,254,740,991 (2^53 - 1), the largest integer Lifespec represents exactly'],
    ]);
  });

  test('a 100,000-digit number is named by its start, not echoed whole', () => {
    const d = check(spec('9'.repeat(100_000), 'n = n - 1'), { uri: 'n.lspec' }).diagnostics;
    expect(d[0]!.message).toBe('`9999999999999999… (100,000 characters)` is larger than 9,007,199,254,740,991 (2^53 - 1), the largest integer Lifespec represents exactly');
  });

  test('arithmetic past the range is model.int_overflow where it happens, not a rounded value', () => {
    const { program } = check(spec('9007199254740991', 'n = n + 1'), { uri: 'n.lspec' });
    const r = explore(program).scenarios[0]!;
    expect(r.violations.map((v) => [v.rule, v.message])).toEqual([
      ['model.int_overflow', '`9007199254740991 + 1` is outside the exact integer range ±9,007,199,254,740,991 (2^53 - 1)'],
    ]);
    expect(r.violations[0]!.trace.at(-1)!.offset).toBeGreaterThan(0);
  });

  test('a condition whose arithmetic overflows says so instead of judging by a rounded value', () => {
    const { program } = check(spec('9007199254740991', 'n = n - 0', 'always drv.n + 1 != drv.n'), { uri: 'n.lspec' });
    const rules = explore(program).scenarios[0]!.violations.map((v) => [v.rule, v.message]);
    expect(rules).toContainEqual(['model.int_overflow', 'the condition of `c` cannot be judged: `9007199254740991 + 1` is outside the exact integer range ±9,007,199,254,740,991 (2^53 - 1)']);
    expect(rules.map(([r]) => r)).not.toContain('c');
  });
});

describe('large and deep input', () => {
  test('130,000 declarations parse and check (no spread of them onto the stack)', () => {
    const text = Array.from({ length: 130_000 }, (_, i) => `fn f${i}() { }`).join('\n');
    const r = check(text, { uri: 'many.lspec' });
    expect(r.diagnostics).toEqual([]);
    expect([...r.program.fns.keys()].filter((k) => /^f\d+$/.test(k))).toHaveLength(130_000);
  });

  test('a 9-million-character string literal lexes', () => {
    const r = check(`fn f() { let s = "${'a'.repeat(9_000_000)}" }`, { uri: 'long.lspec' });
    expect(r.diagnostics).toEqual([]);
  });

  test('a string of a million escapes lexes, and a broken one is still reported', () => {
    expect(check(`fn f() { let s = "${'\\"'.repeat(1_000_000)}" }`, { uri: 'esc.lspec' }).diagnostics).toEqual([]);
    expect(check('fn f() { let s = "abc }', { uri: 'open.lspec' }).diagnostics.map((d) => d.code)).toContain('unterminated-string');
  });

  test('a block comment of millions of stars lexes', () => {
    expect(check(`/*${'a*'.repeat(2_000_000)}*/\nfn f() { }`, { uri: 'c.lspec' }).diagnostics).toEqual([]);
  });

  test('expressions nest up to 500 levels; deeper is one located error, the same for check and fmt', () => {
    const chain = (n: number) => `fn f() -> int { return ${Array.from({ length: n }, () => '1').join(' + ')} }`;
    expect(check(chain(500), { uri: 'e.lspec' }).diagnostics).toEqual([]);
    for (const n of [501, 3_000, 50_000]) {
      const d = check(chain(n), { uri: 'e.lspec' }).diagnostics;
      expect(d.map((x) => [x.code, x.message])).toEqual([['syntax-error', 'this expression nests 500+ levels deep (operators, calls and fields count); split it']]);
    }
    const members = `fn f(x: int) -> int { return x${'.a'.repeat(5_000)} }`;
    expect(check(members, { uri: 'm.lspec' }).diagnostics.map((x) => x.code)).toContain('syntax-error');
  });
});

describe('line endings', () => {
  test('a CR-only file has lines: a diagnostic is on line 3', () => {
    const d = check('fn f() {\r  let x = 1\r  nothing_here()\r}\r', { uri: 'cr.lspec' });
    expect(d.diagnostics).toHaveLength(1);
    expect(d.program.sources.get('cr.lspec')!.position(d.diagnostics[0]!.span.start)).toEqual({ line: 3, column: 3 });
  });

  test.each([
    ['CRLF', '\r\n'],
    ['CR-only', '\r'],
  ])('fmt formats a %s file with a multi-line block comment, writing \\n line ends', (_what, nl) => {
    const text = ['/* a', '   b */', 'fn f() {', '  let x = 1', '}', ''].join(nl);
    expect(formatText(parse(text), (t) => parse(t))).toEqual({ ok: true, text: '/* a\n   b */\nfn f() {\n  let x = 1\n}\n', changed: true });
  });

  test('fmt keeps an expression at the depth limit', () => {
    const chain = `fn f() -> int { return ${Array.from({ length: 500 }, () => '1').join(' + ')} }\n`;
    expect(formatText(parse(chain), (t) => parse(t))).toMatchObject({ ok: true });
  });
});
