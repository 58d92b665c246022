/** A scenario's verdict from what its search found, and whether it meets the scenario's `expect` line. */
import type { ScenarioRt } from '../runtime/compiled.js';
import type { ScenarioResult, Verdict } from './result.js';

/** What a search found, before the verdict and the expectation are judged. */
export type Findings = Pick<ScenarioResult, 'states' | 'transitions' | 'timeMs' | 'violations' | 'deadlock' | 'incomplete' | 'reductions'>;

export function scenarioResult(scenario: ScenarioRt, f: Findings): ScenarioResult {
  const complete = f.incomplete === undefined;
  const verdict: Verdict = f.violations.length > 0 ? 'violated' : f.deadlock ? 'deadlock' : complete ? 'ok' : 'incomplete';
  const expectLine = scenario.expect;
  const expect = expectLine ? { outcome: expectLine.outcome, rules: expectLine.rules.map((r) => r.name) } : undefined;
  const foundRules = new Set(f.violations.map((v) => v.rule));
  let expectMet: boolean | undefined;
  switch (expect?.outcome ?? 'ok') {
    case 'ok':
      expectMet = f.violations.length > 0 || f.deadlock ? false : complete ? true : undefined;
      break;
    case 'violation':
      expectMet = expect!.rules.every((r) => foundRules.has(r)) ? true : complete ? false : undefined;
      break;
    case 'deadlock':
      expectMet = f.deadlock ? true : complete ? false : undefined;
      break;
  }
  return {
    scenario: scenario.name,
    verdict,
    complete,
    states: f.states,
    transitions: f.transitions,
    timeMs: f.timeMs,
    violations: f.violations,
    ...(f.deadlock ? { deadlock: f.deadlock } : {}),
    ...(f.incomplete ? { incomplete: f.incomplete } : {}),
    ...(expect ? { expect } : {}),
    expectMet,
    reductions: f.reductions,
  };
}
