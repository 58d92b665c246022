/**
 * The static types of Lifespec values. Checking is deliberately forgiving
 * where the kernel is (an `sg_table?` may be passed where an `sg_table` is
 * wanted: the model reports `model.null_deref` if it is `none` at run time)
 * and strict where a mistake is certain (`lock` on an int).
 */

export type Type =
  | { readonly k: 'bool' }
  | { readonly k: 'int' }
  | { readonly k: 'errno' }
  | { readonly k: 'string' }
  | { readonly k: 'none' }
  | { readonly k: 'void' }
  | { readonly k: 'map_type' }
  | { readonly k: 'bridge' }
  | { readonly k: 'driver'; readonly name: string }
  /** An object of a kind the model registry declares (`dma_buf`, or an embedder's). */
  | { readonly k: 'object'; readonly kind: string }
  | { readonly k: 'set'; readonly elem: Type }
  | { readonly k: 'optional'; readonly inner: Type }
  | { readonly k: 'ops'; readonly opstype: string }
  /** A reference count (v1): a field of a kind or of a driver's state, passed only to the kref primitives. */
  | { readonly k: 'kref' }
  /** No information (an untyped parameter, or an expression that already has an error). */
  | { readonly k: 'unknown' };

export const T = {
  bool: { k: 'bool' } as Type,
  int: { k: 'int' } as Type,
  errno: { k: 'errno' } as Type,
  string: { k: 'string' } as Type,
  none: { k: 'none' } as Type,
  void: { k: 'void' } as Type,
  mapType: { k: 'map_type' } as Type,
  bridge: { k: 'bridge' } as Type,
  unknown: { k: 'unknown' } as Type,
  kref: { k: 'kref' } as Type,
  object: (kind: string): Type => ({ k: 'object', kind }),
  set: (elem: Type): Type => ({ k: 'set', elem }),
  optional: (inner: Type): Type => (inner.k === 'optional' || inner.k === 'unknown' ? inner : { k: 'optional', inner }),
  ops: (opstype: string): Type => ({ k: 'ops', opstype }),
};

/** The scalar types a spec may write. */
export const scalarTypeNames = ['bool', 'int', 'errno', 'string', 'map_type', 'kref'] as const;

/** The type a name in a type position denotes (a scalar, or one of `kinds`), or undefined when it names nothing. */
export function scalarType(name: string, kinds: ReadonlyMap<string, unknown>): Type | undefined {
  switch (name) {
    case 'bool':
      return T.bool;
    case 'int':
      return T.int;
    case 'errno':
      return T.errno;
    case 'string':
      return T.string;
    case 'map_type':
      return T.mapType;
    case 'kref':
      return T.kref;
    default:
      return kinds.has(name) ? T.object(name) : undefined;
  }
}

/** How a type is written in source and in messages. */
export function typeToString(t: Type): string {
  switch (t.k) {
    case 'object':
      return t.kind;
    case 'set':
      return `set<${typeToString(t.elem)}>`;
    case 'optional':
      return `${typeToString(t.inner)}?`;
    case 'ops':
      return `ops table of type ${t.opstype}`;
    case 'driver':
      return `driver ${t.name}`;
    case 'map_type':
      return 'map_type';
    case 'none':
      return 'none';
    default:
      return t.k;
  }
}

export function strip(t: Type): Type {
  return t.k === 'optional' ? t.inner : t;
}

function same(a: Type, b: Type): boolean {
  if (a.k !== b.k) return false;
  switch (a.k) {
    case 'object':
      return a.kind === (b as typeof a).kind;
    case 'set':
      return compatible((b as typeof a).elem, a.elem) && compatible(a.elem, (b as typeof a).elem);
    case 'ops':
      return a.opstype === (b as typeof a).opstype;
    case 'driver':
      return a.name === (b as typeof a).name;
    default:
      return true;
  }
}

/**
 * Whether a value of type `from` may stand where `to` is wanted. Optionals
 * flow both ways (a `none` is caught by the model at run time); `none` itself
 * only flows into optionals; errno flows anywhere a fallible result may go.
 */
export function compatible(from: Type, to: Type): boolean {
  if (from.k === 'unknown' || to.k === 'unknown') return true;
  if (from.k === 'none') return to.k === 'optional';
  if (from.k === 'errno' && to.k !== 'bool' && to.k !== 'int') return true;
  return same(strip(from), strip(to));
}

/** Whether `==`/`!=` between the two makes sense. */
export function comparable(a: Type, b: Type): boolean {
  if (a.k === 'unknown' || b.k === 'unknown') return true;
  if (a.k === 'none') return b.k === 'optional' || b.k === 'none' || b.k === 'object' || b.k === 'set';
  if (b.k === 'none') return comparable(b, a);
  if (a.k === 'errno' || b.k === 'errno') return true;
  return same(strip(a), strip(b));
}
