import { describe, expect, it } from 'vitest';
import { LSTM_ERR } from './errors.ts';
import { inspectStateDict, modelFromPytorch, modelToPytorch } from './interchange.ts';
import { createModel } from './model.ts';
import { referenceRecurrentGroups } from './pytorch.ts';
import { buildRecurrentLayout } from './recurrent-layout.ts';
import { parseRecurrentOptions } from './recurrent-options.ts';

describe('PyTorch interchange of whole models', () => {
  it('the converters’ reference layout equals the cells’ layout for every kind, peepholes and depth', () => {
    for (const kind of ['vanilla', 'cifg', 'gru'] as const) {
      for (const peepholes of kind === 'gru' ? [false] : [false, true]) {
        for (const hidden of [[5], [4, 3]]) {
          const cells = buildRecurrentLayout(parseRecurrentOptions({ cell: kind, inputs: 2, outputs: 3, hidden, peepholes })).groups;
          const ref = referenceRecurrentGroups({ kind, inputs: 2, hidden, outputs: 3, peepholes });
          expect(ref.map((g) => [g.name, g.offset, [...g.shape]])).toEqual(cells.map((g) => [g.name, g.offset, [...g.shape]]));
        }
      }
    }
  });

  it('infers cell, sizes and naming from a state dict and rebuilds the same network', () => {
    for (const cell of ['vanilla', 'gru'] as const) {
      const a = createModel({ cell, inputs: 3, outputs: 2, hidden: [6, 4], seed: 8 });
      const sd = modelToPytorch(a);
      expect(inspectStateDict(sd)).toEqual({ cell, inputs: 3, hidden: [6, 4], outputs: 2, cellNames: false });
      const b = modelFromPytorch(sd);
      expect(b.learner.params).toEqual(a.learner.params);
    }
  });

  it('refuses a state dict whose shapes do not describe a recurrent network', () => {
    expect(() => inspectStateDict({ 'head.weight': { shape: [1, 2], data: new Float64Array(2) } })).toThrow(expect.objectContaining({ code: LSTM_ERR.CHECKPOINT }));
    expect(() =>
      inspectStateDict({
        weight_ih_l0: { shape: [10, 2], data: new Float64Array(20) },
        weight_hh_l0: { shape: [10, 5], data: new Float64Array(50) },
        'head.weight': { shape: [1, 5], data: new Float64Array(5) },
      }),
    ).toThrow(/2 gate blocks/);
  });
});
