import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LSTM_ERR } from './errors.ts';
import { createModel, loadModel, saveModel, type ModelOptions } from './model.ts';
import { copyStream, restoreStream, snapshotStream } from './stream-state.ts';
import { RecurrentLearner, type RecurrentStream } from './tbptt.ts';
import { RING_V1_FIXTURES } from './testing/ring-v1-fixture.ts';
import { workspaceFor } from './workspace.ts';

const hex = (a: ArrayLike<number>): string => Buffer.from(Float64Array.from(a).buffer).toString('hex');
const x = (o: { inputs: number }, t: number): number[] => Array.from({ length: o.inputs }, (_, j) => Math.sin(0.7 * t + j));
const d = (o: { outputs: number }, t: number): number[] => Array.from({ length: o.outputs }, (_, j) => Math.cos(0.5 * t + j));

describe('the step ring', () => {
  it('holds one typed array per stream for its whole window, whatever the capacity', () => {
    const m = createModel({ cell: 'vanilla', inputs: 2, outputs: 2, hidden: [8, 4], k1: 4, k2: 32 });
    const s = m.learner.newStream() as RecurrentStream;
    const learner = m.learner as unknown as RecurrentLearner;
    const views = Object.values(s.ring).filter((v) => ArrayBuffer.isView(v));
    expect(views).toHaveLength(2); // the slab and hasTarget
    // per slot: x, dA, and per layer act, hPrev, cPrev, aux (the state leaving a step is the next slot's hPrev, cPrev)
    expect(s.ring.slab.length).toBe(32 * (2 + 2 + (4 * 8 + 3 * 8) + (4 * 4 + 3 * 4)));
    expect(learner.slots.size * 32).toBe(s.ring.floats);
  });

  it('shares the forward/backward workspace between learners of one shape', () => {
    const o: ModelOptions = { cell: 'gru', inputs: 3, outputs: 1, hidden: 5 };
    const a = createModel(o).learner as unknown as RecurrentLearner;
    const b = createModel({ ...o, seed: 9, optimizer: { kind: 'adam' } }).learner as unknown as RecurrentLearner;
    const c = createModel({ ...o, hidden: 6 }).learner as unknown as RecurrentLearner;
    expect(a.workspace).toBe(b.workspace);
    expect(c.workspace).not.toBe(a.workspace);
    expect(workspaceFor(a.layout, 3)).toBe(a.workspace);
  });

  it('learners sharing a workspace give the bits each gives alone (interleaved streams of two models)', () => {
    const o: ModelOptions = { cell: 'vanilla', inputs: 2, outputs: 2, hidden: 6, k1: 2, k2: 5, optimizer: { kind: 'adam', lr: 0.01 } };
    const run = (interleave: boolean): string[] => {
      const ms = [createModel(o), createModel({ ...o, seed: 4 })];
      const ss = ms.map((m) => m.learner.newStream());
      const out: string[][] = [[], []];
      const turn = (k: number, t: number): void => {
        if (t > 0) ms[k].trainer.learn(ss[k], d(o, t + k));
        out[k].push(hex(ms[k].trainer.step(ss[k], x(o, t + k))));
      };
      if (interleave) for (let t = 0; t < 30; t++) for (const k of [0, 1]) turn(k, t);
      else for (const k of [0, 1]) for (let t = 0; t < 30; t++) turn(k, t);
      return [...out[0], ...out[1], hex(ms[0].learner.params), hex(ms[1].learner.params)];
    };
    expect(run(true)).toEqual(run(false));
  });
});

describe('checkpoints written by the slot-per-view ring', () => {
  for (const f of RING_V1_FIXTURES) {
    it(`load and continue bit-identically (${String(f.options.cell)}, hidden ${JSON.stringify(f.options.hidden)})`, () => {
      const o = f.options as unknown as ModelOptions;
      const { model, streams } = loadModel(Buffer.from(f.checkpoint, 'base64'));
      const s = streams.main!;
      const ys: string[] = [];
      for (let t = 7; t < 13; t++) {
        model.trainer.learn(s, d(o, t));
        ys.push(hex(model.trainer.step(s, x(o, t))));
      }
      expect(ys).toEqual(f.ys);
      expect(createHash('sha256').update(hex(model.learner.params)).digest('hex')).toBe(f.params);
    });
  }

  it('are upgraded to the current record (saved again, they load without the upgrade)', () => {
    const f = RING_V1_FIXTURES[0]!;
    const { model, streams } = loadModel(Buffer.from(f.checkpoint, 'base64'));
    const rec = snapshotStream(streams.main!);
    expect(Object.keys(rec).sort()).toEqual(['a', 'c', 'h', 'learned', 'newest', 'pending', 'ready', 'ring', 't', 'y']);
    const again = loadModel(saveModel(model, { main: streams.main! }));
    expect(snapshotStream(again.streams.main!)).toEqual(rec);
  });

  it('a v1 record of another shape is refused with LSTM_ERR_CHECKPOINT', () => {
    const f = RING_V1_FIXTURES[1]!;
    const bytes = Buffer.from(f.checkpoint, 'base64');
    const { streams } = loadModel(bytes);
    // the same bytes with the model's hidden size changed: the stream record no longer fits
    const m = createModel({ ...(f.options as unknown as ModelOptions), hidden: 4 });
    expect(() => restoreStream(m.learner.newStream(), snapshotStream(streams.main!))).toThrow(expect.objectContaining({ code: LSTM_ERR.CHECKPOINT }));
  });
});

describe('copyStream of a compact ring', () => {
  it('gives a stream that continues with the same bits', () => {
    const o: ModelOptions = { cell: 'cifg', inputs: 2, outputs: 2, hidden: [4, 3], k1: 3, k2: 6, peepholes: true };
    const m = createModel(o);
    const a = m.learner.newStream();
    for (let t = 0; t < 9; t++) {
      if (t > 0) m.learner.learn(a, d(o, t));
      m.learner.step(a, x(o, t));
    }
    const b = copyStream(m.learner.newStream(), a);
    const grad = m.learner.grad.slice();
    const ya = [9, 10, 11].map((t) => (m.learner.learn(a, d(o, t)), hex(m.learner.step(a, x(o, t)))));
    const ga = hex(m.learner.grad);
    m.learner.grad.set(grad);
    const yb = [9, 10, 11].map((t) => (m.learner.learn(b, d(o, t)), hex(m.learner.step(b, x(o, t)))));
    expect(yb).toEqual(ya);
    expect(hex(m.learner.grad)).toBe(ga);
  });
});
