/**
 * The search on several cores: the same decisions as `exploreScenario`, in
 * the same order, with the expanding of states shared out.
 *
 * This thread keeps the search (search.ts: Search): the visited set, the
 * costs, the paths, the findings, and it takes every state's expansion in
 * the order a search in one thread would. Workers (search-worker.ts) expand
 * states ahead of it: each holds the worlds of the states it made, and is
 * sent the ones of its own that come next in the frontier. This thread
 * expands its own states itself, when their turn comes or, while it waits
 * on a worker, ahead of it (`expandAhead`), and moves states
 * between itself and the workers, in batches, to keep the work even (`fill`). The result is the one a search in one
 * thread finds, for any number of workers: the same states, transitions,
 * findings and traces.
 *
 * The one decision a worker cannot take for the search is the partial-order
 * reduction's proviso (is a local step's successor new?): it guesses from the
 * visited set's shared table, which may lag, and the search checks the guess
 * when the expansion's turn comes; a wrong guess (the successor was found in
 * between) has the state expanded again, against the table as it is then.
 *
 * Small searches never start workers: they start only once a search has run
 * `START_MS`, and it goes on in this thread while they load.
 */
import type { CompiledProgram, ScenarioRt } from '../runtime/compiled.js';
import type { StepInfo } from '../runtime/machine.js';
import type { Natives } from '../runtime/natives.js';
import { adoptWorld, type Obj, type World } from '../runtime/world.js';
import { ModelError } from '../models/guard.js';
import { IntOverflow } from '../runtime/pure.js';
import type { SearchOptions } from './budget.js';
import { Expander, type StateRecord } from './expansion.js';
import { unpack } from './packed.js';
import { DROPPED, givenHandle, type FromWorker, type Handle, type RemoteState, type StartPool, type WorkerPool } from './pool.js';
import type { ScenarioResult } from './result.js';
import { exploreScenario, Search, type Entry } from './search.js';
import { FingerprintSet, type SharedTable } from './visited.js';

/** How long a search runs in this thread alone before it starts workers. */
const START_MS = 400;
/** A worker with this many states to expand has enough. */
const HIGH = 512;
/**
 * Whether a thread with `a` states' work ahead of it is behind one with `b`,
 * and should get some of its states. A band between the two keeps states from
 * moving to and fro. This thread's states count for 5/4 of a worker's: it
 * also keeps the search (about a fifth of its time, in the profiles).
 */
const behind = (a: number, b: number) => a + 8 < b * 0.9;
const HERE = 1.25;
/** States looked at ahead of the search, at most. */
const LOOK = 2048;
/** States a worker may have expanded and the search not yet taken (their records are held here). */
const MAX_PENDING = 8192;
/** This thread's own states it may have expanded ahead, while it waited on a worker, and not yet taken. */
const MAX_AHEAD = 1024;

type WorldRef = World | Handle;
type InfoRef = StepInfo | Handle;

/** What a parallel run did besides the search, for the bench and the tests. */
export interface ParallelStats {
  /** Workers that took part (0: the search ended before they were needed). */
  workers: number;
  /** States expanded by this thread, and by the workers. */
  local: number;
  remote: number;
  /** Worker expansions taken again because the proviso's guess was wrong. */
  again: number;
  /** Successors of worker expansions whose worlds and steps the worker let go at once (`DROPPED`), counted as they come. */
  dropped: number;
  /** Worlds moved to even out the work: to workers, and back. */
  handed: number;
  pulled: number;
  /** Worker expansions of states found stale before the search took them. */
  wasted: number;
  /** This thread's own states expanded ahead of their turn while it waited on a worker, and those of them taken again (the proviso's guess was wrong). */
  ahead: number;
  aheadAgain: number;
}

/** The error a worker reported, as the search in this thread would have thrown it (explore.ts: guarded names it). */
function rethrown(m: Extract<FromWorker, { type: 'failed' }>): Error {
  if (m.model !== undefined) return Object.assign(new ModelError(m.model, m.where ?? '', m.message), { message: m.message });
  if (m.text !== undefined) return new IntOverflow(m.text);
  const e = m.name === 'RangeError' ? new RangeError(m.message) : new Error(m.message);
  e.name = m.name;
  return e;
}

