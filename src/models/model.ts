/**
 * What a model is: the object kinds it declares, the primitives it
 * implements (signatures next to their step functions), the lifecycle events
 * and constants it adds, the kernel's other spellings of its names, and the
 * violations it reports. The built-in PCI, P2PDMA, IOMMU, DMA-BUF, hardware,
 * lock and work models are written against this interface, and so is any
 * model an embedder registers; the registry composes them into what the
 * checker (a Vocabulary) and the machine (Natives) read.
 */
import type { FixedObject, HardwareImpl, KindImpl, PrimitiveImpl, SignalImpl, ThreadGate } from '../runtime/natives.js';
import type { Program } from '../semantics/program.js';
import type { ConstantSpec, EventSpec, Since } from '../semantics/vocabulary.js';

export type { CallResult, FixedObject, HardwareImpl, HardwareStepResult, KindImpl, LockProtocol, ModelContext, NativeResult, PrimitiveImpl, SignalImpl, SignalStepResult, ThreadGate, Violation } from '../runtime/natives.js';
export { call, fail, ret, wait } from '../runtime/natives.js';

/** A model: kinds, primitives, events, constants and violations under one name. */
export interface Model {
  readonly name: string;
  /** The object kinds it declares; a kind's name is unique across models. */
  readonly kinds?: readonly KindImpl[];
  readonly primitives: readonly PrimitiveImpl[];
  /** `model.xyz` → one-line explanation, for `expect violation` checks and docs. */
  readonly violations?: Readonly<Record<string, string>>;
  /** Lifecycle events its primitives emit (`cx.emit`) that constraint patterns may name. */
  readonly events?: Readonly<Record<string, EventSpec>>;
  /** Named constants a spec may write (`BUS_ADDR`); each evaluates to `@NAME`. */
  readonly constants?: Readonly<Record<string, ConstantSpec>>;
  /** Other spellings (a newer kernel's names) of its primitives and of ops-table slots. */
  readonly aliases?: {
    readonly primitives?: Readonly<Record<string, string>>;
    readonly slots?: Readonly<Record<string, string>>;
    /** When a spelling came into the kernel: older targets cannot use it. */
    readonly since?: Readonly<Record<string, Since>>;
  };
  /** Steps its hardware takes on its own. */
  readonly hardware?: HardwareImpl;
  /** Signals its hardware sends on its own (a device's fence). */
  readonly signals?: SignalImpl;
  /** When threads it started may run. */
  readonly threadGate?: ThreadGate;
  /** Objects every run starts with (the topology's devices). */
  fixedObjects?(program: Program): FixedObject[];
}
