// Experiment 2 (LSTM-SPEC 4.2): noise-free (2a), locally unpredictable (2b) and very long, noisy
// (2c) long-lag symbol sequences. Not Experiment 3 (noise and signal on one real-valued channel).
//
// 2a/2b alphabet, p + 1 symbols, one-hot: a_1..a_{p-1} -> 0..p-2, x -> p-1, y -> p.
//   A sequence has p + 1 symbols and p steps: input symbol t, target one-hot symbol t+1.
// 2c alphabet, p + 4 symbols, one-hot: a_1..a_p -> 0..p-1, e -> p, b -> p+1, x -> p+2, y -> p+3.
//   Inputs are b, x|y, distractors..., e; the final x|y is not fed, it is the target at the e step,
//   on 2 outputs: x -> [1, 0], y -> [0, 1]. Symbol length = steps + 1 (min q + 4, mean q + 13).

import type { Rng } from '@carousel/lstm';
import { OneHotCode } from './sequence.ts';
import type { SequenceGenerator, TaskSequence } from './sequence.ts';
import { checkInt } from './errors.ts';

export interface LongLagMeta {
  readonly task: 'longlag';
  readonly variant: '2a' | '2b' | '2c';
  /** The symbol chosen at the start and to be reproduced at the end. */
  readonly cls: 'x' | 'y';
  /** All symbols of the sequence as alphabet indices, including the final (target-only) one. */
  readonly symbols: Uint16Array;
}

/** Probability of ending the 2c distractor run at each step after the first q distractors. */
export const P_TRIGGER_2C = 0.1;

/** Largest p accepted (symbol indices are stored as uint16). */
const MAX_P = 60000;

/** Experiment 2a (`random: false`) or 2b (`random: true`) with lag p. Targets at every step. */
function twoAB(variant: '2a' | '2b', p: number): SequenceGenerator<LongLagMeta> {
  checkInt('p', p, 2, MAX_P);
  const code = new OneHotCode(p + 1);
  const xSym = p - 1;
  const ySym = p;
  return {
    inputs: p + 1,
    outputs: p + 1,
    next(rng: Rng): TaskSequence<LongLagMeta> {
      const isX = rng.int(0, 1) === 0;
      const c = isX ? xSym : ySym;
      const symbols = new Uint16Array(p + 1);
      symbols[0] = c;
      for (let i = 1; i < p; i++) symbols[i] = variant === '2a' ? i - 1 : rng.int(0, p - 2);
      symbols[p] = c;
      const inputs = new Array<Float64Array>(p);
      const targets = new Array<Float64Array>(p);
      for (let t = 0; t < p; t++) {
        inputs[t] = code.vector(symbols[t]);
        targets[t] = code.vector(symbols[t + 1]);
      }
      return { inputs, targets, meta: { task: 'longlag', variant, cls: isX ? 'x' : 'y', symbols } };
    },
  };
}

/** Experiment 2a: (x, a_1, ..., a_{p-1}, x) or (y, a_1, ..., a_{p-1}, y), each with probability 0.5. */
export function longLag2a(params: { p: number }): SequenceGenerator<LongLagMeta> {
  return twoAB('2a', params.p);
}

/** Experiment 2b: as 2a, but the p-1 middle symbols are uniform over a_1..a_{p-1}. */
export function longLag2b(params: { p: number }): SequenceGenerator<LongLagMeta> {
  return twoAB('2b', params.p);
}

/**
 * Experiment 2c: b, then x or y, then q uniform distractors from a_1..a_p, then further distractors
 * until e (probability 0.1 per step), then the x|y chosen second. Target only at the e step.
 */
export function longLag2c(params: { p: number; q: number }): SequenceGenerator<LongLagMeta> {
  const p = checkInt('p', params.p, 1, MAX_P);
  const q = checkInt('q', params.q, 0);
  const code = new OneHotCode(p + 4);
  const e = p;
  const b = p + 1;
  const xSym = p + 2;
  const ySym = p + 3;
  const targetX = Float64Array.of(1, 0);
  const targetY = Float64Array.of(0, 1);
  const mid: number[] = []; // the distractors of one sequence, reused
  return {
    inputs: p + 4,
    outputs: 2,
    next(rng: Rng): TaskSequence<LongLagMeta> {
      const isX = rng.int(0, 1) === 0;
      const c = isX ? xSym : ySym;
      mid.length = 0;
      for (let i = 0; i < q; i++) mid.push(rng.int(0, p - 1));
      while (rng.uniform() >= P_TRIGGER_2C) mid.push(rng.int(0, p - 1));
      const steps = mid.length + 3; // b, c, q + k distractors, e
      const symbols = new Uint16Array(steps + 1);
      symbols[0] = b;
      symbols[1] = c;
      for (let i = 0; i < mid.length; i++) symbols[2 + i] = mid[i];
      symbols[steps - 1] = e;
      symbols[steps] = c;
      const inputs = new Array<Float64Array>(steps);
      const targets = new Array<Float64Array | null>(steps).fill(null);
      for (let t = 0; t < steps; t++) inputs[t] = code.vector(symbols[t]);
      targets[steps - 1] = isX ? targetX : targetY;
      return { inputs, targets, meta: { task: 'longlag', variant: '2c', cls: isX ? 'x' : 'y', symbols } };
    },
  };
}
