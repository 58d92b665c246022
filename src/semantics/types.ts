/**
 * The static types of Lifespec values. Checking is deliberately forgiving
 * where the kernel is (an `sg_table?` may be passed where an `sg_table` is
 * wanted: the model reports `model.null_deref` if it is `none` at run time)
 * and strict where a mistake is certain (`lock` on an int).
 */

/** Object kinds of LANGUAGE.md §5, tracked by the models. */
export const objectKinds = [
  'pci_dev',
  'binding',
  'p2pdma_provider',
  'dma_buf',
  'attachment',
  'sg_table',
  'iova',
  'mutex',
  'completion',
] as const;
export type ObjectKind = (typeof objectKinds)[number];

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
  | { readonly k: 'object'; readonly kind: ObjectKind }
  | { readonly k: 'set'; readonly elem: Type }
  | { readonly k: 'optional'; readonly inner: Type }
  | { readonly k: 'ops'; readonly opstype: string }
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
  object: (kind: ObjectKind): Type => ({ k: 'object', kind }),
  set: (elem: Type): Type => ({ k: 'set', elem }),
  optional: (inner: Type): Type => (inner.k === 'optional' || inner.k === 'unknown' ? inner : { k: 'optional', inner }),
  ops: (opstype: string): Type => ({ k: 'ops', opstype }),
};

export function isObjectKind(name: string): name is ObjectKind {
  return (objectKinds as readonly string[]).includes(name);
}

/** The type a name in a type position denotes, or undefined when it names nothing. */
export function scalarType(name: string): Type | undefined {
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
    default:
      return isObjectKind(name) ? T.object(name) : undefined;
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

/**
 * The reference fields of each kind (LANGUAGE.md §5): what `x.field` reads and
 * what a `lifetime KIND within FIELD` constraint can name. `resv` is the
 * buffer's reservation mutex; `peer2peer` is what the importer asked for.
 * DMA-BUF additions: `dynamic` is dma_buf_attachment_is_dynamic() (the
 * importer gave importer ops), `pinned` whether the buffer is pinned for the
 * attachment (dma_buf_pin, or the core's pin at map time), and a buffer's
 * `static_mappings` counts the live mappings of its static attachments.
 * A `completion` is the kernel's struct completion (init_completion()).
 */
export const kindFields: Record<ObjectKind, Record<string, Type>> = {
  pci_dev: { bridge: T.bridge, binding: T.optional(T.object('binding')) },
  binding: { device: T.object('pci_dev'), driver: T.unknown },
  p2pdma_provider: { device: T.object('pci_dev'), binding: T.optional(T.object('binding')) },
  dma_buf: {
    exporter: T.optional(T.object('binding')),
    provider: T.optional(T.object('p2pdma_provider')),
    resv: T.object('mutex'),
    static_mappings: T.int,
  },
  attachment: { buf: T.object('dma_buf'), dev: T.object('pci_dev'), peer2peer: T.bool, dynamic: T.bool, pinned: T.bool },
  sg_table: {
    attachment: T.optional(T.object('attachment')),
    provider: T.optional(T.object('p2pdma_provider')),
    dev: T.object('pci_dev'),
  },
  iova: { domain: T.object('pci_dev'), provider: T.optional(T.object('p2pdma_provider')) },
  mutex: {},
  completion: {},
};

/** The fields a lifetime constraint may relate: those that name another object. */
export function referenceFields(kind: ObjectKind): string[] {
  return Object.entries(kindFields[kind])
    .filter(([, t]) => {
      const s = strip(t);
      return s.k === 'object' || s.k === 'bridge' || s.k === 'unknown';
    })
    .map(([name]) => name)
    .filter((name) => name !== 'resv');
}
