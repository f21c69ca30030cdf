// RecurrentLearner with build.kernels 'shared': no wasm memory of its own, but the process's shared
// kernels for its shape (workspace.ts kernelStageFor), with params and gradient copied in and out
// per call. It must give the JS kernels' bits (and so those of a learner with kernels of its own),
// also when several learners of one shape take turns on one stage and when the gradient is a pool's.
import { afterEach, describe, expect, it } from 'vitest';
import { createModel, type ModelOptions } from './model.ts';
import { createOptimizer } from './optimizers.ts';
import type { RecurrentOptions } from './recurrent-options.ts';
import { RecurrentLearner } from './tbptt.ts';
import { GradientPool } from './trainer.ts';
import { kernelBackend, setKernelBackend } from './wasm-kernels.ts';

const X = 3;
type Build = boolean | 'shared';

interface Case {
  name: string;
  options: RecurrentOptions;
}

const CASES: Case[] = [
  { name: 'vanilla with peepholes, tbptt(1,16)', options: { inputs: X, outputs: 2, hidden: 16, cell: 'vanilla', k1: 1, k2: 16, seed: 3 } },
  { name: 'vanilla, odd H, tbptt(4,9)', options: { inputs: X, outputs: 1, hidden: 15, cell: 'vanilla', peepholes: false, k1: 4, k2: 9, seed: 4 } },
  { name: 'cifg, softmax head, tbptt(3,40)', options: { inputs: X, outputs: 3, hidden: 16, cell: 'cifg', head: 'softmax', k1: 3, k2: 40, seed: 5 } },
  { name: 'stacked [16, 9], tbptt(2,20)', options: { inputs: X, outputs: 1, hidden: [16, 9], cell: 'vanilla', k1: 2, k2: 20, seed: 6 } },
  { name: 'gru, tbptt(4,32)', options: { inputs: X, outputs: 1, hidden: 16, cell: 'gru', k1: 4, k2: 32, seed: 7 } },
];

const xAt = (t: number, k = 0): number[] => Array.from({ length: X }, (_, i) => Math.sin(0.3 * t + i + k) + 0.1 * Math.cos(1.7 * t * (i + 1)));
const dAt = (t: number, K: number, softmax: boolean): number[] =>
  softmax ? Array.from({ length: K }, (_, k) => (k === t % K ? 1 : 0)) : Array.from({ length: K }, (_, k) => Math.sin(0.3 * (t + 1) + k));

