/**
 * Hardware DMA: `hw_start(dev, sgt)` arms a device; until `hw_stop` it may
 * DMA through the mapping at any step of any thread. The explorer runs each
 * such DMA as a step of an implicit hardware thread (`hardware` below names
 * what a stale DMA hits). A device that was surprise-removed does no DMA.
 * Arming a device to DMA into a BAR whose memory decode is off is
 * `model.mmio_decode_off` (src/models/pci.ts): its first DMA may come at once.
 */
import { isRef, ref, refId, type Value } from '../runtime/values.js';
import type { World } from '../runtime/world.js';
import { T } from '../semantics/types.js';
import { ret, type HardwareImpl, type Model, type PrimitiveImpl, type Violation } from './model.js';
import { dmaIntoDecodeOff } from './pci.js';
import { K, param } from './sig.js';

const start: PrimitiveImpl = {
  sig: { name: 'hw_start', params: [param('dev', K.dev), param('sgt', K.sgt)], returns: T.void, doc: 'Arms the device: from now on it may DMA through `sgt` at any step.' },
  start(cx, [dev, sgt], frame) {
    const d = cx.obj(dev ?? null);
    if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `hw_start on ${cx.show(dev ?? null)}, not a device`);
    const s = cx.obj(sgt ?? null);
    if (!s || s.kind !== 'sg_table') return cx.fatal('model.null_deref', `hw_start through ${cx.show(sgt ?? null)}: there is no mapping`);
    const di = refId(dev as string);
    const si = refId(sgt as string);
    if (!cx.world.armed.some((a) => a[0] === di && a[1] === si)) {
      cx.world.armed.push([di, si, frame.at, frame.body]);
      cx.world.armed.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
      for (const [d2, s2, owner] of dmaIntoDecodeOff(cx.world)) {
        if (d2 !== dev || s2 !== sgt) continue;
        cx.violate('model.mmio_decode_off', `${cx.show(dev!)} is armed to DMA through ${cx.show(sgt!)} into a BAR of ${cx.show(owner)}, whose memory decode is off`);
      }
    }
    return ret(null);
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
  primitives: [start, stop],
  hardware: dma,
  violations: {
    'model.dma_after_free': 'Hardware DMA hit the MMIO of a destroyed provider.',
    'model.dma_after_unmap': 'Hardware DMA used a mapping it had already given back.',
    'model.iommu_fault': 'Hardware DMA through an IOVA that was unmapped.',
  },
};
