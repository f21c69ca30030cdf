// Rtrl97's single-stream wasm kernels (wasm-single.ts) against the JS kernels: the same bits on
// every path (step, predict, learn, learnSgd, batches, a second stream, a borrowed gradient), and
// the wasm path really taken where it should be.

import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Lstm97Config } from './lstm97-config.ts';
import { Rtrl97, type Rtrl97Stream } from './rtrl97.ts';
import { stepLearnBatchBoth } from './testing/rtrl97-pair.ts';
import { WASM_SINGLE_MAX_LIVE, WASM_SINGLE_MIN_WEIGHTS, wasmSingleLive } from './wasm-single.ts';
import { kernelBackend, setKernelBackend, wasmKernelsAvailable, type KernelBackend } from './wasm-kernels.ts';

// Each above WASM_SINGLE_MIN_WEIGHTS (checked below), so the kernels run.
const CONFIGS: Record<string, Lstm97Config> = {
  'forget, cells, H=13 (odd fan-in: scalar tails)': { inputs: 3, outputs: 2, blocks: 13, forgetGate: true, cellSources: 'cells', seed: 3 },
  'forget, cells, H=12, linear head': { inputs: 8, outputs: 1, blocks: 12, forgetGate: true, cellSources: 'cells', head: 'linear', seed: 4 },
  'forget + peepholes, 2 cells/block, all': { inputs: 4, outputs: 2, blocks: 4, cellsPerBlock: 2, forgetGate: true, peepholes: true, seed: 5 },
  '1997 cell, hidden units (JS trace pass, wasm nets)': { inputs: 6, outputs: 1, blocks: 8, hiddenUnits: 2, seed: 6 },
  // predict's fused cell step (cells97One): one cell per block, no hidden units, each gate and squashing
  '1997 cell, peepholes, g tanh, h identity, H=15 (odd: scalar tails), connectivity B': { inputs: 5, outputs: 2, blocks: 15, peepholes: true, g: 'tanh', h: 'identity', connectivity: 'B', seed: 7 },
  'forget + peepholes, no output gate, g sigmoid, h tanh, H=10': { inputs: 4, outputs: 1, blocks: 10, forgetGate: true, peepholes: true, outputGate: false, g: 'sigmoid', h: 'tanh', seed: 8 },
  'forget, g identity, h sigmoid, H=13, inputs only': { inputs: 9, outputs: 3, blocks: 13, forgetGate: true, g: 'identity', h: 'sigmoid', cellSources: 'inputs', head: 'softmax', seed: 9 },
};

function build(cfg: Lstm97Config, backend: KernelBackend): Rtrl97 {
  const before = kernelBackend();
  setKernelBackend(backend);
  try {
    return new Rtrl97(cfg);
  } finally {
    setKernelBackend(before);
  }
}

const xAt = (t: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(0.31 * t + 0.7 * i) * (1 + 0.1 * i));
const dAt = (t: number, n: number): number[] => Array.from({ length: n }, (_, k) => 0.5 + 0.3 * Math.cos(0.17 * t + k));
const state = (s: Rtrl97Stream): number[] => [...s.y, ...s.s, ...s.yIn, ...s.yFg, ...s.yOut, ...s.hS, ...s.o, ...s.r, ...s.Pc, ...s.Pin, ...s.Pfg, ...s.Qin, ...s.Qfg];

