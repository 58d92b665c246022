/**
 * Run-time values, encoded as JSON-like primitives so a whole world state can
 * be serialised into one canonical key cheaply:
 *
 * | value            | encoding                          |
 * |------------------|-----------------------------------|
 * | `none`           | `null`                            |
 * | bool, int        | `boolean`, `number`               |
 * | object reference | `"#12"` (object id 12)            |
 * | errno            | `"!ENODEV"`                       |
 * | a model constant | `"@BUS_ADDR"`                     |
 * | ops table        | `"&vfio_pci.dmabuf_ops"`          |
 * | string           | `"\"text"`                        |
 * | set              | an array of values, insertion order |
 */
export type Value = null | boolean | number | string | readonly Value[];

export const ref = (id: number): string => `#${id}`;
export const isRef = (v: Value): v is string => typeof v === 'string' && v.charCodeAt(0) === 35; /* # */
export const refId = (v: string): number => Number(v.slice(1));

export const errno = (name: string): string => `!${name}`;
export const isErrno = (v: Value): v is string => typeof v === 'string' && v.charCodeAt(0) === 33; /* ! */
export const errnoName = (v: string): string => v.slice(1);

export const mapType = (name: string): string => `@${name}`;
export const opsRef = (driver: string, table: string): string => `&${driver}.${table}`;
export const isOpsRef = (v: Value): v is string => typeof v === 'string' && v.charCodeAt(0) === 38; /* & */
export const str = (s: string): string => `"${s}`;

/** Value equality: sets compare element-wise in order. */
export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!equal(a[i]!, b[i]!)) return false;
    return true;
  }
  return false;
}
