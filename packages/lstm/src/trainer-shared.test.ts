// Trainer.shareGradient: trainers that borrow one GradientPool buffer, their calls interleaved as
// a worker's streams interleave, end with weights bit-identical to trainers with their own
// gradient; the pool's buffer is zero between calls; open windows keep a buffer of their own.

import { describe, expect, it } from 'vitest';
import { createModel, type Model, type ModelOptions } from './model.ts';
import { createRng } from './prng.ts';
import type { StreamState } from './learner.ts';
import { GradientPool } from './trainer.ts';

const CASES: { name: string; opts: ModelOptions }[] = [
  { name: 'vanilla tbptt(3,8), adam', opts: { cell: 'vanilla', hidden: 6, learner: 'tbptt', k1: 3, k2: 8, inputs: 2, outputs: 2, optimizer: { kind: 'adam', lr: 0.01 } } },
  { name: 'vanilla tbptt(2,4), applyEvery 3', opts: { cell: 'vanilla', hidden: 5, learner: 'tbptt', k1: 2, k2: 4, inputs: 2, outputs: 2, applyEvery: 3, optimizer: { kind: 'sgd', lr: 0.05 } } },
  { name: 'forget rtrl97, applyEvery 2', opts: { cell: 'forget', hidden: 2, learner: 'rtrl97', inputs: 2, outputs: 2, applyEvery: 2, optimizer: { kind: 'sgd', lr: 0.1 } } },
];

interface Run {
  models: Model<StreamState>[];
  streams: StreamState[];
}

/** The bytes of a float64 array (not of the whole buffer under it: params may be a view of a learner's wasm memory). */
const bytes = (a: Float64Array): Buffer => Buffer.from(a.buffer, a.byteOffset, a.byteLength);

/** N models of `opts` (seeds 1..N) fed one shared seeded schedule, interleaved model by model. */
function run(opts: ModelOptions, n: number, steps: number, pool?: GradientPool, check?: () => void): Run {
  const models = Array.from({ length: n }, (_, i) => createModel({ ...opts, seed: i + 1 }));
  if (pool) for (const m of models) m.trainer.shareGradient(pool);
  const streams = models.map((m) => m.learner.newStream());
  const rng = createRng(7);
  for (let t = 0; t < steps; t++) {
    for (let i = 0; i < n; i++) {
      const { trainer } = models[i];
      const x = [Math.sin(0.3 * t + i), rng.range(-1, 1)];
      trainer.step(streams[i], x);
      check?.();
      // Some steps get no target: a TBPTT window left due then runs in the next step().
      if (rng.uniform() < 0.8) {
        trainer.learn(streams[i], [Math.sin(0.3 * (t + 1) + i), 0.5 * x[1]], rng.uniform() < 0.1 ? 0 : 1);
        check?.();
      }
    }
  }
  return { models, streams };
}

describe('Trainer.shareGradient', () => {
  for (const { name, opts } of CASES) {
    it(`${name}: interleaved trainers on one pool end bit-identical to trainers with their own gradient`, () => {
      const own = run(opts, 4, 120);
      const size = own.models[0].learner.params.length;
      const pool = new GradientPool(size);
      let nonZeroBetweenCalls = 0;
      const shared = run(opts, 4, 120, pool, () => {
        if (pool.current.some((v) => v !== 0)) nonZeroBetweenCalls++;
      });
      expect(nonZeroBetweenCalls).toBe(0);
      for (let i = 0; i < 4; i++) {
        expect(bytes(shared.models[i].learner.params)).toEqual(bytes(own.models[i].learner.params));
        expect(shared.models[i].trainer.stats).toEqual(own.models[i].trainer.stats);
      }
      // Windows still open at the end hold their own gradient, equal to the unshared run's.
      for (let i = 0; i < 4; i++) {
        const g = shared.models[i].learner.grad;
        expect(Array.from(g)).toEqual(Array.from(own.models[i].learner.grad));
        if (shared.models[i].trainer.pending === 0 && g.every((v) => v === 0)) expect(g).toBe(pool.current);
      }
      // A flush applies what is open, and every trainer is back on the pool's buffer.
      for (let i = 0; i < 4; i++) {
        shared.models[i].trainer.flush();
        own.models[i].trainer.flush();
        expect(shared.models[i].learner.grad).toBe(pool.current);
        expect(bytes(shared.models[i].learner.params)).toEqual(bytes(own.models[i].learner.params));
      }
    });
  }

  it('clearGradient drops an open window and frees its buffer', () => {
    const opts = CASES[1].opts;
    const m = createModel(opts);
    const pool = new GradientPool(m.learner.params.length);
    m.trainer.shareGradient(pool);
    const s = m.learner.newStream();
    for (let t = 0; t < 4; t++) {
      m.trainer.step(s, [t, 1]);
      m.trainer.learn(s, [1, 0]);
    }
    expect(m.trainer.pending).toBeGreaterThan(0);
    expect(m.learner.grad).not.toBe(pool.current);
    expect(m.learner.grad.some((v) => v !== 0)).toBe(true);
    m.trainer.clearGradient();
    expect(m.trainer.pending).toBe(0);
    expect(m.learner.grad).toBe(pool.current);
    expect(pool.current.every((v) => v === 0)).toBe(true);
    expect(pool.spare).toBe(1);
  });

  it('a trainer that joins a pool with a window open keeps that gradient and applies it', () => {
    const opts = CASES[1].opts; // applyEvery 3
    const a = createModel(opts);
    const b = createModel(opts);
    const sa = a.learner.newStream();
    const sb = b.learner.newStream();
    const feed = (m: typeof a, s: typeof sa, t: number): void => {
      m.trainer.step(s, [Math.sin(t), 1]);
      m.trainer.learn(s, [Math.cos(t), 0]);
    };
    for (let t = 0; t < 4; t++) {
      feed(a, sa, t);
      feed(b, sb, t);
    }
    expect(b.trainer.pending).toBeGreaterThan(0);
    const pool = new GradientPool(b.learner.params.length);
    b.trainer.shareGradient(pool);
    expect(pool.current.every((v) => v === 0)).toBe(true);
    for (let t = 4; t < 40; t++) {
      feed(a, sa, t);
      feed(b, sb, t);
    }
    expect(Array.from(b.learner.params)).toEqual(Array.from(a.learner.params));
  });

  it('refuses a pool of another size', () => {
    const m = createModel(CASES[0].opts);
    expect(() => m.trainer.shareGradient(new GradientPool(m.learner.params.length + 1))).toThrow(/gradient pool of/);
  });
});
