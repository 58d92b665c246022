/**
 * Swarm mode: random walks instead of the exhaustive search, for specs whose
 * state space is too big to explore. Each walk starts at the scenario's
 * initial state and takes, at each step, one of the successors the search
 * would see, chosen uniformly with a seeded generator (prng.ts), so the same
 * seed takes the same walks on every host. The reductions are off: a
 * walk's every step is a real kernel step, and what it finds is reported as
 * the search reports it (the same rules, traces with calls and changes), so
 * `lifespec replay` re-runs it. A walk looks at some runs, never all: its
 * result is never `ok` (simulationIncomplete).
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { initialWorld } from '../runtime/initial.js';
import { Machine, type StepInfo, type Violation } from '../runtime/machine.js';
import { Monitor } from '../runtime/monitor.js';
import type { Natives } from '../runtime/natives.js';
import type { World } from '../runtime/world.js';
import type { ModelRegistry } from '../models/registry.js';
import type { Program } from '../semantics/program.js';
import { Budget, type SearchOptions } from './budget.js';
import { guarded, scenariosToRun } from './explore.js';
import { ORDERED, worldKey } from './key.js';
import { Prng, walkSeed } from './prng.js';
import { detailTrace } from './replay.js';
import { endOfRun, endStep, unanswered } from './run-end.js';
import type { Incomplete, ScenarioResult, Simulation, TraceStep } from './result.js';
import { Successors } from './successors.js';
import { Paths } from './trace.js';
import { scenarioResult, simulationIncomplete } from './verdict.js';

export interface SimulateOptions extends Pick<SearchOptions, 'timeoutMs' | 'onProgress' | 'progressIntervalMs' | 'signal' | 'now'> {
  /** The seed the walks' seeds are derived from: an integer from 0 to 2^32 - 1. */
  readonly seed: number;
  /** Walks per scenario. */
  readonly runs: number;
  /** The most steps a walk takes. */
  readonly depth: number;
  /** Take only the walk of this seed (a `simulation.walks` entry's), once: to see again what it found. */
  readonly walkSeed?: number;
  /** Simulate only this scenario. */
  readonly scenario?: string;
  /** The models to run against; the built-in ones by default. */
  readonly registry?: ModelRegistry;
  /** Called as each scenario's walks end. */
  readonly onScenario?: (result: ScenarioResult) => void;
}

/** A finding of a walk: the shortest trace over every walk, and the walk it came from. */
interface Found {
  readonly message: string;
  readonly trace: TraceStep[];
  readonly seed: number;
  readonly order: number;
}

