import { describe, expect, it } from 'vitest';
import { createRng } from './prng.ts';
import type { RecurrentHead, RecurrentLoss } from './recurrent-options.ts';
import { bptt } from './tbptt.ts';
import { finiteDifferenceCheck, makeSequence, runSequence } from './testing/recurrent-check.ts';

const COMBOS: [RecurrentHead, RecurrentLoss][] = [
  ['linear', 'mse'],
  ['logistic', 'mse'],
  ['softmax', 'mse'],
  ['logistic', 'ce'],
  ['softmax', 'ce'],
];

describe('every head and loss combination has the finite-difference gradient', () => {
  for (const [head, loss] of COMBOS) {
    it(`${head} head with ${loss} loss`, () => {
      const learner = bptt({ inputs: 2, hidden: [3, 2], outputs: 3, head, loss, initRange: 0.6, seed: 12 }, 8);
      const seq = makeSequence(createRng(21), 5, 2, 3, head, [1, 2, 4]);
      // cross-entropy sums are O(1) per target; the loss weight 0.1 keeps FD round-off below the 1e-9 floor
      const weight = loss === 'ce' ? 0.1 : 1;
      runSequence(learner, seq, { flush: true, weight });
      const fd = finiteDifferenceCheck(learner.params, learner.grad, () => runSequence(learner, seq, { weight }).loss);
      expect(fd.failures).toEqual([]);
      expect(fd.maxAbsGrad).toBeGreaterThan(1e-3);
    });
  }
});

describe('head outputs', () => {
  it('softmax outputs are a distribution and logistic outputs lie in (0, 1)', () => {
    for (const head of ['softmax', 'logistic'] as const) {
      const learner = bptt({ inputs: 2, hidden: 2, outputs: 4, head, initRange: 2 }, 4);
      const y = learner.step(learner.newStream(), [1, -1]);
      for (const v of y) expect(v > 0 && v < 1).toBe(true);
      if (head === 'softmax') expect(y.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 14);
    }
  });

  it('the loss returned by learn() is ½Σ(d−y)² for mse and −Σ d log y for softmax ce', () => {
    const mse = bptt({ inputs: 1, hidden: 2, outputs: 2, initRange: 0.5 }, 4);
    const s = mse.newStream();
    const y = Array.from(mse.step(s, [0.4]));
    expect(mse.learn(s, [0.1, -0.3])).toBeCloseTo(0.5 * ((0.1 - y[0]) ** 2 + (-0.3 - y[1]) ** 2), 15);
    const ce = bptt({ inputs: 1, hidden: 2, outputs: 2, head: 'softmax', loss: 'ce', initRange: 0.5 }, 4);
    const t = ce.newStream();
    const p = Array.from(ce.step(t, [0.4]));
    expect(ce.learn(t, [0.25, 0.75])).toBeCloseTo(-(0.25 * Math.log(p[0]) + 0.75 * Math.log(p[1])), 14);
  });
});
