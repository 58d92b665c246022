/**
 * Deferred work and completions: what a driver uses when it finishes a job
 * after the call that started it has returned.
 *
 * - `schedule_work(work, data)` (include/linux/workqueue.h) queues a work
 *   item: a new kernel worker thread (`kworker1`, `kworker2`, … in traces)
 *   runs the item's `func(data)` later, interleaved with every other thread
 *   like a `parallel` branch. `work` is an ops table of the prelude's
 *   `work_struct` type; `data` stands for the structure the kernel's work
 *   function reaches with container_of(). Queueing an item that is still
 *   pending (queued, not yet started) does nothing and gives false, as
 *   queue_work() does for a work_struct with WORK_STRUCT_PENDING set.
 * - `flush_work(work, data)` waits until the queued runs of that item have
 *   finished (flush_work(): the last queueing instance of one work_struct).
 * - `init_completion()`, `complete(c)`, `complete_all(c)`,
 *   `wait_for_completion(c)` and `reinit_completion(c)` follow
 *   kernel/sched/completion.c: `done` counts the completes not yet consumed,
 *   `complete_all` makes it unbounded, each wait consumes one.
 *
 * A worker is a scenario thread: a run has finished only when its workers
 * have, and a worker that can never go on makes the run a deadlock.
 *
 * Work items are non-reentrant (dbf2576e37, "workqueue: make all workqueues
 * non-reentrant"; Documentation/core-api/workqueue.rst, "Non-reentrance
 * Conditions"): a run queued while an earlier run of the same item is
 * executing waits until that run has finished (__queue_work() sends it to the
 * pool where the item runs, and find_worker_executing_work() defers it), so
 * two runs of one item never interleave.
 */