/** How a parallel search runs. */
export interface ParallelOptions {
  /** Threads in all, this one included. */
  readonly workers: number;
  /** Starts the other `workers - 1`. */
  readonly start: StartPool;
  /** Filled in with what the run did (tests, the bench). */
  readonly stats?: ParallelStats;
  /** How long the search runs alone before it starts the workers (default 400 ms). */
  readonly startAfterMs?: number;
}

/**
 * Explores one scenario with up to `workers` threads (this one and
 * `workers - 1` started by `start`). With one, or with whole keys (`exact`:
 * the workers read fingerprints), it is `exploreScenario`.
 */
export function exploreScenarioParallel(program: CompiledProgram, natives: Natives, scenario: ScenarioRt, options: SearchOptions, parallel: ParallelOptions): ScenarioResult {
  const { workers, start, stats } = parallel;
  if (workers <= 1 || options.exact) return exploreScenario(program, natives, scenario, options);
  const run = new Parallel(new Expander(program, natives, scenario, options), options, workers - 1, start, parallel.startAfterMs ?? START_MS);
  try {
    return run.explore();
  } finally {
    run.close();
    if (stats) Object.assign(stats, run.stats);
  }
}

class Parallel {
  readonly stats: ParallelStats = { workers: 0, local: 0, remote: 0, again: 0, dropped: 0, handed: 0, pulled: 0, wasted: 0, ahead: 0, aheadAgain: 0 };
  private pool: WorkerPool | undefined;
  private readonly search: Search<WorldRef, InfoRef>;
  private readonly visited = new FingerprintSet(true);
  /** The heap each worker last reported. */
  private readonly heaps: number[];
  private releases: { worlds: Handle[]; infos: Handle[] }[];
  /** Worlds a finding keeps: not let go after their expansion. */
  private readonly pinned = new Set<Handle>();
  /** Records come in; the search takes them in its own order. */
  private readonly results = new Map<Handle, RemoteState>();
  /** Sent and not yet taken (or let go). */
  private readonly sent = new Set<Handle>();
  /** Per worker: sent and not yet taken; sent and not yet expanded (0: it has run dry). */
  private readonly pending: number[];
  private readonly inflight: number[];
  /** Sent, then found stale: their records are let go as they come. */
  private readonly stale = new Set<Handle>();
  /** Workers' worlds asked back, by handle: undefined until they come. */
  private readonly pulled = new Map<Handle, World | undefined>();
  /** Worlds fetched for the traces, and asked-back worlds a finding keeps. */
  private readonly worlds = new Map<Handle, World>();
  private readonly infos = new Map<Handle, StepInfo>();
  /** Worlds this thread has handed to each worker, for their handles. */
  private readonly given: number[];
  /** The table each worker was last sent. */
  private readonly told: (SharedTable | undefined)[];
  /** This thread's own states the look ahead has passed, and how many of them it has not taken yet. */
  private readonly mine = new WeakSet<World>();
  private here = 0;
  /** The same states as entries, in the order the search takes them, from `mineAt` on not yet looked at for `expandAhead`. */
  private mineQueue: Entry<WorldRef>[] = [];
  private mineAt = 0;
  /** Records of this thread's own states, expanded ahead of their turn while it waited. */
  private readonly ahead = new Map<World, StateRecord<World, StepInfo>>();
  private replies = 0;
  private ready = 0;
  /** The worker's state whose record the search is taking. */
  private taking: Handle | undefined;

  constructor(
    private readonly x: Expander,
    options: SearchOptions,
    private readonly R: number,
    private readonly start: StartPool,
    private readonly startAfterMs: number,
  ) {
    this.heaps = new Array<number>(R).fill(0);
    this.releases = Array.from({ length: R }, () => ({ worlds: [], infos: [] }));
    this.pending = new Array<number>(R).fill(0);
    this.inflight = new Array<number>(R).fill(0);
    this.given = new Array<number>(R).fill(0);
    this.told = new Array<SharedTable | undefined>(R).fill(undefined);
    const host = options.heapBytes;
    const others = () => this.heaps.reduce((a, b) => a + b, 0);
    const opts: SearchOptions = host ? { ...options, heapBytes: () => host(others()) + others() } : options;
    this.search = new Search<WorldRef, InfoRef>(opts, x.scenario.name, x.keyOf(x.w0), x.w0, this.visited, {
      settled: (world, info, state, found) => {
        // The worker judged the search would keep neither (search-worker.ts): a search that did is wrong.
        if (world === DROPPED) {
          if (state || found) throw new Error(`internal error: a successor its worker did not keep became ${state ? 'a state' : 'a finding'}`);
          return;
        }
        if (typeof world === 'number') {
          if (found) this.pinned.add(world);
          else if (!state) this.releaseWorld(world);
        }
        if (typeof info === 'number' && !state && !found) this.releaseInfo(info);
      },
      expanded: (world, kept) => this.expanded(world, kept),
    });
  }

