// What CI systems and editors read of `lifespec check|run|test`: compiler-style
// `FILE:LINE:COL: error: RULE: message` lines (Vim's quickfix, Emacs's compile
// mode), SARIF 2.1.0 validated against the published schema, JUnit XML read
// back with an XML parser, `--format json` for test, and GitHub Actions
// workflow-command annotations. Exit codes are the same in every format.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import addFormats from 'ajv-formats';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, test } from 'vitest';
import { main } from '../src/cli/main.js';
import type { CiIo } from '../src/cli/check-command.js';
import { escapeData, escapeProperty } from '../src/index.js';

const dir = 'test/fixtures/sarif';
const mixed = `${dir}/mixed.lspec`;
const clean = `${dir}/clean.lspec`;
const broken = `${dir}/broken.lspec`;
const mixedText = readFileSync(mixed, 'utf8');

function cli(argv: string[], options: { color?: boolean; githubActions?: boolean } = {}) {
  let out = '';
  let err = '';
  const io: CiIo = { out: (s) => (out += s), err: (s) => (err += s), color: options.color ?? false, githubActions: options.githubActions ?? false };
  const code = main(argv, io);
  return { code, out, err };
}

/** The 1-based line of the `nth` line of `text` that contains `needle`. */
function lineOf(text: string, needle: string, nth = 1): number {
  let seen = 0;
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i]!.includes(needle) && ++seen === nth) return i + 1;
  throw new Error(`no line ${nth} with ${needle}`);
}

/** The regex of gcc-style messages, as Emacs's compile mode and Vim's `%f:%l:%c: %m` read them. */
const gcc = /^([^:\n]+):(\d+):(\d+): (error|warning): (.*)$/gm;
function entries(out: string): string[][] {
  return [...out.matchAll(gcc)].map((m) => [m[1]!, m[2]!, m[3]!, m[4]!, m[5]!]);
}

// The spec's own lines that the findings point at.
const mapLine = lineOf(mixedText, 'let sgt = dma_buf_map_attachment(a)');
const abLockB = lineOf(mixedText, 'action ba()');
const expectLine = lineOf(mixedText, 'expect violation model.use_after_free', 2);
const useAfterFree = 'model.use_after_free: dma_buf_map_attachment of attachment#10, which has been detached';
const deadlock = 'deadlock: no thread can move — main waits for its parallel branches; t1 waits for acc_drv.b held by t2; t2 waits for acc_drv.a held by t1';