import { isRef, refId, type Value } from '../runtime/values.js';
import type { NativeFrame, World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import { fail, ret, wait, type KindImpl, type Model, type ModelContext, type NativeResult, type PrimitiveImpl, type ThreadGate } from './model.js';
import { MAX_SCHEDULE_TIMEOUT, waited } from './fence.js';
import { K, param } from './sig.js';

/** Label prefix of worker threads. */
export const WORKER = 'kworker';
/** `done` of a completion after complete_all(). */
const ALL = -1;

/** The compiled `func` of a `work_struct` ops table, or a result that stops the run. */
function workBody(cx: ModelContext, work: Value, what: string): number | NativeResult {
  if (typeof work !== 'string' || !work.startsWith('&')) return cx.fatal('model.null_deref', `${what} of ${cx.show(work)}, not a work item`);
  const body = cx.callback(work, 'func');
  return body === undefined ? fail('EINVAL') : body;
}

const isWorker = (w: World, t: number, body: number) => {
  const th = w.threads[t]!;
  return th.label.startsWith(WORKER) && th.root === body;
};

const scheduleWork: PrimitiveImpl = {
  sig: {
    name: 'schedule_work',
    params: [param('work', T.ops('work_struct')), param('data', T.unknown, true)],
    returns: T.bool,
    doc: 'Queues the work item: a kernel worker thread runs its `func(data)` later, interleaved with everything else. False when the same item is already pending (not yet started).',
  },
  start(cx, [work, data]) {
    const body = workBody(cx, work ?? null, 'schedule_work');
    if (typeof body !== 'number') return body;
    const arg = data ?? null;
    const w = cx.world;
    // Still pending: a worker for the same item and data that has not entered func yet.
    for (let t = 0; t < w.threads.length; t++) {
      const f = w.threads[t]!.frames[0];
      if (isWorker(w, t, body) && !w.threads[t]!.done && f?.k === 'c' && f.entry && f.locals[0] === arg) return ret(false);
    }
    const n = w.threads.filter((th) => th.label.startsWith(WORKER)).length + 1;
    const locals: Value[] = [arg];
    while (locals.length < cx.program.bodies[body]!.locals) locals.push(null);
    w.threads.push({
      label: `${WORKER}${n}`,
      root: body,
      frames: [{ k: 'c', body, pc: 0, locals, stack: [], held: [], tr: true, entry: true }],
      done: false,
    });
    return ret(true);
  },
};

/**
 * flush_work() waits for the last queueing of one work_struct: here the item
 * is the ops table and the `data` it was queued with, so a flush does not wait
 * for runs of the same function on other data (another object's work_struct).
 * `regs`: the body, the table, the data.
 */
const flushWork: PrimitiveImpl = {
  sig: {
    name: 'flush_work',
    params: [param('work', T.ops('work_struct')), param('data', T.unknown, true)],
    returns: T.bool,
    doc: 'Waits until the queued runs of the work item (the table and the `data` it was queued with) have finished; true if it had to wait.',
  },
  start(cx, [work, data], frame) {
    const body = workBody(cx, work ?? null, 'flush_work');
    if (typeof body !== 'number') return body;
    frame.regs = [body, work!, data ?? null];
    return flushReady(cx.world, frame) ? ret(false) : wait(1);
  },
  resume() {
    return ret(true);
  },
  ready: (w, frame) => flushReady(w, frame),
  waitsFor: (_w, frame, show) => `work ${show(frame.regs[1]!)} to finish`,
};

function flushReady(w: World, frame: NativeFrame): boolean {
  const body = frame.regs[0] as number;
  const data = frame.regs[2] ?? null;
  return !w.threads.some((th, t) => !th.done && isWorker(w, t, body) && th.frames[0]?.k === 'c' && th.frames[0].locals[0] === data);
}

// ---- completions ---------------------------------------------------------------

function completionOf(cx: ModelContext, c: Value, what: string): NativeResult | undefined {
  const o = cx.obj(c);
  if (!o || o.kind !== 'completion') return cx.fatal('model.null_deref', `${what} of ${cx.show(c)}, not a completion`);
  return undefined;
}

const doneOf = (w: World, c: Value): number => (isRef(c) ? (w.objects[refId(c)]!.f.done as number) : 0);

const initCompletion: PrimitiveImpl = {
  sig: { name: 'init_completion', params: [], returns: K.completion, doc: 'A new completion, not done (struct completion, init_completion()).' },
  start(cx) {
    return ret(cx.create('completion', { done: 0 }));
  },
};

function signal(all: boolean): PrimitiveImpl {
  const name = all ? 'complete_all' : 'complete';
  const doc = all ? 'Signals the completion for good: every waiter goes on until it is reinitialised.' : 'Signals the completion once: one waiter (present or future) goes on.';
  return {
    sig: { name, params: [param('c', K.completion)], returns: T.void, doc },
    start(cx, [c]) {
      const bad = completionOf(cx, c ?? null, name);
      if (bad) return bad;
      const o = cx.obj(c!)!;
      const done = o.f.done as number;
      o.f.done = all ? ALL : done === ALL ? ALL : done + 1;
      return ret(null);
    },
  };
}

const reinitCompletion: PrimitiveImpl = {
  sig: { name: 'reinit_completion', params: [param('c', K.completion)], returns: T.void, doc: 'Makes the completion not done again.' },
  start(cx, [c]) {
    const bad = completionOf(cx, c ?? null, 'reinit_completion');
    if (bad) return bad;
    cx.obj(c!)!.f.done = 0;
    return ret(null);
  },
};

/** Consumes one complete (none after complete_all, which stays done). */
function consume(cx: ModelContext, c: Value): void {
  const o = cx.obj(c)!;
  if ((o.f.done as number) > 0) o.f.done = (o.f.done as number) - 1;
}

const waitForCompletion: PrimitiveImpl = {
  sig: { name: 'wait_for_completion', params: [param('c', K.completion)], returns: T.void, doc: 'Blocks until the completion is signalled, and consumes one `complete`.' },
  start(cx, [c], frame) {
    const bad = completionOf(cx, c ?? null, 'wait_for_completion');
    if (bad) return bad;
    frame.regs = [c!];
    if (doneOf(cx.world, c!) === 0) return wait(1);
    consume(cx, c!);
    return ret(null);
  },
  resume(cx, frame) {
    consume(cx, frame.regs[0]!);
    return ret(null);
  },
  ready: (w, frame) => doneOf(w, frame.regs[0]!) !== 0,
  waitsFor: (_w, frame, show) => `${show(frame.regs[0]!)} to be completed`,
};

/**
 * wait_for_completion_timeout(x, timeout) (kernel/sched/completion.c): 0 when
 * the timeout expired first, else the time left (> 0), having consumed one
 * complete. A timeout is a nondeterministic outcome, not wall-clock time: a
 * waiter whose completion has not come may time out at any step, and one
 * whose completion came goes on with it. MAX_SCHEDULE_TIMEOUT waits for
 * good, as wait_for_completion() does. `regs`: the completion, unbounded.
 */
const waitForCompletionTimeout: PrimitiveImpl = {
  sig: {
    name: 'wait_for_completion_timeout',
    params: [param('c', K.completion), param('timeout', T.int)],
    returns: T.int,
    doc: 'Waits for the completion at most `timeout`: 0 when it expired first (at any step before the complete), else > 0, having consumed one `complete`. MAX_SCHEDULE_TIMEOUT waits for good.',
  },
  start(cx, [c, timeout], frame) {
    const bad = completionOf(cx, c ?? null, 'wait_for_completion_timeout');
    if (bad) return bad;
    const unbounded = timeout === MAX_SCHEDULE_TIMEOUT;
    frame.regs = [c!, unbounded];
    if (doneOf(cx.world, c!) === 0) return wait(1);
    consume(cx, c!);
    return ret(waited(true, unbounded));
  },
  resume(cx, frame) {
    const done = doneOf(cx.world, frame.regs[0]!) !== 0;
    if (done) consume(cx, frame.regs[0]!);
    return ret(waited(done, frame.regs[1] === true));
  },
  ready: (w, frame) => frame.regs[1] !== true || doneOf(w, frame.regs[0]!) !== 0,
  waitsFor: (_w, frame, show) => `${show(frame.regs[0]!)} to be completed`,
};

const completionKind: KindImpl = {
  name: 'completion',
  doc: "The kernel's struct completion (kernel/sched/completion.c): `done` counts the completes not yet consumed.",
  fields: {},
};

/** A worker that has not entered `func` waits while an earlier worker of the same item and data is inside it. */
const nonReentrant: ThreadGate = {
  blocked(w, t) {
    const th = w.threads[t]!;
    if (!th.label.startsWith(WORKER) || th.frames.length !== 1) return undefined;
    const f = th.frames[0]!;
    if (f.k !== 'c' || !f.entry) return undefined;
    // A loop, not `find`: every thread's every look at whether it can step asks this.
    for (let i = 0; i < w.threads.length; i++) {
      const u = w.threads[i]!;
      if (i === t || u.done || !isWorker(w, i, th.root)) continue;
      const g = u.frames[0];
      if (g?.k === 'c' && g.locals[0] === f.locals[0] && !(u.frames.length === 1 && g.entry)) return `the run of the same work item on ${u.label} to finish`;
    }
    return undefined;
  },
};

/** Deferred work on kernel worker threads, and completions. */
export const workModel: Model = {
  threadGate: nonReentrant,
  name: 'work',
  kinds: [completionKind],
  primitives: [scheduleWork, flushWork, initCompletion, signal(false), signal(true), reinitCompletion, waitForCompletion, waitForCompletionTimeout],
};
