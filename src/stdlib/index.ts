/**
 * The stdlib, embedded as text so the CLI and the browser analyse the same
 * sources without a file system.
 */
import dmabufOps from '../../stdlib/dmabuf/ops.lspec';
import dmabufRules from '../../stdlib/dmabuf/rules.lspec';
import iommuRules from '../../stdlib/iommu/rules.lspec';
import p2pdmaRules from '../../stdlib/p2pdma/rules.lspec';
import pciRules from '../../stdlib/pci/rules.lspec';
import pciOps from '../../stdlib/pci/ops.lspec';
import vfioOps from '../../stdlib/vfio/ops.lspec';

export interface StdlibModule {
  /** The name `use` gives: `dmabuf.rules`. */
  readonly name: string;
  /** `stdlib:dmabuf/rules.lspec`, the URI its diagnostics carry. */
  readonly uri: string;
  readonly text: string;
  /** Loaded into every spec without a `use`: the kernel's ops types. */
  readonly prelude: boolean;
}

function mod(name: string, text: string, prelude = false): StdlibModule {
  return { name, uri: `stdlib:${name.replace('.', '/')}.lspec`, text, prelude };
}

export const stdlibModules: readonly StdlibModule[] = [
  mod('dmabuf.ops', dmabufOps, true),
  mod('pci.ops', pciOps, true),
  mod('vfio.ops', vfioOps, true),
  mod('dmabuf.rules', dmabufRules),
  mod('p2pdma.rules', p2pdmaRules),
  mod('pci.rules', pciRules),
  mod('iommu.rules', iommuRules),
];

/** The module `use a.b` names: `stdlib/a/b.lspec` (or `stdlib/a.b.lspec`), or undefined. */
export function findStdlibModule(name: string): StdlibModule | undefined {
  return stdlibModules.find((m) => m.name === name);
}
