/**
 * The bounds of a search and its progress reports: states, estimated
 * memory, time and the host's stop signal, checked as the search goes.
 */
import type { Incomplete, Progress } from './result.js';

export interface SearchOptions {
  /** Stop (verdict incomplete) after this many distinct states. Default 500,000. */
  readonly maxStates?: number;
  /** Stop (verdict incomplete) after this long, in milliseconds. */
  readonly timeoutMs?: number;
  /**
   * Stop (verdict incomplete) when the visited states and the search frontier
   * are estimated to take this many megabytes. Default 1,500: the JavaScript
   * heap would run out long before the machine does.
   */
  readonly maxMemoryMb?: number;
  /**
   * Apply state-space reductions: symmetry of interchangeable drivers (states
   * merged up to renaming them, and one step taken for twins), and
   * partial-order reduction of local steps. Default true; verdicts, the rules
   * found and trace lengths are the same either way.
   */
  readonly reduce?: boolean;
  /**
   * Keep each state's whole key in the visited set rather than its 64-bit
   * fingerprint: no chance of two states taken for one (the result reports
   * that chance otherwise), at about a kilobyte a state. Default false.
   */
  readonly exact?: boolean;
  /** Called about every `progressIntervalMs` during the search. */
  readonly onProgress?: (p: Progress) => void;
  readonly progressIntervalMs?: number;
  /** Stops the search (verdict incomplete) when aborted. */
  readonly signal?: { readonly aborted: boolean };
  /** Monotonic clock in milliseconds; injectable so hosts without `performance` can run. */
  readonly now?: () => number;
  /**
   * The bytes of heap in use, measured by the host (the CLI passes Node's
   * `heapUsed`): with it `maxMemoryMb` bounds the real
   * heap, sampled as the search goes; without it, an estimate of the states'
   * size (the library runs where no such measure exists). A parallel search
   * adds its workers' heaps to what it returns, and passes their sum, for a
   * host that records the total.
   */
  readonly heapBytes?: (workers?: number) => number;
}

export const DEFAULT_MAX_STATES = 500_000;
export const DEFAULT_MAX_MEMORY_MB = 1_500;

export class Budget {
  private readonly now: () => number;
  readonly start: number;
  private readonly maxStates: number;
  private readonly maxBytes: number;
  private readonly interval: number;
  /** Estimated bytes held by the states found (see `addState`). */
  private bytes = 0;
  private lastProgress: number;
  private looks = 0;

  constructor(
    private readonly options: SearchOptions,
    private readonly scenario: string,
  ) {
    this.now = options.now ?? (() => Date.now());
    this.start = this.now();
    this.lastProgress = this.start;
    this.maxStates = options.maxStates ?? DEFAULT_MAX_STATES;
    this.maxBytes = (options.maxMemoryMb ?? DEFAULT_MAX_MEMORY_MB) * 1024 * 1024;
    this.interval = options.progressIntervalMs ?? 250;
  }

  /**
   * Counts a new state: its entry in the visited set (`visitedBytes`: a
   * fingerprint's slot, or a whole key), and what the search keeps for every
   * state besides (its step for traces, its cost, its share of the frontier).
   */
  addState(visitedBytes: number): void {
    this.bytes += visitedBytes + 320;
  }

  /** Milliseconds since the search began. */
  elapsed(): number {
    return this.now() - this.start;
  }

  /**
   * Whether the search must stop, and why; reports progress on the way.
   * Called before each state is expanded and after each successor, and it
   * reads the clock every time: one slow step (a set of a million elements
   * copied) must not carry the search far past its time limit.
   */
  exceeded(states: number, transitions: number, queued = 0): Incomplete | undefined {
    // A measured heap is sampled every 256 looks (a few hundred states: well under 10% of any bound worth setting).
    if (this.options.heapBytes && (++this.looks & 255) === 0) {
      const used = this.options.heapBytes();
      if (used >= this.maxBytes) return { bound: 'memory', reason: `stopped at the memory limit (${Math.round(used / 1024 / 1024).toLocaleString('en-US')} MB of heap in use, the limit ${Math.round(this.maxBytes / 1024 / 1024).toLocaleString('en-US')} MB)` };
    }
    if (!this.options.heapBytes && this.bytes >= this.maxBytes) {
      return { bound: 'memory', reason: `stopped at the memory limit (about ${Math.round(this.maxBytes / 1024 / 1024).toLocaleString('en-US')} MB of states)` };
    }
    if (states >= this.maxStates) return { bound: 'states', reason: `stopped at the state limit (${this.maxStates.toLocaleString('en-US')} states)` };
    const t = this.now();
    if (this.options.signal?.aborted) return { bound: 'stopped', reason: 'stopped on request' };
    const limit = this.options.timeoutMs;
    if (limit !== undefined && t - this.start > limit) return { bound: 'time', reason: `stopped at the time limit of ${Number((limit / 1000).toPrecision(3))} s` };
    if (this.options.onProgress && t - this.lastProgress >= this.interval) {
      this.lastProgress = t;
      this.options.onProgress({ scenario: this.scenario, states, transitions, queued, ...(Number.isFinite(this.maxStates) ? { maxStates: this.maxStates } : {}), elapsedMs: t - this.start });
    }
    return undefined;
  }
}
