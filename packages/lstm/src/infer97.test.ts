import { describe, expect, it } from 'vitest';
import { LSTM_ERR } from './errors.ts';
import { Lstm97InferBatch } from './infer97.ts';
import type { InferPrecision } from './infer.ts';
import type { Lstm97Config } from './lstm97-config.ts';
import { createRng } from './prng.ts';
import { aloneRun, inputs, maxAbsDiff } from './testing/infer-check.ts';
import { Tbptt97 } from './lstm97-tbptt.ts';
import { Rtrl97, type Rtrl97Stream } from './rtrl97.ts';

// Lstm97InferBatch against Rtrl97.predict, the learner's own forward step (lstm97Forward without
// traces): 'f64' must give its bits exactly, 'f32' its values to float32 rounding.

const NETS: [string, Lstm97Config][] = [
  // the bench's net: 16 blocks of one cell, forget gate, cellSources 'cells' (B = 1 runs lanes over blocks)
  ['forget gate, cellSources cells, linear head, C = 16', { inputs: 3, outputs: 2, blocks: 16, forgetGate: true, cellSources: 'cells', head: 'linear', initRange: 0.5, seed: 3 }],
  // the paper's connectivity, S = 2, peepholes, no cell biases (gate and cell rows of different length), outputs see x
  ['cellSources all, S = 2, peepholes, forget gate, connectivity B, no cell bias, logistic head', {
    inputs: 4, outputs: 3, blocks: 3, cellsPerBlock: 2, forgetGate: true, peepholes: true, connectivity: 'B', cellSources: 'all',
    biases: { cells: false }, gateBias: { input: [-0.5, -1, -1.5], output: [-0.5, -1, -1.5], forget: [0.5, 1, 1.5] }, initRange: 0.6, seed: 4,
  }],
  // Exp. 2a's cell: no output gate, g logistic, h the identity, sources the inputs only, no biases
  ['no output gate, g sigmoid, h identity, cellSources inputs, no biases', {
    inputs: 5, outputs: 5, blocks: 2, outputGate: false, g: 'sigmoid', h: 'identity', cellSources: 'inputs',
    biases: { gates: false, cells: false, outputs: false, hidden: false }, initRange: 0.4, seed: 5,
  }],
  ['tanh g and h, peepholes, no forget gate, softmax head, cellSources all, C = 8 (B = 1: lanes over blocks)', {
    inputs: 3, outputs: 4, blocks: 8, peepholes: true, g: 'tanh', h: 'tanh', cellSources: 'all', head: 'softmax', loss: 'ce', initRange: 0.5, seed: 6,
  }],
  ['g identity, h sig4m2, forget gate and peepholes, S = 3', {
    inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 3, forgetGate: true, peepholes: true, g: 'identity', h: 'sig4m2', cellSources: 'cells', initRange: 0.3, seed: 7,
  }],
];

/** Each stream predicted alone by the learner in float64: (B, K) outputs per step. */
function predictRun(net: Rtrl97, streams: Rtrl97Stream[], xs: Float64Array[]): Float64Array[] {
  return aloneRun(streams, xs, net.inputs, net.outputs, (s, x) => net.predict(s, x));
}

