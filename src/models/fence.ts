/**
 * DMA fences and the reservation object's fence slots (drivers/dma-buf/dma-fence.c,
 * drivers/dma-buf/dma-resv.c), part of the DMA-BUF model: the kernel's way of
 * saying "this DMA may still run until that fence signals".
 *
 * - A `dma_fence` is signalled once. `dma_fence_init()` makes one the driver
 *   signals itself (`dma_fence_signal`); `hw_start_fenced(dev, sgt)` and
 *   `hw_stop_async(dev, sgt)` make one the *device* signals, on its own, at
 *   a later step of its hardware thread: until then it may go on DMAing
 *   through `sgt`, and when it signals it stops (src/models/hw.ts keeps the
 *   arming). `hw_stop` stays the synchronous stop (mlx5's ZAP UMR, which
 *   waits for its completion), and signals the device's fences for that
 *   mapping.
 * - `dma_resv_add_fence(resv, f, usage)` publishes a fence in a buffer's
 *   reservation object (`b.resv`); the kernel asserts the lock
 *   (dma_resv_assert_held(), the kernel check `dmabuf.add_fence_locked`).
 * - `dma_resv_wait_timeout(resv, usage, intr, timeout)` waits for the
 *   unsignalled fences whose usage is at most `usage` in the kernel's order
 *   KERNEL < WRITE < READ < BOOKKEEP (dma_resv_iter_walk_unlocked():
 *   `cursor->usage >= cursor->fence_usage`), so BOOKKEEP waits for all.
 *   `dma_resv_test_signaled` asks the same without waiting.
 * - Bounded waits (`dma_resv_wait_timeout` with a timeout other than
 *   MAX_SCHEDULE_TIMEOUT, `dma_fence_wait_timeout`) may return 0 at any step
 *   while the fences are unsignalled: a timeout is a nondeterministic
 *   outcome, not wall-clock time. An unbounded wait blocks, and one that
 *   can never end is a deadlock that names the fences it waits for.
 */
