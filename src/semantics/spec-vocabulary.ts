/**
 * The vocabulary a spec is checked against: the models' (the registry's),
 * plus the object kinds the spec declares itself (`kind mr { … }`, v1). Own
 * kinds join the models' kinds so that types, field reads, `count`,
 * `lifetime … within` and the editor services treat them alike; `base` is
 * the registry, for the explorer.
 */
import type { OwnKindInfo } from './program.js';
import { strip } from './types.js';
import type { ConstantSpec, EventSpec, FieldSpec, KindSpec, PrimitiveSig, Since, Vocabulary } from './vocabulary.js';

export class SpecVocabulary implements Vocabulary {
  readonly kinds: ReadonlyMap<string, KindSpec>;

  constructor(
    readonly base: Vocabulary,
    own: ReadonlyMap<string, OwnKindInfo>,
  ) {
    const kinds = new Map(base.kinds);
    for (const k of own.values()) kinds.set(k.name, ownKindSpec(k));
    this.kinds = kinds;
  }

  get primitives(): ReadonlyMap<string, PrimitiveSig> {
    return this.base.primitives;
  }
  get primitiveAliases(): ReadonlyMap<string, string> {
    return this.base.primitiveAliases;
  }
  get slotAliases(): ReadonlyMap<string, string> {
    return this.base.slotAliases;
  }
  get events(): ReadonlyMap<string, EventSpec> {
    return this.base.events;
  }
  get constants(): ReadonlyMap<string, ConstantSpec> {
    return this.base.constants;
  }
  get violations(): ReadonlyMap<string, string> {
    return this.base.violations;
  }
  get primitiveModels(): ReadonlyMap<string, string> | undefined {
    return this.base.primitiveModels;
  }
  get spellingsSince(): ReadonlyMap<string, Since> | undefined {
    return this.base.spellingsSince;
  }
}

/** The registry behind a vocabulary (itself, unless it is a spec's). */
export function baseVocabulary(v: Vocabulary): Vocabulary {
  return v instanceof SpecVocabulary ? v.base : v;
}

/** An own kind as a kind spec: every field readable, a reference field usable by `lifetime … within`. */
export function ownKindSpec(k: OwnKindInfo): KindSpec & { readonly own: true } {
  const fields: Record<string, FieldSpec> = {};
  for (const f of k.fields.values()) {
    fields[f.name] = { type: f.type, ...(f.decl.doc ? { doc: f.decl.doc } : {}), ...(strip(f.type).k === 'object' ? { lifetime: true } : {}) };
  }
  return { name: k.name, doc: k.decl.doc ?? `An object of the spec's own kind \`${k.name}\`.`, fields, own: true };
}

/** Whether a kind is one the spec declares. */
export function isOwnKind(v: Vocabulary, kind: string): boolean {
  return (v.kinds.get(kind) as { own?: boolean } | undefined)?.own === true;
}
