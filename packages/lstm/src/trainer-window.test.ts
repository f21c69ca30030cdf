// The trainer's open accumulation window in a checkpoint: a model saved and loaded mid-window
// (applyEvery > 1, or a poisoned window) goes on with the bits of one never saved.

import { describe, expect, test } from 'vitest';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { LSTM_ERR } from './errors.ts';
import { createModel, loadModel, saveModel, type Model, type ModelOptions } from './model.ts';
import { createRng } from './prng.ts';
import type { StreamState } from './learner.ts';

const OPTS: ModelOptions = { cell: 'vanilla', inputs: 2, outputs: 1, hidden: 4, k1: 2, k2: 6, seed: 5, applyEvery: 3, optimizer: { kind: 'adam', lr: 0.01 } };

function feed(m: Model<StreamState>, s: StreamState, from: number, to: number): void {
  for (let t = from; t < to; t++) {
    const rng = createRng(100 + t);
    if (t > 0) m.trainer.learn(s, [Math.sin(t / 3) + 0.1 * rng.normal()]);
    m.trainer.step(s, [Math.sin(t / 4), Math.cos(t / 5) + 0.1 * rng.normal()]);
  }
}

describe('the accumulation window in a checkpoint', () => {
  test('saved mid-window and loaded, the model goes on with the same bits; flushing at the save would not', () => {
    const whole = createModel(OPTS);
    const ws = whole.learner.newStream();
    feed(whole, ws, 0, 60);

    const first = createModel(OPTS);
    const fs = first.learner.newStream();
    feed(first, fs, 0, 27);
    // a backward pass every 2 steps, an update every 3 of them: 1 of 3 events waits here
    expect(first.trainer.pending).toBeGreaterThan(0);
    const bytes = saveModel(first, { s: fs });
    expect(first.trainer.pending, 'saving applies nothing').toBeGreaterThan(0);
    expect(decodeCheckpoint(bytes).window?.events).toBe(first.trainer.pending);
    const { model, streams } = loadModel(bytes);
    expect(model.trainer.pending).toBe(first.trainer.pending);
    feed(model, streams.s!, 27, 60);
    expect(Buffer.from(saveModel(model, { s: streams.s! })).equals(Buffer.from(saveModel(whole, { s: ws })))).toBe(true);

    // negative control: the window applied at the save (what saveModel used to do) changes the weights
    const flushed = createModel(OPTS);
    const xs = flushed.learner.newStream();
    feed(flushed, xs, 0, 27);
    flushed.trainer.flush();
    const again = loadModel(saveModel(flushed, { s: xs }));
    feed(again.model, again.streams.s!, 27, 60);
    expect(again.model.learner.params).not.toEqual(whole.learner.params);
  });

  test('a window reopened poisoned is discarded at its next gradient event, not applied', () => {
    const m = createModel(OPTS);
    const s = m.learner.newStream();
    feed(m, s, 0, 5);
    const w = m.trainer.window()!;
    expect(w.events).toBeGreaterThan(0);
    const { model, streams } = loadModel(saveModel(m, { s }));
    model.trainer.restoreWindow({ ...w, poisoned: true });
    const before = model.learner.params.slice();
    // 2 events of 3: the window closes at the next backward pass
    feed(model, streams.s!, 5, 9);
    expect(model.trainer.stats.discardedWindows).toBe(1);
    expect(model.trainer.stats.updates).toBe(0);
    expect(model.learner.params).toEqual(before);
  });

  test('a window of the wrong length is refused when encoding, reading and restoring', () => {
    const m = createModel(OPTS);
    const n = m.learner.params.length;
    const c = { config: null, params: new Float64Array(n), window: { grad: new Float64Array(n - 1), events: 1, poisoned: false } };
    expect(() => encodeCheckpoint(c)).toThrow(expect.objectContaining({ code: LSTM_ERR.CHECKPOINT }));
    expect(() => m.trainer.restoreWindow(c.window)).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    const ok = encodeCheckpoint({ ...c, window: { grad: new Float64Array(n), events: 2, poisoned: true } });
    expect(decodeCheckpoint(ok).window).toEqual({ grad: new Float64Array(n), events: 2, poisoned: true });
    expect(() => decodeCheckpoint(ok, { params: n + 1 })).toThrow(expect.objectContaining({ code: LSTM_ERR.CHECKPOINT }));
  });
});
