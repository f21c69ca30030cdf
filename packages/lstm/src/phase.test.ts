import { describe, expect, it } from 'vitest';
import { LSTM_ERR } from './errors.ts';
import { Tbptt97 } from './lstm97-tbptt.ts';
import { createModel, loadModel, saveModel } from './model.ts';
import { createRng } from './prng.ts';
import { RecurrentLearner } from './tbptt.ts';

// The TBPTT phase: the first backward pass after a reset comes after k1 − phase steps, the later ones
// every k1 steps, so that streams started together do not all run their backward pass on one step.
// Checked against an unphased twin that flush()es at step k1 − phase: the same gradient, bit for bit.

interface Twin {
  step(x: number[]): void;
  learn(d: number[]): void;
  flush(): void;
  ready(): boolean;
  grad(): Float64Array;
}

/** The TBPTT learners' common surface, over one stream. */
interface TbpttNet<S> {
  newStream(): S;
  step(s: S, x: number[]): unknown;
  learn(s: S, d: number[]): unknown;
  flush(s: S): unknown;
  gradReady(s: S): boolean;
  readonly grad: Float64Array;
}

function twin<S>(net: TbpttNet<S>): Twin {
  const s = net.newStream();
  return {
    step: (x) => void net.step(s, x),
    learn: (d) => void net.learn(s, d),
    flush: () => void net.flush(s),
    ready: () => net.gradReady(s),
    grad: () => net.grad,
  };
}

const recurrent = (k1: number, k2: number, phase: number): Twin =>
  twin(new RecurrentLearner({ inputs: 2, outputs: 1, hidden: [4, 3], cell: 'vanilla', initRange: 0.5, seed: 9, k1, k2, phase }));
const lstm97 = (k1: number, k2: number, phase: number): Twin =>
  twin(new Tbptt97({ inputs: 2, outputs: 1, blocks: 3, cellsPerBlock: 2, forgetGate: true, head: 'linear', initRange: 0.5, seed: 9 }, { k1, k2, phase }));

describe('TBPTT phase', () => {
  for (const [name, make] of [['vanilla, stacked (RecurrentLearner)', recurrent], ['1997 cell with forget gate (Tbptt97)', lstm97]] as const) {
    for (const phase of [1, 3]) {
      it(`runs the first window after k1 − phase steps, then every k1, with an unphased twin's gradient flushed there (${name}, k1 = 4, phase ${phase})`, () => {
        const k1 = 4;
        const a = make(k1, 8, phase);
        const b = make(k1, 8, 0);
        const rng = createRng(3);
        const events: number[] = [];
        for (let t = 1; t <= 20; t++) {
          const x = [rng.uniform(), rng.uniform()];
          const d = [rng.uniform()];
          a.step(x);
          b.step(x);
          a.learn(d);
          b.learn(d);
          if (t === k1 - phase) b.flush();
          if (a.ready()) events.push(t);
          expect(a.grad()).toEqual(b.grad());
        }
        expect(events).toEqual([k1 - phase, 2 * k1 - phase, 3 * k1 - phase, 4 * k1 - phase, 5 * k1 - phase]);
        expect(a.grad().some((g) => g !== 0)).toBe(true);
      });
    }
  }

  it('is checked against k1 with coded errors', () => {
    const base = { inputs: 2, outputs: 1, hidden: 3 };
    for (const phase of [4, -1, 1.5, Number.NaN]) {
      expect(() => new RecurrentLearner({ ...base, k1: 4, k2: 8, phase })).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
      expect(() => new Tbptt97({ inputs: 2, outputs: 1, blocks: 2 }, { k1: 4, k2: 8, phase })).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    }
    expect(() => new RecurrentLearner({ ...base, k1: Infinity, k2: Infinity, phase: 1 })).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    expect(() => createModel({ ...base, cell: 'forget', learner: 'rtrl97', phase: 1 })).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    expect(() => createModel({ ...base, cell: 'vanilla', k1: 4, phase: 4 })).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
  });

  it('is a model option that a checkpoint keeps: a reloaded model runs its windows on the same steps', () => {
    const m = createModel({ cell: 'vanilla', inputs: 1, outputs: 1, hidden: 4, k1: 4, k2: 8, phase: 2, optimizer: { kind: 'sgd', lr: 0.1 } });
    const s = m.learner.newStream();
    m.trainer.step(s, [0.1]);
    const { model, streams } = loadModel(saveModel(m, { s }));
    expect(model.options.phase).toBe(2);
    const s2 = streams.s!;
    for (let t = 2; t <= 10; t++) {
      const x = [Math.sin(t)];
      for (const [mm, ss] of [[m, s], [model, s2]] as const) {
        mm.trainer.learn(ss, [Math.sin(t)]);
        mm.trainer.step(ss, x);
      }
      expect(model.learner.params).toEqual(m.learner.params);
    }
    // the windows ran at t = 2 and 6 (k1 − phase, then every k1): the weights moved
    expect(m.trainer.stats.updates).toBe(2);
  });
});
