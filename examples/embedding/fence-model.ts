/**
 * A model of our own, added to Lifespec by an embedder: seqno fences, the way
 * GPU drivers keep them. A job queued to the hardware gets a fence, an object
 * of the model's own kind `seqno_fence` that carries the device and the
 * job's sequence number; the hardware (here: the driver's interrupt handler,
 * a scenario action) signals every fence it has completed.
 *
 *   fence_emit(dev) -> seqno_fence   queues a job; returns its fence
 *   fence_signal(dev)                every fence emitted on dev so far has signalled
 *   fence_wait(f)                    blocks until fence f has signalled
 *   fence_put(f)                     drops the fence: the object ends
 *
 * The kind is declared with its fields, so a spec can write it as a type,
 * read `f.seqno` and `f.signalled`, `count(seqno_fence)`, and say
 * `lifetime seqno_fence within dev`.
 *
 * The rule the model enforces by itself: a fence must signal. A wait for a
 * fence of a device that has been removed, which nobody signalled (a driver
 * whose remove() does not force-complete its fences), can never end: that is
 * `model.fence_timeout`, and the wait fails with ETIMEDOUT. A wait that no
 * thread can end while the device is still there is a deadlock, reported by
 * the explorer with what it waits for.
 *
 * Used by docs/embedding.md and test/embedding.test.ts.
 */
import { fail, isRef, ref, refId, ret, types, wait, type KindImpl, type Model, type ModelContext, type NativeResult, type Obj, type PrimitiveImpl, type Value, type World } from '../../src/index.js';

const pciDev = types.object('pci_dev');
const fence = types.object('seqno_fence');

/** The object a reference names, for `ready`, which has the world but no context (`cx.obj` does this in a step). */
function objectOf(w: World, v: Value): Obj | undefined {
  return isRef(v) ? w.objects[refId(v)] : undefined;
}

/** A device argument, or the result that stops the run (a `none` passed as the device). */
function device(cx: ModelContext, v: Value | undefined, what: string): Obj | NativeResult {
  const d = cx.obj(v ?? null);
  if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `${what} on ${cx.show(v ?? null)}, not a device`);
  return d;
}

/** A fence argument that is still held, or the result that stops the run. */
function liveFence(cx: ModelContext, v: Value | undefined, what: string): Obj | NativeResult {
  const f = cx.obj(v ?? null);
  if (!f || f.kind !== 'seqno_fence') return cx.fatal('model.null_deref', `${what} of ${cx.show(v ?? null)}, not a fence`);
  if (!f.alive) return cx.fatal('model.use_after_free', `${what} of ${cx.show(v!)}, which has been put`);
  return f;
}

const isResult = (x: Obj | NativeResult): x is NativeResult => 'k' in x;

const emit: PrimitiveImpl = {
  sig: {
    name: 'fence_emit',
    params: [{ name: 'dev', type: pciDev }],
    returns: fence,
    doc: 'Queues a job on the device; returns the fence that signals its completion.',
    // Under `faults on` the explorer also tries the call failing with ENOMEM, as dma_fence allocation can.
    faults: ['ENOMEM'],
  },
  start(cx, [dev]) {
    const d = device(cx, dev, 'fence_emit');
    if (isResult(d)) return d;
    // A device that was surprise-removed takes no more jobs.
    if (!d.alive || d.f.present !== true) return fail('ENODEV');
    // The device's timeline: the next sequence number after every fence emitted on it (found by field, not by number).
    const seqno = cx.world.objects.filter((o) => o.kind === 'seqno_fence' && o.f.dev === dev).length + 1;
    return ret(cx.create('seqno_fence', { dev: dev!, seqno, signalled: false }));
  },
};

const signal: PrimitiveImpl = {
  sig: {
    name: 'fence_signal',
    params: [{ name: 'dev', type: pciDev }],
    returns: types.void,
    doc: 'Signals every fence emitted on the device so far (the completion interrupt, or a forced completion at remove).',
  },
  start(cx, [dev]) {
    const d = device(cx, dev, 'fence_signal');
    if (isResult(d)) return d;
    // A step writes an object only through cx.obj: world.objects is shared with other states.
    cx.world.objects.forEach((o, id) => {
      if (o.kind === 'seqno_fence' && o.f.dev === dev) cx.obj(ref(id))!.f.signalled = true;
    });
    return ret(null);
  },
};

/** How a wait ends once it may: done, or timed out on a device that is gone; undefined while it must go on waiting. */
function finishWait(cx: ModelContext, f: Value): NativeResult | undefined {
  const o = cx.obj(f)!;
  if (o.f.signalled === true) return ret(null);
  if (cx.obj(o.f.dev ?? null)?.alive === false) {
    cx.violate('model.fence_timeout', `fence ${String(o.f.seqno)} of ${cx.show(o.f.dev ?? null)} never signals: the device is gone and nothing completed it`);
    return fail('ETIMEDOUT');
  }
  return undefined;
}

const waitFor: PrimitiveImpl = {
  sig: {
    name: 'fence_wait',
    params: [{ name: 'f', type: fence }],
    returns: types.void,
    doc: 'Blocks until the fence has signalled.',
  },
  start(cx, [f], frame) {
    const o = liveFence(cx, f, 'fence_wait');
    if (isResult(o)) return o;
    // What the frame needs when it resumes; registers are part of the explored state.
    frame.regs = [f!];
    return finishWait(cx, f!) ?? wait(1);
  },
  // Called when `ready` has become true: the fence signalled, or its device went away.
  resume(cx, frame) {
    return finishWait(cx, frame.regs[0]!) ?? wait(1);
  },
  ready(w, frame) {
    const o = objectOf(w, frame.regs[0]!)!;
    return o.f.signalled === true || objectOf(w, o.f.dev ?? null)?.alive === false;
  },
  waitsFor(w, frame, show) {
    const o = objectOf(w, frame.regs[0]!)!;
    return `fence ${String(o.f.seqno)} of ${show(o.f.dev ?? null)} to signal`;
  },
};

const put: PrimitiveImpl = {
  sig: { name: 'fence_put', params: [{ name: 'f', type: fence }], returns: types.void, doc: 'Drops the fence; it ends.' },
  start(cx, [f]) {
    const o = liveFence(cx, f, 'fence_put');
    if (isResult(o)) return o;
    cx.destroy(f!);
    return ret(null);
  },
};

/** The model's own object kind: its fields are what a spec may read; `dev` is a reference a lifetime rule may name. */
const seqnoFence: KindImpl = {
  name: 'seqno_fence',
  doc: 'A fence on a device\'s job timeline: made by `fence_emit`, signalled by `fence_signal`, ended by `fence_put`.',
  fields: {
    dev: { type: pciDev, lifetime: true, doc: 'The device whose job it is.' },
    seqno: { type: types.int, doc: 'The job\'s sequence number on its device, from 1.' },
    signalled: { type: types.bool, doc: 'Whether the job has completed.' },
  },
};

/** Seqno fences: register with `new ModelRegistry().register(fenceModel)`. */
export const fenceModel: Model = {
  name: 'fence',
  kinds: [seqnoFence],
  primitives: [emit, signal, waitFor, put],
  violations: {
    'model.fence_timeout': 'A fence wait can never end: the device is gone and nothing signalled the fence.',
  },
};
