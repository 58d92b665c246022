/**
 * Expansions as a worker sends them to the search (pool.ts): a batch of
 * states packed into one `Int32Array` of numbers, one string of their keys
 * and a short list of what is rare (violations, a deadlock's waits, the end
 * of a run). A message of many small objects cost the search's thread a
 * fifth of its time to take apart (structured cloning makes each object
 * again); an array of numbers and a string copy as blocks. The search reads
 * a packed state where it lies, a successor at a time through one reused
 * record, as it reads the successors of its own expansions (expansion.ts).
 *
 * A state is four numbers: its handle, its owed steps, flags (HALTED, AMPLE,
 * RARE) and its successor count; then four a successor: its world (NONE for
 * a step that changes nothing), its step, its charge, flags (FREE, KEY,
 * RARE). Keys are fingerprints, four UTF-16 units each, in the order their
 * flags say; rare parts go in `rare`, in the same order.
 */
import type { Violation } from '../runtime/natives.js';
import type { StateRecord, SuccessorRecord } from './expansion.js';

/**
 * A world or a step held by a worker, named by a number the worker chose
 * (pool.ts: `handle`): the search keeps the number, and asks for the thing
 * only when a trace needs it.
 */
export type Handle = number;

/**
 * A successor's world and step that its worker did not keep: the shared
 * table showed its state found by a path no dearer, so the search will
 * neither explore it again nor keep the step (search.ts: weigh). Most
 * successors are such; a worker that kept them all until the search let
 * them go held two worlds in three for nothing, and paid in collection.
 */
export const DROPPED: Handle = -1;

/** A batch of expanded states, packed. */
export interface PackedStates {
  readonly nums: Int32Array;
  readonly keys: string;
  readonly rare: readonly Rare[];
}

type Rare =
  | { readonly unanswered: readonly Violation[]; readonly waiting?: StateRecord<Handle, Handle>['waiting']; readonly end?: StateRecord<Handle, Handle>['end'] }
  | { readonly violations: readonly Violation[]; readonly bound: SuccessorRecord<Handle, Handle>['bound'] };

/** A state as a worker reports it: its world and steps stay with the worker, named by handles. */
export type RemoteState = StateRecord<Handle, Handle>;
/** A successor as a worker reports it. */
export type RemoteSuccessor = SuccessorRecord<Handle, Handle>;

const HALTED = 1;
const AMPLE = 2;
const RARE = 4;
const FREE = 1;
const KEY = 2;
/** A successor's world that is its parent's (a step that changes nothing). */
const NONE = -2;
const NO_VIOLATIONS: readonly Violation[] = [];

/** What a worker packs its expansions with; `take` hands over a batch and starts the next. */
export class StatePacker {
  private nums = new Int32Array(1024);
  private n = 0;
  private keys: string[] = [];
  private rare: Rare[] = [];

  private put(x: number): void {
    if (this.n === this.nums.length) {
      const more = new Int32Array(this.nums.length * 2);
      more.set(this.nums);
      this.nums = more;
    }
    this.nums[this.n++] = x;
  }

  private key(k: string): void {
    // Only fingerprints: a search with whole keys runs in one thread (parallel.ts).
    if (k.length !== 4) throw new Error(`internal error: a parallel search's key is not a fingerprint (${k.length} units)`);
    this.keys.push(k);
  }

  /** Packs state `h` and its successors, whose worlds and steps `keep` names (it is called for each, in order). */
  state(h: Handle, rec: StateRecord<unknown, unknown>, keep: (s: SuccessorRecord<unknown, unknown>) => { world: Handle | undefined; info: Handle }): void {
    const rare = rec.unanswered.length > 0 || rec.waiting !== undefined || rec.end !== undefined;
    this.put(h);
    this.put(rec.owedAll);
    this.put((rec.halted ? HALTED : 0) | (rec.ampleKey !== undefined ? AMPLE : 0) | (rare ? RARE : 0));
    const count = this.n;
    this.put(0);
    if (rec.ampleKey !== undefined) this.key(rec.ampleKey);
    if (rare) this.rare.push({ unanswered: rec.unanswered, ...(rec.waiting ? { waiting: rec.waiting } : {}), ...(rec.end ? { end: rec.end } : {}) });
    let successors = 0;
    for (const s of rec.successors) {
      const { world, info } = keep(s);
      const odd = s.violations.length > 0 || s.bound !== undefined;
      this.put(world ?? NONE);
      this.put(info);
      this.put(s.charged);
      this.put((s.free ? FREE : 0) | (s.key !== undefined ? KEY : 0) | (odd ? RARE : 0));
      if (s.key !== undefined) this.key(s.key);
      if (odd) this.rare.push({ violations: s.violations, bound: s.bound });
      successors++;
    }
    this.nums[count] = successors;
  }

