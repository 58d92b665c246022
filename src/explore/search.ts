/**
 * The explorer: a search by trace length over every interleaving of a
 * scenario's threads, its `choose` branches, its fault branches, and the DMA
 * of armed hardware, with visited-state deduplication, keeping a shortest
 * trace for each rule. A run records every rule it
 * breaks and goes on (LANGUAGE.md §4); it stops only where the model cannot.
 * The search owns the frontier, the visited set, the reductions, the
 * budgets and the traces; stepping is the run-time's.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import { initialWorld } from '../runtime/initial.js';
import { Machine, type StepInfo, type Violation } from '../runtime/machine.js';
import { Monitor } from '../runtime/monitor.js';
import type { Natives } from '../runtime/natives.js';
import type { World } from '../runtime/world.js';
import { Budget, type SearchOptions } from './budget.js';
import { keyLayout, StateKeys } from './key.js';
import type { Incomplete, ScenarioResult } from './result.js';
import { owed, Successors } from './successors.js';
import { symmetricKey } from './symmetry/canonical.js';
import { detectSymmetry } from './symmetry/detect.js';
import { detailTrace } from './replay.js';
import { flowNames } from './deadfields.js';
import { endOfRun, endStep, unanswered } from './run-end.js';
import { Paths } from './trace.js';
import { collisionProbability, ExactSet, FingerprintSet } from './visited.js';
import { scenarioResult } from './verdict.js';

/** A finding keeps the world its trace ends in: it names every object the trace's steps refer to. */
interface Found {
  readonly message: string;
  readonly state: number;
  /** The violating step, appended to the path; none for a finding at a state (a run that ended with a `leads_to` unanswered). */
  readonly step: StepInfo | undefined;
  readonly world: World;
  /** The trace's length: what the search minimises. */
  readonly length: number;
  /** When it was found, to list equally short findings in the order the search met them. */
  readonly order: number;
}

/**
 * States waiting to be expanded, by the length of the shortest trace known to
 * reach them (buckets of small integers: a step costs 0, 1, or 1 plus what
 * its thread owes). An entry whose state has since been reached by a shorter
 * path is stale and skipped.
 */
class Frontier {
  private readonly buckets: { w: World; id: number }[][] = [];
  /** Each bucket's next entry: taking from the front by index, as `shift` on a long array costs its length. */
  private readonly heads: number[] = [];
  private at = 0;
  size = 0;

  push(cost: number, w: World, id: number): void {
    (this.buckets[cost] ??= []).push({ w, id });
    this.heads[cost] ??= 0;
    if (cost < this.at) this.at = cost;
    this.size++;
  }

  /** The entry with the lowest cost, and that cost; undefined when empty. Within a cost, first in, first out. */
  pop(): { w: World; id: number; cost: number } | undefined {
    while (this.at < this.buckets.length) {
      const b = this.buckets[this.at];
      if (b && this.heads[this.at]! < b.length) {
        this.size--;
        const h = this.heads[this.at]!;
        const e = b[h]!;
        // The world is let go as soon as it is taken; a drained bucket is emptied whole.
        (b as unknown[])[h] = undefined;
        if (h + 1 === b.length) {
          this.buckets[this.at] = [];
          this.heads[this.at] = 0;
        } else this.heads[this.at] = h + 1;
        return { ...e, cost: this.at };
      }
      this.at++;
    }
    return undefined;
  }
}

/**
 * Explores one scenario completely (or up to a bound).
 *
 * The search is breadth-first by trace length, where the length is counted
 * as the reported trace counts it: a local step that the partial-order
 * reduction takes early costs nothing until its thread acts again (a trace
 * keeps it only then, see `pruneLocal`), so a step costs 1 plus its thread's
 * owed local steps. With 0-cost steps the frontier is a bucket queue
 * (Dijkstra's algorithm on small integer costs), and a state reached again
 * by a shorter path gets that path. Each rule keeps its shortest trace found
 * in the whole search, so the traces are shortest over every run with the
 * reductions and without them.
 */
