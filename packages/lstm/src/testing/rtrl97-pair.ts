// Test utility: two Rtrl97 learners that must agree bit for bit (wasm vs JS kernels, deferred vs
// step-time traces) driven through the same batched steps. Not used by library code.

import { expect } from 'vitest';
import type { Rtrl97, Rtrl97Stream } from '../rtrl97.ts';

/** learnBatch on both with the same targets; their losses must be the same bits. */
export function learnBatchBoth(a: Rtrl97, A: Rtrl97Stream[], b: Rtrl97, B: Rtrl97Stream[], D: ArrayLike<number>): void {
  const la = new Float64Array(A.length);
  const lb = new Float64Array(B.length);
  a.learnBatch(A, D, la);
  b.learnBatch(B, D, lb);
  expect(Array.from(la)).toEqual(Array.from(lb));
}

/** stepBatch on both with the same inputs, outputs compared, then learnBatchBoth. */
export function stepLearnBatchBoth(a: Rtrl97, A: Rtrl97Stream[], b: Rtrl97, B: Rtrl97Stream[], X: ArrayLike<number>, D: ArrayLike<number>): void {
  const Ya = new Float64Array(A.length * a.outputs);
  const Yb = new Float64Array(B.length * b.outputs);
  a.stepBatch(A, X, Ya);
  b.stepBatch(B, X, Yb);
  expect(Array.from(Ya)).toEqual(Array.from(Yb));
  learnBatchBoth(a, A, b, B, D);
}
