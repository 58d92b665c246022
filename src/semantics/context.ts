/**
 * The state one check run builds up: the declaration tables, the resolution
 * and type tables, and a diagnostic bag per source (the user's spec and any
 * stdlib module, so a message always points into the right text).
 */
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source.js';
import type * as A from '../syntax/ast.js';
import { SpecVocabulary } from './spec-vocabulary.js';
import { contractOf } from './contract.js';
import type {
  Contract,
  OwnKindInfo,
  ConstraintInfo,
  DriverInfo,
  EventSig,
  FnInfo,
  OpstypeInfo,
  ProviderInfo,
  ScenarioInfo,
  Symbol,
  TopoNode,
} from './program.js';
import { freeSig, krefPrimitives, queries } from './builtins.js';
import { didYouMean } from './suggest.js';
import { scalarType, scalarTypeNames, T, type Type } from './types.js';
import { canonicalSlot, lookupPrimitive, type PrimitiveSig, type Vocabulary } from './vocabulary.js';

interface Declared {
  readonly uri: string;
  readonly span: Span;
}

export class CheckContext {
  private readonly bags = new Map<string, DiagnosticBag>();
  private readonly declared = new Map<string, Declared>();

  readonly topology = new Map<string, TopoNode>();
  readonly providers = new Map<string, ProviderInfo>();
  readonly opstypes = new Map<string, OpstypeInfo>();
  readonly drivers = new Map<string, DriverInfo>();
  readonly fns = new Map<string, FnInfo>();
  readonly constraints = new Map<string, ConstraintInfo>();
  readonly scenarios = new Map<string, ScenarioInfo>();
  readonly resolutions = new Map<A.Node, Symbol>();
  readonly types = new Map<A.Expr, Type>();
  readonly events = new Map<A.Pattern, EventSig>();
  /** Stdlib constraint names that exist but were not loaded, for "add `use …`" hints. */
  readonly unloadedRules = new Map<string, string>();
  /**
   * Declarations a syntax error cut short or left in doubt. What they seem to
   * lack (a required slot, a provider's `bar`, the action a scenario calls)
   * may sit in the text recovery skipped, so it is not reported.
   */
  readonly incomplete = new Set<A.Decl>();

  /**
   * Whether a name that resolves to nothing may be declared in text a syntax
   * error made the parser skip: the rest of a cut-short topology, or the state
   * of the cut-short driver whose body is being checked.
   */
  nameMayBeSkipped(driver?: DriverInfo): boolean {
    if (driver && this.incomplete.has(driver.decl)) return true;
    for (const d of this.incomplete) if (d.kind === 'topology') return true;
    return false;
  }

  /** The kinds the spec declares (v1). */
  readonly ownKinds = new Map<string, OwnKindInfo>();
  /** For each file a `use "…"` loaded: the `use` line that first brought it in. */
  readonly usedVia = new Map<string, { readonly uri: string; readonly span: Span }>();
  /** Rules the spec's `allow` lines turn off. */
  readonly allowedRules = new Set<string>();
  /** The kernel contract the spec follows (set once the spec's `target` is read). */
  contract: Contract = contractOf(undefined);
  /** The kinds, primitives, events, constants and violations of the registered models, and the spec's own kinds. */
  vocabulary: Vocabulary;

  constructor(
    readonly userUri: string,
    /** The registered models' vocabulary. */
    readonly base: Vocabulary,
  ) {
    this.vocabulary = new SpecVocabulary(base, this.ownKinds);
  }

  /** Makes the own kinds collected so far part of the vocabulary. */
  refreshKinds(): void {
    this.vocabulary = new SpecVocabulary(this.base, this.ownKinds);
  }

  /** The query or primitive a name denotes, through the kernel-rename aliases. */
  lookupPrimitive(name: string): PrimitiveSig | undefined {
    return queries.get(name) ?? krefPrimitives.get(name) ?? (name === 'free' ? freeSig : undefined) ?? lookupPrimitive(this.vocabulary, name);
  }

  /** Every name a call may use: the queries and the models' primitives. */
  callableNames(): string[] {
    return [...queries.keys(), ...krefPrimitives.keys(), 'free', ...this.vocabulary.primitives.keys()];
  }

