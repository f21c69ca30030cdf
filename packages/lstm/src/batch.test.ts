import { describe, expect, it } from 'vitest';
import { StreamBatch } from './batch.ts';
import { LSTM_ERR } from './errors.ts';
import { createRng } from './prng.ts';
import type { RecurrentCell } from './recurrent-options.ts';
import { tbptt } from './tbptt.ts';
import { kernelBackend, setKernelBackend, wasmKernelsAvailable, type KernelBackend } from './wasm-kernels.ts';

const CELLS: RecurrentCell[] = ['vanilla', 'cifg', 'gru'];

describe('a batch of streams equals stepping them one by one', () => {
  // B = 3 runs the JS kernels; B = 6 the wasm backend's (the whole vanilla/cifg layer step in wasm,
  // both layers of the stack; gru's gate GEMM), against one stream at a time in JS.
  for (const [cell, B] of CELLS.flatMap((c) => [[c, 3], [c, 6]] as const)) {
    it(`gives bit-identical outputs and accumulated gradient (stacked ${cell}, B = ${B})`, () => {
      const net = { inputs: 2, hidden: [4, 3], outputs: 2, cell, head: 'softmax', loss: 'ce', initRange: 0.5, seed: 2 } as const;
      const batched = tbptt(net, 2, 4);
      const single = tbptt(net, 2, 4);
      const batch = new StreamBatch(batched, Array.from({ length: B }, () => batched.newStream()));
      const streams = Array.from({ length: B }, () => single.newStream());
      const rng = createRng(17);
      for (let t = 0; t < 9; t++) {
        if (t === 5) {
          // streams need not be aligned: reset one of them mid-way
          batched.reset(batch.streams[1]);
          single.reset(streams[1]);
        }
        const X = Float64Array.from({ length: B * 2 }, () => 2 * rng.uniform() - 1);
        const D = Float64Array.from({ length: B * 2 }, (_, j) => (j % 2 === 0 ? 0.3 : 0.7));
        const out = batch.step(X).slice();
        const one = new Float64Array(B * 2);
        for (let b = 0; b < B; b++) one.set(single.step(streams[b], X.subarray(2 * b, 2 * b + 2)), 2 * b);
        expect(out).toEqual(one);
        const lossB = batch.learn(D);
        let lossS = 0;
        for (let b = 0; b < B; b++) lossS += single.learn(streams[b], D.subarray(2 * b, 2 * b + 2));
        expect(lossB).toBe(lossS);
        expect(batch.gradReady()).toBe(streams.some((s) => single.gradReady(s)));
      }
      expect(batched.grad).toEqual(single.grad);
      expect(Math.hypot(...single.grad)).toBeGreaterThan(0);
    });
  }
});

describe('the one-step gradient (tbptt(1, 1)) over a batch equals learning stream by stream', () => {
  const backends: KernelBackend[] = wasmKernelsAvailable() ? ['js', 'wasm'] : ['js'];
  for (const backend of backends) {
    for (const cell of ['vanilla', 'cifg'] as const) {
      for (const peepholes of [true, false]) {
        it(`gives bit-identical outputs, losses and gradient (${cell}, peepholes ${peepholes}, B = 5 and 8, ${backend} backend)`, () => {
          const before = kernelBackend();
          setKernelBackend(backend);
          try {
            for (const B of [5, 8]) {
              const net = { inputs: 3, hidden: 6, outputs: 2, cell, peepholes, head: 'linear', initRange: 0.5, seed: 3 } as const;
              const batched = tbptt(net, 1, 1);
              const single = tbptt(net, 1, 1);
              const batch = new StreamBatch(batched, Array.from({ length: B }, () => batched.newStream()));
              const streams = Array.from({ length: B }, () => single.newStream());
              const rng = createRng(23);
              for (let t = 0; t < 6; t++) {
                const X = Float64Array.from({ length: B * 3 }, () => 2 * rng.uniform() - 1);
                const D = Float64Array.from({ length: B * 2 }, () => rng.uniform());
                const W = Float64Array.from({ length: B }, (_, b) => (b === 1 ? 0 : 0.5 + b));
                const out = batch.step(X).slice();
                const one = new Float64Array(B * 2);
                for (let b = 0; b < B; b++) one.set(single.step(streams[b], X.subarray(3 * b, 3 * b + 3)), 2 * b);
                expect(out).toEqual(one);
                let lossS = 0;
                for (let b = 0; b < B; b++) lossS += single.learn(streams[b], D.subarray(2 * b, 2 * b + 2), W[b]);
                expect(batch.learn(D, W)).toBe(lossS);
                expect(batch.streams.map((s) => [s.pending, s.ready, s.learned])).toEqual(streams.map((s) => [s.pending, s.ready, s.learned]));
              }
              expect(batched.grad).toEqual(single.grad);
              expect(Math.hypot(...single.grad)).toBeGreaterThan(0);
            }
          } finally {
            setKernelBackend(before);
          }
        });
      }
    }
  }
});

describe('a refused target in a one-step batch', () => {
  it('leaves the streams before it learned and the rest untouched, as learning one by one does', () => {
    const net = { inputs: 2, hidden: 5, outputs: 1, cell: 'vanilla', head: 'linear', seed: 4 } as const;
    const batched = tbptt(net, 1, 1);
    const single = tbptt(net, 1, 1);
    const B = 6;
    const batch = new StreamBatch(batched, Array.from({ length: B }, () => batched.newStream()));
    const streams = Array.from({ length: B }, () => single.newStream());
    const X = Float64Array.from({ length: B * 2 }, (_, j) => Math.sin(j));
    const D = Float64Array.from({ length: B }, (_, b) => (b === 3 ? 1e200 : 0.5)); // stream 3's loss overflows
    batch.step(X);
    for (let b = 0; b < B; b++) single.step(streams[b], X.subarray(2 * b, 2 * b + 2));
    expect(() => batch.learn(D)).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(() => {
      for (let b = 0; b < B; b++) single.learn(streams[b], D.subarray(b, b + 1));
    }).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(batch.streams.map((s) => [s.pending, s.ready, s.learned])).toEqual(streams.map((s) => [s.pending, s.ready, s.learned]));
    expect(batched.grad).toEqual(single.grad);
    expect(Math.hypot(...single.grad)).toBeGreaterThan(0);
  });
});

describe('batch input checks', () => {
  it('refuses a wrong-length or non-finite X before any stream changes', () => {
    const learner = tbptt({ inputs: 2, hidden: 3, outputs: 1 }, 2, 4);
    const batch = new StreamBatch(learner, [learner.newStream(), learner.newStream()]);
    expect(() => batch.step(new Float64Array(3))).toThrow(expect.objectContaining({ code: LSTM_ERR.DIMENSION }));
    expect(() => batch.step([0, 1, NaN, 2])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(batch.streams.map((s) => s.t)).toEqual([0, 0]);
    batch.step([0, 1, 1, 0]);
    expect(() => batch.learn([0.5, Infinity])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(batch.streams.map((s) => s.learned)).toEqual([false, false]);
  });

  it('refuses the same stream twice', () => {
    const learner = tbptt({ inputs: 1, hidden: 2, outputs: 1 }, 1, 1);
    const s = learner.newStream();
    expect(() => new StreamBatch(learner, [s, s])).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
  });
});
