/**
 * Exploring a checked program: compiles it once, then searches each scenario.
 */
import { compileProgram } from '../runtime/compile.js';
import type { ScenarioRt } from '../runtime/compiled.js';
import { defaultRegistry, type ModelRegistry } from '../models/registry.js';
import type { Program } from '../semantics/program.js';
import type { SearchOptions } from './budget.js';
import type { ScenarioResult } from './result.js';
import { exploreScenario } from './search.js';

export interface ExploreOptions extends SearchOptions {
  /** Explore only this scenario. */
  readonly scenario?: string;
  /** The models to run against; the built-in ones by default. Pass the registry the program was checked with. */
  readonly registry?: ModelRegistry;
  /** Called as each scenario's search ends. */
  readonly onScenario?: (result: ScenarioResult) => void;
}

export interface ExploreResult {
  readonly scenarios: ScenarioResult[];
}

export function exploreProgram(program: Program, options: ExploreOptions = {}): ExploreResult {
  const registry = options.registry ?? defaultRegistry();
  const compiled = compileProgram(program, registry);
  const chosen = options.scenario === undefined ? compiled.scenarios : compiled.scenarios.filter((s) => s.name === options.scenario);
  if (options.scenario !== undefined && chosen.length === 0) {
    throw new RangeError(`no scenario '${options.scenario}' in ${program.spec.uri}`);
  }
  const scenarios: ScenarioResult[] = [];
  for (const s of chosen) {
    const r = options.signal?.aborted ? notExplored(s.name, s.expect) : exploreScenario(compiled, registry, s, options);
    scenarios.push(r);
    options.onScenario?.(r);
  }
  return { scenarios };
}

/** The result of a scenario the search never reached because it was stopped. */
function notExplored(name: string, expect: ScenarioRt['expect']): ScenarioResult {
  return {
    scenario: name,
    verdict: 'incomplete',
    complete: false,
    states: 0,
    transitions: 0,
    timeMs: 0,
    violations: [],
    incomplete: { bound: 'stopped', reason: 'not explored: stopped on request' },
    ...(expect ? { expect: { outcome: expect.outcome, rules: expect.rules.map((r) => r.name) } } : {}),
    expectMet: undefined,
    reductions: [],
  };
}
