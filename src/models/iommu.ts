/**
 * The IOMMU model: IOVAs in a device's domain. `p2pdma_map` makes one itself
 * for a THRU_HOST_BRIDGE route behind a translating IOMMU; a driver can also
 * map and unmap explicitly. DMA through an unmapped IOVA is an IOMMU fault
 * (reported by the hardware model).
 */
import { primitives } from '../semantics/builtins.js';
import { ret, type Model, type PrimitiveImpl } from './model.js';

const map: PrimitiveImpl = {
  sig: primitives.get('iommu_map')!,
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
  sig: primitives.get('iommu_unmap')!,
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

/** IOVAs and their domains. */
export const iommuModel: Model = { name: 'iommu', primitives: [map, unmap] };
