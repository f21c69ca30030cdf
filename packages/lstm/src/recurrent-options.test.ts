import { describe, expect, it } from 'vitest';
import { LSTM_ERR, type LstmError } from './errors.ts';
import { groupView } from './recurrent-layout.ts';
import { parseRecurrentOptions, type RecurrentOptions } from './recurrent-options.ts';
import { RecurrentLearner, bptt, tbptt } from './tbptt.ts';

const BASE: RecurrentOptions = { inputs: 2, hidden: 3, outputs: 1 };

function configErrorField(o: unknown): string {
  try {
    parseRecurrentOptions(o as RecurrentOptions);
  } catch (e) {
    const err = e as LstmError;
    expect(err.code).toBe(LSTM_ERR.CONFIG);
    return Object.keys(err.detail as object)[0];
  }
  throw new Error('no error thrown');
}

describe('recurrent options', () => {
  it('fill documented defaults and freeze the result', () => {
    const cfg = parseRecurrentOptions(BASE);
    expect(cfg).toEqual({
      inputs: 2, outputs: 1, hidden: [3], cell: 'vanilla', peepholes: true, head: 'linear', loss: 'mse',
      initRange: 0.1, forgetBias: 1, seed: 1, k1: 8, k2: 16, phase: 0, capacity: 16,
    });
    expect(Object.isFrozen(cfg)).toBe(true);
    expect(Object.isFrozen(cfg.hidden)).toBe(true);
    expect(parseRecurrentOptions({ ...BASE, cell: 'gru' }).peepholes).toBe(false);
    expect(parseRecurrentOptions({ ...BASE, k1: Infinity }).capacity).toBe(1024);
  });

  it('name the bad field in an LSTM_ERR_CONFIG error', () => {
    const bad: [string, unknown][] = [
      ['inputs', { ...BASE, inputs: 0 }],
      ['outputs', { ...BASE, outputs: 1.5 }],
      ['hidden', { ...BASE, hidden: [] }],
      ['hidden[1]', { ...BASE, hidden: [3, -2] }],
      ['cell', { ...BASE, cell: 'lstm97' }],
      ['peepholes', { ...BASE, cell: 'gru', peepholes: true }],
      ['head', { ...BASE, head: 'tanh' }],
      ['loss', { ...BASE, loss: 'hinge' }],
      ['loss', { ...BASE, loss: 'ce' }],
      ['initRange', { ...BASE, initRange: -1 }],
      ['forgetBias', { ...BASE, forgetBias: NaN }],
      ['seed', { ...BASE, seed: -3 }],
      ['k1', { ...BASE, k1: 0 }],
      ['k2', { ...BASE, k1: 4, k2: 3 }],
      ['phase', { ...BASE, k1: 4, k2: 8, phase: 4 }],
      ['maxLength', { ...BASE, k1: Infinity, maxLength: 0 }],
    ];
    for (const [field, o] of bad) expect(configErrorField(o)).toBe(field);
  });
});

describe('initialisation', () => {
  it('is deterministic: the same seed gives bit-identical params, another seed differs', () => {
    const a = tbptt({ ...BASE, hidden: [3, 2], seed: 42 }, 2, 4);
    const b = tbptt({ ...BASE, hidden: [3, 2], seed: 42 }, 2, 4);
    const c = tbptt({ ...BASE, hidden: [3, 2], seed: 43 }, 2, 4);
    expect(a.params).toEqual(b.params);
    expect(a.params).not.toEqual(c.params);
  });

  it('draws uniform in [-initRange, initRange] and sets every forget bias to forgetBias', () => {
    const l = new RecurrentLearner({ ...BASE, hidden: [3, 2], initRange: 0.3, forgetBias: 2.5 });
    for (const name of ['bf', 'l1.bf']) expect(Array.from(groupView(l.params, l.layout, name))).toEqual(name === 'bf' ? [2.5, 2.5, 2.5] : [2.5, 2.5]);
    const rest = Array.from(groupView(l.params, l.layout, 'Wz'));
    expect(rest.every((w) => Math.abs(w) <= 0.3)).toBe(true);
    expect(new Set(rest).size).toBe(rest.length);
  });

  it('lays out vanilla layers as Wz Rz bz Wi Ri bi Wf Rf bf Wo Ro bo pi pf po, layer 1 prefixed', () => {
    const l = bptt({ ...BASE, hidden: [3, 2] }, 4);
    const layer = (p: string) => ['Wz', 'Rz', 'bz', 'Wi', 'Ri', 'bi', 'Wf', 'Rf', 'bf', 'Wo', 'Ro', 'bo', 'pi', 'pf', 'po'].map((n) => p + n);
    expect(l.groups.map((g) => g.name)).toEqual([...layer(''), ...layer('l1.'), 'V', 'bv']);
    expect(l.groups.find((g) => g.name === 'Wz')?.shape).toEqual([3, 2]);
    expect(l.groups.find((g) => g.name === 'l1.Rz')?.shape).toEqual([2, 2]);
    expect(l.groups.find((g) => g.name === 'V')?.shape).toEqual([1, 2]);
    // contiguous, no gaps
    let at = 0;
    for (const g of l.groups) {
      expect(g.offset).toBe(at);
      at += g.shape.reduce((x, y) => x * y, 1);
    }
    expect(at).toBe(l.params.length);
  });
});