  private owner(h: Handle): number {
    return Math.floor(h / 2) % this.R;
  }

  private releaseWorld(h: Handle): void {
    if (this.pinned.has(h)) return;
    const k = this.owner(h);
    const r = this.releases[k]!;
    r.worlds.push(h);
    if (r.worlds.length >= 4096) this.flush(k);
  }

  private releaseInfo(h: Handle): void {
    this.releases[this.owner(h)]!.infos.push(h);
  }

  private flush(k: number): void {
    const r = this.releases[k]!;
    if (!this.pool || (r.worlds.length === 0 && r.infos.length === 0)) return;
    this.pool.post(k, { type: 'release', worlds: r.worlds, infos: r.infos });
    this.releases[k] = { worlds: [], infos: [] };
  }

  private dropRecord(rec: RemoteState): void {
    for (const s of rec.successors) {
      if (s.world === DROPPED) continue;
      if (s.world !== undefined) this.releaseWorld(s.world);
      this.releaseInfo(s.info);
    }
  }

  /** An entry was expanded (the one being taken) or skipped as stale. */
  private expanded(world: WorldRef, kept: boolean): void {
    if (typeof world !== 'number') {
      if (this.mine.delete(world)) this.here--;
      this.ahead.delete(world);
      return;
    }
    if (this.pulled.has(world)) {
      this.here--;
      const w = this.pulled.get(world);
      if ((kept || this.pinned.has(world)) && w) this.worlds.set(world, w);
      this.pulled.delete(world);
      return;
    }
    if (this.sent.delete(world)) {
      this.pending[this.owner(world)]!--;
      if (world !== this.taking) {
        // Sent, then found stale: its record is let go, now or when it comes.
        const rec = this.results.get(world);
        if (rec === undefined) {
          this.stale.add(world);
          return;
        }
        this.results.delete(world);
        this.stats.wasted++;
        this.dropRecord(rec);
      }
    }
    if (kept) this.pinned.add(world);
    this.releaseWorld(world);
  }

  private take(from: number, m: FromWorker): void {
    switch (m.type) {
      case 'ready':
        this.ready++;
        return;
      case 'failed':
        throw rethrown(m);
      case 'fetched':
        for (const [h, w] of m.worlds) this.worlds.set(h, w);
        for (const [h, i] of m.infos) this.infos.set(h, i);
        this.replies++;
        return;
      case 'given': {
        const memo = new Map<Obj, Obj>();
        for (const [h, w] of m.worlds) if (this.pulled.has(h)) this.pulled.set(h, adoptWorld(w, this.x.w0.objects, memo));
        return;
      }
      case 'expanded': {
        this.heaps[from] = m.heap;
        const { states, dropped } = unpack(m.states);
        this.stats.dropped += dropped;
        this.inflight[from]! -= states.length;
        for (const [h, rec] of states) {
          if (this.stale.delete(h)) {
            this.stats.wasted++;
            this.dropRecord(rec);
            this.releaseWorld(h);
          } else this.results.set(h, rec);
        }
        return;
      }
    }
  }

  private drain(block: boolean): void {
    for (let got = this.pool!.receive(block); got; got = this.pool!.receive(false)) this.take(got.from, got.message);
  }

  private send(k: number, worlds: Handle[], costs: number[], force = false): void {
    this.flush(k);
    const table = this.visited.table!;
    const changed = force || this.told[k]?.hi !== table.hi;
    this.told[k] = table;
    this.pool!.post(k, { type: 'expand', worlds, costs, ...(changed ? { table } : {}) });
  }

