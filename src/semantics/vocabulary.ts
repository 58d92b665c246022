/**
 * What the checker is told about the world a spec talks to: object kinds and
 * their fields, primitives and their signatures, lifecycle events, constants,
 * kernel spellings and the `model.*` violations. The checker owns none of it:
 * the model registry (src/models/registry.ts) composes it from the models, so
 * a model an embedder registers is known to the checker, the interpreter, the
 * editor services and the docs alike.
 */
import type { Type } from './types.js';

export interface ParamSig {
  readonly name: string;
  readonly type: Type;
  readonly optional?: boolean;
}

/** A primitive as the checker and the editor see it. */
export interface PrimitiveSig {
  readonly name: string;
  readonly params: readonly ParamSig[];
  readonly returns: Type;
  /** One or two sentences, shown on hover and in docs/models.md; says which kernel function it follows. */
  readonly doc: string;
  /** Errnos it can fail with under `faults on` (besides the failures its model decides). */
  readonly faults?: readonly string[];
  /** The kernel release and commit that brought it (v1): a spec that targets an older kernel cannot call it. */
  readonly since?: Since;
}

/** When a primitive or a spelling came into the kernel. */
export interface Since {
  /** `6.2` */
  readonly linux: string;
  /** The commit, 12 hex digits or more. */
  readonly commit: string;
}

/** A field of an object kind that a spec can read (`buf.resv`, `attach.dev`). */
export interface FieldSpec {
  readonly type: Type;
  readonly doc?: string;
  /**
   * A reference a `lifetime KIND within FIELD` rule may name: the field holds
   * the object the kind's object must not outlive.
   */
  readonly lifetime?: boolean;
}

/** An object kind: what a spec may name in types, `count(K)`, `lifetime K within F` and field reads. */
export interface KindSpec {
  readonly name: string;
  readonly doc: string;
  readonly fields: Readonly<Record<string, FieldSpec>>;
  /** `lock x { }` and `held(x)` take objects of this kind. */
  readonly lockable?: boolean;
  /** A driver's `state` may hold one; each driver gets its own at the start of a run (a mutex field). */
  readonly inState?: boolean;
}

/** A lifecycle event a constraint pattern may name (`unplug(dev)`). */
export interface EventSpec {
  readonly params: readonly ParamSig[];
  readonly doc: string;
}

/** A named constant (`BUS_ADDR`). */
export interface ConstantSpec {
  readonly type: Type;
  readonly doc: string;
  /** For an `int` constant, its value (a kernel enum the spec may compare with `<`: `DMA_RESV_USAGE_READ`); otherwise the constant is a name of its own. */
  readonly value?: number;
}

/** Everything the checker needs to know that a spec does not declare itself. */
export interface Vocabulary {
  /** Every object kind, in the order the models declare them. */
  readonly kinds: ReadonlyMap<string, KindSpec>;
  /** Every primitive a spec may call, by its canonical name. */
  readonly primitives: ReadonlyMap<string, PrimitiveSig>;
  /** Other spellings of primitives (a newer kernel's name) → the canonical name. */
  readonly primitiveAliases: ReadonlyMap<string, string>;
  /** Other spellings of ops-table slots → the canonical slot name. */
  readonly slotAliases: ReadonlyMap<string, string>;
  readonly events: ReadonlyMap<string, EventSpec>;
  readonly constants: ReadonlyMap<string, ConstantSpec>;
  /** Every `model.*` violation with a one-line explanation. */
  readonly violations: ReadonlyMap<string, string>;
  /** When each kernel spelling of a primitive or slot (`dma_buf_invalidate_mappings`) came in. */
  readonly spellingsSince?: ReadonlyMap<string, Since>;
  /** The model each primitive comes from; decides which stdlib kernel checks apply by default. */
  readonly primitiveModels?: ReadonlyMap<string, string>;
}

/** The primitive a name denotes, through the other spellings. */
export function lookupPrimitive(v: Vocabulary, name: string): PrimitiveSig | undefined {
  return v.primitives.get(v.primitiveAliases.get(name) ?? name);
}

/** The canonical name of an ops-table slot. */
export function canonicalSlot(v: Vocabulary, name: string): string {
  return v.slotAliases.get(name) ?? name;
}

/** The fields of `kind` a `lifetime … within FIELD` rule may name. */
export function lifetimeFields(v: Vocabulary, kind: string): string[] {
  return Object.entries(v.kinds.get(kind)?.fields ?? {})
    .filter(([, f]) => f.lifetime === true)
    .map(([name]) => name);
}