  /** The canonical name of an ops-table slot (`invalidate_mappings` is `move_notify`). */
  slot(name: string): string {
    return canonicalSlot(this.vocabulary, name);
  }

  /** Every `model.*` violation name `expect` may use. */
  get violationNames(): ReadonlyMap<string, string> {
    return this.vocabulary.violations;
  }

  bag(uri: string): DiagnosticBag {
    let b = this.bags.get(uri);
    if (!b) {
      b = new DiagnosticBag(uri);
      this.bags.set(uri, b);
    }
    return b;
  }

  allDiagnostics() {
    return [...this.bags.values()].flatMap((b) => b.items);
  }

  /**
   * Records a declaration in a namespace; reports a duplicate (pointing at the
   * first one) and returns false when the name is taken.
   */
  declare(namespace: string, what: string, id: A.Ident, uri: string): boolean {
    if (id.name === '') return false;
    const key = `${namespace}\u0000${id.name}`;
    const first = this.declared.get(key);
    // Across files, the `use` line that brought the second one in is where it is said (LANGUAGE.md §10).
    const via = first && first.uri !== uri ? (this.usedVia.get(uri) ?? this.usedVia.get(first.uri)) : undefined;
    if (first && via) {
      const other = this.usedVia.has(uri) ? uri : first.uri;
      const elsewhere = other === uri ? first.uri : uri;
      this.bag(via.uri).error('duplicate-declaration', `this \`use\` brings in ${what} \`${id.name}\` from ${other}, which ${elsewhere} declares too: names are shared by every file of a spec`, via.span, [
        { message: `\`${id.name}\` in ${first.uri}`, uri: first.uri, span: first.span },
        { message: `\`${id.name}\` in ${uri}`, uri, span: id.span },
      ]);
      return false;
    }
    if (first) {
      const where = first.uri === uri ? '' : ` in ${first.uri}`;
      this.bag(uri).error('duplicate-declaration', `${what} \`${id.name}\` is already declared${where}`, id.span, [
        { message: `first declaration of \`${id.name}\``, uri: first.uri, span: first.span },
      ]);
      return false;
    }
    this.declared.set(key, { uri, span: id.span });
    return true;
  }

  /**
   * The type a written type denotes; reports names that denote none. `where`
   * is `field` for a field of a kind or of a driver's state, the one place a
   * `kref` may be.
   */
  resolveType(ref: A.TypeRef | undefined, uri: string, where?: 'field'): Type {
    if (!ref || ref.name.name === '') return T.unknown;
    const bag = this.bag(uri);
    const name = ref.name.name;
    let t: Type;
    if (name === 'kref' && (where !== 'field' || ref.optional || ref.arg)) {
      bag.error('type-mismatch', 'a `kref` is not a value: only a field of a kind or of a driver\'s state can be one (`refs: kref`), and only kref_get, kref_put, kref_get_unless_zero and kref_read take it', ref.name.span);
      return T.unknown;
    }
    if (name === 'set') {
      if (!ref.arg) {
        bag.error('unknown-type', '`set` needs an element type: `set<dma_buf>`', ref.name.span);
        t = T.set(T.unknown);
      } else {
        t = T.set(this.resolveType(ref.arg, uri));
      }
    } else {
      const s = scalarType(name, this.vocabulary.kinds);
      if (s === undefined) {
        bag.error('unknown-type', `unknown type \`${name}\`${typeHint(name, [...this.vocabulary.kinds.keys()])}`, ref.name.span);
        t = T.unknown;
      } else {
        t = s;
      }
      if (ref.arg) bag.error('unknown-type', `\`${name}\` takes no type argument; only \`set<T>\` does`, ref.arg.span);
    }
    return ref.optional ? T.optional(t) : t;
  }
}

function typeHint(name: string, kinds: readonly string[]): string {
  const all = [...scalarTypeNames, 'set', ...kinds];
  const lower = name.toLowerCase();
  if (lower !== name && all.includes(lower)) return ` (did you mean \`${lower}\`?)`;
  const hint = didYouMean(name, all);
  if (hint) return hint;
  return `; the types are ${scalarTypeNames.join(', ')}, set<T>, and the object kinds ${kinds.join(', ')}`;
}
