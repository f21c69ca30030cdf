// Experiment 5 (LSTM-SPEC 4.5): the multiplication problem. Markers and lengths exactly as in the
// adding problem (adding.ts); values uniform in [0, 1); a marked position 0 gets value 1.0; the
// target at the last step is X1 × X2, in [0, 1].

import type { Rng } from '@carousel/lstm';
import type { SequenceGenerator, TaskSequence } from './sequence.ts';
import { checkMarkerT, drawMarkers, markerInputs } from './adding.ts';

export interface MultiplicationMeta {
  readonly task: 'multiplication';
  /** The first marked position (0-based, < 10). */
  readonly p1: number;
  /** The second marked position (0-based). */
  readonly p2: number;
  /** value[p1] and value[p2] as fed (1.0 at a marked position 0). */
  readonly x1: number;
  readonly x2: number;
}

/** Experiment 5 generator for minimum length T (the paper: 100). */
export function multiplication(params: { T: number }): SequenceGenerator<MultiplicationMeta> {
  const T = checkMarkerT(params.T);
  return {
    inputs: 2,
    outputs: 1,
    next(rng: Rng): TaskSequence<MultiplicationMeta> {
      const d = drawMarkers(rng, T, 0, 1);
      const inputs = markerInputs(d, 1);
      const x1 = d.values[d.p1];
      const x2 = d.values[d.p2];
      const targets = new Array<Float64Array | null>(d.L).fill(null);
      targets[d.L - 1] = Float64Array.of(x1 * x2);
      return { inputs, targets, meta: { task: 'multiplication', p1: d.p1, p2: d.p2, x1, x2 } };
    },
  };
}
