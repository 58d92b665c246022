/**
 * Exploring a checked program: compiles it once, then searches each scenario.
 */
import { compileProgram } from '../runtime/compile.js';
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { defaultRegistry, type ModelRegistry } from '../models/registry.js';
import type { Program } from '../semantics/program.js';
import type { SearchOptions } from './budget.js';
import { ModelError } from '../models/guard.js';
import { IntOverflow } from '../runtime/pure.js';
import type { Incomplete, ScenarioResult } from './result.js';
import { replayTrace, traceStates, type ItfValue, type RecordedStep, type ReplayResult } from './replay.js';
import { Expander } from './expansion.js';
import { exploreScenarioParallel } from './parallel.js';
import { SearchWorker } from './search-worker.js';
import type { StartPool } from './pool.js';
import { exploreScenario } from './search.js';

export type { ItfValue, RecordedStep, ReplayResult } from './replay.js';

export interface ExploreOptions extends SearchOptions {
  /** Explore only this scenario. */
  readonly scenario?: string;
  /** The models to run against; the built-in ones by default. Pass the registry the program was checked with. */
  readonly registry?: ModelRegistry;
  /** Called as each scenario's search ends. */
  readonly onScenario?: (result: ScenarioResult) => void;
  /**
   * Threads to search with, this one included (default 1). More need
   * `startPool`, which starts the others (the CLI's are worker threads); the
   * result is the same for any number.
   */
  readonly workers?: number;
  readonly startPool?: StartPool;
}

export interface ExploreResult {
  readonly scenarios: ScenarioResult[];
}

export function exploreProgram(program: Program, options: ExploreOptions = {}): ExploreResult {
  const { compiled, registry, chosen } = scenariosToRun(program, options, 'explore()');
  const scenarios: ScenarioResult[] = [];
  for (const s of chosen) {
    const r = options.signal?.aborted ? notExplored(s.name, s.expect) : guarded(() => (options.startPool && (options.workers ?? 1) > 1 ? exploreScenarioParallel(compiled, registry, s, options, { workers: options.workers!, start: options.startPool }) : exploreScenario(compiled, registry, s, options)), (reason) => notExplored(s.name, s.expect, { bound: 'error', reason }), 'search');
    scenarios.push(r);
    options.onScenario?.(r);
  }
  return { scenarios };
}

/**
 * The program compiled against its registry, and the scenarios asked for
 * (`options.scenario`, or all): what every way of running scenarios starts
 * from. `api` names the caller in the embedder's errors.
 */
export function scenariosToRun(program: Program, options: { readonly scenario?: string; readonly registry?: ModelRegistry }, api: string): { compiled: CompiledProgram; registry: ModelRegistry; chosen: readonly ScenarioRt[] } {
  const registry = options.registry ?? defaultRegistry();
  const compiled = compileProgram(program, registry);
  // A registry without a primitive the program calls is the embedder's mistake, not a scenario's.
  for (const body of compiled.bodies) {
    for (const ins of body.code) {
      if (ins.op === 'prim' && !registry.primitive(ins.name)) {
        throw new Error(`the registry given to ${api} has no model that implements primitive ${ins.name}, which ${program.spec.uri} calls: pass the registry check() was given`);
      }
    }
  }
  const chosen = options.scenario === undefined ? compiled.scenarios : compiled.scenarios.filter((s) => s.name === options.scenario);
  if (options.scenario !== undefined && chosen.length === 0) {
    throw new RangeError(`no scenario '${options.scenario}' in ${program.spec.uri}`);
  }
  return { compiled, registry, chosen };
}

/**
 * One scenario's run, where an exception costs this scenario its verdict
 * and no other: a model's (named, see guard.ts) or, should one happen,
 * Lifespec's own. `what` names the run in the reason (`search`, `walk`).
 */
export function guarded(run: () => ScenarioResult, failed: (reason: string) => ScenarioResult, what: string): ScenarioResult {
  try {
    return run();
  } catch (e) {
    const reason =
      e instanceof ModelError
        ? `no verdict: ${e.message}`
        : e instanceof IntOverflow
          ? `no verdict: a state field's initial value: ${e.text}`
        : e instanceof RangeError && /call stack/i.test(e.message)
          ? `no verdict: the ${what} ran out of stack (a spec or model nested too deeply)`
          : `no verdict: internal error in Lifespec (${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}); please report it with the spec`;
    return failed(reason);
  }
}

/**
 * A worker of a parallel search of `scenario` (parallel.ts), for a host that
 * starts its own: built from the same program with the same reductions as
 * the search's, it answers the search's messages. `index` and `count` are
 * its place among the workers; `heap` measures its heap, if the host can.
 */
export function searchWorkerFor(program: Program, scenario: string, options: { readonly reduce?: boolean; readonly exact?: boolean; readonly registry?: ModelRegistry }, index: number, count: number, heap: () => number = () => 0): SearchWorker {
  const { compiled, registry, chosen } = scenariosToRun(program, { scenario, ...(options.registry ? { registry: options.registry } : {}) }, 'searchWorker()');
  return new SearchWorker(new Expander(compiled, registry, chosen[0]!, options), index, count, heap);
}

/** The result of a scenario the search never finished: stopped before it began, or failed. */
function notExplored(name: string, expect: ScenarioRt['expect'], incomplete: Incomplete = { bound: 'stopped', reason: 'not explored: stopped on request' }): ScenarioResult {
  return {
    scenario: name,
    verdict: 'incomplete',
    complete: false,
    states: 0,
    transitions: 0,
    timeMs: 0,
    violations: [],
    incomplete,
    ...(expect ? { expect: { outcome: expect.outcome, rules: expect.rules.map((r) => r.name) } } : {}),
    expectMet: undefined,
    reductions: [],
  };
}

/**
 * Replays a recorded trace (its steps' `thread` and `event`, as the JSON
 * report has them) in scenario `scenario` of a checked program: how far the
 * program still allows it, where it departs, and what the replayed run
 * violates. The program may have changed since the trace was taken.
 */
export function replayProgram(program: Program, scenario: string, steps: readonly RecordedStep[], options: Pick<ExploreOptions, 'registry'> = {}): ReplayResult {
  const found = compiledScenario(program, scenario, options);
  if (!found) throw new RangeError(`no scenario '${scenario}' in ${program.spec.uri}`);
  const { path: _path, ...result } = replayTrace(found.compiled, found.registry, found.scenario, steps);
  return result;
}

/** The program compiled against its models, and one of its scenarios. */
function compiledScenario(program: Program, scenario: string, options: Pick<ExploreOptions, 'registry'>) {
  const registry = options.registry ?? defaultRegistry();
  const compiled = compileProgram(program, registry);
  const s = compiled.scenarios.find((x) => x.name === scenario);
  return s ? { compiled, registry, scenario: s } : undefined;
}

/** The states of a trace of `scenario` (driver state fields after each step, ITF values), by replaying it; undefined when it does not replay. */
export function programTraceStates(program: Program, scenario: string, steps: readonly RecordedStep[], options: Pick<ExploreOptions, 'registry'> = {}): ReturnType<typeof traceStates> {
  const found = compiledScenario(program, scenario, options);
  return found ? traceStates(found.compiled, found.registry, found.scenario, steps) : undefined;
}
