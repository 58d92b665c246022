/**
 * The seeded randomness of swarm mode (simulate.ts): splitmix32, small and
 * the same on every host, so that a seed names the same walks everywhere.
 * Math.random cannot be seeded, and a walk that cannot be run again is a
 * finding nobody can debug.
 */

/** The largest seed: seeds are unsigned 32-bit integers. */
export const MAX_SEED = 0xffff_ffff;

/** splitmix32's output function: a bijection on 32-bit integers that spreads every input bit over every output bit. */
function mix(x: number): number {
  let z = x >>> 0;
  z = Math.imul(z ^ (z >>> 16), 0x85eb_ca6b) >>> 0;
  z = Math.imul(z ^ (z >>> 13), 0xc2b2_ae35) >>> 0;
  return (z ^ (z >>> 16)) >>> 0;
}

/** A deterministic stream of 32-bit numbers from `seed`. */
export class Prng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next 32-bit unsigned number. */
  next(): number {
    this.state = (this.state + 0x9e37_79b9) >>> 0;
    return mix(this.state);
  }

  /**
   * A number in [0, n), each equally likely: numbers past the last whole
   * multiple of n are drawn again, so no successor is favoured by the
   * remainder of 2^32 / n.
   */
  below(n: number): number {
    if (n <= 1) return 0;
    const limit = 2 ** 32 - (2 ** 32 % n);
    for (;;) {
      const x = this.next();
      if (x < limit) return x % n;
    }
  }
}

/**
 * The seed of walk `run` of a swarm run seeded `seed`: a walk depends on its
 * own seed only, so one walk can be run again alone (`walkSeed` option), and
 * walks of neighbouring runs or seeds share nothing.
 */
export function walkSeed(seed: number, run: number): number {
  return mix((mix(seed >>> 0) ^ Math.imul(run + 1, 0x27d4_eb2d)) >>> 0);
}
