/**
 * Explicit locking: `mutex_lock` / `mutex_unlock`, for the unbalanced locking
 * a scoped `lock m { }` block cannot express. Taking a mutex another thread
 * holds blocks the thread (a run where nobody can move is a deadlock);
 * unlocking one the thread does not hold is `model.bad_unlock`.
 */
import { isRef, refId, type Value } from '../runtime/values.js';
import type { NativeFrame, Obj, World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import { ret, wait, type KindImpl, type LockProtocol, type Model, type ModelContext, type NativeResult, type PrimitiveImpl } from './model.js';
import { K, param } from './sig.js';

function mutexOf(cx: ModelContext, m: Value, what: string): NativeResult | undefined {
  const o = cx.obj(m);
  if (!o || o.kind !== 'mutex') return cx.fatal('model.null_deref', `${what} of ${cx.show(m)}, not a mutex`);
  if (!o.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(m)}, whose buffer has been released`);
  return undefined;
}

const holderOf = (w: World, m: Value): number => (isRef(m) ? (w.objects[refId(m)]!.f.holder as number) : -1);

const lock: PrimitiveImpl = {
  sig: { name: 'mutex_lock', params: [param('m', K.mutex)], returns: T.void, doc: 'Takes a mutex (prefer the scoped `lock m { … }`).' },
  start(cx, [m], frame) {
    const bad = mutexOf(cx, m ?? null, 'mutex_lock');
    if (bad) return bad;
    frame.regs = [m!, cx.thread];
    if (holderOf(cx.world, m!) !== -1) return wait(1);
    cx.obj(m!)!.f.holder = cx.thread;
    return ret(null);
  },
  resume(cx, frame) {
    cx.obj(frame.regs[0]!)!.f.holder = cx.thread;
    return ret(null);
  },
  ready(w: World, frame: NativeFrame) {
    return holderOf(w, frame.regs[0]!) === -1;
  },
  waitsFor(w: World, frame: NativeFrame, show: (v: Value) => string) {
    const h = holderOf(w, frame.regs[0]!);
    const who = h === frame.regs[1] ? 'itself' : (w.threads[h]?.label ?? 'nobody');
    return `${show(frame.regs[0]!)} held by ${who}`;
  },
};

const unlock: PrimitiveImpl = {
  sig: { name: 'mutex_unlock', params: [param('m', K.mutex)], returns: T.void, doc: 'Releases a mutex the thread holds.' },
  start(cx, [m]) {
    const bad = mutexOf(cx, m ?? null, 'mutex_unlock');
    if (bad) return bad;
    const o = cx.obj(m!)!;
    if (o.f.holder !== cx.thread) {
      cx.violate('model.bad_unlock', `${cx.show(m!)} is unlocked by ${cx.world.threads[cx.thread]!.label}, which does not hold it`);
      return ret(null);
    }
    o.f.holder = -1;
    return ret(null);
  },
};

/** A mutex has one holder (`holder`, a thread index, -1 when free). */
const mutexLock: LockProtocol = {
  holder: (o: Obj) => o.f.holder as number,
  free: (o: Obj) => o.f.holder === -1,
  take: (o: Obj, thread: number) => {
    o.f.holder = thread;
  },
  release: (o: Obj, thread: number) => {
    if (o.f.holder === thread) o.f.holder = -1;
  },
};

const mutexKind: KindImpl = {
  name: 'mutex',
  doc: "A mutex: a buffer's reservation lock (`buf.resv`), or a driver's state field of type mutex.",
  fields: {},
  lockable: true,
  inState: true,
  lock: mutexLock,
  threadFields: ['holder'],
  stateObject: (label) => ({ holder: -1, name: label }),
  // A buffer's reservation lock is named after its buffer; a state mutex after its field.
  show: (o, id, show) => (isRef(o.f.owner ?? null) ? `${show(o.f.owner!)}.resv` : typeof o.f.name === 'string' ? o.f.name : `mutex#${id}`),
};

/** Mutexes taken and released by hand. */
export const locksModel: Model = {
  name: 'locks',
  kinds: [mutexKind],
  primitives: [lock, unlock],
  violations: { 'model.bad_unlock': 'A thread unlocked a mutex it does not hold.' },
};
