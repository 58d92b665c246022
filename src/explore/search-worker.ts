/**
 * A worker of a parallel search: it holds the worlds of the states it made,
 * expands those the search asks for, and reports each as plain data
 * (pool.ts: RemoteState) while the worlds and steps stay here until the
 * search lets them go or a trace asks for them.
 *
 * The partial-order reduction's proviso asks whether a local step's successor
 * is a known state. The worker answers from the search's visited set as it
 * reads it now (a shared table the search writes): a state it finds is known,
 * one it does not find may have been found since, and the search checks that
 * guess before it takes the expansion (parallel.ts).
 */
import { ModelError } from '../models/guard.js';
import type { StepInfo } from '../runtime/machine.js';
import { IntOverflow } from '../runtime/pure.js';
import { adoptWorld, type Obj, type World } from '../runtime/world.js';
import type { Expander } from './expansion.js';
import { StatePacker } from './packed.js';
import { DROPPED, handle, type FromWorker, type Handle, type ToWorker } from './pool.js';
import { FingerprintView } from './visited.js';

/** What a dropped successor is packed with: neither its world nor its step is kept. */
const LET_GO = { world: DROPPED, info: DROPPED } as const;

/** States expanded before their records go out: the search should not wait on a long batch. */
const CHUNK = 32;

export class SearchWorker {
  private readonly worlds = new Map<Handle, World>();
  private readonly infos = new Map<Handle, StepInfo>();
  private view: FingerprintView | undefined;
  private made = 0;
  /** Worlds to expand, in the order asked, and the costs they were reached at; the head is `next`. */
  private queue: Handle[] = [];
  private costs: number[] = [];
  private readonly packer = new StatePacker();
  private next = 0;

  constructor(
    private readonly x: Expander,
    /** This worker's index and how many there are, for its handles. */
    private readonly index: number,
    private readonly count: number,
    /** The heap in use, as the host measures it (0 if it cannot). */
    private readonly heap: () => number,
  ) {}

  private keep(w: World | undefined, info: StepInfo): { world: Handle | undefined; info: Handle } {
    const h = handle(++this.made, this.index, this.count);
    this.infos.set(h, info);
    if (w) this.worlds.set(h, w);
    return { world: w ? h : undefined, info: h };
  }

  /**
   * Takes one message; `post` sends the replies (a failure among them: the
   * search rethrows it). Expansions asked for wait in a queue that `work`
   * takes from, so that a host which reads its messages between chunks of
   * work answers the others first.
   */
  handle(message: ToWorker, post: (reply: FromWorker) => void): void {
    try {
      this.serve(message, post);
    } catch (e) {
      post(failure(e));
    }
  }

  /** Expands up to a chunk of the queued worlds; true if more wait. */
  work(post: (reply: FromWorker) => void): boolean {
    try {
      const visited = this.view ? this.view.has : () => false;
      for (let done = 0; done < CHUNK && this.next < this.queue.length; done++) {
        const h = this.queue[this.next]!;
        const cost = this.costs[this.next++]!;
        this.expand(h, this.worlds.get(h)!, cost, visited);
      }
      if (this.next === this.queue.length) {
        this.queue = [];
        this.costs = [];
        this.next = 0;
      }
      const states = this.packer.take();
      if (states) post({ type: 'expanded', states, heap: this.heap() });
    } catch (e) {
      post(failure(e));
      this.packer.take();
      this.queue = [];
      this.costs = [];
      this.next = 0;
    }
    return this.next < this.queue.length;
  }

  private serve(message: ToWorker, post: (reply: FromWorker) => void): void {
    switch (message.type) {
      case 'adopt': {
        const memo = new Map<Obj, Obj>();
        for (const [h, w] of message.worlds) this.worlds.set(h, adoptWorld(w, this.x.w0.objects, memo));
        return;
      }
      case 'release':
        for (const h of message.worlds) this.worlds.delete(h);
        for (const h of message.infos) this.infos.delete(h);
        return;
      case 'fetch':
        post({ type: 'fetched', worlds: message.worlds.map((h) => [h, this.worlds.get(h)!] as const), infos: message.infos.map((h) => [h, this.infos.get(h)!] as const) });
        return;
      case 'give': {
        const worlds = message.worlds.map((h) => [h, this.worlds.get(h)!] as const);
        for (const h of message.worlds) this.worlds.delete(h);
        post({ type: 'given', worlds });
        return;
      }
      case 'expand':
        if (message.table) {
          if (this.view) this.view.update(message.table);
          else this.view = new FingerprintView(message.table);
        }
        this.queue.push(...message.worlds);
        this.costs.push(...message.costs);
        return;
    }
  }

  private expand(h: Handle, w: World, cost: number, visited: (key: string) => boolean): void {
    const view = this.view;
    this.packer.state(h, this.x.expand(w, visited), (s) => {
      // Found by a path no dearer, and nothing to report: the search will keep neither world nor step.
      if (view && s.world && s.key !== undefined && !s.bound && s.violations.length === 0) {
        const known = view.cost(s.key);
        if (known >= 0 && known <= cost + (s.free ? 0 : s.charged)) return LET_GO;
      }
      return this.keep(s.world as World | undefined, s.info as StepInfo);
    });
  }
}

/** A failure as a worker reports it: enough for the search to throw the same error (parallel.ts: rethrown). */
export function failure(e: unknown): FromWorker {
  if (e instanceof ModelError) return { type: 'failed', name: e.name, message: e.message, model: e.model, where: e.where };
  if (e instanceof IntOverflow) return { type: 'failed', name: e.name, message: e.message, text: e.text };
  return { type: 'failed', name: e instanceof Error ? e.name : 'Error', message: e instanceof Error ? e.message : String(e) };
}
