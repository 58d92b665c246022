/**
 * Exploring a checked program: compiles it once, then searches each scenario.
 */
import { compileProgram } from '../interp/compile.js';
import { defaultRegistry, type ModelRegistry } from '../models/registry.js';
import type { Program } from '../semantics/program.js';
import { exploreScenario, type ScenarioResult, type SearchOptions } from './search.js';

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
  const compiled = compileProgram(program, program.spec.uri);
  const registry = options.registry ?? defaultRegistry();
  const chosen = options.scenario === undefined ? compiled.scenarios : compiled.scenarios.filter((s) => s.name === options.scenario);
  if (options.scenario !== undefined && chosen.length === 0) {
    throw new RangeError(`no scenario '${options.scenario}' in ${program.spec.uri}`);
  }
  const scenarios: ScenarioResult[] = [];
  for (const s of chosen) {
    if (options.signal?.aborted) break;
    const r = exploreScenario(compiled, registry, s, options);
    scenarios.push(r);
    options.onScenario?.(r);
  }
  return { scenarios };
}