describe('violations editors can jump to', () => {
  test('lifespec run: one located error per violated rule and deadlock, at the violating step; no trace line looks like one', () => {
    const r = cli(['run', mixed]);
    expect(r.code).toBe(1);
    expect(entries(r.out)).toEqual([
      [mixed, String(mapLine), '17', 'error', useAfterFree],
      [mixed, String(mapLine), '17', 'error', useAfterFree],
      [mixed, String(abLockB), '17', 'error', deadlock],
    ]);
    // The lines below each entry are its trace, indented.
    const lines = r.out.split('\n');
    const at = lines.findIndex((l) => l.startsWith(`${mixed}:${abLockB}:17: error: deadlock`));
    expect(lines[at + 1]).toBe('      shortest trace, 5 steps:');
    expect(lines[at + 2]).toMatch(/^ {8}1 {2}main {4}bind acc_drv {2}test\/fixtures\/sarif\/mixed\.lspec:\d+$/);
  });

  test('lifespec test: each unexpected finding at its step, an unmet expectation at its expect line, FAIL lines located', () => {
    const r = cli(['test', mixed, clean]);
    expect(r.code).toBe(1);
    expect(entries(r.out)).toEqual([
      [mixed, String(mapLine), '17', 'error', useAfterFree],
      [mixed, String(expectLine), '3', 'error', 'expect: scenario fixed_but_expected expected violation model.use_after_free but model.use_after_free not violated in 15 states'],
      [mixed, String(abLockB), '17', 'error', deadlock],
    ]);
    const fails = r.out.split('\n').filter((l) => l.startsWith('FAIL '));
    expect(fails).toEqual([
      `FAIL ${mixed} map_after_detach (expect ok): found model.use_after_free (${mixed}:${lineOf(mixedText, 'scenario map_after_detach')}:10)`,
      `FAIL ${mixed} fixed_but_expected (expect violation model.use_after_free): model.use_after_free not violated in 15 states (${mixed}:${expectLine}:3)`,
      `FAIL ${mixed} abba (expect ok): found deadlock (${mixed}:${lineOf(mixedText, 'expect ok', 2)}:3)`,
    ]);
    expect(r.out).toContain(`pass ${mixed} quiet (expect ok): ok`);
    expect(r.out).toContain(`pass ${mixed} fires (expect violation model.use_after_free): violated`);
    expect(r.out.trimEnd().split('\n').at(-1)).toBe('3 passed, 3 failed');
  });

  test('colour stays on a terminal and off with --no-color; the entries are the same once the colours are taken out', () => {
    const plain = cli(['run', mixed]).out;
    const coloured = cli(['run', mixed], { color: true }).out;
    const noColor = cli(['run', '--no-color', mixed], { color: true }).out;
    expect(plain).not.toMatch(/\x1b\[/);
    expect(noColor).not.toMatch(/\x1b\[/);
    expect(coloured).toContain(`\x1b[1m${mixed}:${mapLine}:17:\x1b[0m \x1b[31m\x1b[1merror:\x1b[0m`);
    const strip = (s: string) => s.replace(/\x1b\[\d+m/g, '');
    expect(entries(strip(coloured))).toEqual(entries(plain));
  });
});

// The published schema (test/fixtures/sarif/README.md), a draft-04 schema whose
// keywords mean the same in draft-07: Ajv reads it with `id` as `$id`.
const schema = JSON.parse(readFileSync(`${dir}/sarif-schema-2.1.0.json`, 'utf8')) as Record<string, unknown>;
const { $schema: _draft, id, ...rest } = schema;
const ajv = new Ajv({ allErrors: true, strict: false });
addFormats.default(ajv);
const validate = ajv.compile({ $id: id as string, ...rest });

interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: string;
  message: { text: string };
  locations: { physicalLocation: { artifactLocation: { uri: string }; region?: { startLine: number; startColumn: number } } }[];
  codeFlows?: { threadFlows: { locations: { location: { message: { text: string } }; executionOrder: number; kinds?: string[]; properties: { thread: string } }[] }[] }[];
}
interface SarifRun {
  tool: { driver: { name: string; version: string; rules: { id: string; fullDescription: { text: string }; help: { text: string } }[] } };
  invocations: { executionSuccessful: boolean; exitCode: number; toolExecutionNotifications?: { message: { text: string } }[] }[];
  results: SarifResult[];
}

/** Runs the CLI with --format sarif, validates the log against the schema, and gives its one run. */
function sarif(argv: string[], code: number): SarifRun {
  const r = cli([...argv.slice(0, 1), '--format', 'sarif', ...argv.slice(1)]);
  expect(r.code).toBe(code);
  const log = JSON.parse(r.out) as { version: string; runs: SarifRun[] };
  expect(validate(log), ajv.errorsText(validate.errors)).toBe(true);
  expect(log.version).toBe('2.1.0');
  expect(log.runs).toHaveLength(1);
  const run = log.runs[0]!;
  expect(run.tool.driver).toMatchObject({ name: 'lifespec', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  expect(run.invocations[0]!.exitCode).toBe(code);
  // Every result names a rule of the driver, by id and index.
  for (const res of run.results) expect(run.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
  return run;
}

describe('--format sarif: valid SARIF 2.1.0 for check, run and test', () => {
  test('the schema is in force: a log without a tool name or with an unknown level fails it', () => {
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: {} } }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'fatal' }] }] })).toBe(false);
    expect(validate({ version: '2.1.0', runs: [{ tool: { driver: { name: 'x' } }, results: [{ message: { text: 'm' }, level: 'error' }] }] })).toBe(true);
  });

  test('check: a result per diagnostic, rules are the diagnostic codes; a clean spec has none', () => {
    const run = sarif(['check', broken], 1);
    expect(run.results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.region])).toEqual([
      ['invalid-parent', 'error', { startLine: 3, startColumn: 20, endLine: 3, endColumn: 23 }],
      ['unknown-driver', 'error', { startLine: 7, startColumn: 8, endLine: 7, endColumn: 14 }],
    ]);
    expect(run.tool.driver.rules.map((r) => r.id)).toEqual(['invalid-parent', 'unknown-driver']);
    expect(run.tool.driver.rules[0]!.fullDescription.text).toContain('`under` names something');
    expect(run.invocations[0]!.executionSuccessful).toBe(true);
    const ok = sarif(['check', clean], 0);
    expect(ok.results).toEqual([]);
  });

  test('run: a result per violated rule per scenario at the violating step, the trace as one thread flow', () => {
    const run = sarif(['run', mixed], 1);
    expect(run.results.map((r) => [r.ruleId, r.level, r.locations[0]!.physicalLocation.region?.startLine])).toEqual([
      ['model.use_after_free', 'error', mapLine],
      ['model.use_after_free', 'error', mapLine],
      ['deadlock', 'error', abLockB],
    ]);
    expect(run.results[0]!.message.text).toBe('scenario map_after_detach: dma_buf_map_attachment of attachment#10, which has been detached');
    expect(run.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toBe(mixed);
    const flow = run.results[2]!.codeFlows![0]!.threadFlows;
    expect(flow).toHaveLength(1);
    expect(flow[0]!.locations.map((l) => [l.executionOrder, l.properties.thread, l.kinds ?? []])).toEqual([
      [1, 'main', []],
      [2, 't1', []],
      [3, 't1', ['acquire']],
      [4, 't2', []],
      [5, 't2', ['acquire']],
    ]);
    expect(flow[0]!.locations[2]!.location.message.text).toBe('3. [t1] lock acc_drv.a');
    // A model violation is described by its model, lifespec's own rules by lifespec.
    const rules = Object.fromEntries(run.tool.driver.rules.map((r) => [r.id, r.fullDescription.text]));
    expect(Object.keys(rules)).toEqual(['model.use_after_free', 'deadlock']);
    expect(rules['deadlock']).toContain('No scenario thread can move');
    expect(run.invocations[0]!.executionSuccessful).toBe(true);
  });

  test('run: a stdlib rule carries its doc text as fullDescription and help', () => {
    const seed = readFileSync('examples/vfio_mlx5_hotunplug.lspec', 'utf8');
    const unlocked = seed.replace('      lock buf.resv {\n        revoked = true\n        dma_buf_move_notify(buf)\n      }', '      revoked = true\n      dma_buf_move_notify(buf)');
    expect(unlocked).not.toBe(seed);
    const p = join(mkdtempSync(join(tmpdir(), 'lifespec-sarif-')), 'no lock.lspec');
    writeFileSync(p, unlocked);
    const run = sarif(['run', '--scenario', 'hot_unplug', p], 1);
    const rule = run.tool.driver.rules.find((r) => r.id === 'dmabuf.move_notify_locked')!;
    expect(rule.fullDescription.text).toMatch(/^Exporters hold the reservation lock when they call dma_buf_move_notify\(\)/);
    expect(rule.help.text).toBe(rule.fullDescription.text);
    // A path with a space is a URI reference with the space encoded.
    expect(run.results[0]!.locations[0]!.physicalLocation.artifactLocation.uri).toMatch(/\/no%20lock\.lspec$/);
  });

  test('run: check errors are results, nothing explored', () => {
    const run = sarif(['run', broken], 1);
    expect(run.results.map((r) => r.ruleId)).toEqual(['invalid-parent', 'unknown-driver']);
  });

  test('run --max-states 5: an incomplete scenario is a warning that says so, and the execution did not succeed (exit 3)', () => {
    const run = sarif(['run', '--max-states', '5', clean], 3);
    expect(run.results).toHaveLength(1);
    expect(run.results[0]).toMatchObject({ ruleId: 'incomplete', level: 'warning' });
    expect(run.results[0]!.message.text).toBe('scenario map_and_unmap incomplete, no verdict: stopped at the state limit (5 states); raise it with --max-states');
    expect(run.invocations[0]!.executionSuccessful).toBe(false);
    expect(run.invocations[0]!.toolExecutionNotifications![0]!.message.text).toContain('incomplete');
  });

  test('test: results for the mismatches only; an unmet expectation at its expect line', () => {
    const run = sarif(['test', mixed, clean, broken], 1);
    expect(run.results.map((r) => [r.ruleId, r.locations[0]!.physicalLocation.artifactLocation.uri, r.locations[0]!.physicalLocation.region?.startLine])).toEqual([
      ['model.use_after_free', mixed, mapLine],
      ['expect', mixed, expectLine],
      ['deadlock', mixed, abLockB],
      ['invalid-parent', broken, 3],
      ['unknown-driver', broken, 7],
    ]);
    const incomplete = sarif(['test', '--max-states', '5', clean], 3);
    expect(incomplete.results.map((r) => [r.ruleId, r.level])).toEqual([['incomplete', 'warning']]);
    expect(sarif(['test', clean], 0).results).toEqual([]);
  });
});

