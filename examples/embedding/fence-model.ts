/**
 * A model of our own, added to Lifespec by an embedder: seqno fences, the way
 * GPU drivers keep them. Each device has a timeline: a job queued to the
 * hardware gets the next sequence number, and the hardware (here: the
 * driver's interrupt handler, a scenario action) signals every number it has
 * completed.
 *
 *   fence_emit(dev) -> int     queues a job; returns its fence's seqno
 *   fence_signal(dev)          every fence emitted so far has signalled
 *   fence_wait(dev, seq)       blocks until fence `seq` of `dev` has signalled
 *
 * The rule the model enforces by itself: a fence must signal. A wait on a
 * device that has been removed, for a fence nobody signalled (a driver whose
 * remove() does not force-complete its fences), can never end: that is
 * `model.fence_timeout`, and the wait fails with ETIMEDOUT. A wait that no
 * thread can end while the device is still there is a deadlock, reported by
 * the explorer with what it waits for.
 *
 * Used by docs/embedding.md and test/embedding.test.ts.
 */
import { fail, isRef, refId, ret, types, wait, type Model, type ModelContext, type NativeResult, type Obj, type PrimitiveImpl, type Value, type World } from '../../src/index.js';

const pciDev = types.object('pci_dev');

/** The kind of the objects this model keeps its state in: one timeline per device. */
const TIMELINE = 'fence_timeline';

/** The object a reference names, for `ready`, which has the world but no context (`cx.obj` does this in a step). */
function objectOf(w: World, v: Value): Obj | undefined {
  return isRef(v) ? w.objects[refId(v)] : undefined;
}

/** The timeline of a device, if a fence was ever emitted on it. */
function timelineOf(w: World, dev: Value): Obj | undefined {
  return w.objects.find((o) => o.kind === TIMELINE && o.f.dev === dev);
}

const signalled = (w: World, dev: Value): number => (timelineOf(w, dev)?.f.signalled as number | undefined) ?? 0;

/** A device argument, or the result that stops the run (a `none` passed as the device). */
function device(cx: ModelContext, v: Value | undefined, what: string): Obj | NativeResult {
  const d = cx.obj(v ?? null);
  if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `${what} on ${cx.show(v ?? null)}, not a device`);
  return d;
}

const isResult = (x: Obj | NativeResult): x is NativeResult => 'k' in x;

const emit: PrimitiveImpl = {
  sig: {
    name: 'fence_emit',
    params: [{ name: 'dev', type: pciDev }],
    returns: types.int,
    doc: 'Queues a job on the device; returns the seqno of the fence that signals its completion.',
    // Under `faults on` the explorer also tries the call failing with ENOMEM, as dma_fence allocation can.
    faults: ['ENOMEM'],
  },
  start(cx, [dev]) {
    const d = device(cx, dev, 'fence_emit');
    if (isResult(d)) return d;
    // A device that was surprise-removed takes no more jobs.
    if (!d.alive || d.f.present !== true) return fail('ENODEV');
    const t = timelineOf(cx.world, dev!) ?? cx.obj(cx.create(TIMELINE, { dev: dev!, emitted: 0, signalled: 0 }))!;
    t.f.emitted = (t.f.emitted as number) + 1;
    return ret(t.f.emitted);
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
    const t = timelineOf(cx.world, dev!);
    if (t) t.f.signalled = t.f.emitted!;
    return ret(null);
  },
};

/** How a wait ends once it may: done, or timed out on a device that is gone; undefined while it must go on waiting. */
function finishWait(cx: ModelContext, dev: Value, seq: number): NativeResult | undefined {
  if (signalled(cx.world, dev) >= seq) return ret(null);
  if (cx.obj(dev)?.alive === false) {
    cx.violate('model.fence_timeout', `fence ${seq} of ${cx.show(dev)} never signals: the device is gone and nothing completed it`);
    return fail('ETIMEDOUT');
  }
  return undefined;
}

const waitFor: PrimitiveImpl = {
  sig: {
    name: 'fence_wait',
    params: [
      { name: 'dev', type: pciDev },
      { name: 'seq', type: types.int },
    ],
    returns: types.void,
    doc: 'Blocks until fence `seq` of the device has signalled.',
  },
  start(cx, [dev, seq], frame) {
    const d = device(cx, dev, 'fence_wait');
    if (isResult(d)) return d;
    // What the frame needs when it resumes; registers are part of the explored state.
    frame.regs = [dev!, seq ?? 0];
    return finishWait(cx, dev!, (seq ?? 0) as number) ?? wait(1);
  },
  // Called when `ready` has become true: the fence signalled, or the device went away.
  resume(cx, frame) {
    const [dev, seq] = frame.regs as [Value, number];
    return finishWait(cx, dev, seq) ?? wait(1);
  },
  ready(w, frame) {
    const [dev, seq] = frame.regs as [Value, number];
    return signalled(w, dev) >= seq || objectOf(w, dev)?.alive === false;
  },
  waitsFor(w, frame, show) {
    const [dev, seq] = frame.regs as [Value, number];
    return `fence ${seq} of ${show(dev)} (signalled up to ${signalled(w, dev)})`;
  },
};

/** Seqno fences: register with `new ModelRegistry().register(fenceModel)`. */
export const fenceModel: Model = {
  name: 'fence',
  primitives: [emit, signal, waitFor],
  violations: {
    'model.fence_timeout': 'A fence wait can never end: the device is gone and nothing signalled the fence.',
  },
};
