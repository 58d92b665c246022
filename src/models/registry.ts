/**
 * The model registry: the one source of object kinds, fields, primitives,
 * events, constants, spellings and violations. The checker reads it as a
 * `Vocabulary`, the machine as `Natives`, the editor services and the docs
 * (docs/models.md) from the same tables, so a model an embedder registers is
 * known to all of them at once.
 */
import { hardKeywords } from '../../grammar/tokens.js';
import type { FixedObject, HardwareImpl, KindImpl, Natives, PrimitiveImpl, SignalImpl, ThreadGate } from '../runtime/natives.js';
import { krefPrimitives, languageViolations, objectEvents, queries } from '../semantics/builtins.js';
import { guardModel } from './guard.js';
import type { Program } from '../semantics/program.js';
import { scalarTypeNames } from '../semantics/types.js';
import type { ConstantSpec, EventSpec, Since, PrimitiveSig, Vocabulary } from '../semantics/vocabulary.js';
import { dmabufModel } from './dmabuf.js';
import { hwModel } from './hw.js';
import { iommuModel } from './iommu.js';
import { locksModel } from './locks.js';
import type { Model } from './model.js';
import { p2pdmaModel } from './p2pdma.js';
import { pciModel } from './pci.js';
import { workModel } from './work.js';

/** The built-in models: PCI, P2PDMA, IOMMU, DMA-BUF, hardware DMA, locks, deferred work and completions. */
export const builtinModels: readonly Model[] = [pciModel, p2pdmaModel, dmabufModel, iommuModel, hwModel, locksModel, workModel];

const plainName = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Built-in primitive names stay taken even in a registry without the model that implements them. */
const builtinPrimitiveNames: ReadonlySet<string> = new Set(builtinModels.flatMap((m) => m.primitives.map((p) => p.sig.name)));

export class ModelRegistry implements Vocabulary, Natives {
  readonly models: Model[] = [];
  /** The models as registered, guarded (guard.ts): what the machine runs. */
  private readonly running: Model[] = [];
  private readonly kindMap = new Map<string, KindImpl>();
  private readonly prims = new Map<string, PrimitiveImpl>();
  private readonly owners = new Map<string, string>();
  private readonly sigs = new Map<string, PrimitiveSig>();
  private readonly violationMap = new Map<string, string>(languageViolations);
  private readonly eventMap = new Map<string, EventSpec>();
  private readonly constantMap = new Map<string, ConstantSpec>();
  private readonly primAliases = new Map<string, string>();
  private readonly slotAliasMap = new Map<string, string>();
  private readonly hardwareList: HardwareImpl[] = [];
  private readonly signalList: SignalImpl[] = [];
  private readonly gateList: ThreadGate[] = [];
  private readonly sinceMap = new Map<string, Since>();
  private kindList: KindImpl[] = [];
  private primList: PrimitiveImpl[] = [];
  private sealed = false;

  constructor(models: readonly Model[] = builtinModels) {
    for (const m of models) this.register(m);
  }