export function exploreScenario(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, options: SearchOptions = {}): ScenarioResult {
  const budget = new Budget(options, scenario.name);
  const monitor = new Monitor(program, natives);
  const machine = new Machine(program, natives, monitor);

  const w0 = initialWorld(program, natives, scenario, monitor);
  const fixed = w0.objects.length;
  // Fields no code reads are left out of the keys (the dead-field reduction), unless reductions are off.
  const layout = keyLayout(natives, options.reduce === false ? undefined : program);
  // Interchangeable drivers (symmetry) are merged unless reductions are off.
  // A primitive whose objects the symmetry proofs do not cover (a device's fence) keeps its spec unmerged.
  const unmerged = program.bodies.some((b) => b.code.some((i) => i.op === 'prim' && natives.primitive(i.name)?.unmerged === true));
  const symmetry = options.reduce === false || unmerged ? undefined : detectSymmetry(program, scenario, w0, layout);
  // One key writer for the search; a fingerprint of each key unless whole keys are asked for.
  const keys = new StateKeys();
  const write = options.exact ? keys.exact.bind(keys) : keys.fingerprint.bind(keys);
  const keyOf = symmetry ? (w: World) => symmetricKey(w, program, symmetry, layout, write) : (w: World) => write(w, fixed, layout, w0.objects);
  const successors = new Successors(machine, program, layout, keyOf, symmetry, options.reduce !== false);

  const visited = options.exact ? new ExactSet() : new FingerprintSet();
  visited.add(keyOf(w0), 0);
  const isVisited = (key: string) => visited.get(key) !== undefined;
  const paths = new Paths();
  /** The cost of the shortest path known to each state. */
  const best: number[] = [0];
  const frontier = new Frontier();
  frontier.push(0, w0, 0);
  let transitions = 0;
  let findings = 0;
  const found = new Map<string, Found>();
  let deadlock: { state: number; world: World; waiting: { thread: string; on: string }[]; length: number } | undefined;
  let incomplete: Incomplete | undefined;
  const record = (violations: readonly Violation[], state: number, step: StepInfo | undefined, world: World, length: number) => {
    for (const v of violations) {
      const f = found.get(v.rule);
      if (!f || length < f.length) found.set(v.rule, { message: v.message, state, step, world, length, order: f?.order ?? findings++ });
    }
  };
  const owedAll = (w: World) => w.threads.reduce((n, _, t) => n + owed(w, t), 0);

  search: for (let e = frontier.pop(); e; e = frontier.pop()) {
    const { w, id, cost } = e;
    if (cost !== best[id]) continue;
    incomplete = budget.exceeded(visited.size, transitions, frontier.size);
    if (incomplete) break;
    if (w.halted) {
      // A run the model stopped has ended: what it left unanswered is a finding too (its trace keeps every step).
      record(unanswered(machine, monitor, w), id, undefined, w, cost + owedAll(w));
      continue;
    }

    const { successors: next, ampleKey, moved } = successors.expand(w, isVisited);
    const allDone = w.threads.every((th) => th.done);
    if (!moved && !allDone) {
      // A deadlock's trace keeps every step, owed ones included.
      const length = cost + owedAll(w);
      if (!deadlock || length < deadlock.length) {
        const waiting = w.threads.flatMap((th, i) => (th.done ? [] : [{ thread: th.label, on: machine.blockedOn(w, i) }]));
        deadlock = { state: id, world: w, waiting, length };
      }
      record(unanswered(machine, monitor, w), id, undefined, w, length);
    }
    if (allDone) record(endOfRun(machine, monitor, w), id, endStep(machine, program, scenario, w, paths.stepTo(id)), w, cost + 1 + owed(w, 0));

    for (const { r, thread } of next) {
      transitions++;
      if (r.bound) {
        incomplete = { bound: 'spec', reason: r.bound.message, uri: r.bound.uri, offset: r.bound.at };
        break search;
      }
      // The violating step ends its trace, which then keeps its thread's owed steps.
      const charged = thread < 0 ? 1 : 1 + owed(w, thread);
      record(r.violations, id, r.info, r.world, cost + charged);
      // A hardware step leads back to this state.
      if (r.world !== w) {
        const c = cost + (thread >= 0 && r.info.local ? 0 : charged);
        const key = ampleKey ?? keyOf(r.world);
        const known = visited.get(key);
        if (known === undefined) {
          budget.addState(visited.bits === 0 ? key.length * 2 + 48 : 24);
          const nid = paths.add(id, r.info);
          visited.add(key, nid);
          best[nid] = c;
          frontier.push(c, r.world, nid);
        } else if (c < best[known]!) {
          paths.reach(known, id, r.info);
          best[known] = c;
          frontier.push(c, r.world, known);
        }
      }
      incomplete = budget.exceeded(visited.size, transitions, frontier.size);
      if (incomplete) break search;
    }
  }

  const reductions = layout.dead ? [`dead fields: ${layout.dead.names.join(', ')}`] : [];
  const flowDead = layout.flow ? flowNames(program, layout.flow, w0) : [];
  if (flowDead.length > 0) reductions.push(`fields dead after their last read: ${flowDead.join(', ')}`);
  if (symmetry) for (const c of symmetry.classes) reductions.push(`symmetry: ${c.members.map((m) => m.name).join(', ')}`);
  const local = successors.localSteps;
  if (local > 0) reductions.push(`partial order: ${local.toLocaleString('en-US')} local ${local === 1 ? 'step' : 'steps'} taken alone`);
  const ordered = [...found].sort(([, a], [, b]) => a.length - b.length || a.order - b.order);
  return scenarioResult(scenario, {
    states: visited.size,
    transitions,
    timeMs: budget.elapsed(),
    // Each reported trace is replayed once, for the calls and changes its steps show (the search records neither).
    violations: ordered.map(([rule, f]) => ({ rule, message: f.message, trace: detailTrace(program, natives, scenario, paths.trace(machine, f.state, f.world, f.step)) })),
    ...(deadlock ? { deadlock: { trace: detailTrace(program, natives, scenario, paths.trace(machine, deadlock.state, deadlock.world)), waiting: deadlock.waiting } } : {}),
    ...(incomplete ? { incomplete } : {}),
    reductions,
    // Each successor looked up is a chance of a false match: TLC's count of generated states.
    ...(visited.bits > 0 ? { fingerprints: { bits: visited.bits, collisionProbability: collisionProbability(visited.size, transitions, visited.bits) } } : {}),
  });
}
