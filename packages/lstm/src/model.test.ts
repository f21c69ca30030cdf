import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError } from './errors.ts';
import { CELL_KINDS, createModel, loadModel, modelParamCount, saveModel, type CellKind, type ModelOptions } from './model.ts';
import { copyStream, restoreStream, snapshotStream } from './stream-state.ts';

/** Online next-value prediction of a sine: mean loss of the first and the last 200 steps. */
function learnSine(o: ModelOptions, steps = 1500): { first: number; last: number } {
  const m = createModel(o);
  const s = m.learner.newStream();
  const losses: number[] = [];
  for (let t = 0; t < steps; t++) {
    const v = Math.sin(0.3 * t);
    if (t > 0) losses.push(m.trainer.learn(s, [v]));
    m.trainer.step(s, [v]);
  }
  const mean = (a: number[]): number => a.reduce((x, y) => x + y, 0) / a.length;
  return { first: mean(losses.slice(0, 200)), last: mean(losses.slice(-200)) };
}

describe('createModel builds every cell with its learner and trains it online', () => {
  const learners: Record<CellKind, string> = { lstm97: 'rtrl97', forget: 'rtrl97', peephole: 'rtrl97', vanilla: 'tbptt', cifg: 'tbptt', gru: 'tbptt' };
  for (const cell of CELL_KINDS) {
    it(`${cell} with ${learners[cell]} learns a sine online (loss falls at least fivefold)`, () => {
      const r = learnSine({ cell, inputs: 1, outputs: 1, hidden: 8, optimizer: { kind: 'adam', lr: 0.01 } });
      expect(r.last).toBeLessThan(r.first / 5);
    });
  }

  for (const cell of ['lstm97', 'forget', 'peephole'] as const) {
    it(`${cell} with tbptt(1,16) learns a sine online too`, () => {
      const r = learnSine({ cell, learner: 'tbptt', k1: 1, k2: 16, inputs: 1, outputs: 1, hidden: 8, optimizer: { kind: 'adam', lr: 0.01 } });
      expect(r.last).toBeLessThan(r.first / 5);
    });
  }

  it('with learning rate 0 nothing is learned (the negative control)', () => {
    const r = learnSine({ cell: 'forget', inputs: 1, outputs: 1, hidden: 8, optimizer: { kind: 'sgd', lr: 0 } });
    expect(r.last).toBeGreaterThan(r.first / 2);
  });

  it('refuses learner/cell pairs that do not exist, with coded errors', () => {
    const code = (o: ModelOptions): string => {
      try {
        createModel(o);
        return 'none';
      } catch (e) {
        return (e as LstmError).code;
      }
    };
    expect(code({ cell: 'gru', learner: 'rtrl97', inputs: 1, outputs: 1 })).toBe(LSTM_ERR.UNSUPPORTED);
    expect(code({ cell: 'bogus' as CellKind, inputs: 1, outputs: 1 })).toBe(LSTM_ERR.CONFIG);
    expect(code({ cell: 'forget', hidden: [4, 4], inputs: 1, outputs: 1 })).toBe(LSTM_ERR.CONFIG);
  });

  it('starts from given params and gives the same outputs as the model they came from', () => {
    const a = createModel({ cell: 'vanilla', inputs: 2, outputs: 1, hidden: [4, 3], seed: 9 });
    const b = createModel({ cell: 'vanilla', inputs: 2, outputs: 1, hidden: [4, 3], seed: 10 }, a.learner.params.slice());
    const sa = a.learner.newStream();
    const sb = b.learner.newStream();
    for (let t = 0; t < 5; t++) expect([...b.learner.step(sb, [t, -t])]).toEqual([...a.learner.step(sa, [t, -t])]);
  });
});

