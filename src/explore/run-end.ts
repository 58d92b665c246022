/**
 * How a run ends, as every way of running a scenario judges it (the search,
 * swarm walks): the rules a finished run breaks, the `leads_to` rules a run
 * leaves unanswered, and the end of a run as a trace shows it.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { NO_OBJECTS, type Machine, type StepInfo, type Violation } from '../runtime/machine.js';
import type { Monitor, MonitorContext } from '../runtime/monitor.js';
import type { World } from '../runtime/world.js';

/** The `at end` rules a finished run breaks, and its `leads_to` rules left unanswered. */
export function endOfRun(machine: Machine, monitor: Monitor, w: World): Violation[] {
  const end: Violation[] = [];
  const cx: MonitorContext = { world: w, thread: -1, violate: (rule, message) => end.push({ rule, message }), show: (v) => machine.show(w, v) };
  monitor.finished(cx);
  monitor.unanswered(cx);
  return end;
}

/** The `leads_to` rules a run that ended without finishing (stuck, or stopped by the model) leaves unanswered. */
export function unanswered(machine: Machine, monitor: Monitor, w: World): Violation[] {
  const out: Violation[] = [];
  monitor.unanswered({ world: w, thread: -1, violate: (rule, message) => out.push({ rule, message }), show: (v) => machine.show(w, v) });
  return out;
}

/**
 * The end of a run as a trace shows it: not a step of any thread; in main's
 * lane, with what main still holds. Replay matches it by this text.
 */
export function endStep(machine: Machine, program: CompiledProgram, scenario: ScenarioRt, w: World, last: StepInfo | undefined): StepInfo {
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
