/**
 * The explorer: a search by trace length over every interleaving of a
 * scenario's threads, its `choose` branches, its fault branches, and the DMA
 * of armed hardware, with visited-state deduplication, keeping a shortest
 * trace for each rule. A run records every rule it
 * breaks and goes on (LANGUAGE.md §4); it stops only where the model cannot.
 * The search owns the frontier, the visited set, the reductions, the
 * budgets and the traces; stepping is the run-time's, and expanding a state
 * (expansion.ts) may happen in another thread (parallel.ts): the search
 * takes every decision here, in one order, so the result is the same.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import type { StepInfo, Violation } from '../runtime/machine.js';
import type { Natives } from '../runtime/natives.js';
import type { World } from '../runtime/world.js';
import { Budget, type SearchOptions } from './budget.js';
import { Expander, type StateRecord } from './expansion.js';
import type { Incomplete, ScenarioResult } from './result.js';
import { detailTrace } from './replay.js';
import { flowNames } from './deadfields.js';
import { endStep } from './run-end.js';
import { Paths, traceSteps } from './trace.js';
import { collisionProbability, ExactSet, FingerprintSet, type VisitedSet } from './visited.js';
import { scenarioResult } from './verdict.js';

/** A finding keeps the world its trace ends in: it names every object the trace's steps refer to. */
interface Found<W, I> {
  readonly message: string;
  readonly state: number;
  /** The violating step, appended to the path; `end` for the end of the run; none for a finding at a state (a run that ended with a `leads_to` unanswered). */
  readonly step: I | 'end' | undefined;
  readonly world: W;
  /** The trace's length: what the search minimises. */
  readonly length: number;
  /** When it was found, to list equally short findings in the order the search met them. */
  readonly order: number;
}

/** A state to expand: its world (`W`: the world, or where it is held), its id and the length of the shortest trace to it. */
export interface Entry<W> {
  readonly w: W;
  readonly id: number;
  readonly cost: number;
}

/**
 * States waiting to be expanded, by the length of the shortest trace known to
 * reach them (buckets of small integers: a step costs 0, 1, or 1 plus what
 * its thread owes). An entry whose state has since been reached by a shorter
 * path is stale and skipped.
 */
export class Frontier<W> {
  private readonly buckets: ({ w: W; id: number } | undefined)[][] = [];
  /** Each bucket's next entry: taking from the front by index, as `shift` on a long array costs its length. */
  private readonly heads: number[] = [];
  private at = 0;
  size = 0;

  push(cost: number, w: W, id: number): void {
    (this.buckets[cost] ??= []).push({ w, id });
    this.heads[cost] ??= 0;
    if (cost < this.at) this.at = cost;
    this.size++;
  }

  /** The entry with the lowest cost, and that cost; undefined when empty. Within a cost, first in, first out. */
  pop(): Entry<W> | undefined {
    while (this.at < this.buckets.length) {
      const b = this.buckets[this.at];
      if (b && this.heads[this.at]! < b.length) {
        this.size--;
        const h = this.heads[this.at]!;
        const e = b[h]!;
        if (h < (this.scanned[this.at] ?? 0)) this.scannedAhead--;
        // The world is let go as soon as it is taken; a drained bucket is emptied whole.
        b[h] = undefined;
        if (h + 1 === b.length) {
          this.buckets[this.at] = [];
          this.heads[this.at] = 0;
          this.scanned[this.at] = 0;
        } else this.heads[this.at] = h + 1;
        return { w: e.w, id: e.id, cost: this.at };
      }
      this.at++;
    }
    return undefined;
  }

  /** Each bucket's next entry `scan` has not visited. */
  private readonly scanned: number[] = [];
  /** Entries `scan` has visited and `pop` has not taken yet. */
  scannedAhead = 0;

  /**
   * Visits the entries `scan` has not visited yet, in the order `pop` takes
   * them, over the lowest bucket and the `depth - 1` after it: what a
   * parallel search sends ahead. `visit` may put another world in an
   * entry's place (`replace`); it returns false to stop, and that entry is
   * visited again next time. Entries pushed later to a bucket already
   * scanned are visited next time too.
   */
  scan(depth: number, visit: (e: Entry<W>, replace: (w: W) => void) => boolean): void {
    for (let c = this.at; c < Math.min(this.buckets.length, this.at + depth); c++) {
      const b = this.buckets[c];
      if (!b) continue;
      let i = Math.max(this.heads[c]!, this.scanned[c] ?? 0);
      for (; i < b.length; i++) {
        const e = b[i]!;
        if (!visit({ w: e.w, id: e.id, cost: c }, (w) => (b[i] = { w, id: e.id }))) break;
        this.scannedAhead++;
      }
      this.scanned[c] = i;
      if (i < b.length) return;
    }
  }
}