  /**
   * Adds a model. Throws when one of its names is taken: a kind, primitive,
   * event, constant or violation another model (or the language) already
   * defines, or a name a spec could not write.
   */
  register(model: Model): this {
    if (this.sealed) throw new Error(`model '${model.name}' cannot be registered into the shared built-in registry: make a registry of your own (\`new ModelRegistry()\`)`);
    const taken = (what: string, name: string, by?: string) => {
      throw new Error(`model '${model.name}' cannot define ${what} '${name}': ${by ?? 'it is not a plain name, or it is a built-in name or spelling'}`);
    };
    const reserved = (name: string) =>
      !plainName.test(name) || hardKeywords.includes(name) || /^E[A-Z0-9]+$/.test(name) || queries.has(name) || krefPrimitives.has(name) || name === 'free' || objectEvents.has(name) || this.primAliases.has(name) || (scalarTypeNames as readonly string[]).includes(name) || name === 'set';
    const builtin = builtinModels.includes(model);
    for (const p of model.primitives) {
      const owner = this.owners.get(p.sig.name);
      if (owner !== undefined) throw new Error(`model '${model.name}' redefines primitive '${p.sig.name}' of model '${owner}'`);
      // `@bind` and its kind are the scenario lines' own steps, named so no spec can call them; only the built-in models have them.
      const scenarioStep = builtin && p.sig.name.startsWith('@');
      if (!scenarioStep && (reserved(p.sig.name) || this.eventMap.has(p.sig.name) || (!builtin && builtinPrimitiveNames.has(p.sig.name)))) taken('primitive', p.sig.name);
    }
    for (const name of Object.keys(model.violations ?? {})) {
      if (!name.startsWith('model.') || this.violationMap.has(name)) taken('violation', name, "names start with 'model.' and may not repeat one already defined");
    }
    for (const k of model.kinds ?? []) {
      if (this.kindMap.has(k.name)) taken('kind', k.name, 'another model declares it');
      if (reserved(k.name)) taken('kind', k.name);
    }
    for (const name of Object.keys(model.events ?? {})) if (this.eventMap.has(name) || this.prims.has(name) || reserved(name)) taken('event', name);
    for (const name of Object.keys(model.constants ?? {})) if (this.constantMap.has(name) || !plainName.test(name)) taken('constant', name);
    for (const [alias, to] of Object.entries(model.aliases?.primitives ?? {})) {
      if (this.prims.has(alias) || this.primAliases.has(alias) || !plainName.test(alias)) taken('spelling', alias);
      if (!model.primitives.some((p) => p.sig.name === to) && !this.prims.has(to)) taken('spelling', alias, `it names no primitive '${to}'`);
    }

    // What the registry keeps is guarded: an exception from the model's code names the model.
    const declared = model;
    model = guardModel(model);
    for (const k of model.kinds ?? []) this.kindMap.set(k.name, k);
    for (const p of model.primitives) {
      this.prims.set(p.sig.name, p);
      this.owners.set(p.sig.name, model.name);
      if (!p.sig.name.startsWith('@')) this.sigs.set(p.sig.name, p.sig);
    }
    for (const [name, doc] of Object.entries(model.violations ?? {})) this.violationMap.set(name, doc);
    for (const [name, e] of Object.entries(model.events ?? {})) this.eventMap.set(name, e);
    for (const [name, c] of Object.entries(model.constants ?? {})) this.constantMap.set(name, c);
    for (const [alias, to] of Object.entries(model.aliases?.primitives ?? {})) this.primAliases.set(alias, to);
    for (const [alias, to] of Object.entries(model.aliases?.slots ?? {})) this.slotAliasMap.set(alias, to);
    for (const [alias, since] of Object.entries(model.aliases?.since ?? {})) this.sinceMap.set(alias, since);
    if (model.hardware) this.hardwareList.push(model.hardware);
    if (model.signals) this.signalList.push(model.signals);
    if (model.threadGate) this.gateList.push(model.threadGate);
    this.kindList = [...this.kindMap.values()];
    this.primList = [...this.prims.values()];
    this.models.push(declared);
    this.running.push(model);
    return this;
  }

  // ---- Vocabulary (the checker's view) -------------------------------------------

  get kinds(): ReadonlyMap<string, KindImpl> {
    return this.kindMap;
  }
  get primitives(): ReadonlyMap<string, PrimitiveSig> {
    return this.sigs;
  }
  get spellingsSince(): ReadonlyMap<string, Since> {
    return this.sinceMap;
  }
  /** The model each primitive comes from, by primitive name (for kernel checks that are on by default). */
  get primitiveModels(): ReadonlyMap<string, string> {
    return this.owners;
  }
  get primitiveAliases(): ReadonlyMap<string, string> {
    return this.primAliases;
  }
  get slotAliases(): ReadonlyMap<string, string> {
    return this.slotAliasMap;
  }
  get events(): ReadonlyMap<string, EventSpec> {
    return this.eventMap;
  }
  get constants(): ReadonlyMap<string, ConstantSpec> {
    return this.constantMap;
  }
  /** Every `model.*` violation name with its explanation: the language's own and the models'. */
  get violations(): ReadonlyMap<string, string> {
    return this.violationMap;
  }

  // ---- Natives (the machine's view) --------------------------------------------------

  /** The implementation of a primitive (through the kernel-rename aliases). */
  primitive(name: string): PrimitiveImpl | undefined {
    return this.prims.get(this.primAliases.get(name) ?? name);
  }
  kind(name: string): KindImpl | undefined {
    return this.kindMap.get(name);
  }
  get kindImpls(): readonly KindImpl[] {
    return this.kindList;
  }
  get primitiveImpls(): readonly PrimitiveImpl[] {
    return this.primList;
  }
  get signals(): readonly SignalImpl[] {
    return this.signalList;
  }
  get hardware(): readonly HardwareImpl[] {
    return this.hardwareList;
  }
  get threadGates(): readonly ThreadGate[] {
    return this.gateList;
  }
  fixedObjects(program: Program): FixedObject[] {
    return this.running.flatMap((m) => m.fixedObjects?.(program) ?? []);
  }

  /** No model can be added from now on. */
  seal(): this {
    this.sealed = true;
    return this;
  }
}

/** A registry with the built-in models only, of the caller's own: models may be added to it. */
export function defaultRegistry(): ModelRegistry {
  return new ModelRegistry();
}

let shared: ModelRegistry | undefined;

/** The built-in models' registry, shared and sealed: what `check`, `explore` and the editor services use when given none. */
export function builtinRegistry(): ModelRegistry {
  return (shared ??= new ModelRegistry().seal());
}
