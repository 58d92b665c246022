/**
 * The visited set: each state's key reduced to a 64-bit fingerprint (the
 * search's keys come as fingerprints, StateKeys.fingerprint; other strings
 * are hashed here), kept in an open-addressed table of typed arrays, as
 * SPIN's hash-compact and TLC's fingerprint sets do. A slot costs 12 bytes
 * and the table is kept at most half full, so a state costs 24 to 48 bytes
 * instead of its key, which is about a kilobyte the garbage collector must
 * keep.
 *
 * Two different states with the same fingerprint would be taken for one: the
 * second would not be explored. The search reports the chance of that
 * (`collisionProbability`), computed as TLC computes its "optimistic"
 * estimate, and `exact` keeps whole keys for a run that must not take it.
 */
import { WordWriter } from './key.js';

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

  /** The halves of the fingerprint `split` last took apart. */
  private a = 0;
  private b = 0;
  /** Hashes a key that is not a fingerprint yet (a caller's own strings; the search's are). */
  private readonly hasher = new WordWriter();

  /**
   * The key's fingerprint in `a` and `b`. A search's keys are fingerprints
   * already (StateKeys.fingerprint: four UTF-16 units); any other string is
   * hashed the same way first. 0:0 marks an empty slot, so the key that
   * hashes there takes the next value.
   */
  private split(key: string): void {
    let k = key;
    if (k.length !== 4) {
      this.hasher.reset();
      this.hasher.str(k);
      k = this.hasher.hash();
    }
    this.a = (k.charCodeAt(0) | (k.charCodeAt(1) << 16)) >>> 0;
    this.b = (k.charCodeAt(2) | (k.charCodeAt(3) << 16)) >>> 0;
    if (this.a === 0 && this.b === 0) this.b = 1;
  }

  get(key: string): number | undefined {
    this.split(key);
    const { a, b } = this;
    for (let i = b & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hi[i]!;
      const l = this.lo[i]!;
      if (h === a && l === b) return this.ids[i];
      if (h === 0 && l === 0) return undefined;
    }
  }

  add(key: string, id: number): void {
    this.split(key);
    this.put(this.a, this.b, id);
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
