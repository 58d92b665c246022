/**
 * The messages between a parallel search (parallel.ts) and the workers that
 * expand its states (search-worker.ts), and the pool the host provides: the
 * core says what is sent, the host (the CLI: worker threads) how.
 */
import type { StepInfo } from '../runtime/machine.js';
import type { World } from '../runtime/world.js';
import type { Handle, PackedStates } from './packed.js';
import type { SharedTable } from './visited.js';

export { DROPPED, type Handle } from './packed.js';

/** Handles are chosen so that two workers never choose the same one: worker `k` of `n` takes `2(i·n + k)`. */
export function handle(i: number, worker: number, workers: number): Handle {
  return 2 * (i * workers + worker);
}

/** The handle for the `i`-th world the search hands to worker `k` of `n` itself (odd, so it never meets a worker's own). */
export function givenHandle(i: number, worker: number, workers: number): Handle {
  return 2 * (i * workers + worker) + 1;
}

export type { RemoteState, RemoteSuccessor } from './packed.js';

export type ToWorker =
  /** Worlds the search hands over, each with its handle (one message: worlds that share objects still share them). */
  | { readonly type: 'adopt'; readonly worlds: readonly (readonly [Handle, World])[] }
  /** Expand these worlds, in order, each reached at the cost beside it; `table` is the visited set's table when it has changed. */
  | { readonly type: 'expand'; readonly worlds: readonly Handle[]; readonly costs: readonly number[]; readonly table?: SharedTable }
  /** Worlds and steps the search no longer needs. */
  | { readonly type: 'release'; readonly worlds: readonly Handle[]; readonly infos: readonly Handle[] }
  /** Send these worlds and steps: a trace needs them. */
  | { readonly type: 'fetch'; readonly worlds: readonly Handle[]; readonly infos: readonly Handle[] }
  /** Give these worlds back (and forget them): the search moves them to even out the work. Answered before any expansion waiting. */
  | { readonly type: 'give'; readonly worlds: readonly Handle[] };

export type FromWorker =
  | { readonly type: 'ready' }
  /** Expanded states, packed (packed.ts): their worlds and steps stay with the worker, named by handles. */
  | { readonly type: 'expanded'; readonly states: PackedStates; readonly heap: number }
  | { readonly type: 'fetched'; readonly worlds: readonly (readonly [Handle, World])[]; readonly infos: readonly (readonly [Handle, StepInfo])[] }
  | { readonly type: 'given'; readonly worlds: readonly (readonly [Handle, World])[] }
  /** Expanding failed; `model` and `where` say whose code threw (a ModelError), `text` an IntOverflow's. */
  | { readonly type: 'failed'; readonly name: string; readonly message: string; readonly model?: string; readonly where?: string; readonly text?: string };

/**
 * Workers that expand a scenario's states, as the host runs them. Each was
 * started on the same program and scenario, with the same reductions.
 */
export interface WorkerPool {
  readonly size: number;
  post(worker: number, message: ToWorker): void;
  /** The next message from any worker; undefined when none has come and `block` is false. */
  receive(block: boolean): { readonly from: number; readonly message: FromWorker } | undefined;
  /** Stops the workers. */
  close(): void;
}

/** What a host gives a search to start its workers: the scenario's name, and how many. */
export type StartPool = (scenario: string, workers: number) => WorkerPool;
