// Trainer.stepMany (B distinct streams of one model in one call, the learner's stepMany when it
// has one) against step() of each stream in order, for every learner kind and batch sizes on
// both sides of the wasm batch threshold; its refusals; and Trainer.beforeUpdate.

import { describe, expect, test } from 'vitest';
import { createModel, saveModel, type ModelOptions } from './model.ts';
import { createRng } from './prng.ts';
import { LSTM_ERR } from './errors.ts';
import type { StreamState } from './learner.ts';
import { StreamBatch } from './batch.ts';
import type { RecurrentLearner, RecurrentStream } from './tbptt.ts';

const X = 3;
const K = 2;
const CASES: [string, Omit<ModelOptions, 'inputs' | 'outputs'>][] = [
  ['vanilla tbptt(2,6)', { cell: 'vanilla', hidden: 5, k1: 2, k2: 6, seed: 4 }],
  ['vanilla with peepholes, stacked', { cell: 'vanilla', hidden: [6, 4], peepholes: true, k1: 3, k2: 5, seed: 5 }],
  ['cifg', { cell: 'cifg', hidden: 6, k1: 1, k2: 4, seed: 6 }],
  ['gru', { cell: 'gru', hidden: 5, k1: 2, k2: 4, seed: 7 }],
  ['forget rtrl97', { cell: 'forget', hidden: 3, seed: 8 }],
  ['lstm97 tbptt (no stepMany of its own)', { cell: 'lstm97', hidden: 2, learner: 'tbptt', k1: 2, k2: 5, seed: 9 }],
];
/** Which streams each round steps together (sizes 1..7: the wasm batch path starts at 4). */
const ROUNDS = [[0, 1, 2, 3, 4, 5, 6], [2, 5], [6, 0, 3, 1], [4], [1, 2, 3, 4, 5], [0, 6, 2, 4, 1, 3]];

function run(o: Omit<ModelOptions, 'inputs' | 'outputs'>, batched: boolean): { bytes: Uint8Array; outs: number[] } {
  const m = createModel({ ...o, inputs: X, outputs: K, optimizer: { kind: 'adam', lr: 0.01 } });
  const streams = Array.from({ length: 7 }, () => m.learner.newStream());
  const rng = createRng(11);
  const outs: number[] = [];
  for (let r = 0; r < 3; r++) {
    for (const round of ROUNDS) {
      const ss = round.map((i) => streams[i]!);
      // learn before the step (every stream past its first), one by one in the round's order
      for (const s of ss) if (s.t > 0) m.trainer.learn(s, [rng.normal(), rng.normal()]);
      const xs = Float64Array.from({ length: ss.length * X }, () => rng.normal());
      const Y = new Float64Array(ss.length * K);
      if (batched) m.trainer.stepMany(ss, xs, Y);
      else ss.forEach((s, b) => Y.set(m.trainer.step(s, xs.subarray(b * X, (b + 1) * X)), b * K));
      outs.push(...Y);
    }
  }
  const named: Record<string, StreamState> = {};
  streams.forEach((s, i) => (named[`s${i}`] = s));
  return { bytes: saveModel(m, named), outs };
}

describe('Trainer.stepMany', () => {
  test.each(CASES)('%s: the same bits as step() of each stream in order, over rounds of 1 to 7 streams with learning between', (_, o) => {
    const one = run(o, false);
    const many = run(o, true);
    expect(many.outs).toEqual(one.outs);
    expect(Buffer.from(many.bytes).equals(Buffer.from(one.bytes))).toBe(true);
  });

  test('counts its steps; refuses a non-finite X (refusedInputs, nothing changed), repeated streams and a short Y', () => {
    const m = createModel({ cell: 'vanilla', inputs: X, outputs: K, hidden: 4, seed: 2 });
    const [a, b] = [m.learner.newStream(), m.learner.newStream()];
    m.trainer.stepMany([a, b], [1, 2, 3, 4, 5, 6], new Float64Array(2 * K));
    expect(m.trainer.stats.steps).toBe(2);
    const before = saveModel(m, { a, b });
    expect(() => m.trainer.stepMany([a, b], [1, 2, 3, 4, NaN, 6], new Float64Array(2 * K))).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(m.trainer.stats.refusedInputs).toBe(1);
    expect(() => m.trainer.stepMany([a, a], [1, 2, 3, 4, 5, 6], new Float64Array(2 * K))).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    expect(() => m.trainer.stepMany([a, b], [1, 2, 3, 4, 5, 6], new Float64Array(K))).toThrow(expect.objectContaining({ code: LSTM_ERR.DIMENSION }));
    expect(Buffer.from(saveModel(m, { a, b })).equals(Buffer.from(before))).toBe(true);
    expect(m.trainer.stats.steps).toBe(2);
  });
});