describe('--format junit', () => {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (name) => ['testsuite', 'testcase'].includes(name) });
  type Case = { classname: string; name: string; failure?: { type: string; message: string; '#text': string }; error?: { type: string; message: string; '#text': string } };
  type Suite = { name: string; tests: string; failures: string; errors: string; testcase: Case[] };

  function junit(argv: string[], code: number): { tests: string; failures: string; errors: string; testsuite: Suite[] } {
    const r = cli(['test', '--format', 'junit', ...argv]);
    expect(r.code).toBe(code);
    expect(r.out.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')).toBe(true);
    return parser.parse(r.out).testsuites;
  }

  test('a testsuite per file, a testcase per scenario; failures start with FILE:LINE:COL: RULE: message and carry the trace', () => {
    const x = junit([mixed, clean, broken], 1);
    expect([x.tests, x.failures, x.errors]).toEqual(['7', '4', '0']);
    expect(x.testsuite.map((s) => [s.name, s.tests, s.failures, s.errors])).toEqual([
      [mixed, '5', '3', '0'],
      [clean, '1', '0', '0'],
      [broken, '1', '1', '0'],
    ]);
    const cases = x.testsuite[0]!.testcase;
    expect(cases.map((c) => [c.classname, c.name, c.failure?.type ?? 'pass'])).toEqual([
      [mixed, 'quiet', 'pass'],
      [mixed, 'map_after_detach', 'model.use_after_free'],
      [mixed, 'fires', 'pass'],
      [mixed, 'fixed_but_expected', 'expect'],
      [mixed, 'abba', 'deadlock'],
    ]);
    const failure = cases[1]!.failure!;
    expect(failure.message).toBe(`${mixed}:${mapLine}:17: ${useAfterFree}`);
    const text = failure['#text'].split('\n');
    expect(text[0]).toBe(failure.message);
    expect(text.at(-1)).toMatch(/^ {4}9 {2}main {4}dma_buf_map_attachment\(attachment#10\) {2}\S+mixed\.lspec:\d+ {2}← here$/);
    expect(cases[3]!.failure!.message).toBe(`${mixed}:${expectLine}:3: expect: scenario fixed_but_expected expected violation model.use_after_free but model.use_after_free not violated in 15 states`);
    const check = x.testsuite[2]!.testcase[0]!;
    expect(check).toMatchObject({ name: 'check', failure: { type: 'check-errors' } });
    expect(check.failure!.message).toBe(`${broken}:3:20: error: \`hb0\` is not a host bridge or switch of the topology (did you mean \`hb\`?) [invalid-parent]`);
  });

  test('incomplete is an error of type incomplete, never a pass (exit 3)', () => {
    const x = junit(['--max-states', '5', clean], 3);
    expect([x.tests, x.failures, x.errors]).toEqual(['1', '0', '1']);
    const c = x.testsuite[0]!.testcase[0]!;
    expect(c.failure).toBeUndefined();
    expect(c.error).toMatchObject({ type: 'incomplete' });
    expect(c.error!.message).toContain('incomplete');
  });
});

describe('lifespec test --format json and the summary', () => {
  test('each file as run --format json gives it, and the summary', () => {
    const r = cli(['test', '--format', 'json', mixed, broken]);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.out);
    expect(json.summary).toEqual({ passed: 2, failed: 4, incomplete: 0 });
    expect(json.files.map((f: { file: string }) => f.file)).toEqual([mixed, broken]);
    expect(json.files[0].scenarios.map((s: { scenario: string; expectMet: boolean }) => [s.scenario, s.expectMet])).toEqual([
      ['quiet', true],
      ['map_after_detach', false],
      ['fires', true],
      ['fixed_but_expected', false],
      ['abba', false],
    ]);
    expect(json.files[0].contract).toEqual({ linux: '7.1', targeted: false });
    expect(json.files[1].diagnostics.map((d: { code: string }) => d.code)).toEqual(['invalid-parent', 'unknown-driver']);
    expect(json.files[1].scenarios).toEqual([]);
  });

  test('a bound reached is incomplete, not failed, in every format; exit 3', () => {
    const text = cli(['test', '--max-states', '5', clean]);
    expect(text.code).toBe(3);
    expect(text.out).toBe(
      `INCOMPLETE ${clean} map_and_unmap (expect ok): no verdict: stopped at the state limit (5 states); raise it with --max-states (${clean}:${lineOf(readFileSync(clean, 'utf8'), 'expect ok')}:3)\n0 passed, 0 failed, 1 incomplete\n`,
    );
    const json = cli(['test', '--format', 'json', '--max-states', '5', clean]);
    expect(json.code).toBe(3);
    expect(JSON.parse(json.out).summary).toEqual({ passed: 0, failed: 0, incomplete: 1 });
    expect(JSON.parse(json.out).files[0].scenarios[0].incomplete.reason).toContain('state limit');
  });

  test('--format names the formats each command has', () => {
    expect(cli(['run', '--format', 'junit', clean])).toEqual({ code: 2, out: '', err: "lifespec: --format must be text, json, sarif or itf, not 'junit'\n" });
    expect(cli(['test', '--format', 'xml', clean]).err).toBe("lifespec: --format must be text, json, sarif or junit, not 'xml'\n");
  });
});

