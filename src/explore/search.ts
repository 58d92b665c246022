/**
 * The explorer: breadth-first search over every interleaving of a scenario's
 * threads, its `choose` branches, its fault branches, and the DMA of armed
 * hardware, with visited-state deduplication. Breadth-first, so the first
 * trace found for a rule is a shortest one. A run records every rule it
 * breaks and goes on (LANGUAGE.md §4); it stops only where the model cannot.
 * The search owns the frontier, the visited set, the reductions, the
 * budgets and the traces; stepping is the run-time's.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { initialWorld } from '../runtime/initial.js';
import { Machine, NO_OBJECTS, type StepInfo, type Violation } from '../runtime/machine.js';
import { Monitor, type MonitorContext } from '../runtime/monitor.js';
import type { Natives } from '../runtime/natives.js';
import type { World } from '../runtime/world.js';
import { Budget, type SearchOptions } from './budget.js';
import { keyLayout, worldKey } from './key.js';
import type { Incomplete, ScenarioResult } from './result.js';
import { Successors } from './successors.js';
import { symmetricKey } from './symmetry/canonical.js';
import { detectSymmetry } from './symmetry/detect.js';
import { Paths } from './trace.js';
import { scenarioResult } from './verdict.js';

/** A finding keeps the world its trace ends in: it names every object the trace's steps refer to. */
interface Found {
  readonly message: string;
  readonly state: number;
  readonly step: StepInfo;
  readonly world: World;
}

/** Explores one scenario completely (or up to a bound). */
export function exploreScenario(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, options: SearchOptions = {}): ScenarioResult {
  const budget = new Budget(options, scenario.name);
  const monitor = new Monitor(program, natives);
  const machine = new Machine(program, natives, monitor);

  const w0 = initialWorld(program, natives, scenario, monitor);
  const fixed = w0.objects.length;
  const layout = keyLayout(natives);
  // Interchangeable drivers (symmetry) are merged unless reductions are off.
  const symmetry = options.reduce === false ? undefined : detectSymmetry(program, scenario, w0, layout);
  const keyOf = symmetry ? (w: World) => symmetricKey(w, program, symmetry, layout) : (w: World) => worldKey(w, fixed, layout, w0.objects);
  const successors = new Successors(machine, program, layout, keyOf, symmetry, options.reduce !== false);

  const visited = new Map<string, number>([[keyOf(w0), 0]]);
  const isVisited = (key: string) => visited.has(key);
  const paths = new Paths();
  let queue: World[] = [w0];
  let queueIds: number[] = [0];
  let transitions = 0;
  const found = new Map<string, Found>();
  let deadlock: { state: number; world: World; waiting: { thread: string; on: string }[] } | undefined;
  let incomplete: Incomplete | undefined;
  const record = (violations: readonly Violation[], state: number, step: StepInfo, world: World) => {
    for (const v of violations) if (!found.has(v.rule)) found.set(v.rule, { message: v.message, state, step, world });
  };

  search: while (queue.length > 0) {
    const nextQueue: World[] = [];
    const nextIds: number[] = [];
    for (let qi = 0; qi < queue.length; qi++) {
      const w = queue[qi]!;
      const id = queueIds[qi]!;
      incomplete = budget.exceeded(visited.size, transitions);
      if (incomplete) break search;
      if (w.halted) continue;

      const { outcomes, ampleKey, moved } = successors.expand(w, isVisited);
      const allDone = w.threads.every((th) => th.done);
      if (!moved && !allDone && !deadlock) {
        const waiting = w.threads.flatMap((th, i) => (th.done ? [] : [{ thread: th.label, on: machine.blockedOn(w, i) }]));
        deadlock = { state: id, world: w, waiting };
      }
      if (allDone) record(endOfRun(machine, monitor, w), id, endStep(machine, program, scenario, w, paths.stepTo(id)), w);

      for (const r of outcomes) {
        transitions++;
        if (r.bound) {
          incomplete = { bound: 'spec', reason: r.bound.message, uri: r.bound.uri, offset: r.bound.at };
          break search;
        }
        record(r.violations, id, r.info, r.world);
        // A hardware step leads back to this state.
        if (r.world === w) continue;
        const key = ampleKey ?? keyOf(r.world);
        if (visited.has(key)) continue;
        budget.addState(key.length);
        visited.set(key, paths.add(id, r.info));
        nextQueue.push(r.world);
        nextIds.push(visited.get(key)!);
      }
    }
    queue = nextQueue;
    queueIds = nextIds;
  }

  const reductions = symmetry ? symmetry.classes.map((c) => `symmetry: ${c.members.map((m) => m.name).join(', ')}`) : [];
  const local = successors.localSteps;
  if (local > 0) reductions.push(`partial order: ${local.toLocaleString('en-US')} local ${local === 1 ? 'step' : 'steps'} taken alone`);
  return scenarioResult(scenario, {
    states: visited.size,
    transitions,
    timeMs: budget.elapsed(),
    violations: [...found].map(([rule, f]) => ({ rule, message: f.message, trace: paths.trace(machine, f.state, f.world, f.step) })),
    ...(deadlock ? { deadlock: { trace: paths.trace(machine, deadlock.state, deadlock.world), waiting: deadlock.waiting } } : {}),
    ...(incomplete ? { incomplete } : {}),
    reductions,
  });
}

/** The `at end` rules a finished run breaks. */
function endOfRun(machine: Machine, monitor: Monitor, w: World): Violation[] {
  const end: Violation[] = [];
  const cx: MonitorContext = { world: w, thread: -1, violate: (rule, message) => end.push({ rule, message }), show: (v) => machine.show(w, v) };
  monitor.finished(cx);
  return end;
}

/** The end of a run as a trace shows it: not a step of any thread; in main's lane, with what main still holds. */
function endStep(machine: Machine, program: CompiledProgram, scenario: ScenarioRt, w: World, last: StepInfo | undefined): StepInfo {
  return {
    thread: 'main',
    text: 'the scenario ends',
    uri: last?.uri ?? program.bodies[scenario.main]!.uri,
    at: scenario.decl.span.end - 1,
    locks: machine.locksHeld(w, 0),
    created: NO_OBJECTS,
    ended: NO_OBJECTS,
    local: false,
  };
}