  /**
   * Sends each worker the states of its own that come next, up to AHEAD not
   * yet taken, and moves states between this thread and the workers so that
   * each holds its share of those to come. A state goes to the first parent
   * the search takes that makes it, so shares drift — the front of each
   * level stays with whoever held the front of the one before — and this
   * thread's share follows whichever side waits on the other.
   */
  private fill(): void {
    // What the workers have done since the last look: their records, and how much they have left.
    this.drain(false);
    const { R, pending, inflight, search } = this;
    const batches: Handle[][] = Array.from({ length: R }, () => []);
    const costs: number[][] = Array.from({ length: R }, () => []);
    const adopt: (readonly [Handle, World])[][] = Array.from({ length: R }, () => []);
    const give: Handle[][] = Array.from({ length: R }, () => []);
    const idlest = () => {
      let k = 0;
      for (let j = 1; j < R; j++) if (inflight[j]! < inflight[k]!) k = j;
      return k;
    };
    search.frontier.scan(2, (e, replace) => {
      if (search.frontier.scannedAhead >= LOOK) return false;
      if (!search.fresh(e)) return true;
      const h = e.w;
      if (typeof h !== 'number') {
        const k = idlest();
        if (pending[k]! >= MAX_PENDING || !behind(inflight[k]!, this.here * HERE)) {
          this.mine.add(h);
          this.mineQueue.push(e);
          if (this.mineQueue.length > 2 * this.here + 1024) this.compactMine();
          this.here++;
          return true;
        }
        // Worker k has less ahead of it than this thread: it takes this state.
        const to = givenHandle(this.given[k]!++, k, R);
        adopt[k]!.push([to, h]);
        replace(to);
        this.stats.handed++;
        return this.dispatch(to, e.cost, k, batches, costs);
      }
      const o = this.owner(h);
      if (behind(this.here * HERE, inflight[o]!) && !this.pinned.has(h)) {
        // Its worker has more ahead of it than this thread: this thread takes the state back.
        give[o]!.push(h);
        this.pulled.set(h, undefined);
        this.stats.pulled++;
        this.here++;
        return true;
      }
      if (inflight[o]! >= HIGH || pending[o]! >= MAX_PENDING) return false;
      return this.dispatch(h, e.cost, o, batches, costs);
    });
    for (let k = 0; k < R; k++) {
      if (give[k]!.length) this.pool!.post(k, { type: 'give', worlds: give[k]! });
      if (adopt[k]!.length) this.pool!.post(k, { type: 'adopt', worlds: adopt[k]! });
      if (batches[k]!.length) this.send(k, batches[k]!, costs[k]!);
    }
  }

  private dispatch(h: Handle, cost: number, k: number, batches: Handle[][], costs: number[][]): boolean {
    batches[k]!.push(h);
    costs[k]!.push(cost);
    this.sent.add(h);
    this.pending[k]!++;
    this.inflight[k]!++;
    return true;
  }
  /** The record of a worker's state (reached at `cost`), once it has come. */
  private remote(h: Handle, cost: number): RemoteState {
    const k = this.owner(h);
    if (!this.sent.has(h)) {
      this.sent.add(h);
      this.pending[k]!++;
      this.inflight[k]!++;
      this.send(k, [h], [cost]);
    }
    for (let rec = this.results.get(h); ; rec = this.results.get(h)) {
      if (rec) return rec;
      this.wait();
    }
  }

  /** A world asked back from a worker, once it has come. */
  private back(h: Handle): World {
    for (let w = this.pulled.get(h); ; w = this.pulled.get(h)) {
      if (w) return w;
      this.wait();
    }
  }

  /** Takes what the workers have sent; if nothing has come, expands one of this thread's own states ahead, or, with none to expand, waits. */
  private wait(): void {
    const got = this.pool!.receive(false);
    if (got) {
      this.take(got.from, got.message);
      this.drain(false);
    } else if (!this.expandAhead()) this.drain(true);
  }

