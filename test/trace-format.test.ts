// docs/trace-format.md is the schema of `lifespec run --format json`. This
// test reads the field tables from the doc, checks that they describe the
// schema below, and validates real CLI output against it: every documented
// field present with its type, nothing undocumented, and the relations the
// doc states between verdict, complete, expectMet and the traces. It also
// checks that the doc's worked example is what the command prints.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import { abba } from './support/specs.js';

const doc = readFileSync(new URL('../docs/trace-format.md', import.meta.url), 'utf8');
const seed = readFileSync(new URL('../examples/vfio_mlx5_hotunplug.lspec', import.meta.url), 'utf8');
const tour = readFileSync(new URL('../examples/tour.lspec', import.meta.url), 'utf8');

/** The schema the doc must state: object → field → type, as written in its tables. */
const schema: Record<string, Record<string, string>> = {
  Report: { file: 'string', formatVersion: 'integer', contract: 'Contract', kernelChecks: 'string[]', allowed: 'string[]', diagnostics: 'Diagnostic[] (optional)', scenarios: 'Scenario[]' },
  Contract: { linux: 'string', targeted: 'boolean' },
  Scenario: {
    scenario: 'string',
    verdict: '"ok" | "violated" | "deadlock" | "incomplete"',
    complete: 'boolean',
    states: 'integer',
    transitions: 'integer',
    timeMs: 'integer',
    violations: 'Violation[]',
    deadlock: 'Deadlock | null',
    incomplete: 'Incomplete | null',
    expect: 'Expect | null',
    expectMet: 'boolean | null',
    reductions: 'string[]',
    fingerprints: 'Fingerprints (optional)',
    threads: 'integer (optional)',
    simulation: 'Simulation (optional)',
  },
  Violation: { rule: 'string', message: 'string', trace: 'Step[]' },
  Step: {
    step: 'integer',
    thread: 'string',
    event: 'string',
    uri: 'string',
    offset: 'integer',
    line: 'integer',
    column: 'integer',
    locks: 'string[]',
    created: 'string[]',
    ended: 'string[]',
    call: 'Call (optional)',
    changes: 'object (optional)',
  },
  Call: { name: 'string', args: 'string[]', result: 'string (optional)' },
  Deadlock: { trace: 'Step[]', waiting: 'Waiting[]' },
  Waiting: { thread: 'string', on: 'string' },
  Simulation: { spec: 'string', seeds: 'integer[]', runs: 'integer', depth: 'integer', walk: 'integer (optional)', walks: 'Walk[]' },
  Walk: { rule: 'string', seed: 'integer' },
  Fingerprints: { bits: 'integer', collisionProbability: 'number' },
  Incomplete: { bound: '"states" | "time" | "memory" | "stopped" | "spec" | "simulation"', reason: 'string', uri: 'string (optional)', line: 'integer (optional)', column: 'integer (optional)' },
  Expect: { outcome: '"ok" | "violation" | "deadlock"', rules: 'string[]' },
  Diagnostic: {
    uri: 'string',
    severity: '"error" | "warning" | "info"',
    code: 'string',
    message: 'string',
    range: 'Range',
    span: 'Span',
    related: 'Related[] (optional)',
  },
  Range: { start: 'Position', end: 'Position' },
  Position: { line: 'integer', column: 'integer' },
  Span: { start: 'integer', end: 'integer' },
  Related: { message: 'string', uri: 'string', span: 'Span' },
};

