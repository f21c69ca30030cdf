// Experiment 6 (LSTM-SPEC 4.6): temporal order. 6a: two relevant symbols, 4 classes;
// 6b: three relevant symbols, 8 classes. Not the continual noisy variant of Gers et al.
//
// Alphabet, one-hot over 8 inputs in this order: E B a b c d X Y.
// Positions are 1-based as in the paper (decision, LSTM-SPEC 6.4): position 1 is E, position L is
// B (the trigger), L uniform in [100, 110]; the relevant positions hold X or Y; every other
// position is uniform over a, b, c, d. Position t is input index t - 1. Target only at position L:
// one-hot over the classes, class index = the relevant symbols read as binary digits (X = 0, Y = 1).

import type { Rng } from '@carousel/lstm';
import { OneHotCode } from './sequence.ts';
import type { SequenceGenerator, TaskSequence } from './sequence.ts';
import { TASK_ERR, TaskError } from './errors.ts';

export const TEMPORAL_ORDER_SYMBOLS = 'EBabcdXY';
const SYM_E = 0;
const SYM_B = 1;
const SYM_A = 2; // a..d are 2..5
const SYM_X = 6;

/** Length range, 1-based positions inclusive. */
export const TEMPORAL_ORDER_LENGTH = [100, 110] as const;

/** Ranges (1-based, inclusive) of the relevant positions. */
export const TEMPORAL_ORDER_WINDOWS = {
  '6a': [
    [10, 20],
    [50, 60],
  ],
  '6b': [
    [10, 20],
    [33, 43],
    [66, 76],
  ],
} as const satisfies Record<string, readonly (readonly [number, number])[]>;

/** Class names in output-unit order: XX, XY, YX, YY (6a); XXX ... YYY (6b). */
export const TEMPORAL_ORDER_CLASSES = {
  '6a': ['Q', 'R', 'S', 'U'],
  '6b': ['Q', 'R', 'S', 'U', 'V', 'A', 'B', 'C'],
} as const;

export interface TemporalOrderMeta {
  readonly task: 'temporal-order';
  readonly variant: '6a' | '6b';
  /** Class index = output unit of the 1. */
  readonly cls: number;
  /** Class name (Q, R, S, U, ...). */
  readonly className: string;
  /** The relevant symbols in order, e.g. 'XY'. */
  readonly relevant: string;
  /** Their 1-based positions t1, t2 (, t3). */
  readonly positions: readonly number[];
  /** The full symbol string, one letter per step. */
  readonly symbols: string;
}

/** Experiment 6a or 6b generator: 8 inputs, 4 or 8 outputs. */
export function temporalOrder(params: { variant: '6a' | '6b' }): SequenceGenerator<TemporalOrderMeta> {
  const { variant } = params;
  if (variant !== '6a' && variant !== '6b') throw new TaskError(TASK_ERR.PARAM, "variant must be '6a' or '6b'", variant);
  const windows = TEMPORAL_ORDER_WINDOWS[variant];
  const classes = TEMPORAL_ORDER_CLASSES[variant];
  const input = new OneHotCode(TEMPORAL_ORDER_SYMBOLS.length);
  const target = new OneHotCode(classes.length);
  return {
    inputs: TEMPORAL_ORDER_SYMBOLS.length,
    outputs: classes.length,
    next(rng: Rng): TaskSequence<TemporalOrderMeta> {
      const L = rng.int(TEMPORAL_ORDER_LENGTH[0], TEMPORAL_ORDER_LENGTH[1]);
      const syms = new Uint8Array(L + 1); // 1-based: syms[t] for t in 1..L
      syms[1] = SYM_E;
      syms[L] = SYM_B;
      const positions: number[] = [];
      let cls = 0;
      let relevant = '';
      for (const [lo, hi] of windows) {
        const t = rng.int(lo, hi);
        const y = rng.int(0, 1);
        positions.push(t);
        syms[t] = SYM_X + y;
        cls = 2 * cls + y;
        relevant += y === 0 ? 'X' : 'Y';
      }
      let nextRel = 0;
      for (let t = 2; t < L; t++) {
        if (positions[nextRel] === t) {
          nextRel++;
          continue;
        }
        syms[t] = SYM_A + rng.int(0, 3);
      }
      const inputs = new Array<Float64Array>(L);
      let symbols = '';
      for (let t = 1; t <= L; t++) {
        inputs[t - 1] = input.vector(syms[t]);
        symbols += TEMPORAL_ORDER_SYMBOLS[syms[t]];
      }
      const targets = new Array<Float64Array | null>(L).fill(null);
      targets[L - 1] = target.vector(cls);
      return {
        inputs,
        targets,
        meta: { task: 'temporal-order', variant, cls, className: classes[cls], relevant, positions, symbols },
      };
    },
  };
}
