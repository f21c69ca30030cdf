// The shape every generator returns, the metadata union, and the shared one-hot code.
// Not a data loader: sequences are built in memory, one at a time, from a seeded Rng.
//
// Dimension letters: L = steps in the sequence, I = input width, K = output (target) width.

import type { Rng } from '@carousel/lstm';
import type { ReberMeta } from './reber.ts';
import type { LongLagMeta } from './longlag.ts';
import type { NoiseSignalMeta } from './noise-signal.ts';
import type { AddingMeta } from './adding.ts';
import type { MultiplicationMeta } from './multiplication.ts';
import type { TemporalOrderMeta } from './temporal-order.ts';

/** Metadata of any generated sequence; `task` tells which generator made it. */
export type SequenceMeta =
  | ReberMeta
  | LongLagMeta
  | NoiseSignalMeta
  | AddingMeta
  | MultiplicationMeta
  | TemporalOrderMeta;

/**
 * One generated sequence. Input and target vectors are READ-ONLY by contract: the one-hot tasks
 * share one vector per symbol across steps and sequences (see OneHotCode), so writing into one
 * corrupts every other sequence of the same generator.
 */
export interface TaskSequence<M extends SequenceMeta = SequenceMeta> {
  /** L vectors of width I, one per step, fed in order. */
  readonly inputs: Float64Array[];
  /** L entries: a width-K target where the step has an error signal, null where it has none. */
  readonly targets: (Float64Array | null)[];
  /** Task-specific facts: class label, marker positions, legal successor sets, ... */
  readonly meta: M;
}

/** A task with fixed parameters: validated once, then one fresh sequence per call. */
export interface SequenceGenerator<M extends SequenceMeta = SequenceMeta> {
  /** I: width of every input vector. */
  readonly inputs: number;
  /** K: width of every target vector. */
  readonly outputs: number;
  /** A new random sequence; consumes draws from `rng` only. */
  next(rng: Rng): TaskSequence<M>;
}

/**
 * One-hot vectors of width n, created on first use and then shared. For Experiment 2c with
 * p = 1000 this avoids allocating L × (p + 4) doubles per sequence (8 MB) for mostly-zero inputs.
 */
export class OneHotCode {
  private readonly cache: (Float64Array | undefined)[];
  constructor(readonly width: number) {
    this.cache = new Array<Float64Array | undefined>(width);
  }

  /** The shared one-hot vector with a 1 at index k. */
  vector(k: number): Float64Array {
    let v = this.cache[k];
    if (v === undefined) {
      v = new Float64Array(this.width);
      v[k] = 1;
      this.cache[k] = v;
    }
    return v;
  }
}

/** Index of the largest entry (first one on ties). */
export function argmax(v: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < v.length; i++) if (v[i] > v[best]) best = i;
  return best;
}
