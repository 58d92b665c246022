/**
 * Hardware DMA: `hw_start(dev, sgt)` arms a device; until `hw_stop` it may
 * DMA through the mapping at any step of any thread. The explorer runs each
 * such DMA as a step of an implicit hardware thread (`Machine.dma`), which
 * names what a stale DMA hits. A device that was surprise-removed does no DMA.
 * Arming a device to DMA into a BAR whose memory decode is off is
 * `model.mmio_decode_off` (src/models/pci.ts): its first DMA may come at once.
 */
import { refId } from '../interp/values.js';
import { primitives } from '../semantics/builtins.js';
import { ret, type Model, type PrimitiveImpl } from './model.js';
import { dmaIntoDecodeOff } from './pci.js';

const start: PrimitiveImpl = {
  sig: primitives.get('hw_start')!,
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
  sig: primitives.get('hw_stop')!,
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

/** Devices doing DMA on their own. */
export const hwModel: Model = { name: 'hw', primitives: [start, stop] };
