// Test utility for the vanilla family: tolerance comparison that reports the max difference,
// central finite differences over every parameter (LSTM-SPEC 5.1), and a sequence runner for
// full-BPTT losses and gradients. Not used by library code.

import type { RecurrentLearner, RecurrentStream } from '../tbptt.ts';

/**
 * Throws unless |a−b| ≤ rel·max(|a|,|b|) + abs for every entry; the message names the worst entry.
 */
export function assertClose(label: string, actual: ArrayLike<number>, expected: ArrayLike<number>, rel = 1e-12, abs = 1e-15): void {
  if (actual.length !== expected.length) throw new Error(`${label}: length ${actual.length} != ${expected.length}`);
  let worst = -1;
  let worstExcess = 0;
  let maxDiff = 0;
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i];
    const b = expected[i];
    const diff = Math.abs(a - b);
    maxDiff = Math.max(maxDiff, diff);
    const excess = diff - (rel * Math.max(Math.abs(a), Math.abs(b)) + abs);
    if (!(excess <= 0) && (worst < 0 || excess > worstExcess || Number.isNaN(excess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  if (worst >= 0) {
    throw new Error(`${label}: max |diff| ${maxDiff}; entry ${worst}: ${actual[worst]} vs ${expected[worst]}`);
  }
}

export interface FdReport {
  /** Largest |g − g_fd| over all parameters. */
  maxAbsErr: number;
  /** Parameters failing |g − g_fd| ≤ 1e-9 + 1e-5·max(|g|, |g_fd|), as "index: g vs g_fd". */
  failures: string[];
  /** Largest |g| seen, so a test can insist the gradient is not trivially zero. */
  maxAbsGrad: number;
}

/** Central differences (ε = 1e-6) of loss() in every entry of params, against grad. */
export function finiteDifferenceCheck(params: Float64Array, grad: ArrayLike<number>, loss: () => number, eps = 1e-6): FdReport {
  const failures: string[] = [];
  let maxAbsErr = 0;
  let maxAbsGrad = 0;
  for (let i = 0; i < params.length; i++) {
    const w = params[i];
    params[i] = w + eps;
    const up = loss();
    params[i] = w - eps;
    const down = loss();
    params[i] = w;
    const fd = (up - down) / (2 * eps);
    const g = grad[i];
    const err = Math.abs(g - fd);
    maxAbsErr = Math.max(maxAbsErr, err);
    maxAbsGrad = Math.max(maxAbsGrad, Math.abs(g));
    if (!(err <= 1e-9 + 1e-5 * Math.max(Math.abs(g), Math.abs(fd)))) failures.push(`${i}: ${g} vs ${fd}`);
  }
  return { maxAbsErr, failures, maxAbsGrad };
}

/** A sequence: inputs per step and a target (or null) per step. */
export interface Sequence {
  xs: readonly (readonly number[])[];
  ds: readonly (readonly number[] | null)[];
}

/**
 * Runs `seq` on a fresh stream of `learner` (starting from `init` per-layer states if given),
 * learning every target; returns the summed loss. With `flush` the remaining errors are
 * backpropagated, so for a bptt() learner grad gains the exact gradient of that loss.
 */
export function runSequence(
  learner: RecurrentLearner,
  seq: Sequence,
  opts: { flush?: boolean; weight?: number; init?: { h: ArrayLike<number>[]; c: ArrayLike<number>[] } } = {},
): { loss: number; stream: RecurrentStream } {
  const s = learner.newStream();
  if (opts.init) {
    opts.init.h.forEach((h, l) => s.h[l].set(h));
    opts.init.c.forEach((c, l) => s.c[l].set(c));
  }
  let loss = 0;
  seq.xs.forEach((x, t) => {
    learner.step(s, x);
    const d = seq.ds[t];
    if (d) loss += learner.learn(s, d, opts.weight);
  });
  if (opts.flush) learner.flush(s);
  return { loss, stream: s };
}

/**
 * A seeded test sequence of `T` steps with X inputs in [-1, 1] and targets at `targetSteps`,
 * shaped for the head: free values (linear), values in (0, 1) (logistic), distributions (softmax).
 */
export function makeSequence(
  rng: { uniform(): number },
  T: number,
  X: number,
  K: number,
  head: 'linear' | 'logistic' | 'softmax',
  targetSteps: readonly number[],
): Sequence {
  const xs = Array.from({ length: T }, () => Array.from({ length: X }, () => 2 * rng.uniform() - 1));
  const ds = Array.from({ length: T }, (_, t): number[] | null => {
    if (!targetSteps.includes(t)) return null;
    const d = Array.from({ length: K }, () => (head === 'linear' ? 2 * rng.uniform() - 1 : 0.05 + 0.9 * rng.uniform()));
    if (head !== 'softmax') return d;
    const sum = d.reduce((a, b) => a + b, 0);
    return d.map((v) => v / sum);
  });
  return { xs, ds };
}
