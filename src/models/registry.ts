/**
 * The model registry: which primitives exist and which model implements each.
 * The checker asks it for signatures, the interpreter for step functions, so
 * a model an embedder registers is known to both.
 */
import { hardKeywords } from '../../grammar/tokens.js';
import { lifecycleEvents, modelViolations, primitiveAliases, primitives as builtinPrimitives, type PrimitiveSig } from '../semantics/builtins.js';
import { dmabufModel } from './dmabuf.js';
import { hwModel } from './hw.js';
import { iommuModel } from './iommu.js';
import { locksModel } from './locks.js';
import type { Model, PrimitiveImpl } from './model.js';
import type { KeyLayout } from '../explore/state.js';
import { p2pdmaModel } from './p2pdma.js';
import { pciModel } from './pci.js';
import { workModel } from './work.js';

/** The built-in models: PCI, P2PDMA, IOMMU, DMA-BUF, hardware DMA, explicit locks, deferred work and completions. */
export const builtinModels: readonly Model[] = [pciModel, p2pdmaModel, iommuModel, dmabufModel, hwModel, locksModel, workModel];

export class ModelRegistry {
  private readonly prims = new Map<string, PrimitiveImpl>();
  private readonly owners = new Map<string, string>();
  private readonly extraViolations = new Map<string, string>();
  readonly models: Model[] = [];

  constructor(models: readonly Model[] = builtinModels) {
    for (const m of models) this.register(m);
  }

  /**
   * Adds a model. Throws when one of its primitives is already implemented by
   * another model: two step functions for one name would be ambiguous.
   */
  register(model: Model): this {
    const builtinModel = builtinModels.includes(model);
    for (const p of model.primitives) {
      const owner = this.owners.get(p.sig.name);
      if (owner !== undefined) throw new Error(`model '${model.name}' redefines primitive '${p.sig.name}' of model '${owner}'`);
      const reserved = Object.hasOwn(primitiveAliases, p.sig.name) || lifecycleEvents.has(p.sig.name) || hardKeywords.includes(p.sig.name) || /^E[A-Z0-9]+$/.test(p.sig.name);
      if (!builtinModel && (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(p.sig.name) || reserved || builtinPrimitives.has(p.sig.name))) {
        throw new Error(`model '${model.name}' cannot define primitive '${p.sig.name}': it is not a plain name, or it is a built-in name or spelling`);
      }
    }
    for (const name of Object.keys(model.violations ?? {})) {
      if (!name.startsWith('model.') || modelViolations.has(name) || this.extraViolations.has(name)) {
        throw new Error(`model '${model.name}' cannot define violation '${name}': names start with 'model.' and may not repeat one already defined`);
      }
    }
    for (const p of model.primitives) {
      this.prims.set(p.sig.name, p);
      this.owners.set(p.sig.name, model.name);
    }
    for (const [name, doc] of Object.entries(model.violations ?? {})) this.extraViolations.set(name, doc);
    this.models.push(model);
    return this;
  }

  /** The implementation of a primitive (through the kernel-rename aliases). */
  primitive(name: string): PrimitiveImpl | undefined {
    return this.prims.get(primitiveAliases[name] ?? name);
  }

  /** Signatures of every primitive a spec can call (internal scenario steps excluded). */
  signatures(): Map<string, PrimitiveSig> {
    const out = new Map<string, PrimitiveSig>();
    for (const [name, p] of this.prims) if (!name.startsWith('@')) out.set(name, p.sig);
    return out;
  }

  /** Which object fields and native-frame registers hold sets, for the explorer's state keys. */
  keyLayout(): KeyLayout {
    const fields = new Map<string, Set<string>>();
    const regs = new Map<string, number>();
    for (const m of this.models) {
      for (const [kind, names] of Object.entries(m.unorderedFields ?? {})) {
        const set = fields.get(kind) ?? new Set<string>();
        for (const n of names) set.add(n);
        fields.set(kind, set);
      }
      for (const p of m.primitives) if (p.unorderedRegsFrom !== undefined) regs.set(p.sig.name, p.unorderedRegsFrom);
    }
    return { fields, regs };
  }

  /** Every `model.*` violation name with its explanation. */
  violations(): Map<string, string> {
    return new Map([...modelViolations, ...this.extraViolations]);
  }
}

/** A registry with the built-in models only. */
export function defaultRegistry(): ModelRegistry {
  return new ModelRegistry();
}