describe('Lstm97InferBatch: batched forward-only inference of 1997 nets', () => {
  for (const [name, cfg] of NETS) {
    for (const B of [1, 11]) {
      it(`gives Rtrl97.predict's bits in float64 (${name}, B = ${B})`, () => {
        const net = new Rtrl97(cfg);
        const streams = Array.from({ length: B }, () => net.newStream());
        const xs = inputs(9, B, net.inputs, 40);
        const want = predictRun(net, streams, xs);
        const batch = new Lstm97InferBatch(net, B);
        for (let t = 0; t < xs.length; t++) expect(batch.step(xs[t])).toEqual(want[t]);
      });
    }

    it(`follows the float64 step to float32 rounding in float32 (${name}, B = 11)`, () => {
      const net = new Rtrl97(cfg);
      const B = 11;
      const streams = Array.from({ length: B }, () => net.newStream());
      const xs = inputs(9, B, net.inputs, 40);
      const want = predictRun(net, streams, xs);
      const batch = new Lstm97InferBatch(net, B, { precision: 'f32' });
      let worst = 0;
      for (let t = 0; t < xs.length; t++) worst = Math.max(worst, maxAbsDiff(batch.step(xs[t]).slice(), want[t]));
      expect(worst).toBeLessThan(1e-5);
      expect(worst).toBeGreaterThan(0); // it does compute in float32
    });
  }

  it('matches the learner over a stream that trains: refresh() takes the new weights, load() the stream state, in either layout', () => {
    const cfg = NETS[0][1];
    const net = new Rtrl97(cfg);
    const s = net.newStream();
    const rng = createRng(11);
    for (let t = 0; t < 60; t++) {
      net.step(s, [rng.uniform(), rng.uniform(), rng.uniform()]);
      net.learnSgd(s, [rng.uniform(), rng.uniform()], 0.1);
    }
    for (const B of [1, 3]) {
      for (const precision of ['f64', 'f32'] as InferPrecision[]) {
        const batch = new Lstm97InferBatch(net, B, { precision });
        const copy = net.newStream();
        // a stream restored from s's state (the learner's own checkpoint path)
        copy.r.set(s.r);
        copy.s.set(s.s);
        batch.load(B - 1, s);
        const xs = inputs(12, B, 3, 10);
        for (const x of xs) {
          const want = net.predict(copy, x.subarray((B - 1) * 3, B * 3)).slice();
          const got = batch.step(x).subarray((B - 1) * 2, B * 2);
          if (precision === 'f64') expect(got).toEqual(want);
          else expect(maxAbsDiff(got, want)).toBeLessThan(1e-5);
        }
        // the weights change: before refresh() the batch still has the old ones
        const before = new Lstm97InferBatch(net, 1);
        net.params[0] += 0.25;
        const after = new Lstm97InferBatch(net, 1);
        const x = [0.3, -0.2, 0.9];
        const old = before.step(x).slice();
        before.reset();
        before.refresh();
        expect(before.step(x)).toEqual(after.step(x));
        expect(before.out).not.toEqual(old);
        net.params[0] -= 0.25;
      }
    }
  });

  it('runs a Tbptt97 model too: its step()s outputs, bit for bit, from a stream loaded mid-way', () => {
    const net = new Tbptt97(NETS[1][1], { k1: 2, k2: 6 });
    const st = net.newStream();
    const xs = inputs(14, 1, net.inputs, 30);
    for (let t = 0; t < 10; t++) net.step(st, xs[t]);
    const batch = new Lstm97InferBatch(net, 1);
    batch.load(0, st);
    for (let t = 10; t < 30; t++) expect(batch.step(xs[t])).toEqual(net.step(st, xs[t]));
  });

  it('reset(b) zeroes stream b alone; reset() every stream', () => {
    const net = new Rtrl97(NETS[1][1]);
    const B = 3;
    const batch = new Lstm97InferBatch(net, B);
    const fresh = new Lstm97InferBatch(net, B);
    const xs = inputs(13, B, net.inputs, 5);
    for (const x of xs) batch.step(x);
    batch.reset(1);
    const x = xs[0];
    const got = batch.step(x).slice();
    const clean = fresh.step(x);
    const K = net.outputs;
    expect(got.subarray(K, 2 * K)).toEqual(clean.subarray(K, 2 * K));
    expect(got.subarray(0, K)).not.toEqual(clean.subarray(0, K));
    batch.reset();
    fresh.reset();
    expect(batch.step(x)).toEqual(fresh.step(x));
  });

  it('refuses bad input before any stream moves, and what it cannot run, with codes', () => {
    const net = new Rtrl97(NETS[0][1]);
    const batch = new Lstm97InferBatch(net, 2);
    const x = [0.1, 0.2, 0.3, 0.4, 0.5, 0.6];
    const first = batch.step(x).slice();
    batch.reset();
    expect(() => batch.step([0.1, 0.2])).toThrow(expect.objectContaining({ code: LSTM_ERR.DIMENSION }));
    expect(() => batch.step([0.1, 0.2, 0.3, 0.4, NaN, 0.6])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(batch.step(x)).toEqual(first); // nothing moved
    const f32 = new Lstm97InferBatch(net, 2, { precision: 'f32' });
    expect(() => f32.step([0.1, 0.2, 0.3, 0.4, 1e39, 0.6])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(() => new Lstm97InferBatch(net, 0)).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    expect(() => new Lstm97InferBatch(net, 2, { precision: 'f16' as InferPrecision })).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    const other = new Rtrl97({ inputs: 3, outputs: 2, blocks: 5 });
    expect(() => batch.load(0, other.newStream())).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    expect(() => batch.load(2, net.newStream())).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    const hidden = new Rtrl97({ inputs: 3, outputs: 2, blocks: 2, hiddenUnits: 2 });
    expect(() => new Lstm97InferBatch(hidden, 2)).toThrow(expect.objectContaining({ code: LSTM_ERR.UNSUPPORTED }));
  });
});