  /** The states packed since the last `take`, or undefined if none. */
  take(): PackedStates | undefined {
    if (this.n === 0) return undefined;
    const batch = { nums: this.nums.slice(0, this.n), keys: this.keys.join(''), rare: this.rare };
    this.n = 0;
    this.keys = [];
    this.rare = [];
    return batch;
  }
}

/** The states of a batch, each read where it lies, and how many of their successors the worker dropped. */
export function unpack(batch: PackedStates): { states: [Handle, RemoteState][]; dropped: number } {
  const out: [Handle, RemoteState][] = [];
  let dropped = 0;
  const { nums } = batch;
  let at = 0;
  let key = 0;
  let rare = 0;
  while (at < nums.length) {
    const state = new Packed(batch, at, key, rare);
    out.push([nums[at]!, state]);
    const flags = nums[at + 2]!;
    const count = nums[at + 3]!;
    if (flags & AMPLE) key += 4;
    if (flags & RARE) rare++;
    at += 4;
    for (let i = 0; i < count; i++, at += 4) {
      if (nums[at] === DROPPED) dropped++;
      const f = nums[at + 3]!;
      if (f & KEY) key += 4;
      if (f & RARE) rare++;
    }
  }
  return { states: out, dropped };
}

/** One packed state, read as a record: its successors a fresh pass each time they are iterated. */
class Packed implements RemoteState {
  readonly halted: boolean;
  readonly owedAll: number;
  readonly unanswered: readonly Violation[] = NO_VIOLATIONS;
  readonly waiting?: RemoteState['waiting'];
  readonly end?: RemoteState['end'];
  readonly ampleKey?: string;

  constructor(
    private readonly batch: PackedStates,
    private readonly at: number,
    private readonly key: number,
    private readonly rare: number,
  ) {
    const { nums, keys } = batch;
    const flags = nums[at + 2]!;
    this.halted = (flags & HALTED) !== 0;
    this.owedAll = nums[at + 1]!;
    if (flags & AMPLE) this.ampleKey = keys.slice(key, key + 4);
    if (flags & RARE) {
      const r = batch.rare[rare] as Extract<Rare, { unanswered: unknown }>;
      this.unanswered = r.unanswered;
      if (r.waiting) this.waiting = r.waiting;
      if (r.end) this.end = r.end;
    }
  }

  get successors(): Iterable<RemoteSuccessor> {
    const { batch, at } = this;
    const flags = batch.nums[at + 2]!;
    return new Successors(batch, at, this.key + (flags & AMPLE ? 4 : 0), this.rare + (flags & RARE ? 1 : 0));
  }
}

/** A pass over a packed state's successors, through one reused record. */
class Successors implements Iterable<RemoteSuccessor>, Iterator<RemoteSuccessor> {
  private readonly rec: { -readonly [K in keyof RemoteSuccessor]: RemoteSuccessor[K] } = { world: undefined, key: undefined, info: 0, charged: 0, free: false, violations: NO_VIOLATIONS, bound: undefined };
  private readonly result: IteratorResult<RemoteSuccessor> = { done: false, value: this.rec };
  private i = 0;
  private readonly count: number;
  private at: number;

  constructor(
    private readonly batch: PackedStates,
    state: number,
    private key: number,
    private rare: number,
  ) {
    this.count = batch.nums[state + 3]!;
    this.at = state + 4;
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<RemoteSuccessor> {
    if (this.i === this.count) return { done: true, value: undefined };
    this.i++;
    const { nums, keys } = this.batch;
    const at = this.at;
    this.at += 4;
    const rec = this.rec;
    const world = nums[at]!;
    const flags = nums[at + 3]!;
    rec.world = world === NONE ? undefined : world;
    rec.info = nums[at + 1]!;
    rec.charged = nums[at + 2]!;
    rec.free = (flags & FREE) !== 0;
    if (flags & KEY) {
      rec.key = keys.slice(this.key, this.key + 4);
      this.key += 4;
    } else rec.key = undefined;
    if (flags & RARE) {
      const r = this.batch.rare[this.rare++] as Extract<Rare, { violations: unknown }>;
      rec.violations = r.violations;
      rec.bound = r.bound;
    } else {
      rec.violations = NO_VIOLATIONS;
      rec.bound = undefined;
    }
    return this.result;
  }
}
