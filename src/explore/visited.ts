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
import { WordWriter } from './words.js';

/** What the visited set says about the key it was asked for. */
export interface VisitedSet {
  /** The state id the key was first recorded with, or undefined. */
  get(key: string): number | undefined;
  /** Records a key that `get` did not know, with the cost of the shortest path known to it. */
  add(key: string, id: number, cost: number): void;
  /** A shorter path to the known `key`'s state: its cost is now `cost`. */
  lower(key: string, cost: number): void;
  readonly size: number;
  /** Bytes the set holds. */
  readonly bytes: number;
  /** Fingerprint bits, or 0 for whole keys. */
  readonly bits: number;
}

const INITIAL = 1 << 12;

/**
 * A key's fingerprint as two 32-bit halves. A search's keys are
 * fingerprints already (StateKeys.fingerprint: four UTF-16 units); any other
 * string is hashed the same way first. A low half of 0 marks an empty slot
 * (so that a reader of a shared table can tell one being written, see
 * `FingerprintView`): a key whose low half is 0 takes 1 — about one key in
 * four billion shares its fingerprint with one more.
 */
function halves(key: string, hasher: WordWriter, out: Uint32Array): void {
  let k = key;
  if (k.length !== 4) {
    hasher.reset();
    hasher.str(k);
    k = hasher.hash();
  }
  out[0] = k.charCodeAt(0) | (k.charCodeAt(1) << 16);
  out[1] = k.charCodeAt(2) | (k.charCodeAt(3) << 16);
  if (out[1] === 0) out[1] = 1;
}

/** The buffers of a shared fingerprint table, for `FingerprintView`: the fingerprints' halves, and each state's cost. */
export interface SharedTable {
  readonly hi: SharedArrayBuffer;
  readonly lo: SharedArrayBuffer;
  readonly costs: SharedArrayBuffer;
}

/** Fingerprints in an open-addressed table, probed linearly, grown at half full. */
export class FingerprintSet implements VisitedSet {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private ids = new Int32Array(INITIAL);
  /** A shared table's: each slot's cost (the search's shortest path to the state), for the workers. */
  private costs: Int32Array | undefined;
  private mask = INITIAL - 1;
  size = 0;
  readonly bits = 64;
  /** The key `halves` last took apart. */
  private readonly ab = new Uint32Array(2);
  /** Hashes a key that is not a fingerprint yet (a caller's own strings; the search's are). */
  private readonly hasher = new WordWriter();

  /**
   * `shared`: the fingerprints live in `SharedArrayBuffer`s that other
   * threads read (`FingerprintView`) while this one writes; `table` gives the
   * current ones, which change as the table grows.
   */
  constructor(private readonly shared = false) {
    this.hi = this.array(INITIAL);
    this.lo = this.array(INITIAL);
    if (shared) this.costs = new Int32Array(new SharedArrayBuffer(INITIAL * 4));
  }

  private array(n: number): Uint32Array {
    return this.shared ? new Uint32Array(new SharedArrayBuffer(n * 4)) : new Uint32Array(n);
  }

  /** The shared buffers (a `shared` set's). */
  get table(): SharedTable | undefined {
    return this.costs ? { hi: this.hi.buffer as SharedArrayBuffer, lo: this.lo.buffer as SharedArrayBuffer, costs: this.costs.buffer as SharedArrayBuffer } : undefined;
  }

  get bytes(): number {
    return this.hi.byteLength * (this.costs ? 4 : 3);
  }

  get(key: string): number | undefined {
    const i = this.slot(key);
    return i < 0 ? undefined : this.ids[i];
  }

  /** The slot holding `key`, or -1. */
  private slot(key: string): number {
    halves(key, this.hasher, this.ab);
    const a = this.ab[0]!;
    const b = this.ab[1]!;
    for (let i = b & this.mask; ; i = (i + 1) & this.mask) {
      const h = this.hi[i]!;
      const l = this.lo[i]!;
      if (l === b && h === a) return i;
      if (l === 0) return -1;
    }
  }

  add(key: string, id: number, cost: number): void {
    halves(key, this.hasher, this.ab);
    this.put(this.ab[0]!, this.ab[1]!, id, cost);
    if (++this.size * 2 > this.mask) this.grow();
  }

  lower(key: string, cost: number): void {
    // Costs only fall: a worker that reads the old one takes the state for dearer than it is, never cheaper.
    if (this.costs) Atomics.store(this.costs, this.slot(key), cost);
  }

  private put(a: number, b: number, id: number, cost: number): void {
    let i = b & this.mask;
    while (this.lo[i] !== 0) i = (i + 1) & this.mask;
    this.ids[i] = id;
    if (this.costs) this.costs[i] = cost;
    this.hi[i] = a;
    // The low half last, atomically: a reader that sees it sees the high half too (FingerprintView).
    if (this.shared) Atomics.store(this.lo, i, b);
    else this.lo[i] = b;
  }

  private grow(): void {
    const { hi, lo, ids, costs } = this;
    const n = hi.length * 2;
    this.hi = this.array(n);
    this.lo = this.array(n);
    this.ids = new Int32Array(n);
    if (costs) this.costs = new Int32Array(new SharedArrayBuffer(n * 4));
    this.mask = n - 1;
    for (let i = 0; i < hi.length; i++) if (lo[i] !== 0) this.put(hi[i]!, lo[i]!, ids[i]!, costs ? Atomics.load(costs, i) : 0);
  }
}

/**
 * Another thread's read-only view of a shared `FingerprintSet`. Its answers
 * may lag the writer's: a key it knows is in the set, but one it does not
 * know may have been added since (or be being added). A reader must take
 * "not found" as a guess, as the parallel search does.
 */
export class FingerprintView {
  private hi: Uint32Array;
  private lo: Uint32Array;
  private costs: Int32Array;
  private mask: number;
  private readonly ab = new Uint32Array(2);
  private readonly hasher = new WordWriter();

  constructor(table: SharedTable) {
    this.hi = new Uint32Array(table.hi);
    this.lo = new Uint32Array(table.lo);
    this.costs = new Int32Array(table.costs);
    this.mask = this.hi.length - 1;
  }

  /** Reads the writer's table from now on (it has grown). */
  update(table: SharedTable): void {
    this.hi = new Uint32Array(table.hi);
    this.lo = new Uint32Array(table.lo);
    this.costs = new Int32Array(table.costs);
    this.mask = this.hi.length - 1;
  }

  readonly has = (key: string): boolean => this.cost(key) >= 0;

  /**
   * The cost of the shortest path the search knows to `key`'s state, as the
   * writer last stored it (it may have fallen since), or -1 if the state is
   * not found.
   */
  cost(key: string): number {
    halves(key, this.hasher, this.ab);
    const a = this.ab[0]!;
    const b = this.ab[1]!;
    // Bounded: a table being written may, for an instant, look full to a reader.
    for (let i = b & this.mask, n = 0; n <= this.mask; i = (i + 1) & this.mask, n++) {
      // The low half first, atomically (the writer stores it last): a slot being written reads as
      // empty, and one read as full has its high half and its cost written.
      const l = Atomics.load(this.lo, i);
      const h = this.hi[i]!;
      if (l === 0) return -1;
      if (l === b && h === a) return Atomics.load(this.costs, i);
    }
    return -1;
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

  add(key: string, id: number, _cost?: number): void {
    this.map.set(key, id);
    this.chars += key.length;
  }

  lower(): void {}
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