function same(a: Float64Array, b: Float64Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/** Steps + learns `net` over `n` steps with SGD on its own grad; returns every output, concatenated. */
function train(net: RecurrentLearner, n: number, seedShift = 0): number[] {
  const s = net.newStream();
  const opt = createOptimizer({ kind: 'sgd', lr: 0.05 }, net.params.length);
  const out: number[] = [];
  for (let t = 0; t < n; t++) {
    out.push(...net.step(s, xAt(t, seedShift)));
    net.learn(s, dAt(t, net.outputs, net.config.head === 'softmax'));
    if (net.gradReady(s)) {
      opt.apply(net.params, net.grad);
      net.grad.fill(0);
    }
  }
  return out;
}

describe("RecurrentLearner on the process's shared kernels (build.kernels 'shared')", () => {
  afterEach(() => setKernelBackend('wasm'));

  for (const c of CASES) {
    it(`${c.name}: outputs and params bit-identical to the JS kernels and to kernels of its own over 80 steps`, () => {
      const nets = (['shared', false, true] as Build[]).map((kernels) => new RecurrentLearner(c.options, { kernels }));
      const [shared, js, own] = nets as [RecurrentLearner, RecurrentLearner, RecurrentLearner];
      expect(shared.kernels).toBeNull();
      expect(shared.stage).not.toBeNull();
      expect(js.stage).toBeNull();
      const outs = nets.map((n) => train(n, 80));
      expect(outs[0]).toEqual(outs[1]);
      expect(outs[2]).toEqual(outs[1]);
      expect(same(shared.params, js.params)).toBe(true);
      expect(same(own.params, js.params)).toBe(true);
    });
  }

  it('two learners of one shape share one stage and take turns on it, each keeping its own bits', () => {
    const opts = CASES[0]!.options;
    const a = new RecurrentLearner({ ...opts, seed: 11 }, { kernels: 'shared' });
    const b = new RecurrentLearner({ ...opts, seed: 12 }, { kernels: 'shared' });
    expect(a.stage).toBe(b.stage);
    const refA = new RecurrentLearner({ ...opts, seed: 11 }, { kernels: false });
    const refB = new RecurrentLearner({ ...opts, seed: 12 }, { kernels: false });
    const [sa, sb, ra, rb] = [a.newStream(), b.newStream(), refA.newStream(), refB.newStream()];
    const K = a.outputs;
    for (let t = 0; t < 50; t++) {
      // interleaved: a step, b step, a learn, b learn, so each call finds the other's params on the stage
      const ya = Array.from(a.step(sa, xAt(t)));
      const yb = Array.from(b.step(sb, xAt(t, 1)));
      a.learn(sa, dAt(t, K, false));
      b.learn(sb, dAt(t + 3, K, false));
      expect(ya).toEqual(Array.from(refA.step(ra, xAt(t))));
      expect(yb).toEqual(Array.from(refB.step(rb, xAt(t, 1))));
      refA.learn(ra, dAt(t, K, false));
      refB.learn(rb, dAt(t + 3, K, false));
    }
    // the gradients accumulate in each learner's own grad (no update applied here)
    expect(same(a.grad, refA.grad)).toBe(true);
    expect(same(b.grad, refB.grad)).toBe(true);
    expect(same(a.grad, b.grad)).toBe(false);
  });

  it('adds to a gradient that already holds something, as the JS kernels do', () => {
    const opts = CASES[1]!.options;
    const a = new RecurrentLearner(opts, { kernels: 'shared' });
    const r = new RecurrentLearner(opts, { kernels: false });
    a.grad.fill(0.125);
    r.grad.fill(0.125);
    const [sa, sr] = [a.newStream(), r.newStream()];
    for (let t = 0; t < 30; t++) {
      a.step(sa, xAt(t));
      r.step(sr, xAt(t));
      a.learn(sa, dAt(t, 1, false));
      r.learn(sr, dAt(t, 1, false));
    }
    expect(same(a.grad, r.grad)).toBe(true);
  });

  it("models with a pool's gradient (the worker's per-stream models) learn the JS kernels' bits", () => {
    const o: ModelOptions = { inputs: 2, outputs: 2, hidden: 32, cell: 'vanilla', learner: 'tbptt', k1: 4, k2: 32, optimizer: { kind: 'adam', lr: 0.003, clipNorm: 1 } };
    const run = (kernels: Build): Float64Array[] => {
      const models = [1, 2, 3].map((seed) => createModel({ ...o, seed }, undefined, { kernels }));
      const pool = new GradientPool(models[0]!.learner.params.length);
      for (const m of models) m.trainer.shareGradient(pool);
      const streams = models.map((m) => m.learner.newStream());
      for (let t = 0; t < 70; t++) {
        models.forEach((m, i) => {
          m.trainer.step(streams[i]!, [Math.sin(t / 7 + i), Math.cos(t / 11)]);
          m.trainer.learn(streams[i]!, [Math.sin((t + 1) / 7 + i), Math.cos((t + 1) / 11)]);
        });
      }
      return models.map((m) => m.learner.params);
    };
    const shared = run('shared');
    const js = run(false);
    shared.forEach((p, i) => expect(same(p, js[i]!)).toBe(true));
  });

  it('has no stage on the js backend or below the kernels threshold, and runs the JS kernels there', () => {
    setKernelBackend('js');
    expect(kernelBackend()).toBe('js');
    expect(new RecurrentLearner(CASES[0]!.options, { kernels: 'shared' }).stage).toBeNull();
    setKernelBackend('wasm');
    const small = new RecurrentLearner({ inputs: X, outputs: 1, hidden: 4, cell: 'vanilla', k1: 1, k2: 4 }, { kernels: 'shared' });
    expect(small.layout.size).toBeLessThan(512);
    expect(small.stage).toBeNull();
    const ref = new RecurrentLearner({ inputs: X, outputs: 1, hidden: 4, cell: 'vanilla', k1: 1, k2: 4 }, { kernels: false });
    expect(train(small, 20)).toEqual(train(ref, 20));
  });
});
