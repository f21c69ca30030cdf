// The seeded PRNG every part of Carousel uses for initialisation and synthetic data.
// Not a cryptographic generator. Deliberately tiny and specified here so that any language can
// reproduce a Carousel initialisation bit for bit:
//
//   state: four uint32 words (xoshiro128**), seeded from one uint32 by splitmix32.
//   next32(): xoshiro128** (Blackman & Vigna 2018).
//   uniform(): a float64 in [0, 1) from two draws: ((a >>> 5) * 2^26 + (b >>> 6)) / 2^53.
//   normal(): Box-Muller on two uniforms (the sine half is discarded, so one call = four draws).
//   fork(k): a new independent stream, seeded by splitmix32 from (seed, k); used to keep
//            initialisation, training data and test data on separate streams.

export interface Rng {
  /** The seed this stream was created from. */
  readonly seed: number;
  /** Next uint32. */
  next32(): number;
  /** Uniform float64 in [0, 1), 53 random bits. */
  uniform(): number;
  /** Uniform float64 in [lo, hi). */
  range(lo: number, hi: number): number;
  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal N(0, 1). */
  normal(): number;
  /** An independent stream derived from this one's seed and `k`. */
  fork(k: number): Rng;
  /** The four state words, for checkpoints. */
  state(): [number, number, number, number];
}

function splitmix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  let z = x;
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) >>> 0;
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

class Xoshiro128 implements Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(readonly seed: number, words?: readonly number[]) {
    if (words) {
      [this.s0, this.s1, this.s2, this.s3] = words.map((w) => w >>> 0) as [number, number, number, number];
    } else {
      let x = seed >>> 0;
      this.s0 = x = splitmix32(x);
      this.s1 = x = splitmix32(x);
      this.s2 = x = splitmix32(x);
      this.s3 = splitmix32(x);
      if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
    }
  }

  next32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5) >>> 0, 7), 9) >>> 0;
    const t = (this.s1 << 9) >>> 0;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 = (this.s2 ^ t) >>> 0;
    this.s3 = rotl(this.s3 >>> 0, 11);
    this.s0 >>>= 0;
    this.s1 >>>= 0;
    return result;
  }

  uniform(): number {
    const a = this.next32() >>> 5;
    const b = this.next32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.uniform() * (hi - lo + 1));
  }

  normal(): number {
    let u = this.uniform();
    if (u === 0) u = Number.MIN_VALUE;
    const v = this.uniform();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  fork(k: number): Rng {
    return new Xoshiro128(splitmix32((this.seed ^ Math.imul(k + 1, 0x27d4eb2d)) >>> 0));
  }

  state(): [number, number, number, number] {
    return [this.s0, this.s1, this.s2, this.s3];
  }
}

/** A seeded generator. The same seed gives the same sequence on every platform. */
export function createRng(seed: number, state?: readonly number[]): Rng {
  return new Xoshiro128(seed >>> 0, state);
}
