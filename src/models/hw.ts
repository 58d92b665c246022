/**
 * Hardware DMA: `hw_start(dev, sgt)` arms a device; until `hw_stop` it may
 * DMA through the mapping at any step of any thread. The explorer runs each
 * such DMA as a step of an implicit hardware thread (`hardware` below names
 * what a stale DMA hits). A device that was surprise-removed does no DMA.
 * Arming a device to DMA into a BAR whose memory decode is off is
 * `model.mmio_decode_off` (src/models/pci.ts): its first DMA may come at once.
 */
import { isRef, ref, refId, type Value } from '../runtime/values.js';
import { ownArmed, type NativeFrame, type World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import { ret, type HardwareImpl, type Model, type ModelContext, type NativeResult, type PrimitiveImpl, type Violation } from './model.js';
import { deviceFence, signalDeviceFences } from './fence.js';
import { dmaIntoDecodeOff } from './pci.js';
import { K, param } from './sig.js';

const start: PrimitiveImpl = {
  sig: { name: 'hw_start', params: [param('dev', K.dev), param('sgt', K.sgt)], returns: T.void, doc: 'Arms the device: from now on it may DMA through `sgt` at any step.' },
  start: arm,
};

/** hw_start's step, which hw_start_fenced shares. */
function arm(cx: ModelContext, [dev, sgt]: readonly Value[], frame: NativeFrame): NativeResult {
  const d = cx.obj(dev ?? null);
  if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `hw_start on ${cx.show(dev ?? null)}, not a device`);
  const s = cx.obj(sgt ?? null);
  if (!s || s.kind !== 'sg_table') return cx.fatal('model.null_deref', `hw_start through ${cx.show(sgt ?? null)}: there is no mapping`);
  const di = refId(dev as string);
  const si = refId(sgt as string);
  if (!cx.world.armed.some((a) => a[0] === di && a[1] === si)) {
    const armed = ownArmed(cx.world);
    armed.push([di, si, frame.at, frame.body]);
    armed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
    for (const [d2, s2, owner] of dmaIntoDecodeOff(cx.world)) {
      if (d2 !== dev || s2 !== sgt) continue;
      cx.violate('model.mmio_decode_off', `${cx.show(dev!)} is armed to DMA through ${cx.show(sgt!)} into a BAR of ${cx.show(owner)}, whose memory decode is off`);
    }
  }
  return ret(null);
}

/**
 * A job that ends on its own (a GPU job, a queue's work): armed as
 * `hw_start` arms, with the fence the device signals when it is over
 * (drm_sched's finished fence); until then it may DMA through `sgt`.
 */
const startFenced: PrimitiveImpl = {
  sig: {
    name: 'hw_start_fenced',
    params: [param('dev', K.dev), param('sgt', K.sgt)],
    returns: T.object('dma_fence'),
    doc: 'Arms the device for a job that ends on its own: it may DMA through `sgt` until the returned fence signals, which the device does at some later step.',
  },
  unmerged: true,
  start(cx, args, frame) {
    const r = arm(cx, args, frame);
    if (r.k !== 'ret') return r;
    return ret(deviceFence(cx, args[0]!, args[1]!, false, frame));
  },
};

/**
 * Asks the device to stop and returns at once: its DMA through `sgt` may go
 * on until the returned fence signals (what an importer publishes with
 * dma_resv_add_fence() in its invalidate_mappings, and what the exporter's
 * dma_resv_wait_timeout() waits for). A device that is not armed for `sgt`
 * gets a fence that has signalled already.
 */
const stopAsync: PrimitiveImpl = {
  sig: {
    name: 'hw_stop_async',
    params: [param('dev', K.dev), param('sgt', K.sgt)],
    returns: T.object('dma_fence'),
    doc: "Asks the device to stop its DMA through `sgt` and returns at once: the DMA may go on until the returned fence signals, which the device does at some later step.",
  },
  unmerged: true,
  start(cx, [dev, sgt], frame) {
    const d = cx.obj(dev ?? null);
    if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `hw_stop_async on ${cx.show(dev ?? null)}, not a device`);
    const armed = typeof sgt === 'string' && sgt.startsWith('#') && cx.world.armed.some((a) => a[0] === refId(dev as string) && a[1] === refId(sgt));
    return ret(deviceFence(cx, dev!, sgt ?? null, !armed, frame));
  },
};

const stop: PrimitiveImpl = {
  sig: { name: 'hw_stop', params: [param('dev', K.dev), param('sgt', K.sgt)], returns: T.void, doc: "Stops the device's DMA through `sgt`; does nothing if it was not armed." },
  start(cx, [dev, sgt]) {
    // Stopping what is not armed (or none) does nothing, as LANGUAGE.md §1 says.
    if (typeof dev === 'string' && typeof sgt === 'string' && dev.startsWith('#') && sgt.startsWith('#')) {
      const di = refId(dev);
      const si = refId(sgt);
      cx.world.armed = cx.world.armed.filter((a) => !(a[0] === di && a[1] === si));
      // Stopped and waited for: the fences of that DMA have signalled.
      signalDeviceFences(cx.world, dev, sgt);
    }
    return ret(null);
  },
};

/**
 * A DMA by an armed device through its mapping, named by what it hits: an
 * unmapped IOVA is an IOMMU fault, a destroyed provider's BAR is freed MMIO,
 * otherwise a mapping the device had given back. Only present devices DMA.
 */
const dma: HardwareImpl = {
  enabled(w: World, index: number): boolean {
    const dev = w.objects[w.armed[index]![0]]!;
    // Removed hardware does no DMA, nor does a function whose bus mastering is off.
    return dev.alive && dev.f.present === true && dev.f.master !== false;
  },
  run(w: World, index: number, show: (v: Value) => string) {
    const [dev, sgt] = w.armed[index]!;
    const violations: Violation[] = [];
    const s = w.objects[sgt]!;
    const via = `${show(ref(dev))} DMA through ${show(ref(sgt))}`;
    const iova = s.f.iova ?? null;
    const prov = s.f.provider ?? null;
    if (isRef(iova) && !w.objects[refId(iova)]!.alive) {
      violations.push({ rule: 'model.iommu_fault', message: `${via}: its ${show(iova)} was unmapped (IOMMU fault)` });
    } else if (isRef(prov) && !w.objects[refId(prov)]!.alive) {
      violations.push({ rule: 'model.dma_after_free', message: `${via}: its provider ${show(prov)} is destroyed (DMA into freed MMIO)` });
    } else if (!s.alive) {
      violations.push({ rule: 'model.dma_after_unmap', message: `${via}: the mapping was already given back` });
    }
    return { text: `DMA through ${show(ref(sgt))}`, violations };
  },
};

/** Devices doing DMA on their own. */
export const hwModel: Model = {
  name: 'hw',
  primitives: [start, startFenced, stop, stopAsync],
  hardware: dma,
  violations: {
    'model.dma_after_free': 'Hardware DMA hit the MMIO of a destroyed provider.',
    'model.dma_after_unmap': 'Hardware DMA used a mapping it had already given back.',
    'model.iommu_fault': 'Hardware DMA through an IOVA that was unmapped.',
  },
};
