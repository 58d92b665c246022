/**
 * Locks, as kernel/locking/ has them.
 *
 * - **Mutexes** (kernel/locking/mutex.c). `lock m { }` and `mutex_lock(m)` /
 *   `mutex_unlock(m)`. Taking a mutex another thread holds blocks the thread;
 *   a mutex is not recursive, so taking one the thread holds blocks it for
 *   good. Unlocking one the thread does not hold is `model.bad_unlock`.
 *   `mutex_destroy(m)` ends it (with CONFIG_DEBUG_MUTEXES, a later use warns:
 *   `lock->magic != lock`); destroying a locked one is
 *   `model.destroy_locked` (mutex_destroy(): DEBUG_LOCKS_WARN_ON(mutex_is_locked(lock))).
 * - **Reservation locks with acquire contexts** (a buffer's `resv` is a
 *   ww_mutex of `reservation_ww_class`, a Wait-Die class:
 *   drivers/dma-buf/dma-resv.c, DEFINE_WD_CLASS). `dma_resv_lock(m, ctx)`
 *   with a context from `ww_acquire_init()`: a younger context that already
 *   holds a lock and asks for one an older context holds (or is waiting
 *   for) fails with EDEADLK instead of waiting (kernel/locking/ww_mutex.h,
 *   __ww_mutex_check_kill(), __ww_mutex_add_waiter()); a context that holds
 *   nothing waits; taking a lock the same context holds fails with EALREADY.
 *   The caller drops what it holds and retries with `dma_resv_lock_slow`.
 *   With `none` as the context it is a plain mutex (no EDEADLK, ABBA
 *   deadlocks), as `dma_resv_lock(obj, NULL)` is.
 * - **Reader-writer semaphores** (kernel/locking/rwsem.c; vfio-pci's
 *   `vdev->memory_lock`). `down_read`/`up_read`, `down_write`/`up_write`,
 *   and `lock s { }` takes it for write. Readers share; a writer excludes
 *   readers and writers; a new reader waits while readers hold the lock and
 *   a writer is queued (the read fast path fails on RWSEM_FLAG_WAITERS, and
 *   rwsem_down_read_slowpath() queues behind the writer), so a recursive read
 *   with a writer waiting deadlocks. A reader may take a free lock even with
 *   a writer queued (the slow path's reader lock stealing).
 */
