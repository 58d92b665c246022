/**
 * The worker threads of a parallel search (src/explore/parallel.ts), as the
 * CLI runs them: each loads this same executable, checks the same spec
 * texts, and serves a SearchWorker. The search waits on them synchronously
 * (it runs in the CLI's own worker thread, which has nothing else to do):
 * replies come on message ports it reads with `receiveMessageOnPort`, and
 * a shared counter, bumped after each reply, is what it sleeps on.
 */
import { getHeapStatistics } from 'node:v8';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { check, searchWorker, type FromWorker, type SpecHost, type StartPool, type ToWorker, type WorkerPool } from '../index.js';

/** Seconds without a word from any worker after which the search gives up on them. */
const SILENT_S = 120;

/** The spec a search worker checks: the texts the CLI checked, so that both see the same program. */
export interface WorkerSpec {
  readonly uri: string;
  readonly sources: readonly (readonly [string, string])[];
  readonly reduce: boolean;
  readonly exact: boolean;
}

interface SearchWorkerData extends WorkerSpec {
  readonly role: 'search';
  readonly scenario: string;
  readonly index: number;
  readonly count: number;
  readonly notify: SharedArrayBuffer;
  readonly port: MessagePort;
}

/** Whether this thread was started as a search worker. */
export function isSearchWorker(data: unknown): data is SearchWorkerData {
  return typeof data === 'object' && data !== null && (data as { role?: unknown }).role === 'search';
}

/** How the CLI starts search workers for `spec`: threads running `entry` (this executable). */
export function workerPool(entry: URL, spec: WorkerSpec): StartPool {
  return (scenario, count) => {
    const notify = new SharedArrayBuffer(4);
    const counter = new Int32Array(notify);
    const ports: MessagePort[] = [];
    const threads: Worker[] = [];
    for (let index = 0; index < count; index++) {
      const { port1, port2 } = new MessageChannel();
      const data: SearchWorkerData = { role: 'search', ...spec, scenario, index, count, notify, port: port2 };
      threads.push(new Worker(entry, { workerData: data, transferList: [port2] }));
      ports.push(port1);
    }
    const pool: WorkerPool = {
      size: count,
      post: (k, message: ToWorker) => ports[k]!.postMessage(message),
      receive(block) {
        let silent = 0;
        for (;;) {
          const seen = Atomics.load(counter, 0);
          for (let k = 0; k < ports.length; k++) {
            const got = receiveMessageOnPort(ports[k]!);
            if (got) return { from: k, message: got.message as FromWorker };
          }
          if (!block) return undefined;
          // A reply bumps the counter after it is posted: if one came since `seen`, this returns at once.
          // A worker that died (its heap ran out) answers nothing, and this thread cannot hear of its
          // exit while it waits: after two minutes of silence the search stops instead of hanging.
          if (Atomics.wait(counter, 0, seen, 1000) === 'timed-out' && ++silent >= SILENT_S) {
            throw new Error(`the search's worker threads have not answered for ${SILENT_S} s: one may have stopped (out of memory?); run with --workers 1`);
          }
        }
      },
      close() {
        for (const p of ports) p.close();
        for (const t of threads) void t.terminate();
      },
    };
    return pool;
  };
}

/** Serves a search from this worker thread until the search closes its port. */
export function runSearchWorker(data: SearchWorkerData, host: SpecHost): void {
  const counter = new Int32Array(data.notify);
  const post = (reply: FromWorker) => {
    data.port.postMessage(reply);
    Atomics.add(counter, 0, 1);
    Atomics.notify(counter, 0);
  };
  try {
    const texts = new Map(data.sources);
    const own: SpecHost = { resolve: host.resolve, read: (uri) => texts.get(uri) ?? host.read(uri) };
    const checked = check(texts.get(data.uri) ?? '', { uri: data.uri, host: own });
    const worker = searchWorker(checked.program, data.scenario, { reduce: data.reduce, exact: data.exact }, data.index, data.count, () => getHeapStatistics().used_heap_size);
    // Between chunks of work every message that has come is taken first: a world the search
    // wants back, or one it releases, does not wait behind a thousand expansions.
    let scheduled = false;
    const run = () => {
      scheduled = false;
      for (let m = receiveMessageOnPort(data.port); m; m = receiveMessageOnPort(data.port)) worker.handle(m.message as ToWorker, post);
      if (worker.work(post)) schedule();
    };
    const schedule = () => {
      if (!scheduled) {
        scheduled = true;
        setImmediate(run);
      }
    };
    data.port.on('message', (m: ToWorker) => {
      worker.handle(m, post);
      schedule();
    });
    post({ type: 'ready' });
  } catch (e) {
    post({ type: 'failed', name: 'Error', message: `a search worker could not start: ${e instanceof Error ? e.message : String(e)}` });
  }
}
