// Shared by the behaviour tests: load a fixture, check it cleanly, explore it.
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { check, explore, type ExploreOptions, type ScenarioResult, type ViolationReport } from '../../src/index.js';

export const specsDir = new URL('../fixtures/specs/', import.meta.url).pathname;

/** The text of test/fixtures/specs/NAME. */
export function fixture(name: string): string {
  return readFileSync(`${specsDir}${name}`, 'utf8');
}

/** Checks a spec (it must check cleanly) and explores every scenario, by name. */
export function runSpec(text: string, uri = 'spec.lspec', options: ExploreOptions = {}): Map<string, ScenarioResult> {
  const { program, diagnostics } = check(text, { uri });
  expect(diagnostics.map((d) => `${lineAt(text, d.span.start)}: ${d.message} [${d.code}]`)).toEqual([]);
  return new Map(explore(program, options).scenarios.map((s) => [s.scenario, s]));
}

/** One scenario's result; fails the test when there is no such scenario. */
export function scenario(results: Map<string, ScenarioResult>, name: string): ScenarioResult {
  const r = results.get(name);
  expect(r, `scenario ${name}`).toBeDefined();
  return r!;
}

/** The violated rules, sorted. */
export function rules(r: ScenarioResult): string[] {
  return r.violations.map((v) => v.rule).sort();
}

/** The report of one violated rule; fails the test when it was not violated. */
export function violation(r: ScenarioResult, rule: string): ViolationReport {
  const v = r.violations.find((x) => x.rule === rule);
  expect(v, `${rule} in ${r.scenario} (found: ${rules(r).join(', ') || 'nothing'})`).toBeDefined();
  return v!;
}

/** A scenario that must hold completely, with nothing found. */
export function expectQuiet(r: ScenarioResult): void {
  expect({ scenario: r.scenario, verdict: r.verdict, rules: rules(r), deadlock: r.deadlock?.waiting }).toEqual({
    scenario: r.scenario,
    verdict: 'ok',
    rules: [],
    deadlock: undefined,
  });
  expect(r.complete).toBe(true);
}

/** The 1-based line of a source offset. */
export function lineAt(text: string, offset: number): number {
  return text.slice(0, offset).split('\n').length;
}

/** Two threads taking two mutexes in opposite orders: the classic ABBA deadlock. */
export const abba = `topology {
  host_bridge hb
  device gpu under hb
}
driver d for gpu {
  state { a: mutex  b: mutex }
  action ab() { lock a { lock b { mmio_write(gpu, 1) } } }
  action ba() { lock b { lock a { mmio_write(gpu, 2) } } }
}
scenario abba {
  bind d
  parallel {
    { d.ab() }
    { d.ba() }
  }
  expect deadlock
}
`;
