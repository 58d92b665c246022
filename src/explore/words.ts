/**
 * The word writer state keys and symmetry signatures are written with, and
 * the small sorting helpers state keys use (key.ts holds the other tags).
 */

/** A string's tag in a sequence of words: + its length, + its UTF-16 units two to a word. */
export const STR = 7;

/**
 * A sequence of 32-bit words in a buffer that is reused, and its 64-bit
 * fingerprint: what state keys and the symmetry reduction's member
 * signatures are written as, so neither builds a string to compare.
 */
export class WordWriter {
  protected words = new Uint32Array(1024);
  protected n = 0;

  /** Starts a new sequence. */
  reset(): void {
    this.n = 0;
  }

  put(x: number): void {
    if (this.n === this.words.length) {
      const more = new Uint32Array(this.words.length * 2);
      more.set(this.words);
      this.words = more;
    }
    this.words[this.n++] = x;
  }

  /** A string, as a token: its tag, its length, its UTF-16 units two to a word. */
  str(s: string): void {
    this.put(STR);
    this.put(s.length);
    for (let i = 0; i < s.length; i += 2) this.put(s.charCodeAt(i) | ((i + 1 < s.length ? s.charCodeAt(i + 1) : 0) << 16));
  }

  /**
   * The 64-bit fingerprint of the words, as four UTF-16 units: two lanes of
   * MurmurHash3's 32-bit mixing, with their own seeds and rotations, each
   * finished with its avalanche.
   */
  hash(): string {
    const words = this.words;
    let h1 = 0x9747b28c;
    let h2 = 0x5bd1e995;
    for (let i = 0; i < this.n; i++) {
      let k = Math.imul(words[i]!, 0xcc9e2d51);
      k = Math.imul((k << 15) | (k >>> 17), 0x1b873593);
      h1 ^= k;
      h1 = (Math.imul((h1 << 13) | (h1 >>> 19), 5) + 0xe6546b64) | 0;
      h2 ^= Math.imul((k << 11) | (k >>> 21), 0x85ebca6b);
      h2 = (Math.imul((h2 << 17) | (h2 >>> 15), 9) + 0x38495ab5) | 0;
    }
    h1 = fmix(h1 ^ this.n);
    h2 = fmix(h2 ^ (this.n * 3));
    return String.fromCharCode(h1 & 0xffff, h1 >>> 16, h2 & 0xffff, h2 >>> 16);
  }
}

/**
 * A record's keys in sorted order, sorted again only when they change: a
 * run's worlds all have the same providers and memories, and the key would
 * otherwise sort them for every state.
 */
export class SortedKeys {
  private names: string[] = [];
  private sorted: string[] = [];

  of(r: Readonly<Record<string, unknown>>): readonly string[] {
    let i = 0;
    let same = true;
    for (const k in r) {
      if (this.names[i] !== k) {
        same = false;
        break;
      }
      i++;
    }
    if (same && i === this.names.length) return this.sorted;
    this.names = Object.keys(r);
    this.sorted = [...this.names].sort();
    return this.sorted;
  }
}

/** The length of run `i` of the `count` runs starting at `starts[…]`, the last ending at `end`. */
export function runLength(starts: Uint32Array, count: number, end: number, i: number): number {
  return (i + 1 < count ? starts[i + 1]! : end) - starts[i]!;
}

/** Runs `a` and `b` compared word by word, a shorter prefix first. */
export function compareRuns(words: Uint32Array, starts: Uint32Array, count: number, end: number, a: number, b: number): number {
  const la = runLength(starts, count, end, a);
  const lb = runLength(starts, count, end, b);
  const sa = starts[a]!;
  const sb = starts[b]!;
  for (let i = 0; i < la && i < lb; i++) {
    const d = words[sa + i]! - words[sb + i]!;
    if (d !== 0) return d;
  }
  return la - lb;
}

/** MurmurHash3's finishing avalanche of a 32-bit lane. */
function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

