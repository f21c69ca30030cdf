import { describe, expect, it } from 'vitest';
import { sigmoid } from './activations.ts';
import { createRng } from './prng.ts';
import { GRU_GATES, groupView } from './recurrent-layout.ts';
import { bptt } from './tbptt.ts';
import { finiteDifferenceCheck, makeSequence, runSequence } from './testing/recurrent-check.ts';

describe('gru layout', () => {
  it('names layer 0 unprefixed, layer 1 with l1., in the order r, u, n, bRn, then V, bv', () => {
    const learner = bptt({ inputs: 2, hidden: [3, 2], outputs: 1, cell: 'gru' }, 4);
    expect(GRU_GATES).toEqual(['r', 'u', 'n']);
    const layer = (p: string) => ['Wr', 'Rr', 'br', 'Wu', 'Ru', 'bu', 'Wn', 'Rn', 'bn', 'bRn'].map((n) => p + n);
    expect(learner.groups.map((g) => g.name)).toEqual([...layer(''), ...layer('l1.'), 'V', 'bv']);
    expect(learner.groups.find((g) => g.name === 'l1.Wr')?.shape).toEqual([2, 3]);
    expect(learner.params.length).toBe(3 * (6 + 9 + 3) + 3 + 3 * (6 + 4 + 2) + 2 + 2 + 1);
  });
});

describe('gru forward is the PyTorch nn.GRU step', () => {
  it('matches a scalar hand computation with H = 1', () => {
    const learner = bptt({ inputs: 1, hidden: 1, outputs: 1, cell: 'gru', initRange: 0.8, seed: 3 }, 4);
    const p = (n: string) => groupView(learner.params, learner.layout, n)[0];
    const s = learner.newStream();
    const h = [0];
    for (const x of [0.5, -1.2, 0.9]) {
      const r = sigmoid(p('br') + p('Wr') * x + p('Rr') * h[0]);
      const u = sigmoid(p('bu') + p('Wu') * x + p('Ru') * h[0]);
      const n = Math.tanh(p('bn') + p('Wn') * x + r * (p('Rn') * h[0] + p('bRn')));
      h[0] = (1 - u) * n + u * h[0];
      learner.step(s, [x]);
      expect(learner.state(s, 0).h[0]).toBeCloseTo(h[0], 14);
    }
  });
});

describe('gru gradients match finite differences on every parameter', () => {
  for (const hidden of [3, [3, 2]]) {
    it(`with hidden ${JSON.stringify(hidden)}`, () => {
      const learner = bptt({ inputs: 2, hidden, outputs: 2, cell: 'gru', initRange: 0.5, seed: 4 }, 16);
      const seq = makeSequence(createRng(8), 6, 2, 2, 'linear', [0, 2, 3, 5]);
      runSequence(learner, seq, { flush: true });
      const fd = finiteDifferenceCheck(learner.params, learner.grad, () => runSequence(learner, seq).loss);
      expect(fd.failures).toEqual([]);
      expect(fd.maxAbsGrad).toBeGreaterThan(1e-2);
    });
  }
});
