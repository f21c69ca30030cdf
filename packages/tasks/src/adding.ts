// Experiment 4 (LSTM-SPEC 4.4): the adding problem, exactly as the spec's pseudo-code.
// Not Experiment 5; multiplication.ts shares the marker placement exported here.
//
// Two inputs per step: (value, marker). L uniform integer in [T, T + floor(T/10)].
// p1 uniform in 0..9; p2 uniform among the first T/2 - 1 positions other than p1. Markers 1 at
// p1 and p2, -1 at position 0 (unless marked) and at L - 1, 0 elsewhere. If position 0 is marked,
// its value is set to 0 (decision: whichever of p1, p2 is at 0). One logistic output; the target,
// at the last step only, is 0.5 + (X1 + X2) / 4 in [0, 1].

import type { Rng } from '@carousel/lstm';
import type { SequenceGenerator, TaskSequence } from './sequence.ts';
import { TASK_ERR, TaskError, checkInt } from './errors.ts';

export interface AddingMeta {
  readonly task: 'adding';
  /** The first marked position (0-based, < 10). */
  readonly p1: number;
  /** The second marked position (0-based). */
  readonly p2: number;
  /** value[p1] and value[p2] as fed (after the position-0 rule). */
  readonly x1: number;
  readonly x2: number;
}

/** Length, marked positions and values of one adding/multiplication sequence. */
export interface MarkerDraw {
  readonly L: number;
  readonly p1: number;
  readonly p2: number;
  /** value[k] for k in 0..L-1, uniform in [lo, hi), before the position-0 rule. */
  readonly values: Float64Array;
}

/** Smallest T for which p1 < 10 and both ends stay clear of p2: L - 1 >= T - 1 > 9. */
const MIN_T = 12;

/** Checks T for Experiments 4 and 5: an even integer >= 12, so that T/2 - 1 is a whole count. */
export function checkMarkerT(T: unknown): number {
  const t = checkInt('T', T, MIN_T);
  if (t % 2 !== 0) throw new TaskError(TASK_ERR.PARAM, 'T must be even', t);
  return t;
}

/**
 * Draws, in this order (the reproducibility contract): L, the L values uniform in [lo, hi), p1, p2.
 * cand = the first T/2 - 1 positions other than p1, so its j-th element is j below p1 and j + 1 from p1 on.
 */
export function drawMarkers(rng: Rng, T: number, lo: number, hi: number): MarkerDraw {
  const L = rng.int(T, T + Math.floor(T / 10));
  const values = new Float64Array(L);
  for (let k = 0; k < L; k++) values[k] = rng.range(lo, hi);
  const p1 = rng.int(0, 9);
  const j = rng.int(0, T / 2 - 2);
  const p2 = j < p1 ? j : j + 1;
  return { L, p1, p2, values };
}

/**
 * The L × 2 input views [value, marker], one buffer for the whole sequence. When position 0 is
 * marked its value becomes `markedZeroValue` (in `d.values` too), otherwise its marker is -1.
 */
export function markerInputs(d: MarkerDraw, markedZeroValue: number): Float64Array[] {
  const { L, p1, p2, values } = d;
  if (p1 === 0 || p2 === 0) values[0] = markedZeroValue;
  const buf = new Float64Array(2 * L);
  for (let k = 0; k < L; k++) buf[2 * k] = values[k];
  buf[2 * p1 + 1] = 1;
  buf[2 * p2 + 1] = 1;
  if (p1 !== 0 && p2 !== 0) buf[1] = -1;
  buf[2 * (L - 1) + 1] = -1; // L - 1 >= T - 1 > T/2 - 1 >= p2 and > 9 > p1: never marked
  const inputs = new Array<Float64Array>(L);
  for (let k = 0; k < L; k++) inputs[k] = buf.subarray(2 * k, 2 * k + 2);
  return inputs;
}

/** Experiment 4 generator for minimum length T (the paper: 100, 500, 1000). */
export function adding(params: { T: number }): SequenceGenerator<AddingMeta> {
  const T = checkMarkerT(params.T);
  return {
    inputs: 2,
    outputs: 1,
    next(rng: Rng): TaskSequence<AddingMeta> {
      const d = drawMarkers(rng, T, -1, 1);
      const inputs = markerInputs(d, 0);
      const x1 = d.values[d.p1];
      const x2 = d.values[d.p2];
      const targets = new Array<Float64Array | null>(d.L).fill(null);
      targets[d.L - 1] = Float64Array.of(0.5 + (x1 + x2) / 4);
      return { inputs, targets, meta: { task: 'adding', p1: d.p1, p2: d.p2, x1, x2 } };
    },
  };
}