describe('saveModel / loadModel', () => {
  for (const cell of ['peephole', 'gru', 'forget-tbptt'] as const) {
    it(`${cell}: a reloaded model and stream continue bit-identically to the original`, () => {
      const opts: ModelOptions =
        cell === 'forget-tbptt'
          ? { cell: 'forget', learner: 'tbptt', k1: 3, k2: 7, inputs: 2, outputs: 1, hidden: 5, optimizer: { kind: 'adam', lr: 0.01 }, seed: 4 }
          : { cell, inputs: 2, outputs: 1, hidden: 5, optimizer: { kind: 'adam', lr: 0.01 }, seed: 4 };
      const m = createModel(opts);
      const s = m.learner.newStream();
      const feed = (mm: typeof m, ss: typeof s, t0: number, n: number): number[] => {
        const out: number[] = [];
        for (let t = t0; t < t0 + n; t++) {
          if (t > 0) mm.trainer.learn(ss, [Math.cos(0.2 * t)]);
          out.push(...mm.trainer.step(ss, [Math.sin(0.2 * t), Math.cos(0.2 * t)]));
        }
        return out;
      };
      feed(m, s, 0, 40);
      const bytes = saveModel(m, { a: s });
      const { model: m2, streams } = loadModel(bytes);
      expect(m2.learner.params).toEqual(m.learner.params);
      const after1 = feed(m, s, 40, 30);
      const after2 = feed(m2, streams.a!, 40, 30);
      expect(after2).toEqual(after1);
      expect(m2.learner.params).toEqual(m.learner.params);
    });
  }

  it('refuses a stream record from another configuration with LSTM_ERR_CHECKPOINT', () => {
    const a = createModel({ cell: 'forget', inputs: 1, outputs: 1, hidden: 3 });
    const b = createModel({ cell: 'forget', inputs: 1, outputs: 1, hidden: 4 });
    const rec = snapshotStream(a.learner.newStream());
    expect(() => restoreStream(b.learner.newStream(), rec)).toThrow(expect.objectContaining({ code: LSTM_ERR.CHECKPOINT }));
  });

  it('refuses truncated bytes with LSTM_ERR_CHECKPOINT', () => {
    const m = createModel({ cell: 'vanilla', inputs: 1, outputs: 1, hidden: 3 });
    const bytes = saveModel(m);
    expect(() => loadModel(bytes.subarray(0, bytes.length - 9))).toThrow(expect.objectContaining({ code: LSTM_ERR.CHECKPOINT }));
  });
});

describe('copyStream', () => {
  for (const [cell, learner] of [['forget', 'rtrl97'], ['peephole', 'tbptt'], ['vanilla', 'tbptt'], ['gru', 'tbptt']] as const) {
    it(`${cell}/${learner}: a copied stream continues exactly like the original`, () => {
      const m = createModel({ cell, learner, inputs: 1, outputs: 1, hidden: 4, k1: 2, k2: 5 });
      const a = m.learner.newStream();
      for (let t = 0; t < 9; t++) {
        m.learner.step(a, [Math.sin(t)]);
        if (t % 2) m.learner.learn(a, [0.1]);
      }
      const b = copyStream(m.learner.newStream(), a);
      for (let t = 9; t < 15; t++) expect([...m.learner.step(b, [Math.sin(t)])]).toEqual([...m.learner.step(a, [Math.sin(t)])]);
    });
  }
});

describe('modelParamCount', () => {
  it('is the parameter count createModel builds, for every cell, learner and layer stack, without building it', () => {
    const cases: ModelOptions[] = [
      { cell: 'lstm97', inputs: 7, outputs: 7, hidden: 3 },
      { cell: 'lstm97', inputs: 5, outputs: 2, hidden: 4, learner: 'tbptt', lstm97: { cellsPerBlock: 2, hiddenUnits: 3 } },
      { cell: 'forget', inputs: 3, outputs: 3, hidden: 6 },
      { cell: 'peephole', inputs: 4, outputs: 1, hidden: 2, lstm97: { cellsPerBlock: 3 } },
      { cell: 'vanilla', inputs: 9, outputs: 9, hidden: 16 },
      { cell: 'vanilla', inputs: 2, outputs: 3, hidden: [8, 5], peepholes: true },
      { cell: 'cifg', inputs: 6, outputs: 6, hidden: 12, peepholes: true },
      { cell: 'gru', inputs: 3, outputs: 2, hidden: [4, 4, 7] },
    ];
    for (const o of cases) expect(modelParamCount(o), JSON.stringify(o)).toBe(createModel(o).learner.params.length);
  });

  it('refuses what createModel refuses', () => {
    expect(() => modelParamCount({ cell: 'vanilla', inputs: 0, outputs: 1, hidden: 4 })).toThrow();
    expect(() => createModel({ cell: 'vanilla', inputs: 0, outputs: 1, hidden: 4 })).toThrow();
  });
});
