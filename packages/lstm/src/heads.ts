// Output heads of the modern recurrent family (linear, logistic, softmax over a = V h + bv) and
// their losses (MSE E = ½Σ(d−y)², cross-entropy). Pure functions, no allocation. Not the 1997
// output layer.
//
// Dimensions: B streams, H hidden units of the last layer, K outputs.

import { sigmoid } from './activations.ts';
import type { HeadLayout } from './recurrent-layout.ts';
import type { RecurrentHead, RecurrentLoss } from './recurrent-options.ts';

/** a = V h + bv, y = head(a), for B streams; V rows reused across the streams. */
export function headForward(
  a: Float64Array, // (B, K) pre-activations
  y: Float64Array, // (B, K) outputs
  h: Float64Array, // (B, H) last layer's output
  params: Float64Array,
  HL: HeadLayout,
  head: RecurrentHead,
  B: number,
): void {
  const { K, H, V, bv } = HL;
  for (let k = 0; k < K; k++) {
    const row = V + k * H;
    for (let b = 0; b < B; b++) {
      const hb = b * H;
      let acc = params[bv + k];
      for (let j = 0; j < H; j++) acc += params[row + j] * h[hb + j];
      a[b * K + k] = acc;
    }
  }
  for (let b = 0; b < B; b++) headOutputs(a, y, b * K, K, head);
}

/** y[o..o+K) = head(a[o..o+K)): identity, the logistic function, or the softmax. `a` may be `y`. */
export function headOutputs(a: Float64Array, y: Float64Array, o: number, K: number, head: RecurrentHead): void {
  if (head === 'linear') {
    for (let k = 0; k < K; k++) y[o + k] = a[o + k];
  } else if (head === 'logistic') {
    for (let k = 0; k < K; k++) y[o + k] = sigmoid(a[o + k]);
  } else {
    let m = -Infinity;
    for (let k = 0; k < K; k++) m = Math.max(m, a[o + k]);
    let sum = 0;
    for (let k = 0; k < K; k++) sum += Math.exp(a[o + k] - m);
    for (let k = 0; k < K; k++) y[o + k] = Math.exp(a[o + k] - m) / sum;
  }
}

/** log(1 + e^x) without overflow. */
function softplus(x: number): number {
  return Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/**
 * Loss of one stream's output against target d, times `weight`; writes dA = weight·dE/da.
 * Returns weight·E (may be non-finite for a bad target; the caller checks).
 */
export function headLoss(
  dA: Float64Array, // (K) out: weight · dE/da
  a: Float64Array, // (K) pre-activations
  y: Float64Array, // (K) outputs
  d: ArrayLike<number>, // (K) target
  head: RecurrentHead,
  loss: RecurrentLoss,
  weight: number,
  K: number,
): number {
  let E = 0;
  if (loss === 'mse') {
    // E = ½ Σ (d − y)², dE/dy = y − d
    let ye = 0; // Σ y_j e_j, for the softmax Jacobian
    for (let k = 0; k < K; k++) {
      const e = y[k] - d[k];
      E += 0.5 * e * e;
      ye += y[k] * e;
    }
    for (let k = 0; k < K; k++) {
      const e = y[k] - d[k];
      if (head === 'linear') dA[k] = weight * e;
      else if (head === 'logistic') dA[k] = weight * e * y[k] * (1 - y[k]);
      else dA[k] = weight * y[k] * (e - ye);
    }
  } else if (head === 'logistic') {
    E = crossEntropyOfNets('logistic', a, d, K);
    for (let k = 0; k < K; k++) dA[k] = weight * (y[k] - d[k]); // dE/da = y − d
  } else {
    E = crossEntropyOfNets('softmax', a, d, K);
    let dSum = 0;
    for (let k = 0; k < K; k++) dSum += d[k];
    for (let k = 0; k < K; k++) dA[k] = weight * (y[k] * dSum - d[k]); // dE/da_k = y_k Σd − d_k
  }
  return weight * E;
}

/**
 * Cross-entropy of a logistic or softmax output layer, from its pre-activations a (K) so that it
 * stays finite where y has rounded to exactly 0 or 1: logistic E = −Σ d log y + (1 − d) log(1 − y)
 * with log y = −softplus(−a); softmax E = −Σ d log y with log y_k = a_k − logsumexp(a).
 */
export function crossEntropyOfNets(head: 'logistic' | 'softmax', a: ArrayLike<number>, d: ArrayLike<number>, K: number): number {
  let E = 0;
  if (head === 'logistic') {
    for (let k = 0; k < K; k++) E += d[k] * softplus(-a[k]) + (1 - d[k]) * softplus(a[k]);
    return E;
  }
  let m = -Infinity;
  for (let k = 0; k < K; k++) m = Math.max(m, a[k]);
  let sum = 0;
  for (let k = 0; k < K; k++) sum += Math.exp(a[k] - m);
  const lse = m + Math.log(sum);
  for (let k = 0; k < K; k++) E -= d[k] * (a[k] - lse);
  return E;
}

/** Backward of the readout, one stream: V += dA ⊗ h, bv += dA, dh += Vᵀ dA. */
export function headBackward(
  dh: Float64Array, // (H) +=
  grad: Float64Array, // += dE/dθ
  dA: Float64Array, // (K) dE/da
  h: Float64Array, // (H) last layer's output
  params: Float64Array,
  HL: HeadLayout,
): void {
  const { K, H, V, bv } = HL;
  for (let k = 0; k < K; k++) {
    const d = dA[k];
    const row = V + k * H;
    for (let j = 0; j < H; j++) grad[row + j] += d * h[j];
    for (let j = 0; j < H; j++) dh[j] += params[row + j] * d;
    grad[bv + k] += d;
  }
}