/** What a search keeps of the worlds and steps it no longer needs, for a search whose worlds are held elsewhere. */
export interface SearchHooks<W, I> {
  /** A successor was weighed: its world and step are still needed if it became a state (`state`: a frontier entry, a path's step) or a finding's trace ends with it (`found`). */
  settled?(world: W | undefined, info: I, state: boolean, found: boolean): void;
  /** An entry was expanded or skipped: its world is still needed if a finding keeps it. */
  expanded?(world: W, kept: boolean): void;
}

/**
 * The search's decisions, whoever expands the states.
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
export class Search<W, I> {
  readonly budget: Budget;
  readonly visited: VisitedSet;
  readonly paths = new Paths<I>();
  /** The cost of the shortest path known to each state. */
  private readonly best: number[] = [0];
  readonly frontier = new Frontier<W>();
  transitions = 0;
  /** Local steps the partial-order reduction took alone. */
  localSteps = 0;
  private findings = 0;
  private readonly found = new Map<string, Found<W, I>>();
  private deadlock: { state: number; world: W; waiting: readonly { thread: string; on: string }[]; length: number } | undefined;
  incomplete: Incomplete | undefined;

  constructor(
    options: SearchOptions,
    scenario: string,
    key0: string,
    w0: W,
    visited?: VisitedSet,
    private readonly hooks: SearchHooks<W, I> = {},
  ) {
    this.budget = new Budget(options, scenario);
    this.visited = visited ?? (options.exact ? new ExactSet() : new FingerprintSet());
    this.visited.add(key0, 0, 0);
    this.frontier.push(0, w0, 0);
  }

  /** Whether `key`'s state has been found. */
  readonly isVisited = (key: string): boolean => this.visited.get(key) !== undefined;

  /** Whether an entry still stands for the shortest path known to its state. */
  fresh(e: Entry<W>): boolean {
    return e.cost === this.best[e.id];
  }

  /** The next state to expand; undefined when there is none or a bound stops the search. */
  next(): Entry<W> | undefined {
    for (let e = this.frontier.pop(); e; e = this.frontier.pop()) {
      if (!this.fresh(e)) {
        this.hooks.expanded?.(e.w, false);
        continue;
      }
      this.incomplete = this.budget.exceeded(this.visited.size, this.transitions, this.frontier.size);
      if (this.incomplete) return undefined;
      return e;
    }
    return undefined;
  }

  private record(violations: readonly Violation[], state: number, step: I | 'end' | undefined, world: W, length: number): boolean {
    let kept = false;
    for (const v of violations) {
      const f = this.found.get(v.rule);
      if (!f || length < f.length) {
        this.found.set(v.rule, { message: v.message, state, step, world, length, order: f?.order ?? this.findings++ });
        kept = true;
      }
    }
    return kept;
  }

  /** Whether a finding of the entry being weighed keeps its world (its trace ends there). */
  private keep = false;

  /** Weighs the expansion of `e`; false when a bound stops the search. */
  consume(e: Entry<W>, rec: StateRecord<W, I>): boolean {
    this.keep = false;
    const go = this.weigh(e, rec);
    this.hooks.expanded?.(e.w, this.keep);
    return go;
  }

  private weigh(e: Entry<W>, rec: StateRecord<W, I>): boolean {
    const { w, id, cost } = e;
    if (rec.halted) {
      // A run the model stopped has ended: what it left unanswered is a finding too (its trace keeps every step).
      this.keep = this.record(rec.unanswered, id, undefined, w, cost + rec.owedAll);
      return true;
    }
    if (rec.ampleKey !== undefined) this.localSteps++;
    if (rec.waiting) {
      // A deadlock's trace keeps every step, owed ones included.
      const length = cost + rec.owedAll;
      if (!this.deadlock || length < this.deadlock.length) {
        this.deadlock = { state: id, world: w, waiting: rec.waiting, length };
        this.keep = true;
      }
      this.keep = this.record(rec.unanswered, id, undefined, w, length) || this.keep;
    }
    if (rec.end) this.keep = this.record(rec.end.violations, id, 'end', w, cost + 1 + rec.end.owed) || this.keep;

    for (const s of rec.successors) {
      this.transitions++;
      if (s.bound) {
        this.incomplete = { bound: 'spec', reason: s.bound.message, uri: s.bound.uri, offset: s.bound.at };
        return false;
      }
      const found = this.record(s.violations, id, s.info, s.world ?? w, cost + s.charged);
      if (found && s.world === undefined) this.keep = true;
      let kept = false;
      // A hardware step may lead back to this state.
      if (s.world !== undefined) {
        const c = cost + (s.free ? 0 : s.charged);
        const key = s.key!;
        const known = this.visited.get(key);
        if (known === undefined) {
          this.budget.addState(this.visited.bits === 0 ? key.length * 2 + 48 : 24);
          const nid = this.paths.add(id, s.info);
          this.visited.add(key, nid, c);
          this.best[nid] = c;
          this.frontier.push(c, s.world, nid);
          kept = true;
        } else if (c < this.best[known]!) {
          this.paths.reach(known, id, s.info);
          this.best[known] = c;
          this.visited.lower(key, c);
          this.frontier.push(c, s.world, known);
          kept = true;
        }
      }
      this.hooks.settled?.(s.world, s.info, kept, found);
      this.incomplete = this.budget.exceeded(this.visited.size, this.transitions, this.frontier.size);
      if (this.incomplete) return false;
    }
    return true;
  }

  /** The worlds and steps the result's traces need, for a search that must fetch them first. */
  needed(): { worlds: W[]; infos: I[] } {
    const worlds: W[] = [];
    const infos: I[] = [];
    const path = (state: number) => infos.push(...this.paths.chain(state));
    for (const f of this.found.values()) {
      worlds.push(f.world);
      if (f.step !== undefined && f.step !== 'end') infos.push(f.step);
      path(f.state);
    }
    if (this.deadlock) {
      worlds.push(this.deadlock.world);
      path(this.deadlock.state);
    }
    return { worlds, infos };
  }

  /** The scenario's result: each finding's trace replayed once, with its worlds and steps as `world` and `info` give them. */
  result(x: Expander, world: (w: W) => World, info: (i: I) => StepInfo): ScenarioResult {
    const { program, natives, scenario, machine, layout, symmetry, w0 } = x;
    const trace = (state: number, w: World, last?: StepInfo) => detailTrace(program, natives, scenario, traceSteps(machine, this.paths.chain(state).map(info), w, last));
    const stepOf = (f: Found<W, I>, w: World): StepInfo | undefined => {
      if (f.step === 'end') {
        const to = this.paths.stepTo(f.state);
        return endStep(machine, program, scenario, w, to === undefined ? undefined : info(to));
      }
      return f.step === undefined ? undefined : info(f.step);
    };
    const reductions = layout.dead ? [`dead fields: ${layout.dead.names.join(', ')}`] : [];
    const flowDead = layout.flow ? flowNames(program, layout.flow, w0) : [];
    if (flowDead.length > 0) reductions.push(`fields dead after their last read: ${flowDead.join(', ')}`);
    if (symmetry) for (const c of symmetry.classes) reductions.push(`symmetry: ${c.members.map((m) => m.name).join(', ')}`);
    const local = this.localSteps;
    if (local > 0) reductions.push(`partial order: ${local.toLocaleString('en-US')} local ${local === 1 ? 'step' : 'steps'} taken alone`);
    const ordered = [...this.found].sort(([, a], [, b]) => a.length - b.length || a.order - b.order);
    const { visited, transitions, deadlock, incomplete } = this;
    return scenarioResult(scenario, {
      states: visited.size,
      transitions,
      timeMs: this.budget.elapsed(),
      // Each reported trace is replayed once, for the calls and changes its steps show (the search records neither).
      violations: ordered.map(([rule, f]) => {
        const w = world(f.world);
        return { rule, message: f.message, trace: trace(f.state, w, stepOf(f, w)) };
      }),
      ...(deadlock ? { deadlock: { trace: trace(deadlock.state, world(deadlock.world)), waiting: [...deadlock.waiting] } } : {}),
      ...(incomplete ? { incomplete } : {}),
      reductions,
      // Each successor looked up is a chance of a false match: TLC's count of generated states.
      ...(visited.bits > 0 ? { fingerprints: { bits: visited.bits, collisionProbability: collisionProbability(visited.size, transitions, visited.bits) } } : {}),
    });
  }
}

/** Explores one scenario completely (or up to a bound), in this thread. */
export function exploreScenario(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, options: SearchOptions = {}): ScenarioResult {
  const x = new Expander(program, natives, scenario, options);
  const search = new Search<World, StepInfo>(options, scenario.name, x.keyOf(x.w0), x.w0);
  for (let e = search.next(); e; e = search.next()) {
    if (!search.consume(e, x.expand(e.w, search.isVisited))) break;
  }
  const same = <T>(v: T) => v;
  return search.result(x, same, same);
}
