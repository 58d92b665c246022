/** A scenario's verdict from what its search found, and whether it meets the scenario's `expect` line. */
import type { ScenarioRt } from '../runtime/compiled.js';
import type { Simulation, ScenarioResult, Verdict } from './result.js';

/** What a search found, before the verdict and the expectation are judged. */
export type Findings = Pick<ScenarioResult, 'states' | 'transitions' | 'timeMs' | 'violations' | 'deadlock' | 'incomplete' | 'reductions' | 'simulation' | 'fingerprints'>;

/** `100 runs of depth 50 (seed 7)`, `200 runs of depth 50 (seeds 7, 8)`, `the walk of seed 123 (depth 50)`. */
export function simulationText(s: Simulation): string {
  if (s.walk !== undefined) return `the walk of seed ${s.walk} (depth ${s.depth})`;
  const seeds = s.seeds.length === 1 ? `seed ${s.seeds[0]}` : `seeds ${s.seeds.join(', ')}`;
  return `${s.runs.toLocaleString('en-US')} run${s.runs === 1 ? '' : 's'} of depth ${s.depth} (${seeds})`;
}

/**
 * Why a swarm run has no complete verdict: nothing found is "no violation
 * in R runs", never "holds"; something found is real, and the runs not
 * taken may hold more.
 */
export function simulationIncomplete(s: Simulation, found: boolean) {
  return { bound: 'simulation' as const, reason: found ? `random walks: ${simulationText(s)}; runs not taken may break other rules` : `no violation in ${simulationText(s)}` };
}

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
    ...(f.simulation ? { simulation: f.simulation } : {}),
    ...(f.fingerprints ? { fingerprints: f.fingerprints } : {}),
  };
}
