/**
 * What a search returns: per scenario a verdict, the counts, a shortest
 * trace per violated rule, a deadlock if any, and why it stopped early. In
 * offsets: line and column are the presentation's (src/report) business.
 */

/** One step of a counterexample, as users read it. */
export interface TraceStep {
  /** 1-based step number. */
  readonly step: number;
  /** `main`, `t1`, … or `hw:DEVICE`. */
  readonly thread: string;
  /** What happened, with object names: `dma_buf_map_attachment(attachment#6) → sg_table#7`. */
  readonly event: string;
  /** Where in the source: the statement or callback that made the step (an offset into the text of `uri`). */
  readonly uri: string;
  readonly offset: number;
  /**
   * The locks the step's thread holds after the step, sorted by name, as
   * values are shown: `dma_buf#6.resv`, `acc_drv.maps_lock`. Empty for a DMA
   * step.
   */
  readonly locks: readonly string[];
  /** The objects the step created, in creation order: `sg_table#8`, `iova#9`. Locks are left out (see `locks`). */
  readonly created: readonly string[];
  /** The objects that ended in the step, in order: `gpu_bar0#3`, `gpu`. Locks are left out. */
  readonly ended: readonly string[];
  /** The step's own call: what it called, with which arguments, and (when it returned within the step) its result, as values are shown. */
  readonly call?: { readonly name: string; readonly args: readonly string[]; readonly result?: string };
  /** The driver state fields and readable object fields the step changed, with their new values: `{ "exp.bufs": "[dma_buf#6]", "attachment#7.pinned": "true" }`. */
  readonly changes?: Readonly<Record<string, string>>;
}

export interface ViolationReport {
  /** `no_mapping_outlives_provider`, `dmabuf.move_notify_locked`, `model.dma_after_free`. */
  readonly rule: string;
  readonly message: string;
  /** A shortest trace that violates it: its last step is the violating one. */
  readonly trace: TraceStep[];
}

export interface DeadlockReport {
  readonly trace: TraceStep[];
  /** Each stuck thread and what it waits for. */
  readonly waiting: { readonly thread: string; readonly on: string }[];
}

export type Verdict = 'ok' | 'violated' | 'deadlock' | 'incomplete';

/** Which bound stopped a search. */
export type Bound =
  /** The `maxStates` limit. */
  | 'states'
  /** The `timeoutMs` limit. */
  | 'time'
  /** The `maxMemoryMb` limit. */
  | 'memory'
  /** The host's stop signal. */
  | 'stopped'
  /** A step inside the spec went past a fixed bound (recursion depth, instructions per step). */
  | 'spec'
  /** A model's code threw (`reason` names the model and where), or Lifespec itself failed. */
  | 'error'
  /**
   * A swarm run (simulate.ts) took its random walks: it looks at some runs,
   * never at all of them, so it never proves that a rule holds.
   */
  | 'simulation';

export interface Incomplete {
  readonly bound: Bound;
  /** What stopped it, in words that name no tool's option. */
  readonly reason: string;
  /** For a bound inside the spec: where. */
  readonly uri?: string;
  readonly offset?: number;
}

export interface ScenarioResult {
  readonly scenario: string;
  /** `violated` / `deadlock` when something was found (even if the search was cut short); `incomplete` when a bound was reached first. */
  readonly verdict: Verdict;
  /** Whether every reachable state was explored. */
  readonly complete: boolean;
  readonly states: number;
  readonly transitions: number;
  readonly timeMs: number;
  readonly violations: ViolationReport[];
  readonly deadlock?: DeadlockReport;
  /** Why the search stopped early, and where (for a bound inside the spec). */
  readonly incomplete?: Incomplete;
  /** The scenario's `expect` line, if any. */
  readonly expect?: { readonly outcome: 'ok' | 'violation' | 'deadlock'; readonly rules: string[] };
  /** Whether the outcome matches `expect` (no `expect` means `expect ok`); undefined when an incomplete search cannot tell. */
  readonly expectMet: boolean | undefined;
  /** The reductions the search used, e.g. `symmetry: importer1, importer2` (empty when none applied). */
  readonly reductions: string[];
  /**
   * How the search told states apart: by 64-bit fingerprints of their keys
   * (the default), with the chance that two states shared one and the second
   * went unexplored (TLC's optimistic estimate, visited.ts). Absent when it
   * kept whole states (`exact`), and in a swarm run's result.
   */
  readonly fingerprints?: { readonly bits: number; readonly collisionProbability: number };
  /** The threads that searched, when more than one took part (`workers`): the result is the one a single thread finds. */
  readonly threads?: number;
  /** Set when the result is a swarm run's (random walks, simulate.ts) rather than a search's: then it is never `ok`. */
  readonly simulation?: Simulation;
}

/**
 * What a swarm run did: how many random walks, how deep, from which seeds.
 * Its result is `violated` or `deadlock` when a walk found something, else
 * `incomplete` with bound `simulation`: "no violation in R runs of depth D"
 * is not "holds".
 */
export interface Simulation {
  /** The seeds the walks were derived from: one, or several when reports of different seeds were merged; empty for one walk run alone by its own seed (`walk`). */
  readonly seeds: readonly number[];
  /** The walks taken. */
  readonly runs: number;
  /** The most steps a walk took. */
  readonly depth: number;
  /** The seed of the one walk that was run alone, when one was. */
  readonly walk?: number;
  /** The walk behind each reported trace (a rule, or `deadlock`), by the walk's own seed: run again alone, it takes the same steps. */
  readonly walks: readonly { readonly rule: string; readonly seed: number }[];
}

export interface Progress {
  readonly scenario: string;
  readonly states: number;
  readonly transitions: number;
  /** States found and not yet expanded (the search's queue). */
  readonly queued: number;
  /** The state limit in force, when there is one (`maxStates`). */
  readonly maxStates?: number;
  readonly elapsedMs: number;
  /** A swarm run's walks: how many are done, of how many. */
  readonly runs?: { readonly done: number; readonly of: number };
}