/** The field tables of the doc: a `### \`Name\`` heading, then rows `| \`field\` | \`type\` *(optional)*? | meaning |`. */
function docSchema(): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {};
  let current: string | undefined;
  for (const line of doc.split('\n')) {
    const heading = /^#{2,3} (.*)$/.exec(line);
    if (heading) {
      const name = /^`(\w+)`$/.exec(heading[1]!.trim());
      current = name ? name[1] : undefined;
      if (current) out[current] = {};
      continue;
    }
    if (!current || !line.startsWith('| `')) continue;
    const cells = line
      .split(/(?<!\\)\|/)
      .slice(1, -1)
      .map((c) => c.trim().replace(/\\\|/g, '|'));
    const field = /^`(\w+)`$/.exec(cells[0]!);
    const type = /^`([^`]+)`( \*\(optional\)\*)?$/.exec(cells[1]!);
    expect(field, `field cell in: ${line}`).not.toBeNull();
    expect(type, `type cell in: ${line}`).not.toBeNull();
    out[current]![field![1]!] = `${type![1]}${type![2] ? ' (optional)' : ''}`;
  }
  return out;
}

/** What the validator saw, so the test can tell every part of the schema was exercised. */
const seen = new Set<string>();

function check(value: unknown, type: string, path: string): void {
  const optional = type.endsWith(' (optional)');
  const t = optional ? type.slice(0, -' (optional)'.length) : type;
  const alternatives = t.split(' | ');
  if (alternatives.length > 1) {
    if (alternatives.every((a) => a.startsWith('"'))) {
      expect(alternatives.map((a) => JSON.parse(a) as string), path).toContain(value);
      seen.add(`${path.replace(/^.*?\.(scenarios|diagnostics)\[/, 'Report.$1[').replace(/\[\d+\]/g, '[]')}=${String(value)}`);
      return;
    }
    if (value === null) {
      expect(alternatives, `${path} may not be null`).toContain('null');
      seen.add(`${t}=null`);
      return;
    }
    seen.add(`${t}=value`);
    check(value, alternatives.filter((a) => a !== 'null').join(' | '), path);
    return;
  }
  if (t.endsWith('[]')) {
    expect(Array.isArray(value), `${path} is an array`).toBe(true);
    (value as unknown[]).forEach((v, i) => check(v, t.slice(0, -2), `${path}[${i}]`));
    return;
  }
  switch (t) {
    case 'string':
      expect(typeof value, path).toBe('string');
      return;
    case 'boolean':
      expect(typeof value, path).toBe('boolean');
      return;
    case 'integer':
      expect(Number.isInteger(value) && (value as number) >= 0, `${path} is a non-negative integer, not ${String(value)}`).toBe(true);
      return;
    case 'number':
      expect(typeof value === 'number' && Number.isFinite(value) && value >= 0, `${path} is a non-negative number, not ${String(value)}`).toBe(true);
      return;
    case 'object':
      // A map from names to shown values (`changes`).
      expect(typeof value === 'object' && value !== null && !Array.isArray(value), `${path} is an object`).toBe(true);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) expect(typeof v, `${path}.${k}`).toBe('string');
      return;
  }
  const fields = schema[t];
  expect(fields, `${path}: unknown type ${t}`).toBeDefined();
  expect(typeof value === 'object' && value !== null && !Array.isArray(value), `${path} is an object`).toBe(true);
  const obj = value as Record<string, unknown>;
  seen.add(t);
  const undocumented = Object.keys(obj).filter((k) => !(k in fields!));
  expect(undocumented, `${path}: fields not in docs/trace-format.md`).toEqual([]);
  for (const [name, ftype] of Object.entries(fields!)) {
    if (!(name in obj)) {
      expect(ftype.endsWith(' (optional)'), `${path}.${name} is documented as always present`).toBe(true);
      continue;
    }
    if (ftype.endsWith(' (optional)')) seen.add(`${t}.${name}`);
    check(obj[name], ftype, `${path}.${name}`);
  }
}

/** The relations the doc states between the fields of one scenario. */
function checkRelations(s: Record<string, any>, file: string): void {
  const found = s.violations.length > 0;
  const verdict = found ? 'violated' : s.deadlock ? 'deadlock' : s.complete ? 'ok' : 'incomplete';
  expect(s.verdict, s.scenario).toBe(verdict);
  expect(s.complete).toBe(s.incomplete === null);
  const rules = new Set(s.violations.map((v: any) => v.rule));
  const e = s.expect ?? { outcome: 'ok', rules: [] };
  let met: boolean | null;
  if (e.outcome === 'ok') met = found || s.deadlock ? false : s.complete ? true : null;
  else if (e.outcome === 'violation') met = e.rules.every((r: string) => rules.has(r)) ? true : s.complete ? false : null;
  else met = s.deadlock ? true : s.complete ? false : null;
  expect(s.expectMet, s.scenario).toBe(met);
  if (s.expect && s.expect.outcome !== 'violation') expect(s.expect.rules).toEqual([]);
  expect(rules.size).toBe(s.violations.length);
  const traces = [...s.violations.map((v: any) => v.trace), ...(s.deadlock ? [s.deadlock.trace] : [])];
  for (const trace of traces) {
    expect(trace.length).toBeGreaterThan(0);
    expect(trace.map((x: any) => x.step)).toEqual(trace.map((_: unknown, i: number) => i + 1));
    for (const x of trace) {
      expect(x.uri).toBe(file);
      expect(x.line).toBeGreaterThanOrEqual(1);
      expect(x.column).toBeGreaterThanOrEqual(1);
      expect(x.thread).toMatch(/^(main|t\d+|hw:\w+)$/);
      // locks sorted; a DMA step holds, makes and ends nothing; `ended` is the ` · X ends` parts and the IOVAs.
      expect(x.locks).toEqual([...x.locks].sort());
      if (x.thread.startsWith('hw:')) expect([...x.locks, ...x.created, ...x.ended]).toEqual([]);
      const ends = x.event.split(' · ').flatMap((p: string) => /^(\S+) ends$/.exec(p)?.[1] ?? []);
      expect(x.ended.filter((n: string) => !/^iova#\d+$/.test(n)), x.event).toEqual(ends);
    }
    // An object is made once and ends once, never before it was made.
    const made = trace.flatMap((x: any) => x.created);
    expect(new Set(made).size).toBe(made.length);
    const ended = trace.flatMap((x: any) => x.ended);
    expect(new Set(ended).size).toBe(ended.length);
    for (const name of ended) {
      const c = trace.findIndex((x: any) => x.created.includes(name));
      if (c >= 0) expect(trace.findIndex((x: any) => x.ended.includes(name))).toBeGreaterThanOrEqual(c);
    }
  }
  // A swarm report is never ok nor complete, and names the walk behind each trace, in report order.
  if (s.simulation) {
    expect(s.verdict).not.toBe('ok');
    expect(s.complete).toBe(false);
    expect(s.timeMs).toBe(0);
    expect(s.simulation.walks.map((w: any) => w.rule)).toEqual([...s.violations.map((v: any) => v.rule), ...(s.deadlock ? ['deadlock'] : [])]);
    if (s.verdict === 'incomplete') expect(s.incomplete.reason).toMatch(/^no violation in (\d+ runs? of depth \d+ \(seeds? [\d, ]+\)|the walk of seed \d+ \(depth \d+\))/);
  }
  const lengths = s.violations.map((v: any) => v.trace.length);
  expect(lengths).toEqual([...lengths].sort((a: number, b: number) => a - b));
  if (s.incomplete && 'uri' in s.incomplete) {
    expect(s.incomplete.uri).toBe(file);
    expect(s.incomplete.line).toBeGreaterThanOrEqual(1);
    expect(s.incomplete.column).toBeGreaterThanOrEqual(1);
  }
}

const dir = mkdtempSync(join(tmpdir(), 'lifespec-trace-'));

function spec(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

function runJson(...argv: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = main(['run', '--format', 'json', ...argv], { out: (s) => (out += s), err: (s) => (err += s), color: false });
  return { code, out, err };
}

/** The doc's example mutation: the `lock buf.resv` around `dma_buf_move_notify` taken away. */
function withoutLock(): string {
  const locked = '      lock buf.resv {\n        revoked = true\n        dma_buf_move_notify(buf)\n      }\n';
  expect(seed).toContain(locked);
  return seed.replace(locked, '      revoked = true\n      dma_buf_move_notify(buf)\n');
}


const runaway = `topology {
  host_bridge hb
  device gpu under hb
}
fn deep(n: int) -> int { return deep(n + 1) }
driver d for gpu {
  action rec() -> int { return deep(0) }
}
scenario runaway {
  bind d
  d.rec()
}
`;

/** Check errors: a device under a parent that does not exist, and a device declared twice (with `related`). */
const broken = `topology {
  host_bridge hb
  device gpu under hb
  device gpu under hb
  device nic under hbx
}
scenario s { unplug gpu }
`;

/** Specs that between them produce every part of the schema, with the exit code each gives. */
const cases: { name: string; text: string; args?: string[]; code: number }[] = [
  { name: 'vfio_nolock.lspec', text: withoutLock(), code: 1 },
  { name: 'seed.lspec', text: seed, code: 0 },
  { name: 'seed_bounded.lspec', text: seed, args: ['--max-states', '10'], code: 3 },
  { name: 'tour.lspec', text: tour, code: 1 },
  { name: 'abba.lspec', text: abba, code: 1 },
  { name: 'runaway.lspec', text: runaway, code: 3 },
  { name: 'broken.lspec', text: broken, code: 1 },
  { name: 'no_scenarios.lspec', text: 'topology {\n  host_bridge hb\n}\n', code: 0 },
  // Swarm mode: the same schema, with `simulation`; nothing found is incomplete (exit 3), never ok.
  { name: 'vfio_nolock_swarm.lspec', text: withoutLock(), args: ['--simulate', '--seed', '1', '--runs', '30', '--depth', '40'], code: 1 },
  { name: 'seed_swarm.lspec', text: seed, args: ['--simulate', '--seed', '1', '--runs', '5', '--depth', '30'], code: 3 },
  { name: 'seed_walk.lspec', text: seed, args: ['--simulate', '--walk-seed', '7', '--depth', '30'], code: 3 },
];

describe('docs/trace-format.md', () => {
  test('its field tables state the schema', () => {
    expect(docSchema()).toEqual(schema);
  });

  test('the output of every case follows the schema and the stated relations', () => {
    seen.clear();
    for (const c of cases) {
      const path = spec(c.name, c.text);
      const r = runJson(...(c.args ?? []), path);
      expect(r.code, `${c.name}: ${r.err}`).toBe(c.code);
      expect(r.out.endsWith('}\n')).toBe(true);
      const json = JSON.parse(r.out);
      // Printed with two-space indentation.
      expect(r.out).toBe(`${JSON.stringify(json, null, 2)}\n`);
      check(json, 'Report', c.name);
      expect(json.file).toBe(path);
      for (const s of json.scenarios) checkRelations(s, path);
      // A spec with check errors has its diagnostics, no scenarios, and exit 1; otherwise the exit code follows the verdicts.
      if (json.diagnostics) {
        expect(json.scenarios).toEqual([]);
        expect(json.diagnostics.some((d: any) => d.severity === 'error')).toBe(true);
        for (const d of json.diagnostics) expect(d.uri).toBe(path);
        expect(r.code).toBe(1);
        continue;
      }
      const verdicts = json.scenarios.map((s: any) => s.verdict);
      const code = verdicts.some((v: string) => v === 'violated' || v === 'deadlock') ? 1 : verdicts.includes('incomplete') ? 3 : 0;
      expect(r.code).toBe(code);
    }
    // Every object, optional field, nullable field and enumerated value was met at least once.
    for (const name of Object.keys(schema)) expect(seen, name).toContain(name);
    for (const f of ['Incomplete.uri', 'Incomplete.line', 'Incomplete.column', 'Report.diagnostics', 'Diagnostic.related', 'Scenario.simulation', 'Simulation.walk', 'Scenario.fingerprints']) expect(seen, f).toContain(f);
    for (const t of ['Deadlock | null', 'Incomplete | null', 'Expect | null', 'boolean | null']) {
      expect(seen, `${t} as null`).toContain(`${t}=null`);
      expect(seen, `${t} with a value`).toContain(`${t}=value`);
    }
    for (const v of ['ok', 'violated', 'deadlock', 'incomplete']) expect(seen).toContain(`Report.scenarios[].verdict=${v}`);
    for (const v of ['ok', 'violation', 'deadlock']) expect(seen).toContain(`Report.scenarios[].expect.outcome=${v}`);
  });

  test('--scenario narrows the report to one scenario', () => {
    const path = spec('vfio_nolock.lspec', withoutLock());
    const json = JSON.parse(runJson('--scenario', 'unplug_races_registration', path).out);
    expect(json.scenarios.map((s: any) => s.scenario)).toEqual(['unplug_races_registration']);
    const dma = json.scenarios[0].violations.find((v: any) => v.rule === 'model.dma_after_free');
    expect(dma.trace.at(-1)).toMatchObject({ thread: 'hw:nic', event: 'DMA through sg_table#8' });
  });

  test('the worked example is what the command prints', () => {
    const block = /```jsonc\n([^]*?)\n```/.exec(doc);
    expect(block, 'the example block').not.toBeNull();
    const path = spec('vfio_nolock.lspec', withoutLock());
    const r = runJson('--scenario', 'hot_unplug', path);
    expect(r.code).toBe(1);
    const actual = JSON.parse(r.out.split(JSON.stringify(path).slice(1, -1)).join('vfio_nolock.lspec'));
    // Without its `//` lines (which stand for left-out steps), the example is the output minus those steps.
    const example = JSON.parse(
      block![1]!
        .split('\n')
        .filter((l) => !l.trim().startsWith('//'))
        .join('\n'),
    );
    expect(example.scenarios).toHaveLength(actual.scenarios.length);
    example.scenarios.forEach((s: any, i: number) => {
      const a = actual.scenarios[i];
      a.timeMs = s.timeMs;
      a.violations.forEach((v: any, j: number) => {
        const kept = new Set(s.violations[j]?.trace.map((x: any) => x.step));
        v.trace = v.trace.filter((x: any) => kept.has(x.step));
      });
    });
    expect(example).toEqual(actual);
    // The left-out steps are only ever in the middle: the first and the violating step are shown.
    for (const v of example.scenarios[0].violations) {
      expect(v.trace[0].step).toBe(1);
      expect(v.trace.at(-1).event).toBe(v.message.split(' requires')[0]);
    }
  });

  test('check errors are JSON too: the diagnostics, no scenarios, exit 1, nothing explored', () => {
    const path = spec('broken1.lspec', 'topology { device gpu under hb }\n');
    const r = runJson(path);
    expect(r.code).toBe(1);
    expect(r.err).toBe('');
    expect(JSON.parse(r.out)).toEqual({
      file: path,
      formatVersion: 2,
      contract: { linux: '7.1', targeted: false },
      kernelChecks: [],
      allowed: [],
      diagnostics: [
        {
          uri: path,
          severity: 'error',
          code: 'invalid-parent',
          message: '`hb` is not a host bridge or switch of the topology',
          range: { start: { line: 1, column: 29 }, end: { line: 1, column: 31 } },
          span: { start: 28, end: 30 },
        },
      ],
      scenarios: [],
    });
    // The doc shows this output, for the spec saved as broken.lspec.
    const shown = /```json\n(\{\n  "file": "broken\.lspec",\n  "formatVersion"[^]*?)\n```/.exec(doc);
    expect(shown, 'the check-error example').not.toBeNull();
    expect(r.out.split(path).join('broken.lspec')).toBe(`${shown![1]}\n`);
    // In text mode they stay compiler-style lines, with the note on standard error.
    let out = '';
    let err = '';
    expect(main(['run', path], { out: (s) => (out += s), err: (s) => (err += s), color: false })).toBe(1);
    expect(out).toMatch(/^\S+:1:29: error: /);
    expect(err).toContain('not explored: fix the errors above first');
  });

  test('a spec without scenarios gives an empty report, exit 0', () => {
    const path = spec('empty.lspec', 'topology {\n  host_bridge hb\n}\n');
    const r = runJson(path);
    expect(r.code).toBe(0);
    expect(r.out).toBe(`${JSON.stringify({ file: path, formatVersion: 2, contract: { linux: '7.1', targeted: false }, kernelChecks: [], allowed: [], scenarios: [] }, null, 2)}\n`);
  });

  test('the report names the contract, the kernel checks on by default and the allowed rules', () => {
    // The seed without its `use` lines: its dma-buf kernel checks come by default.
    const body = `target linux 6.1\nallow dmabuf.map_locked\n${seed.replace(/^use .*$/gm, '')}`;
    const r = runJson(spec('contract.lspec', body));
    expect(r.err).toBe('');
    const json = JSON.parse(r.out);
    expect(json.contract).toEqual({ linux: '6.1', targeted: true });
    expect(json.allowed).toEqual(['dmabuf.map_locked']);
    expect(json.kernelChecks).toContain('dmabuf.move_notify_locked');
    expect(json.kernelChecks).not.toContain('dmabuf.map_locked');
    let out = '';
    main(['run', spec('contract.lspec', body)], { out: (s) => (out += s), err: () => {}, color: false });
    expect(out.split('\n').slice(1, 4)).toEqual([
      '  contract: linux 6.1 (target)',
      `  kernel checks on by default: ${json.kernelChecks.join(', ')}`,
      '  allowed, not checked: dmabuf.map_locked',
    ]);
  });

  test('the incomplete reasons of the bounds are as documented', () => {
    const seedPath = spec('seed_bounded2.lspec', seed);
    const bounded = JSON.parse(runJson('--max-states', '10', seedPath).out);
    expect(bounded.scenarios[0].incomplete).toEqual({ bound: 'states', reason: 'stopped at the state limit (10 states); raise it with --max-states' });
    expect(doc).toContain('`stopped at the state limit (N states); raise it with --max-states`');
    expect(doc).toContain('"incomplete": { "bound": "states", "reason": "stopped at the state limit (10 states); raise it with --max-states" }');
  });
});

