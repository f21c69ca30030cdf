// Experiment 3 (LSTM-SPEC 4.3): the 2-sequence problem, noise and signal on one input line.
// 3a: clean class signal in the first N steps; 3b: the same with Gaussian noise on it;
// 3c: as 3a, but targets 0.2 / 0.8 with Gaussian noise on the target.
//
// One input, one output. Length L uniform integer in [T, T + floor(T/10)]. Positions t = 1..N
// (indices 0..N-1) carry the class: +1 for class 1, -1 for class 2. Every later step is N(0, 0.2).
// Target only at the last step.

import type { Rng } from '@carousel/lstm';
import type { SequenceGenerator, TaskSequence } from './sequence.ts';
import { TASK_ERR, TaskError, checkInt } from './errors.ts';

/** Standard deviation of the input noise: the paper gives variance 0.2. */
export const NOISE_SD_3 = Math.sqrt(0.2);
/** Standard deviation of the 3c target noise: variance 0.1. */
export const TARGET_NOISE_SD_3C = Math.sqrt(0.1);

export interface NoiseSignalMeta {
  readonly task: 'noise-signal';
  readonly variant: '3a' | '3b' | '3c';
  /** Class 1 (input +1) or class 2 (input -1). */
  readonly cls: 1 | 2;
  /** The target without noise: 1.0 / 0.0 (3a, 3b) or 0.2 / 0.8 (3c). Equals the target except in 3c. */
  readonly cleanTarget: number;
}

export interface NoiseSignalParams {
  readonly variant: '3a' | '3b' | '3c';
  /** Minimum length. */
  readonly T: number;
  /** Number of leading steps that carry the class. */
  readonly N: number;
}

/** Experiment 3a/3b/3c generator. */
export function noiseSignal(params: NoiseSignalParams): SequenceGenerator<NoiseSignalMeta> {
  const { variant } = params;
  if (variant !== '3a' && variant !== '3b' && variant !== '3c') {
    throw new TaskError(TASK_ERR.PARAM, "variant must be '3a', '3b' or '3c'", variant);
  }
  const T = checkInt('T', params.T, 1);
  const N = checkInt('N', params.N, 1, T);
  const maxExtra = Math.floor(T / 10);
  const signalNoise = variant === '3b';
  return {
    inputs: 1,
    outputs: 1,
    next(rng: Rng): TaskSequence<NoiseSignalMeta> {
      const L = rng.int(T, T + maxExtra);
      const cls: 1 | 2 = rng.int(1, 2) === 1 ? 1 : 2;
      const buf = new Float64Array(L); // L × 1, one view per step
      const sign = cls === 1 ? 1 : -1;
      for (let t = 0; t < L; t++) {
        if (t < N) buf[t] = signalNoise ? sign + NOISE_SD_3 * rng.normal() : sign;
        else buf[t] = NOISE_SD_3 * rng.normal();
      }
      const inputs = new Array<Float64Array>(L);
      for (let t = 0; t < L; t++) inputs[t] = buf.subarray(t, t + 1);
      let cleanTarget: number;
      let target: number;
      if (variant === '3c') {
        cleanTarget = cls === 1 ? 0.2 : 0.8;
        target = cleanTarget + TARGET_NOISE_SD_3C * rng.normal();
      } else {
        cleanTarget = target = cls === 1 ? 1 : 0;
      }
      const targets = new Array<Float64Array | null>(L).fill(null);
      targets[L - 1] = Float64Array.of(target);
      return { inputs, targets, meta: { task: 'noise-signal', variant, cls, cleanTarget } };
    },
  };
}