import { isRef, ref, refId, type Value } from '../runtime/values.js';
import { own, type NativeFrame, type Obj, type World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import type { ConstantSpec } from '../semantics/vocabulary.js';
import { ret, wait, type KindImpl, type ModelContext, type NativeResult, type PrimitiveImpl, type SignalImpl } from './model.js';
import { K, param } from './sig.js';

const fenceType = T.object('dma_fence');

/** include/linux/dma-resv.h, enum dma_resv_usage, in its order. */
export const USAGES = ['DMA_RESV_USAGE_KERNEL', 'DMA_RESV_USAGE_WRITE', 'DMA_RESV_USAGE_READ', 'DMA_RESV_USAGE_BOOKKEEP'] as const;

/** include/linux/sched.h: MAX_SCHEDULE_TIMEOUT (LONG_MAX there; the largest exact integer here). */
export const MAX_SCHEDULE_TIMEOUT = Number.MAX_SAFE_INTEGER;

/**
 * What a `*_timeout` wait returns (wait_for_completion_timeout(),
 * dma_fence_wait_timeout(), dma_resv_wait_timeout()): 0 when it timed out,
 * else the time left, which for MAX_SCHEDULE_TIMEOUT stays that and for a
 * bounded wait is some positive amount (1 here: a timeout has no length).
 */
export function waited(done: boolean, unbounded: boolean): number {
  return done ? (unbounded ? MAX_SCHEDULE_TIMEOUT : 1) : 0;
}

export const fenceConstants: Record<string, ConstantSpec> = {
  DMA_RESV_USAGE_KERNEL: { type: T.int, value: 0, doc: 'dma_resv usage: kernel memory management (a move or clear); every wait waits for it.' },
  DMA_RESV_USAGE_WRITE: { type: T.int, value: 1, doc: 'dma_resv usage: an implicitly synchronised write.' },
  DMA_RESV_USAGE_READ: { type: T.int, value: 2, doc: 'dma_resv usage: an implicitly synchronised read.' },
  DMA_RESV_USAGE_BOOKKEEP: { type: T.int, value: 3, doc: 'dma_resv usage: fences no implicit sync waits for (an importer\'s own jobs); waiting with it waits for every fence.' },
  MAX_SCHEDULE_TIMEOUT: { type: T.int, value: MAX_SCHEDULE_TIMEOUT, doc: 'A timeout that never expires: the wait is unbounded (include/linux/sched.h).' },
};

function fenceOf(cx: ModelContext, f: Value, what: string): Obj | NativeResult {
  const o = cx.obj(f);
  if (!o || o.kind !== 'dma_fence') return cx.fatal('model.null_deref', `${what} of ${cx.show(f)}, not a dma_fence`);
  return o;
}
const isResult = (x: Obj | NativeResult): x is NativeResult => 'k' in x;

/** A fence the device `dev` signals when its DMA through `sgt` is over; `at`/`body` place it in traces. */
export function deviceFence(cx: ModelContext, dev: Value, sgt: Value, signaled: boolean, frame: NativeFrame): string {
  return cx.create('dma_fence', { signaled, dev, sgt, resvs: [], at: frame.at, body: frame.body });
}

/** Signals every unsignalled fence of `dev`'s DMA through `sgt` (the device stopped it). */
export function signalDeviceFences(w: World, dev: Value, sgt: Value): void {
  w.objects.forEach((o, id) => {
    if (o.kind === 'dma_fence' && !o.f.signaled && o.f.dev === dev && o.f.sgt === sgt) own(w, id).f.signaled = true;
  });
}

/** The unsignalled fences of reservation object `resv` with a usage at most `usage`. */
function pendingIn(w: World, resv: Value, usage: number): number[] {
  const out: number[] = [];
  w.objects.forEach((o, id) => {
    if (o.kind !== 'dma_fence' || o.f.signaled) return;
    const rs = o.f.resvs as readonly (readonly Value[])[];
    if (rs.some(([r, u]) => r === resv && (u as number) <= usage)) out.push(id);
  });
  return out;
}

function usageArg(cx: ModelContext, u: Value, what: string): number | NativeResult {
  if (typeof u !== 'number' || !Number.isInteger(u) || u < 0 || u >= USAGES.length) {
    return cx.fatal('model.null_deref', `${what} with usage ${cx.show(u)}: not one of ${USAGES.join(', ')}`);
  }
  return u;
}

function resvArg(cx: ModelContext, r: Value, what: string): NativeResult | undefined {
  const o = cx.obj(r);
  if (!o || o.kind !== 'mutex') return cx.fatal('model.null_deref', `${what} of ${cx.show(r)}, not a reservation object (\`b.resv\`)`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(r)}, whose buffer has been released`);
  return undefined;
}

const init: PrimitiveImpl = {
  sig: { name: 'dma_fence_init', params: [], returns: fenceType, doc: 'A new fence the driver signals itself with `dma_fence_signal` (dma_fence_init()).' },
  start(cx) {
    return ret(cx.create('dma_fence', { signaled: false, dev: null, sgt: null, resvs: [], at: -1, body: -1 }));
  },
};

const signal: PrimitiveImpl = {
  sig: { name: 'dma_fence_signal', params: [param('f', fenceType)], returns: T.void, doc: 'Signals the fence: its waiters go on (dma_fence_signal()). A second signal does nothing.' },
  start(cx, [f]) {
    const o = fenceOf(cx, f ?? null, 'dma_fence_signal');
    if (isResult(o)) return o;
    o.f.signaled = true;
    return ret(null);
  },
};

const isSignaled: PrimitiveImpl = {
  sig: { name: 'dma_fence_is_signaled', params: [param('f', fenceType)], returns: T.bool, doc: 'Whether the fence has signalled (dma_fence_is_signaled()).' },
  start(cx, [f]) {
    const o = fenceOf(cx, f ?? null, 'dma_fence_is_signaled');
    return isResult(o) ? o : ret(o.f.signaled === true);
  },
};

const signaledNow = (w: World, f: Value): boolean => isRef(f) && w.objects[refId(f)]!.f.signaled === true;

/**
 * dma_fence_wait(f, intr) and dma_fence_wait_timeout(f, intr, timeout):
 * `bounded` may time out (0) at any step before the signal. `regs`: the fence.
 */
function fenceWait(bounded: boolean): PrimitiveImpl {
  const name = bounded ? 'dma_fence_wait_timeout' : 'dma_fence_wait';
  return {
    sig: bounded
      ? { name, params: [param('f', fenceType), param('intr', T.bool), param('timeout', T.int)], returns: T.int, doc: 'Waits for the fence; 0 when the timeout expires first (any time before the signal), else > 0 (dma_fence_wait_timeout()). MAX_SCHEDULE_TIMEOUT waits for good.' }
      : { name, params: [param('f', fenceType), param('intr', T.bool, true)], returns: T.int, doc: 'Blocks until the fence signals; 0 (dma_fence_wait()). Interruption is not modelled.' },
    start(cx, args, frame) {
      const o = fenceOf(cx, args[0] ?? null, name);
      if (isResult(o)) return o;
      const unbounded = !bounded || args[2] === MAX_SCHEDULE_TIMEOUT;
      frame.regs = [args[0]!, unbounded];
      if (o.f.signaled) return ret(bounded ? waited(true, unbounded) : 0);
      return wait(1);
    },
    resume(cx, frame) {
      const done = signaledNow(cx.world, frame.regs[0]!);
      if (!bounded) return ret(0);
      return ret(waited(done, frame.regs[1] === true));
    },
    ready: (w, frame) => frame.regs[1] !== true || signaledNow(w, frame.regs[0]!),
    waitsFor: (w, frame, show) => fenceWaitText(w, [refId(frame.regs[0] as string)], show),
  };
}

/** "dma_fence#9 (signalled by hw:gpu) to signal", for deadlock reports. */
function fenceWaitText(w: World, ids: readonly number[], show: (v: Value) => string): string {
  const one = (id: number) => {
    const dev = w.objects[id]!.f.dev ?? null;
    return `${show(ref(id))} (${dev === null ? 'a fence its driver signals with dma_fence_signal' : `signalled by hw:${show(dev)}`})`;
  };
  return `${ids.map(one).join(', ')} to signal`;
}

const addFence: PrimitiveImpl = {
  sig: {
    name: 'dma_resv_add_fence',
    params: [param('resv', K.mutex), param('f', fenceType), param('usage', T.int)],
    returns: T.void,
    doc: 'Publishes a fence in the reservation object (`b.resv`) with a usage (DMA_RESV_USAGE_*); the caller holds the lock (dma_resv_add_fence()).',
  },
  start(cx, [r, f, u]) {
    const bad = resvArg(cx, r ?? null, 'dma_resv_add_fence');
    if (bad) return bad;
    const o = fenceOf(cx, f ?? null, 'dma_resv_add_fence');
    if (isResult(o)) return o;
    const usage = usageArg(cx, u ?? null, 'dma_resv_add_fence');
    if (typeof usage !== 'number') return usage;
    const rs = (o.f.resvs as readonly (readonly Value[])[]).filter(([x]) => x !== r);
    // One entry per reservation object: adding the same fence again keeps the stronger (smaller) usage.
    const had = (o.f.resvs as readonly (readonly Value[])[]).find(([x]) => x === r);
    const keep = had ? Math.min(had[1] as number, usage) : usage;
    o.f.resvs = [...rs, [r!, keep]].sort((a, b) => refId(a[0] as string) - refId(b[0] as string));
    return ret(null);
  },
};

/** dma_resv_wait_timeout(obj, usage, intr, timeout). `regs`: the resv, the usage, unbounded. */
const resvWaitTimeout: PrimitiveImpl = {
  sig: {
    name: 'dma_resv_wait_timeout',
    params: [param('resv', K.mutex), param('usage', T.int), param('intr', T.bool), param('timeout', T.int)],
    returns: T.int,
    doc: 'Waits for the unsignalled fences of `usage` or a stronger usage; > 0 when they all signalled, 0 when the timeout expired first (any time before). MAX_SCHEDULE_TIMEOUT waits for good (dma_resv_wait_timeout()).',
  },
  start(cx, [r, u, , timeout], frame) {
    const bad = resvArg(cx, r ?? null, 'dma_resv_wait_timeout');
    if (bad) return bad;
    const usage = usageArg(cx, u ?? null, 'dma_resv_wait_timeout');
    if (typeof usage !== 'number') return usage;
    const unbounded = timeout === MAX_SCHEDULE_TIMEOUT;
    frame.regs = [r!, usage, unbounded];
    if (pendingIn(cx.world, r!, usage).length === 0) return ret(waited(true, unbounded));
    return wait(1);
  },
  resume(cx, frame) {
    const done = pendingIn(cx.world, frame.regs[0]!, frame.regs[1] as number).length === 0;
    return ret(waited(done, frame.regs[2] === true));
  },
  ready: (w, frame) => frame.regs[2] !== true || pendingIn(w, frame.regs[0]!, frame.regs[1] as number).length === 0,
  waitsFor: (w, frame, show) => fenceWaitText(w, pendingIn(w, frame.regs[0]!, frame.regs[1] as number), show),
};

const testSignaled: PrimitiveImpl = {
  sig: {
    name: 'dma_resv_test_signaled',
    params: [param('resv', K.mutex), param('usage', T.int)],
    returns: T.bool,
    doc: 'Whether every fence of `usage` or a stronger usage has signalled, without waiting (dma_resv_test_signaled()).',
  },
  start(cx, [r, u]) {
    const bad = resvArg(cx, r ?? null, 'dma_resv_test_signaled');
    if (bad) return bad;
    const usage = usageArg(cx, u ?? null, 'dma_resv_test_signaled');
    if (typeof usage !== 'number') return usage;
    return ret(pendingIn(cx.world, r!, usage).length === 0);
  },
};

export const fenceKind: KindImpl = {
  name: 'dma_fence',
  doc: 'A DMA fence (struct dma_fence): signalled once, by the driver (`dma_fence_signal`) or, for `hw_start_fenced`/`hw_stop_async`, by the device when its DMA is over.',
  fields: {
    signaled: { type: T.bool, doc: 'Whether it has signalled (dma_fence_is_signaled(); reading the field takes no step).' },
    dev: { type: T.optional(K.dev), doc: 'The device that signals it, or none for a fence its driver signals.' },
  },
  setFields: ['resvs'],
};

/**
 * A device signals its fences on its own: at any step after `hw_stop_async`
 * (or `hw_start_fenced`), the device finishes its DMA through that mapping,
 * signals every fence of it and is no longer armed for it. A removed device
 * signals too: its job is over (the driver's teardown signals its fences
 * with an error), so a waiter is not left waiting on hardware that is gone.
 */
export const deviceSignals: SignalImpl = {
  pending(w) {
    // One step per (device, mapping): its fences signal together; the first fence names it.
    const out: number[] = [];
    const seen = new Set<string>();
    w.objects.forEach((o, id) => {
      if (o.kind !== 'dma_fence' || o.f.signaled || o.f.dev === null) return;
      const job = `${String(o.f.dev)} ${String(o.f.sgt)}`;
      if (!seen.has(job)) {
        seen.add(job);
        out.push(id);
      }
    });
    return out;
  },
  fire(w, id, show) {
    const o = w.objects[id]!;
    const dev = o.f.dev!;
    const sgt = o.f.sgt ?? null;
    signalDeviceFences(w, dev, sgt);
    if (isRef(sgt)) {
      const di = refId(dev as string);
      const si = refId(sgt);
      w.armed = w.armed.filter((a) => !(a[0] === di && a[1] === si));
    }
    return { device: refId(dev as string), text: `signal ${show(ref(id))}${isRef(sgt) ? ` (DMA through ${show(sgt)} is over)` : ''}`, at: o.f.at as number, body: o.f.body as number, violations: [] };
  },
};

export const fencePrimitives: readonly PrimitiveImpl[] = [init, signal, isSignaled, fenceWait(false), fenceWait(true), addFence, resvWaitTimeout, testSignaled].map((p) => ({ ...p, unmerged: true as const }));
