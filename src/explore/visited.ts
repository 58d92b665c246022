/**
 * The visited set: each state's key reduced to a 64-bit fingerprint (the
 * search's keys come as fingerprints, StateKeys.fingerprint; other strings
 * are hashed here), kept in an open-addressed table of typed arrays, as
 * SPIN's hash-compact and TLC's fingerprint sets do. A state then costs 12 bytes of table (16 at the
 * largest load) instead of its key, which is about a kilobyte, and finding
 * it costs one pass over the key instead of a hash and a compare of a string
 * the garbage collector must keep.
 *
 * Two different states with the same fingerprint would be taken for one: the
 * second would not be explored. The search reports the chance of that
 * (`collisionProbability`), computed as TLC computes its "optimistic"
 * estimate, and `exact` keeps whole keys for a run that must not take it.
 */

/** The two 32-bit halves of a key's fingerprint, written by `fingerprint`. */
const fp = new Uint32Array(2);

/**
 * A 64-bit fingerprint of `key` in `fp`: two multiplicative lanes over the
 * characters, each with its own seed and multiplier, mixed into each other at
 * the end so every character reaches all 64 bits (the construction of
 * cyrb53, kept at the full 64 bits).
 */
function fingerprint(key: string): void {
  // A search's keys are fingerprints already (StateKeys.fingerprint): four UTF-16 units, 64 bits.
  if (key.length === 4) {
    fp[0] = key.charCodeAt(0) | (key.charCodeAt(1) << 16);
    fp[1] = key.charCodeAt(2) | (key.charCodeAt(3) << 16);
    if (fp[0] === 0 && fp[1] === 0) fp[1] = 1;
    return;
  }
  let h1 = 0xdeadbeef;
  let h2 = 0x41c6ce57;
  for (let i = 0; i < key.length; i++) {
    const c = key.charCodeAt(i);
    h1 = Math.imul(h1 ^ c, 2654435761);
    h2 = Math.imul(h2 ^ c, 1597334677);
  }
  h1 = Math.imul(h1 ^ (h1 >>> 16), 2246822507);
  h1 ^= Math.imul(h2 ^ (h2 >>> 13), 3266489909);
  h2 = Math.imul(h2 ^ (h2 >>> 16), 2246822507);
  h2 ^= Math.imul(h1 ^ (h1 >>> 13), 3266489909);
  // A fingerprint of 0:0 marks an empty slot; the key that hashes there takes the next value.
  if (h1 === 0 && h2 === 0) h2 = 1;
  fp[0] = h1;
  fp[1] = h2;
}

/** What the visited set says about the key it was asked for. */
export interface VisitedSet {
  /** The state id the key was first recorded with, or undefined. */
  get(key: string): number | undefined;
  /** Records a key that `get` did not know. */
  add(key: string, id: number): void;
  readonly size: number;
  /** Bytes the set holds. */
  readonly bytes: number;
  /** Fingerprint bits, or 0 for whole keys. */
  readonly bits: number;
}

const INITIAL = 1 << 12;

/** Fingerprints in an open-addressed table, probed linearly, grown at half full. */
export class FingerprintSet implements VisitedSet {
  private hi = new Uint32Array(INITIAL);
  private lo = new Uint32Array(INITIAL);
  private ids = new Int32Array(INITIAL);
  private mask = INITIAL - 1;
  size = 0;
  readonly bits = 64;

  get bytes(): number {
    return this.hi.byteLength * 3;
  }

  get(key: string): number | undefined {
    fingerprint(key);
    const a = fp[0]!;
    const b = fp[1]!;
    for (let i = b & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hi[i]!;
      const l = this.lo[i]!;
      if (h === a && l === b) return this.ids[i];
      if (h === 0 && l === 0) return undefined;
    }
  }

  add(key: string, id: number): void {
    fingerprint(key);
    this.put(fp[0]!, fp[1]!, id);
    if (++this.size * 2 > this.mask) this.grow();
  }

  private put(a: number, b: number, id: number): void {
    let i = b & this.mask;
    while (this.hi[i] !== 0 || this.lo[i] !== 0) i = (i + 1) & this.mask;
    this.hi[i] = a;
    this.lo[i] = b;
    this.ids[i] = id;
  }

  private grow(): void {
    const { hi, lo, ids } = this;
    const n = hi.length * 2;
    this.hi = new Uint32Array(n);
    this.lo = new Uint32Array(n);
    this.ids = new Int32Array(n);
    this.mask = n - 1;
    for (let i = 0; i < hi.length; i++) if (hi[i] !== 0 || lo[i] !== 0) this.put(hi[i]!, lo[i]!, ids[i]!);
  }
}

/** Whole keys: no two states are ever taken for one, at the memory of every key. */
export class ExactSet implements VisitedSet {
  private readonly map = new Map<string, number>();
  private chars = 0;
  readonly bits = 0;

  get size(): number {
    return this.map.size;
  }

  get bytes(): number {
    // A key's UTF-16 units (the words of StateKeys.exact are two-byte strings) and header, and the map's entry.
    return this.chars * 2 + this.map.size * 48;
  }

  get(key: string): number | undefined {
    return this.map.get(key);
  }

  add(key: string, id: number): void {
    this.map.set(key, id);
    this.chars += key.length;
  }
}

/**
 * The chance that two of the states a search found shared a fingerprint, so
 * that one of them went unexplored: TLC's optimistic estimate, `n·(m − n)/2^b`
 * for `n` states, `m` states generated (each look at a successor) and `b`
 * bits — each of the `m − n` looks at a state already seen could have matched
 * any of `n` fingerprints by chance. 0 for whole keys.
 */
export function collisionProbability(states: number, generated: number, bits: number): number {
  if (bits === 0) return 0;
  return Math.min(1, (states * Math.max(0, generated - states)) / 2 ** bits);
}