  /**
   * Expands the next of this thread's own states in the search's order
   * while the search waits on a worker, as a worker expands its states
   * ahead: the record waits for its turn (`recordOf`), and the proviso's guess,
   * made against the visited set as it is now, is checked then.
   */
  private expandAhead(): boolean {
    if (this.ahead.size >= MAX_AHEAD) return false;
    const q = this.mineQueue;
    while (this.mineAt < q.length) {
      const e = q[this.mineAt++]!;
      const w = e.w as World;
      if (!this.mine.has(w) || this.ahead.has(w) || !this.search.fresh(e)) continue;
      const rec = this.x.expand(w, this.search.isVisited);
      // The successors come as one record reused for each: each is copied as it is taken.
      this.ahead.set(w, { ...rec, successors: Array.from(rec.successors, (s) => ({ ...s })) });
      this.stats.ahead++;
      return true;
    }
    return false;
  }

  /** Keeps of `mineQueue` the states not yet looked at and still to be taken: the rest would hold their worlds. */
  private compactMine(): void {
    this.mineQueue = this.mineQueue.slice(this.mineAt).filter((e) => this.mine.has(e.w as World));
    this.mineAt = 0;
  }

  /** This thread's own state's record: the one expanded ahead if its proviso's guess holds, else expanded now. */
  private recordOf(w: World): StateRecord<World, StepInfo> {
    const early = this.ahead.get(w);
    if (early === undefined) return this.x.expand(w, this.search.isVisited);
    this.ahead.delete(w);
    if (early.ampleKey === undefined || !this.search.isVisited(early.ampleKey)) return early;
    this.stats.aheadAgain++;
    return this.x.expand(w, this.search.isVisited);
  }

  /** A worker's record for `h`, its proviso's guess checked: wrong, the state is expanded again against the table as it is now. */
  private takeRemote(h: Handle, cost: number): StateRecord<WorldRef, InfoRef> {
    for (;;) {
      const rec = this.remote(h, cost);
      this.results.delete(h);
      if (rec.ampleKey === undefined || !this.search.isVisited(rec.ampleKey)) return rec;
      this.stats.again++;
      this.dropRecord(rec);
      this.inflight[this.owner(h)]!++;
      this.send(this.owner(h), [h], [cost], true);
    }
  }

  explore(): ScenarioResult {
    const { search, x, stats } = this;
    let parallel = false;
    for (let e = search.next(); e; e = search.next()) {
      let rec: StateRecord<WorldRef, InfoRef>;
      const w = e.w;
      if (typeof w !== 'number') {
        rec = this.recordOf(w);
        stats.local++;
      } else if (this.pulled.has(w)) {
        rec = x.expand(this.back(w), search.isVisited);
        stats.local++;
      } else {
        rec = this.takeRemote(w, e.cost);
        stats.remote++;
        this.taking = w;
      }
      const go = search.consume(e, rec);
      this.taking = undefined;
      if (!go) break;
      if (!parallel) {
        if (!this.pool && search.budget.elapsed() >= this.startAfterMs) this.pool = this.start(x.scenario.name, this.R);
        if (this.pool && (stats.local & 63) === 0) {
          this.drain(false);
          if (this.ready === this.R) {
            parallel = true;
            stats.workers = this.R;
          }
        }
      }
      if (parallel && (stats.local + stats.remote) % 16 === 0) this.fill();
    }
    const same = <T>(v: T) => v;
    if (!parallel) return search.result(x, same as (w: WorldRef) => World, same as (i: InfoRef) => StepInfo);
    // The traces' worlds and steps that workers hold are fetched once.
    const { worlds, infos } = search.needed();
    const ask = Array.from({ length: this.R }, () => ({ worlds: [] as Handle[], infos: [] as Handle[] }));
    for (const w of worlds) if (typeof w === 'number' && !this.worlds.has(w)) ask[this.owner(w)]!.worlds.push(w);
    for (const i of infos) if (typeof i === 'number') ask[this.owner(i)]!.infos.push(i);
    this.replies = 0;
    for (let k = 0; k < this.R; k++) this.pool!.post(k, { type: 'fetch', ...ask[k]! });
    while (this.replies < this.R) this.drain(true);
    const result = search.result(
      x,
      (w) => (typeof w === 'number' ? this.worlds.get(w)! : w),
      (i) => (typeof i === 'number' ? this.infos.get(i)! : i),
    );
    return { ...result, threads: this.R + 1 };
  }

  close(): void {
    this.pool?.close();
  }
}
