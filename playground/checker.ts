/**
 * The page's side of the language worker: it sends the checks and the
 * editor's questions, and watches the worker. A check that throws in the
 * worker comes back as a failure. A worker that dies, or does not answer a
 * check within its deadline, is replaced, and the questions it left
 * unanswered get empty answers, so the editor never waits on a worker that is
 * gone. A check still unanswered after a second is remembered in local
 * storage until it is answered, so that a page that hung or crashed on a text
 * does not check that text again by itself after a reload.
 */
import { filesKey } from './files.js';
import type { Ask, WorkerClient } from './language.js';
import { emptyAnswer, type Request, type Response, type Snapshot } from './protocol.js';
import type { UnfinishedChecks } from './unfinished.js';

type Diagnostics = Extract<Response, { type: 'diagnostics' }>;

/** Why a check gave no diagnostics. */
export interface CheckFailure {
  readonly version: number;
  /** `error`: the checker threw; `timeout`: no answer within the deadline; `crash`: the worker died. */
  readonly kind: 'error' | 'timeout' | 'crash';
  readonly message: string;
}

/** The bounds the page keeps the worker to; the end-to-end tests shorten them. */
export interface CheckLimits {
  /** How long a check of `length` characters may take before the worker is given up. */
  deadlineMs(length: number): number;
  /** A check unanswered this long is remembered until it is answered. */
  slowMs: number;
}

/** 10 s, and 1 s more for each 100,000 characters: far more than any spec the checker can take needs. */
export const defaultLimits: CheckLimits = { deadlineMs: (length) => 10_000 + length / 100, slowMs: 1_000 };

/** The language worker, watched. */
export class Checker implements WorkerClient {
  private worker!: Worker;
  private nextId = 1;
  private readonly waiting = new Map<number, { type: Ask['type']; resolve: (r: Response) => void }>();
  /** The check sent last and not answered yet. */
  private pending: { version: number; text: string; deadline: ReturnType<typeof setTimeout>; slow: ReturnType<typeof setTimeout> } | undefined;

  constructor(
    private readonly url: URL,
    private readonly on: { diagnostics(m: Diagnostics): void; failed(f: CheckFailure): void },
    private readonly unfinished: UnfinishedChecks,
    readonly limits: CheckLimits = { ...defaultLimits },
  ) {
    this.start();
  }

  /** Checks a version of the tabs; their diagnostics, or why there are none, come through `on`. */
  check(snapshot: Snapshot): void {
    const { version } = snapshot;
    // The checks remembered across reloads go by the text of a single tab, by all of them for several.
    const text = filesKey(snapshot.files);
    // The worker coalesces checks, so the deadline runs from the oldest one it has not answered.
    const deadline = this.pending?.deadline ?? setTimeout(() => this.giveUp('timeout', `it did not answer within ${Math.round(this.limits.deadlineMs(text.length) / 1000)} s`), this.limits.deadlineMs(text.length));
    clearTimeout(this.pending?.slow);
    const slow = setTimeout(() => this.unfinished.add(text), this.limits.slowMs);
    this.pending = { version, text, deadline, slow };
    this.worker.postMessage({ type: 'check', ...snapshot } satisfies Request);
  }

  request<T extends 'completions' | 'hover' | 'definition'>(message: Ask, _answer: T): Promise<Extract<Response, { type: T }>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.waiting.set(id, { type: message.type, resolve: resolve as (r: Response) => void });
      this.worker.postMessage({ ...message, id } as Request);
    });
  }

  private start(): void {
    this.worker = new Worker(this.url);
    this.worker.onmessage = (e: MessageEvent<Response>) => this.receive(e.data);
    // An exception the worker did not catch, or a worker that could not start.
    this.worker.onerror = (e) => {
      e.preventDefault();
      this.giveUp('crash', e.message || 'the worker stopped');
    };
    this.worker.onmessageerror = () => this.giveUp('crash', 'an answer could not be read');
  }

  private receive(m: Response): void {
    if (m.type === 'diagnostics' || m.type === 'check-failed') {
      // Only the newest check ends the wait: an older one's answer may come first.
      if (this.pending && m.version >= this.pending.version) this.settle(this.pending.text);
      if (m.type === 'diagnostics') this.on.diagnostics(m);
      else this.on.failed({ version: m.version, kind: 'error', message: m.message });
    } else if ('id' in m) {
      const w = this.waiting.get(m.id);
      this.waiting.delete(m.id);
      w?.resolve(m);
    }
  }

  private settle(text: string): void {
    clearTimeout(this.pending?.deadline);
    clearTimeout(this.pending?.slow);
    this.pending = undefined;
    this.unfinished.delete(text);
  }

  /** Ends a worker that hung or died: the questions it owed get empty answers, and a fresh worker takes over. */
  private giveUp(kind: 'timeout' | 'crash', message: string): void {
    const p = this.pending;
    clearTimeout(p?.deadline);
    clearTimeout(p?.slow);
    this.pending = undefined;
    // A text the worker hung on stays remembered; one it crashed on at once does not leave the page stuck.
    if (p && kind === 'timeout') this.unfinished.add(p.text);
    else if (p) this.unfinished.delete(p.text);
    this.worker.onerror = null;
    this.worker.onmessage = null;
    this.worker.terminate();
    for (const [id, w] of this.waiting) w.resolve(emptyAnswer(w.type, id));
    this.waiting.clear();
    this.start();
    this.on.failed({ version: p?.version ?? -1, kind, message });
  }
}