describe('Rtrl97 single-stream wasm kernels', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  it('load on this runtime (Node 20 has WebAssembly SIMD)', () => {
    expect(wasmKernelsAvailable()).toBe(true);
  });

  it('are used by a learner that owns its params under the wasm backend, and not otherwise', () => {
    const cfg = CONFIGS['forget, cells, H=12, linear head']!;
    const w = build(cfg, 'wasm');
    expect(w.kernels).not.toBeNull();
    expect(w.kernels!.owns(w.params)).toBe(true);
    expect(w.kernels!.owns(w.grad)).toBe(true);
    const s1 = w.newStream();
    const s2 = w.newStream();
    expect(w.kernels!.owns(s1.Pc)).toBe(true); // the first stream's kernel arrays live in its memory
    expect(w.kernels!.owns(s2.Pc)).toBe(false); // a second stream runs the JS kernels
    // The module writes nothing into its memory when instantiated: the arrays start zeroed.
    for (const a of [s1.z, s1.net, s1.Pc, s1.Pin, s1.Pfg, s1.tr, w.grad, w.kernels!.es!]) expect(a.every((v) => v === 0)).toBe(true);
    expect(build(cfg, 'js').kernels).toBeNull();
    expect(new Rtrl97(cfg, w.params.slice()).kernels).toBeNull(); // given params stay the caller's array
    expect(Array.from(build(cfg, 'js').params)).toEqual(Array.from(w.params)); // the same seeded init
    for (const c of Object.values(CONFIGS)) expect(build(c, 'wasm').params.length).toBeGreaterThanOrEqual(WASM_SINGLE_MIN_WEIGHTS);
    // Below the threshold (the paper's small nets) the calls would cost more than they save: JS.
    expect(build({ inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 2 }, 'wasm').kernels).toBeNull();
  });

  for (const [name, cfg] of Object.entries(CONFIGS)) {
    it(`${name}: step, predict, learn and learnSgd give the js backend's bits`, () => {
      const w = build(cfg, 'wasm');
      const j = build(cfg, 'js');
      expect(w.kernels).not.toBeNull();
      const fused = vi.spyOn(w.kernels!, 'cells97One');
      const sw = w.newStream();
      const sj = j.newStream();
      for (let t = 0; t < 120; t++) {
        expect(Array.from(w.step(sw, xAt(t, w.inputs)))).toEqual(Array.from(j.step(sj, xAt(t, j.inputs))));
        const d = dAt(t, w.outputs);
        if (t % 3 === 0) expect(w.learnSgd(sw, d, 0.2)).toBe(j.learnSgd(sj, d, 0.2));
        else if (t % 3 === 1) expect(w.learn(sw, d)).toBe(j.learn(sj, d));
        else expect(Array.from(w.predict(sw, xAt(t + 50, w.inputs)))).toEqual(Array.from(j.predict(sj, xAt(t + 50, j.inputs))));
        if (t % 12 === 11) {
          for (const n of [w, j]) {
            for (let i = 0; i < n.params.length; i++) n.params[i]! -= 0.1 * n.grad[i]!;
            n.grad.fill(0);
          }
        }
        w.settleTraces(sw);
        j.settleTraces(sj);
        expect(state(sw)).toEqual(state(sj));
      }
      expect(Array.from(w.params)).toEqual(Array.from(j.params));
      // predict's cell step in one wasm call where the net has one cell per block and no hidden units
      expect(fused).toHaveBeenCalledTimes(cfg.cellsPerBlock === undefined || cfg.cellsPerBlock === 1 ? (cfg.hiddenUnits ?? 0) === 0 ? 40 : 0 : 0);
    });
  }

  for (const name of ['forget + peepholes, 2 cells/block, all', 'forget, cells, H=13 (odd fan-in: scalar tails)']) {
    it(`kernelStreams (${name}): the first n streams get kernel memory, batches of them (stepBatch, predictBatch) match the JS backend bit for bit`, () => {
      const cfg = CONFIGS[name]!;
      setKernelBackend('wasm');
      const w = new Rtrl97(cfg, undefined, { kernelStreams: 3 });
      setKernelBackend('js');
      const j = new Rtrl97(cfg, undefined, { kernelStreams: 3 });
      setKernelBackend('wasm');
      const W = [w.newStream(), w.newStream(), w.newStream(), w.newStream()];
      const J = [j.newStream(), j.newStream(), j.newStream(), j.newStream()];
      expect(W.map((s) => w.kernels!.owns(s.Pc))).toEqual([true, true, true, false]);
      const Yw = new Float64Array(W.length * w.outputs);
      for (let t = 0; t < 30; t++) {
        const X = W.flatMap((_, b) => xAt(t + 5 * b, w.inputs));
        const D = W.flatMap((_, b) => dAt(t + 3 * b, w.outputs));
        stepLearnBatchBoth(w, W, j, J, X, D);
        if (t % 3 === 2) {
          // forward only, no traces: the batch on the wasm backend equals predict() one stream at a time on the JS one
          const X2 = W.flatMap((_, b) => xAt(t + 40 + 7 * b, w.inputs));
          w.predictBatch(W, X2, Yw);
          expect(Array.from(Yw)).toEqual(J.flatMap((s, b) => Array.from(j.predict(s, X2.slice(b * j.inputs, (b + 1) * j.inputs)))));
          W.forEach((s, b) => { w.settleTraces(s); j.settleTraces(J[b]!); expect(state(s)).toEqual(state(J[b]!)); });
        }
      }
      expect(Array.from(w.grad)).toEqual(Array.from(j.grad));
      expect(() => new Rtrl97(cfg, undefined, { kernelStreams: -1 })).toThrow(/kernelStreams/);
    });
  }

  it('a second stream, a batch and a borrowed (pool) gradient take the JS kernels with the same bits', () => {
    const cfg = CONFIGS['forget, cells, H=13 (odd fan-in: scalar tails)']!;
    const w = build(cfg, 'wasm');
    const j = build(cfg, 'js');
    const W = [w.newStream(), w.newStream()];
    const J = [j.newStream(), j.newStream()];
    const pool = new Float64Array(w.grad.length);
    const poolJ = new Float64Array(j.grad.length);
    for (let t = 0; t < 40; t++) {
      if (t === 20) {
        w.grad = pool; // as Trainer.shareGradient does
        j.grad = poolJ;
      }
      const X = [...xAt(t, w.inputs), ...xAt(t + 9, w.inputs)];
      const D = [...dAt(t, w.outputs), ...dAt(t + 3, w.outputs)];
      if (t % 2 === 0) {
        stepLearnBatchBoth(w, W, j, J, X, D);
      } else {
        for (let b = 0; b < 2; b++) {
          expect(Array.from(w.step(W[b]!, X.slice(b * w.inputs, (b + 1) * w.inputs)))).toEqual(Array.from(j.step(J[b]!, X.slice(b * j.inputs, (b + 1) * j.inputs))));
          expect(w.learn(W[b]!, D.slice(b * w.outputs, (b + 1) * w.outputs))).toBe(j.learn(J[b]!, D.slice(b * j.outputs, (b + 1) * j.outputs)));
        }
      }
    }
    expect(Array.from(w.grad)).toEqual(Array.from(j.grad));
    expect(Array.from(pool)).toEqual(Array.from(poolJ));
  });

  // Last: the learners it creates may stay uncollected for the rest of this file.
  it('at most WASM_SINGLE_MAX_LIVE learners hold kernel memories at once; the rest run the JS kernels', () => {
    const cfg = CONFIGS['forget, cells, H=12, linear head']!;
    const held = Array.from({ length: WASM_SINGLE_MAX_LIVE + 8 }, () => new Rtrl97(cfg));
    expect(wasmSingleLive()).toBeLessThanOrEqual(WASM_SINGLE_MAX_LIVE);
    expect(held.at(-1)!.kernels).toBeNull();
    expect(held.filter((n) => n.kernels !== null).length).toBeLessThanOrEqual(WASM_SINGLE_MAX_LIVE);
    const j = build(cfg, 'js');
    const last = held.at(-1)!;
    const [s, sj] = [last.newStream(), j.newStream()];
    expect(Array.from(last.step(s, xAt(0, 8)))).toEqual(Array.from(j.step(sj, xAt(0, 8))));
  });
});
