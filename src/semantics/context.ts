/**
 * The state one check run builds up: the declaration tables, the resolution
 * and type tables, and a diagnostic bag per source (the user's spec and any
 * stdlib module, so a message always points into the right text).
 */
import { DiagnosticBag } from '../diagnostics/diagnostic.js';
import type { Span } from '../source.js';
import type * as A from '../syntax/ast.js';
import type {
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
import { queries } from './builtins.js';
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

  constructor(
    readonly userUri: string,
    /** The kinds, primitives, events, constants and violations of the registered models. */
    readonly vocabulary: Vocabulary,
  ) {}

  /** The query or primitive a name denotes, through the kernel-rename aliases. */
  lookupPrimitive(name: string): PrimitiveSig | undefined {
    return queries.get(name) ?? lookupPrimitive(this.vocabulary, name);
  }

  /** Every name a call may use: the queries and the models' primitives. */
  callableNames(): string[] {
    return [...queries.keys(), ...this.vocabulary.primitives.keys()];
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

  /** The type a written type denotes; reports names that denote none. */
  resolveType(ref: A.TypeRef | undefined, uri: string): Type {
    if (!ref || ref.name.name === '') return T.unknown;
    const bag = this.bag(uri);
    const name = ref.name.name;
    let t: Type;
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