describe('StreamBatch.rebind', () => {
  test('a batch rebound to fewer streams than its capacity steps and learns them as one by one would', () => {
    const opts = { cell: 'vanilla' as const, inputs: X, outputs: K, hidden: 5, k1: 1, k2: 3, seed: 12 };
    const run = (batched: boolean): Uint8Array => {
      const m = createModel(opts);
      const streams = Array.from({ length: 6 }, () => m.learner.newStream());
      const learner = m.learner as unknown as RecurrentLearner;
      const batch = new StreamBatch(learner, streams.slice(0, 2) as unknown as RecurrentStream[], 6);
      const rng = createRng(3);
      for (const pick of [[0, 1, 2, 3, 4, 5], [5, 3, 1, 0], [2, 4], [0, 1, 2, 3, 4, 5]]) {
        const ss = pick.map((i) => streams[i]!) as unknown as RecurrentStream[];
        const xs = Float64Array.from({ length: ss.length * X }, () => rng.normal());
        const ds = Float64Array.from({ length: ss.length * K }, () => rng.normal());
        if (batched) {
          batch.rebind(ss);
          batch.step(xs);
          batch.learn(ds);
        } else {
          ss.forEach((s, b) => {
            learner.step(s, xs.subarray(b * X, (b + 1) * X));
            learner.learn(s, ds.subarray(b * K, (b + 1) * K));
          });
        }
      }
      expect(() => batch.rebind([...streams, learner.newStream()] as unknown as RecurrentStream[])).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
      const named: Record<string, StreamState> = {};
      streams.forEach((s, i) => (named[`s${i}`] = s));
      return saveModel(m, named);
    };
    expect(Buffer.from(run(true)).equals(Buffer.from(run(false)))).toBe(true);
  });
});

describe('Trainer.beforeUpdate', () => {
  test('runs before each optimizer update with the weights the gradient was computed with; true drops the window', () => {
    const m = createModel({ cell: 'vanilla', inputs: X, outputs: K, hidden: 4, k1: 2, k2: 4, seed: 3, applyEvery: 2 });
    const s = m.learner.newStream();
    const seen: Float64Array[] = [];
    m.trainer.beforeUpdate = () => {
      seen.push(m.learner.params.slice());
      return false;
    };
    const rng = createRng(5);
    let last = m.learner.params.slice();
    let changes = 0;
    for (let t = 0; t < 16; t++) {
      m.trainer.step(s, [rng.normal(), rng.normal(), rng.normal()]);
      m.trainer.learn(s, [rng.normal(), rng.normal()]);
      if (!m.learner.params.every((v, i) => v === last[i])) {
        changes++;
        // the hook saw the weights as they were just before this change
        expect(seen.at(-1)).toEqual(last);
        last = m.learner.params.slice();
      }
    }
    // a backward pass every 2 steps, an update every 2 of them: 4 updates in 16 steps
    expect(changes).toBe(4);
    expect(seen).toHaveLength(4);
    // dropping: the weights stay, the window is discarded and counted
    const discarded = m.trainer.stats.discardedWindows;
    m.trainer.beforeUpdate = () => true;
    const frozen = m.learner.params.slice();
    for (let t = 0; t < 8; t++) {
      m.trainer.step(s, [rng.normal(), rng.normal(), rng.normal()]);
      m.trainer.learn(s, [rng.normal(), rng.normal()]);
    }
    expect(m.learner.params).toEqual(frozen);
    expect(m.trainer.stats.discardedWindows).toBe(discarded + 2);
    expect(m.learner.grad.every((v) => v === 0)).toBe(true);
  });
});
