// Helpers of the inference-batch tests (infer.test.ts, infer97.test.ts).
import { createRng } from '../prng.ts';

/** T steps of B streams' inputs (B×X each, stream-major), uniform in [-scale, scale], seeded. */
export function inputs(seed: number, B: number, X: number, T: number, scale = 2): Float64Array[] {
  const rng = createRng(seed);
  return Array.from({ length: T }, () => Float64Array.from({ length: B * X }, () => scale * (2 * rng.uniform() - 1)));
}

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/**
 * The reference the batches are held to: each of `streams` run alone by the learner (`one`: its
 * step or predict), each step's (B, K) outputs gathered stream-major, for inputs of X per stream.
 */
export function aloneRun<S>(streams: readonly S[], xs: Float64Array[], X: number, K: number, one: (s: S, x: Float64Array) => Float64Array): Float64Array[] {
  return xs.map((x) => {
    const out = new Float64Array(streams.length * K);
    streams.forEach((s, b) => out.set(one(s, x.subarray(b * X, (b + 1) * X)), b * K));
    return out;
  });
}