/** Random walks in one scenario; what they found, as a search's result with `simulation` set. */
export function simulateScenario(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, options: SimulateOptions): ScenarioResult {
  const monitor = new Monitor(program, natives);
  const machine = new Machine(program, natives, monitor);
  const w0 = initialWorld(program, natives, scenario, monitor);
  // Without the partial-order reduction the key is never asked for; a key is passed because Successors wants one.
  const succ = new Successors(machine, program, ORDERED, (w) => worldKey(w, w0.objects.length, ORDERED, w0.objects), undefined, false);
  const runs = options.walkSeed === undefined ? options.runs : 1;
  let run = 0;
  const onProgress = options.onProgress;
  // A walk holds no states: only time and the stop signal bound it.
  const budget = new Budget(
    {
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.signal ? { signal: options.signal } : {}),
      ...(options.now ? { now: options.now } : {}),
      ...(options.progressIntervalMs !== undefined ? { progressIntervalMs: options.progressIntervalMs } : {}),
      ...(onProgress ? { onProgress: (p) => onProgress({ ...p, runs: { done: run, of: runs } }) } : {}),
      maxStates: Infinity,
    },
    scenario.name,
  );
  let states = 0;
  let transitions = 0;
  let order = 0;
  const found = new Map<string, Found>();
  let deadlock: { found: Found; waiting: { thread: string; on: string }[] } | undefined;
  let incomplete: Incomplete | undefined;

  walks: for (; run < runs; run++) {
    const seed = options.walkSeed ?? walkSeed(options.seed, run);
    const prng = new Prng(seed);
    const paths = new Paths();
    let id = 0;
    let w = w0;
    const record = (violations: readonly Violation[], world: World, last: StepInfo | undefined) => {
      for (const v of violations) {
        const trace = paths.trace(machine, id, world, last);
        const f = found.get(v.rule);
        if (!f || trace.length < f.trace.length) found.set(v.rule, { message: v.message, trace, seed, order: f?.order ?? order++ });
      }
    };
    for (let step = 0; ; step++) {
      states++;
      incomplete = budget.exceeded(states, transitions);
      if (incomplete) break walks;
      if (w.halted) {
        record(unanswered(machine, monitor, w), w, undefined);
        break;
      }
      const expansion = succ.expand(w, () => false);
      const allDone = w.threads.every((th) => th.done);
      if (!expansion.moved && !allDone) {
        const trace = paths.trace(machine, id, w);
        if (!deadlock || trace.length < deadlock.found.trace.length) {
          const waiting = w.threads.flatMap((th, i) => (th.done ? [] : [{ thread: th.label, on: machine.blockedOn(w, i) }]));
          deadlock = { found: { message: '', trace, seed, order: 0 }, waiting };
        }
        record(unanswered(machine, monitor, w), w, undefined);
      }
      if (allDone) record(endOfRun(machine, monitor, w), w, endStep(machine, program, scenario, w, paths.stepTo(id)));
      if (step >= options.depth) break;
      // Every successor, so that each is equally likely: a choice of many options is many successors, as the search sees them.
      const next = [...expansion.successors];
      transitions += next.length;
      if (next.length === 0) break;
      const { r } = next[prng.below(next.length)]!;
      if (r.bound) {
        incomplete = { bound: 'spec', reason: r.bound.message, uri: r.bound.uri, offset: r.bound.at };
        break walks;
      }
      // The violating step ends its trace, after the state it was taken from.
      record(r.violations, r.world, r.info);
      id = paths.add(id, r.info);
      w = r.world;
    }
  }

  const ordered = [...found].sort(([, a], [, b]) => a.trace.length - b.trace.length || a.order - b.order);
  const simulation: Simulation = {
    seeds: options.walkSeed === undefined ? [options.seed] : [],
    runs: Math.min(runs, run + (incomplete ? 1 : 0)),
    depth: options.depth,
    ...(options.walkSeed !== undefined ? { walk: options.walkSeed } : {}),
    walks: [...ordered.map(([rule, f]) => ({ rule, seed: f.seed })), ...(deadlock ? [{ rule: 'deadlock', seed: deadlock.found.seed }] : [])],
  };
  return scenarioResult(scenario, {
    states,
    transitions,
    // No wall-clock time: a swarm result is a function of the spec, the seed and the options alone.
    timeMs: 0,
    violations: ordered.map(([rule, f]) => ({ rule, message: f.message, trace: detailTrace(program, natives, scenario, f.trace) })),
    ...(deadlock ? { deadlock: { trace: detailTrace(program, natives, scenario, deadlock.found.trace), waiting: deadlock.waiting } } : {}),
    incomplete: incomplete ?? simulationIncomplete(simulation, found.size > 0 || deadlock !== undefined),
    reductions: [],
    simulation,
  });
}

/** Swarm mode over a checked program: each scenario (or `options.scenario`) walked `runs` times. */
export function simulateProgram(program: Program, options: SimulateOptions): { scenarios: ScenarioResult[] } {
  const { compiled, registry, chosen } = scenariosToRun(program, options, 'simulate()');
  const scenarios: ScenarioResult[] = [];
  for (const s of chosen) {
    const r = options.signal?.aborted
      ? failed(s, options, { bound: 'stopped', reason: 'not explored: stopped on request' })
      : guarded(() => simulateScenario(compiled, registry, s, options), (reason) => failed(s, options, { bound: 'error', reason }), 'walk');
    scenarios.push(r);
    options.onScenario?.(r);
  }
  return { scenarios };
}

function failed(s: ScenarioRt, options: SimulateOptions, incomplete: Incomplete): ScenarioResult {
  const simulation: Simulation = { seeds: options.walkSeed === undefined ? [options.seed] : [], runs: 0, depth: options.depth, ...(options.walkSeed !== undefined ? { walk: options.walkSeed } : {}), walks: [] };
  return scenarioResult(s, { states: 0, transitions: 0, timeMs: 0, violations: [], incomplete, reductions: [], simulation });
}
