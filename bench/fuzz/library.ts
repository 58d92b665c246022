/**
 * The library's contract under odd input: parse/check take any string and
 * never throw, and refuse anything else with a TypeError; explore refuses a
 * program with errors (CheckErrors) and bad bounds (RangeError), and a
 * model's exception, wherever it comes from, costs one scenario its verdict
 * and escapes nowhere.
 */
import { check, CheckErrors, explore, ModelRegistry, parse, ret, types, wait, type Model, type PrimitiveImpl } from '../../src/index.js';
import { rng } from './random-spec.js';

export interface LibraryReport {
  readonly cases: number;
  readonly failures: string[];
}

const odd: unknown[] = [42, undefined, null, true, {}, [], () => 0, Symbol('s'), 1n, new String('fn f() {}'), { spec: 1 }, Number.NaN];
const badOptions: Record<string, unknown>[] = [
  { maxStates: Number.NaN }, { maxStates: -1 }, { maxStates: 0 }, { maxStates: 2.5 }, { maxStates: '10' },
  { timeoutMs: 0 }, { timeoutMs: -3 }, { timeoutMs: Number.NaN }, { maxMemoryMb: 0 }, { progressIntervalMs: -1 }, { scenario: 7 },
];

const spec = `topology { host_bridge hb; device d0 under hb }
driver drv for d0 {
  state { n: int = 0 }
  action a() { n = flaky_call(n) }
  action b() { n = n + 1 }
}
scenario first { bind drv; parallel { { drv.a() } { drv.b() } } }
scenario second { bind drv; drv.b() }`;

/** A model whose primitive throws at a chosen place, or overflows the stack. */
function flakyModel(where: 'start' | 'resume' | 'ready' | 'waitsFor', how: 'error' | 'string' | 'stack' | 'undefined'): Model {
  const deep = (n: number): number => deep(n + 1) + 1;
  const boom = (): never => {
    if (how === 'stack') deep(0);
    // eslint-disable-next-line @typescript-eslint/only-throw-error
    throw how === 'string' ? 'a string' : how === 'undefined' ? undefined : new TypeError('boom');
  };
  const impl: PrimitiveImpl = {
    sig: { name: 'flaky_call', params: [{ name: 'x', type: types.int }], returns: types.int, doc: 'throws' },
    start: where === 'start' ? boom : () => (where === 'resume' ? wait(1) : wait(2)),
    resume: where === 'resume' ? boom : () => ret(0),
    ready: where === 'ready' ? boom : () => true,
    ...(where === 'waitsFor' ? { ready: () => false, waitsFor: boom } : {}),
  };
  return { name: 'flaky', primitives: [impl] };
}

export function fuzzLibrary(seed: number, count: number): LibraryReport {
  const r = rng(seed);
  const failures: string[] = [];
  let cases = 0;
  const expectThrow = (what: string, f: () => unknown, kind: new (...a: never[]) => Error) => {
    cases++;
    try {
      f();
      failures.push(`${what}: did not throw`);
    } catch (e) {
      if (!(e instanceof kind)) failures.push(`${what}: threw ${(e as Error)?.name ?? typeof e}, not ${kind.name}: ${String((e as Error)?.message ?? e)}`);
    }
  };
  for (const v of odd) {
    expectThrow(`parse(${String(typeof v)})`, () => parse(v as string), TypeError);
    if (!(typeof v === 'object' && v !== null && 'spec' in v && 'source' in (v as object))) expectThrow(`check(${String(typeof v)})`, () => check(v as string), TypeError);
    expectThrow(`explore(${String(typeof v)})`, () => explore(v as never), TypeError);
  }
  const { program } = check(spec.replace('flaky_call(n)', 'n + 1'), { uri: 'ok.lspec' });
  for (const o of badOptions) expectThrow(`explore options ${JSON.stringify(o)}`, () => explore(program, o as never), o.scenario !== undefined ? TypeError : RangeError);
  expectThrow('explore of a program with errors', () => explore(check('driver x for nowhere { }', { uri: 'bad.lspec' }).program), CheckErrors);
  // Random strings: parse and check never throw.
  for (let i = 0; i < count; i++) {
    cases++;
    const len = r.int(200);
    let text = '';
    for (let k = 0; k < len; k++) text += String.fromCharCode(r.chance(0.8) ? 32 + r.int(95) : r.int(0x3000));
    try {
      check(text, { uri: 'random.lspec' });
    } catch (e) {
      failures.push(`check of random text ${JSON.stringify(text.slice(0, 40))}: threw ${(e as Error).message}`);
    }
  }
  // Throwing models: explore returns, the scenario that used the model has no verdict, the other one does.
  for (const where of ['start', 'resume', 'ready', 'waitsFor'] as const) {
    for (const how of ['error', 'string', 'stack', 'undefined'] as const) {
      cases++;
      const registry = new ModelRegistry().register(flakyModel(where, how));
      const { program: p, diagnostics } = check(spec, { uri: 'flaky.lspec', registry });
      if (diagnostics.length) {
        failures.push(`flaky spec does not check: ${diagnostics[0]!.message}`);
        continue;
      }
      try {
        const [first, second] = explore(p).scenarios;
        if (first?.incomplete?.bound !== 'error' || !/model `flaky`/.test(first.incomplete.reason)) failures.push(`model throwing (${how}) in ${where}: ${JSON.stringify(first?.incomplete ?? first?.verdict)}`);
        if (second?.verdict !== 'ok') failures.push(`model throwing (${how}) in ${where}: the other scenario got ${second?.verdict}`);
      } catch (e) {
        failures.push(`model throwing (${how}) in ${where}: explore threw ${(e as Error)?.message ?? String(e)}`);
      }
    }
  }
  return { cases, failures };
}

// Bundled by scripts/run-ts.mjs, every module shares the bundle's import.meta.url: match the script's name.
if (/(^|[\\/])library\.(mjs|ts)$/.test(process.argv[1] ?? '')) {
  const rep = fuzzLibrary(Number(process.argv[2] ?? 1), Number(process.argv[3] ?? 2000));
  console.log(`library: ${rep.cases} cases, ${rep.failures.length} failures`);
  for (const f of rep.failures.slice(0, 20)) console.log(`  ${f}`);
  process.exitCode = rep.failures.length > 0 ? 1 : 0;
}