describe('GitHub Actions annotations (GITHUB_ACTIONS=true, text output)', () => {
  test('escaped as GitHub escapes them: %, CR and LF in the message; also : and , in a property', () => {
    expect(escapeData('100% done\r\nnext: a, b')).toBe('100%25 done%0D%0Anext: a, b');
    expect(escapeProperty('dir,1/a:b.lspec%\n')).toBe('dir%2C1/a%3Ab.lspec%25%0A');
  });

  test('run: an ::error line per finding, after its scenario; none without GITHUB_ACTIONS or outside text', () => {
    const r = cli(['run', mixed], { githubActions: true });
    expect(r.code).toBe(1);
    const file = mixed.replace(/:/g, '%3A');
    expect(r.out.split('\n').filter((l) => l.startsWith('::'))).toEqual([
      `::error file=${file},line=${mapLine},col=17,title=model.use_after_free::scenario map_after_detach: dma_buf_map_attachment of attachment#10, which has been detached`,
      `::error file=${file},line=${mapLine},col=17,title=model.use_after_free::scenario fires: dma_buf_map_attachment of attachment#10, which has been detached`,
      `::error file=${file},line=${abLockB},col=17,title=deadlock::scenario abba: no thread can move — main waits for its parallel branches; t1 waits for acc_drv.b held by t2; t2 waits for acc_drv.a held by t1`,
    ]);
    expect(cli(['run', mixed]).out).not.toMatch(/^::/m);
    expect(cli(['run', '--format', 'json', mixed], { githubActions: true }).out).not.toMatch(/^::/m);
  });

  test('test and check: mismatches, incomplete searches (as warnings) and diagnostics', () => {
    const t = cli(['test', mixed], { githubActions: true });
    expect(t.out.split('\n').filter((l) => l.startsWith('::'))).toEqual([
      `::error file=${mixed},line=${mapLine},col=17,title=model.use_after_free::scenario map_after_detach: dma_buf_map_attachment of attachment#10, which has been detached`,
      `::error file=${mixed},line=${expectLine},col=3,title=expect::scenario fixed_but_expected expected violation model.use_after_free but model.use_after_free not violated in 15 states`,
      `::error file=${mixed},line=${abLockB},col=17,title=deadlock::scenario abba: no thread can move — main waits for its parallel branches; t1 waits for acc_drv.b held by t2; t2 waits for acc_drv.a held by t1`,
    ]);
    const inc = cli(['test', '--max-states', '5', clean], { githubActions: true });
    expect(inc.out.split('\n').filter((l) => l.startsWith('::'))).toEqual([
      `::warning file=${clean},line=${lineOf(readFileSync(clean, 'utf8'), 'expect ok')},col=3,title=incomplete::scenario map_and_unmap incomplete, no verdict: stopped at the state limit (5 states); raise it with --max-states`,
    ]);
    const c = cli(['check', broken], { githubActions: true });
    expect(c.code).toBe(1);
    expect(c.out.split('\n').filter((l) => l.startsWith('::'))).toEqual([
      `::error file=${broken},line=3,col=20,endLine=3,endColumn=23,title=invalid-parent::\`hb0\` is not a host bridge or switch of the topology (did you mean \`hb\`?)`,
      `::error file=${broken},line=7,col=8,endLine=7,endColumn=14,title=unknown-driver::unknown driver \`nobody\``,
    ]);
  });
});
