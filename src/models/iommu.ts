/**
 * The IOMMU model: IOVAs in a device's domain. `p2pdma_map` makes one itself
 * for a THRU_HOST_BRIDGE route behind a translating IOMMU; a driver can also
 * map and unmap explicitly. DMA through an unmapped IOVA is an IOMMU fault
 * (reported by the hardware model).
 */
import { T } from '../semantics/types.js';
import { ret, type KindImpl, type Model, type PrimitiveImpl } from './model.js';
import { K, param } from './sig.js';

const map: PrimitiveImpl = {
  sig: { name: 'iommu_map', params: [param('dev', K.dev), param('provider', K.provider)], returns: K.iova, doc: "Creates an IOVA for the provider in the device's IOMMU domain.", faults: ['ENOMEM'] },
  start(cx, [dev, p]) {
    const d = cx.obj(dev ?? null);
    if (!d || d.kind !== 'pci_dev') return cx.fatal('model.null_deref', `iommu_map for ${cx.show(dev ?? null)}, not a device`);
    const prov = cx.obj(p ?? null);
    if (!prov || prov.kind !== 'p2pdma_provider') return cx.fatal('model.null_deref', `iommu_map of ${cx.show(p ?? null)}, not a provider`);
    if (!prov.alive) return cx.fatal('model.use_after_free', `iommu_map of ${cx.show(p!)}, which has been destroyed`);
    return ret(cx.create('iova', { domain: dev!, provider: p! }));
  },
};

const unmap: PrimitiveImpl = {
  sig: { name: 'iommu_unmap', params: [param('dev', K.dev), param('iova', K.iova)], returns: T.void, doc: 'Removes an IOVA; DMA through it afterwards is an IOMMU fault.' },
  start(cx, [, iova]) {
    const o = cx.obj(iova ?? null);
    if (!o || o.kind !== 'iova') return cx.fatal('model.null_deref', `iommu_unmap of ${cx.show(iova ?? null)}, not an iova`);
    if (!o.alive) {
      cx.violate('model.double_unmap', `${cx.show(iova!)} is unmapped a second time`);
      return ret(null);
    }
    cx.destroy(iova!);
    return ret(null);
  },
};

const iovaKind: KindImpl = {
  name: 'iova',
  doc: "An IOVA range in a device's IOMMU domain, mapping a provider's memory: made by `iommu_map` (and by `p2pdma_map` through a translating host bridge), ended by `iommu_unmap`.",
  fields: {
    domain: { type: T.object('pci_dev'), lifetime: true },
    provider: { type: T.optional(T.object('p2pdma_provider')), lifetime: true },
  },
  quietEnd: true,
};

/** IOVAs and their domains. */
export const iommuModel: Model = { name: 'iommu', kinds: [iovaKind], primitives: [map, unmap] };