describe('docs/trace-format.schema.json', () => {
  test('every report this test file and the corpus produce validates against the JSON Schema of its formatVersion', async () => {
    const { default: Ajv } = await import('ajv');
    const schemaFile = JSON.parse(readFileSync(new URL('../docs/trace-format.schema.json', import.meta.url), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: false }).compile(schemaFile);
    const dir = mkdtempSync(join(tmpdir(), 'lifespec-schema-'));
    const outputs: string[] = [];
    const cli = (...args: string[]) => {
      let out = '';
      main(args, { out: (s) => (out += s), err: () => {}, color: false });
      return out;
    };
    const nolock = join(dir, 'nolock.lspec');
    writeFileSync(nolock, withoutLock());
    const broken = join(dir, 'broken.lspec');
    writeFileSync(broken, 'topology {\n  host_bridge hb\n  device d under hx\n}\n');
    const abbaPath = join(dir, 'abba.lspec');
    writeFileSync(abbaPath, abba);
    outputs.push(cli('run', '--format', 'json', nolock));
    outputs.push(cli('run', '--format', 'json', broken));
    outputs.push(cli('run', '--format', 'json', abbaPath));
    outputs.push(cli('run', '--format', 'json', '--max-states', '5', nolock));
    outputs.push(cli('run', '--format', 'json', nolock, abbaPath));
    const corpus = readdirSync(new URL('../examples/bugs/', import.meta.url)).filter((f) => f.endsWith('.lspec')).map((f) => new URL(`../examples/bugs/${f}`, import.meta.url).pathname);
    outputs.push(cli('test', '--format', 'json', ...corpus));
    // Swarm reports, and their merge, are reports of the same schema.
    const swarm = (seed: string) => {
      const p = join(dir, `swarm${seed}.json`);
      writeFileSync(p, cli('run', '--simulate', '--seed', seed, '--runs', '20', '--depth', '40', '--format', 'json', nolock));
      return p;
    };
    const [s1, s2] = [swarm('1'), swarm('2')];
    outputs.push(readFileSync(s1, 'utf8'), cli('merge', s1, s2), cli('run', '--simulate', '--walk-seed', '5', '--depth', '40', '--format', 'json', nolock));
    for (const o of outputs) {
      const report = JSON.parse(o);
      expect(validate(report) ? [] : validate.errors, o.slice(0, 80)).toEqual([]);
    }
    // The schema is not a rubber stamp: a step without its thread is refused.
    const one = JSON.parse(outputs[0]!);
    delete one.scenarios[0].violations[0].trace[0].thread;
    expect(validate(one)).toBe(false);
  }, 120_000);
});
