// Per-trial random streams: one seed and a trial number give three independent Rngs, so that
// changing how much test data is drawn never changes the initial weights or the training data.

import { createRng } from '@carousel/lstm';
import type { Rng } from '@carousel/lstm';

/** Fork indices under a trial's stream; fixed forever so old runs stay reproducible. */
export const STREAM_FORK = { init: 0, train: 1, test: 2 } as const;

export interface TrialStreams {
  /** Weight initialisation. `init.seed` is the value to put in Lstm97Config.seed. */
  readonly init: Rng;
  /** Training sequences (and, for Experiment 1, the train/test string sets). */
  readonly train: Rng;
  /** Test sequences (the 256-sequence ST1/ST2 checks and the final 2560). */
  readonly test: Rng;
}

/** createRng(seed).fork(trial), then forks 0, 1, 2 of that for init, train and test. */
export function trialStreams(seed: number, trial: number): TrialStreams {
  const t = createRng(seed).fork(trial);
  return { init: t.fork(STREAM_FORK.init), train: t.fork(STREAM_FORK.train), test: t.fork(STREAM_FORK.test) };
}