import { isRef, refId, type Value } from '../runtime/values.js';
import type { CodeFrame, NativeFrame, Obj, World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import { fail, ret, wait, type KindImpl, type LockProtocol, type Model, type ModelContext, type NativeResult, type PrimitiveImpl } from './model.js';
import { K, param } from './sig.js';

const objOf = (w: World, v: Value): Obj | undefined => (isRef(v) ? w.objects[refId(v)] : undefined);

/** A live lock of `kind`, or the result that stops the run. */
function lockOf(cx: ModelContext, m: Value, kind: string, what: string): Obj | NativeResult {
  const o = cx.obj(m);
  if (!o || o.kind !== kind) return cx.fatal('model.null_deref', `${what} of ${cx.show(m)}, not a ${kind}`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(m)}, which has been destroyed`);
  return o;
}

const isResult = (x: Obj | NativeResult): x is NativeResult => 'k' in x;

// ---- mutexes ----------------------------------------------------------------------

/** A mutex has one holder (`holder`, a thread index, -1 when free), and the acquire context it was taken with (`ctx`). */
const mutexLock: LockProtocol = {
  holders: (o) => ((o.f.holder as number) >= 0 ? [o.f.holder as number] : []),
  holds: (o, t) => o.f.holder === t,
  free: (o) => o.f.holder === -1,
  take: (o, thread) => {
    o.f.holder = thread;
  },
  release: (o, thread) => {
    if (o.f.holder === thread) o.f.holder = -1;
  },
};

const holderOf = (w: World, m: Value): number => (objOf(w, m)?.f.holder as number | undefined) ?? -1;

/** Who holds a lock, for a deadlock report. */
function heldBy(w: World, m: Value, self: number): string {
  const h = holderOf(w, m);
  return h === self ? 'itself' : (w.threads[h]?.label ?? 'nobody');
}

const mutexLockPrim: PrimitiveImpl = {
  sig: { name: 'mutex_lock', params: [param('m', K.mutex)], returns: T.void, doc: 'Takes a mutex (prefer the scoped `lock m { … }`).' },
  start(cx, [m], frame) {
    const o = lockOf(cx, m ?? null, 'mutex', 'mutex_lock');
    if (isResult(o)) return o;
    frame.regs = [m!, cx.thread];
    if (o.f.holder !== -1) return wait(1);
    o.f.holder = cx.thread;
    return ret(null);
  },
  resume(cx, frame) {
    cx.obj(frame.regs[0]!)!.f.holder = cx.thread;
    return ret(null);
  },
  ready: (w, frame) => holderOf(w, frame.regs[0]!) === -1,
  waitsFor: (w, frame, show) => `${show(frame.regs[0]!)} held by ${heldBy(w, frame.regs[0]!, frame.regs[1] as number)}`,
};

/** Releases a mutex the thread holds, with the acquire context it was taken with; false when it does not hold it. */
function releaseMutex(cx: ModelContext, o: Obj): boolean {
  if (o.f.holder !== cx.thread) return false;
  o.f.holder = -1;
  const ctx = cx.obj(o.f.ctx ?? null);
  if (ctx) ctx.f.acquired = (ctx.f.acquired as number) - 1;
  o.f.ctx = null;
  return true;
}

function unlockPrim(name: 'mutex_unlock' | 'dma_resv_unlock', doc: string): PrimitiveImpl {
  return {
    sig: { name, params: [param('m', K.mutex)], returns: T.void, doc },
    start(cx, [m]) {
      const o = lockOf(cx, m ?? null, 'mutex', name);
      if (isResult(o)) return o;
      if (!releaseMutex(cx, o)) cx.violate('model.bad_unlock', `${cx.show(m!)} is unlocked by ${cx.world.threads[cx.thread]!.label}, which does not hold it`);
      return ret(null);
    },
  };
}

const mutexDestroy: PrimitiveImpl = {
  sig: { name: 'mutex_destroy', params: [param('m', K.mutex)], returns: T.void, doc: 'Marks the mutex unusable (kernel/locking/mutex-debug.c, mutex_destroy()): it ends, and any later use is a use after free.' },
  start(cx, [m]) {
    const o = lockOf(cx, m ?? null, 'mutex', 'mutex_destroy');
    if (isResult(o)) return o;
    if (o.f.holder !== -1) cx.violate('model.destroy_locked', `${cx.show(m!)} is destroyed while ${heldBy(cx.world, m!, cx.thread) === 'itself' ? 'the destroying thread' : heldBy(cx.world, m!, cx.thread)} holds it`);
    cx.destroy(m!);
    return ret(null);
  },
};

// ---- acquire contexts and reservation locks ------------------------------------------

const ctxType = T.optional(T.object('ww_acquire_ctx'));

const acquireInit: PrimitiveImpl = {
  sig: { name: 'ww_acquire_init', params: [], returns: T.object('ww_acquire_ctx'), doc: 'A new acquire context of the reservation class (ww_acquire_init(ctx, &reservation_ww_class)): its stamp is younger than every earlier one.' },
  start(cx) {
    // Stamps count up (ww_acquire_init(): atomic_long_inc_return(&ww_class->stamp)); found by counting, not by a counter of our own.
    const stamp = cx.world.objects.filter((o) => o.kind === 'ww_acquire_ctx').length + 1;
    return ret(cx.create('ww_acquire_ctx', { stamp, acquired: 0 }));
  },
};

const acquireFini: PrimitiveImpl = {
  sig: { name: 'ww_acquire_fini', params: [param('ctx', T.object('ww_acquire_ctx'))], returns: T.void, doc: 'Ends the acquire context; every lock taken with it must have been released (ww_acquire_fini(): DEBUG_LOCKS_WARN_ON(ctx->acquired)).' },
  start(cx, [c]) {
    const ctx = lockOf(cx, c ?? null, 'ww_acquire_ctx', 'ww_acquire_fini');
    if (isResult(ctx)) return ctx;
    if ((ctx.f.acquired as number) > 0) cx.violate('model.bad_unlock', `ww_acquire_fini of ${cx.show(c!)} while it still holds ${ctx.f.acquired as number} lock(s)`);
    cx.destroy(c!);
    return ret(null);
  },
};

/** The stamp of the context a lock is held with, or undefined for a lock held without one (or free). */
const holderStamp = (w: World, m: Obj): number | undefined => objOf(w, m.f.ctx ?? null)?.f.stamp as number | undefined;

/** A thread's frame waiting in dma_resv_lock for `m`, and its context. */
function waitersFor(w: World, m: Value, self: number): Obj[] {
  const out: Obj[] = [];
  w.threads.forEach((t, i) => {
    const f = t.frames[t.frames.length - 1];
    if (i === self || f?.k !== 'n' || !f.waiting || f.prim !== 'dma_resv_lock' || f.regs[0] !== m) return;
    const ctx = objOf(w, f.regs[1] ?? null);
    if (ctx) out.push(ctx);
  });
  return out;
}

/**
 * Wait-Die: context `ctx` (holding at least one lock) dies instead of waiting
 * for `m` when an older context holds `m` or already waits for it
 * (__ww_mutex_check_kill(), __ww_mutex_add_waiter()).
 */
function dies(w: World, m: Value, ctx: Obj | undefined, self: number): boolean {
  if (!ctx || (ctx.f.acquired as number) === 0) return false;
  const o = objOf(w, m)!;
  const stamp = ctx.f.stamp as number;
  const held = holderStamp(w, o);
  if (held !== undefined && held < stamp) return true;
  return waitersFor(w, m, self).some((c) => (c.f.stamp as number) < stamp);
}

function takeWithCtx(cx: ModelContext, m: Value, ctx: Value): NativeResult {
  const o = cx.obj(m)!;
  o.f.holder = cx.thread;
  o.f.ctx = ctx;
  const c = cx.obj(ctx);
  if (c) c.f.acquired = (c.f.acquired as number) + 1;
  return ret(null);
}

function resvLock(slow: boolean): PrimitiveImpl {
  const name = slow ? 'dma_resv_lock_slow' : 'dma_resv_lock';
  const doc = slow
    ? 'After an EDEADLK: waits for the contended lock and takes it with the context, which holds nothing else (dma_resv_lock_slow()); never fails.'
    : 'Takes a reservation lock with an acquire context: EDEADLK (Wait-Die: this younger context holds locks and an older one holds or waits for this one), EALREADY (this context holds it), else waits. With `none` as the context, a plain mutex.';
  return {
    sig: { name, params: [param('m', K.mutex), param('ctx', ctxType)], returns: T.void, doc },
    start(cx, [m, c], frame) {
      const o = lockOf(cx, m ?? null, 'mutex', name);
      if (isResult(o)) return o;
      const ctxRef = c ?? null;
      const ctx = ctxRef === null ? undefined : lockOf(cx, ctxRef, 'ww_acquire_ctx', name);
      if (ctx && isResult(ctx)) return ctx;
      frame.regs = [m!, ctxRef, cx.thread];
      if (ctx && o.f.ctx === ctxRef && o.f.holder === cx.thread) return fail('EALREADY');
      if (o.f.holder === -1) return takeWithCtx(cx, m!, ctxRef);
      if (!slow && dies(cx.world, m!, ctx, cx.thread)) return fail('EDEADLK');
      return wait(1);
    },
    resume(cx, frame) {
      const [m, ctxRef] = frame.regs as [Value, Value];
      if (holderOf(cx.world, m) === -1) return takeWithCtx(cx, m, ctxRef);
      return fail('EDEADLK');
    },
    ready(w, frame) {
      const [m, ctxRef, self] = frame.regs as [Value, Value, number];
      return holderOf(w, m) === -1 || (!slow && dies(w, m, objOf(w, ctxRef), self));
    },
    waitsFor: (w, frame, show) => `${show(frame.regs[0]!)} held by ${heldBy(w, frame.regs[0]!, frame.regs[2] as number)}`,
  };
}

// ---- reader-writer semaphores -------------------------------------------------------------

/** An rw_semaphore: `writer` (a thread, -1) and `readers` (the reading threads, sorted; a thread that reads twice is there twice). */
const rwsemLock: LockProtocol = {
  holders: (o) => ((o.f.writer as number) >= 0 ? [o.f.writer as number] : [...new Set(o.f.readers as number[])]),
  holds: (o, t) => o.f.writer === t || (o.f.readers as number[]).includes(t),
  free: (o) => o.f.writer === -1 && (o.f.readers as number[]).length === 0,
  take: (o, t) => {
    o.f.writer = t;
  },
  release: (o, t) => {
    if (o.f.writer === t) o.f.writer = -1;
  },
};

/** Whether some other thread is queued to take `s` for write: in down_write, or at a `lock s` statement. */
function writerQueued(w: World, s: Value, self: number, bodies: readonly { code: readonly { op: string }[] }[]): boolean {
  return w.threads.some((t, i) => {
    if (i === self || t.done) return false;
    const f = t.frames[t.frames.length - 1];
    if (f?.k === 'n') return f.waiting && f.prim === 'down_write' && f.regs[0] === s;
    if (f?.k !== 'c' || f.entry) return false;
    return bodies[f.body]?.code[f.pc]?.op === 'lock' && (f as CodeFrame).stack[(f as CodeFrame).stack.length - 1] === s;
  });
}

function canRead(w: World, s: Value, self: number, bodies: readonly { code: readonly { op: string }[] }[]): boolean {
  const o = objOf(w, s)!;
  if (o.f.writer !== -1) return false;
  // Readers hold it and a writer is queued: the new reader queues behind the writer.
  return (o.f.readers as number[]).length === 0 || !writerQueued(w, s, self, bodies);
}

const rwsem = T.object('rw_semaphore');

const downRead: PrimitiveImpl = {
  sig: { name: 'down_read', params: [param('s', rwsem)], returns: T.void, doc: 'Takes the semaphore for read: readers share it; waits while a writer holds it, or while readers hold it and a writer is queued.' },
  start(cx, [s], frame) {
    const o = lockOf(cx, s ?? null, 'rw_semaphore', 'down_read');
    if (isResult(o)) return o;
    frame.regs = [s!, cx.thread];
    if (!canRead(cx.world, s!, cx.thread, cx.program.bodies)) return wait(1);
    o.f.readers = [...(o.f.readers as number[]), cx.thread].sort((a, b) => a - b);
    return ret(null);
  },
  resume(cx, frame) {
    const o = cx.obj(frame.regs[0]!)!;
    o.f.readers = [...(o.f.readers as number[]), cx.thread].sort((a, b) => a - b);
    return ret(null);
  },
  ready: (w, frame, program) => canRead(w, frame.regs[0]!, frame.regs[1] as number, program.bodies),
  waitsFor(w, frame, show) {
    const o = objOf(w, frame.regs[0]!)!;
    return (o.f.writer as number) >= 0 ? `${show(frame.regs[0]!)} held for write by ${w.threads[o.f.writer as number]?.label ?? 'nobody'}` : `${show(frame.regs[0]!)} behind a queued writer`;
  },
};

const upRead: PrimitiveImpl = {
  sig: { name: 'up_read', params: [param('s', rwsem)], returns: T.void, doc: 'Releases a read hold.' },
  start(cx, [s]) {
    const o = lockOf(cx, s ?? null, 'rw_semaphore', 'up_read');
    if (isResult(o)) return o;
    const readers = o.f.readers as number[];
    const at = readers.indexOf(cx.thread);
    if (at < 0) cx.violate('model.bad_unlock', `${cx.show(s!)} is released for read by ${cx.world.threads[cx.thread]!.label}, which does not hold it for read`);
    else o.f.readers = readers.filter((_, i) => i !== at);
    return ret(null);
  },
};

const rwFree = (w: World, s: Value): boolean => {
  const o = objOf(w, s)!;
  return o.f.writer === -1 && (o.f.readers as number[]).length === 0;
};

const downWrite: PrimitiveImpl = {
  sig: { name: 'down_write', params: [param('s', rwsem)], returns: T.void, doc: 'Takes the semaphore for write: waits until no reader or writer holds it.' },
  start(cx, [s], frame) {
    const o = lockOf(cx, s ?? null, 'rw_semaphore', 'down_write');
    if (isResult(o)) return o;
    frame.regs = [s!, cx.thread];
    if (!rwFree(cx.world, s!)) return wait(1);
    o.f.writer = cx.thread;
    return ret(null);
  },
  resume(cx, frame) {
    cx.obj(frame.regs[0]!)!.f.writer = cx.thread;
    return ret(null);
  },
  ready: (w, frame) => rwFree(w, frame.regs[0]!),
  waitsFor(w, frame, show) {
    const o = objOf(w, frame.regs[0]!)!;
    const who = rwsemLock.holders(o).map((h) => (h === frame.regs[1] ? 'itself' : (w.threads[h]?.label ?? `thread ${h}`)));
    return `${show(frame.regs[0]!)} held by ${who.join(' and ') || 'nobody'}`;
  },
};

const upWrite: PrimitiveImpl = {
  sig: { name: 'up_write', params: [param('s', rwsem)], returns: T.void, doc: 'Releases the write hold.' },
  start(cx, [s]) {
    const o = lockOf(cx, s ?? null, 'rw_semaphore', 'up_write');
    if (isResult(o)) return o;
    if (o.f.writer !== cx.thread) cx.violate('model.bad_unlock', `${cx.show(s!)} is released for write by ${cx.world.threads[cx.thread]!.label}, which does not hold it for write`);
    else o.f.writer = -1;
    return ret(null);
  },
};

// ---- kinds ------------------------------------------------------------------------------------

const mutexKind: KindImpl = {
  name: 'mutex',
  doc: "A mutex: a buffer's reservation lock (`buf.resv`, a ww_mutex), or a driver's state field of type mutex.",
  fields: {},
  lockable: true,
  inState: true,
  lock: mutexLock,
  threadFields: ['holder'],
  stateObject: (label) => ({ holder: -1, ctx: null, name: label }),
  // A buffer's reservation lock is named after its buffer; a state mutex after its field.
  show: (o, id, show) => (isRef(o.f.owner ?? null) ? `${show(o.f.owner!)}.resv` : typeof o.f.name === 'string' ? o.f.name : `mutex#${id}`),
};

const rwsemKind: KindImpl = {
  name: 'rw_semaphore',
  doc: 'A reader-writer semaphore (struct rw_semaphore), a driver state field: `down_read`/`up_read`, `down_write`/`up_write`; `lock s { }` takes it for write.',
  fields: {},
  lockable: true,
  inState: true,
  lock: rwsemLock,
  threadFields: ['writer', 'readers'],
  stateObject: (label) => ({ writer: -1, readers: [], name: label }),
  show: (o, id) => (typeof o.f.name === 'string' ? o.f.name : `rw_semaphore#${id}`),
};

const ctxKind: KindImpl = {
  name: 'ww_acquire_ctx',
  doc: 'An acquire context for taking several reservation locks (struct ww_acquire_ctx): `ww_acquire_init`, then `dma_resv_lock(m, ctx)`, `ww_acquire_fini`.',
  fields: {},
};

/** Mutexes, reservation locks with acquire contexts, and reader-writer semaphores. */
export const locksModel: Model = {
  name: 'locks',
  kinds: [mutexKind, rwsemKind, ctxKind],
  primitives: [
    mutexLockPrim,
    unlockPrim('mutex_unlock', 'Releases a mutex the thread holds.'),
    mutexDestroy,
    acquireInit,
    acquireFini,
    resvLock(false),
    resvLock(true),
    unlockPrim('dma_resv_unlock', 'Releases a reservation lock, and its place in the acquire context it was taken with.'),
    downRead,
    upRead,
    downWrite,
    upWrite,
  ],
  violations: {
    'model.bad_unlock': 'A thread unlocked a lock it does not hold (or ended an acquire context that still holds locks).',
    'model.destroy_locked': 'A mutex was destroyed while held (mutex_destroy(): DEBUG_LOCKS_WARN_ON(mutex_is_locked(lock))).',
  },
};

export type { NativeFrame };
