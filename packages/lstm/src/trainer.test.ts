import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError, checkVector } from './errors.ts';
import type { Learner, ParamGroup, StreamState } from './learner.ts';
import { APPLY_STATUS, createOptimizer } from './optimizers.ts';
import { createRng } from './prng.ts';
import { Trainer } from './trainer.ts';

// A linear model y = W x + b (W: K×X, b: K) implementing the Learner contract, with loss
// E = ½ w Σ (y - d)². With readyEvery = k it behaves like tbptt: learn() only records the error,
// and every k-th learn() adds the recorded gradients to grad and reports gradReady.
interface LinState extends StreamState {
  x: Float64Array; // (X) last input
  y: Float64Array; // (K) last output
  ready: boolean;
  stepped: boolean;
  pendingX: Float64Array[];
  pendingErr: Float64Array[];
}

class LinearLearner implements Learner<LinState> {
  readonly params: Float64Array;
  readonly grad: Float64Array;
  readonly groups: readonly ParamGroup[];
  constructor(readonly inputs: number, readonly outputs: number, private readonly readyEvery = 1) {
    const n = outputs * inputs + outputs;
    this.params = new Float64Array(n);
    this.grad = new Float64Array(n);
    this.groups = [
      { name: 'V', offset: 0, shape: [outputs, inputs] },
      { name: 'bv', offset: outputs * inputs, shape: [outputs] },
    ];
  }
  newStream(): LinState {
    return { t: 0, x: new Float64Array(this.inputs), y: new Float64Array(this.outputs), ready: false, stepped: false, pendingX: [], pendingErr: [] };
  }
  reset(s: LinState): void {
    Object.assign(s, this.newStream());
  }
  step(s: LinState, x: ArrayLike<number>): Float64Array {
    checkVector('x', x, this.inputs);
    const { inputs: X, outputs: K, params: p } = this;
    s.x.set(Array.from(x));
    for (let k = 0; k < K; k++) {
      let a = p[K * X + k];
      for (let j = 0; j < X; j++) a += p[k * X + j] * s.x[j];
      s.y[k] = a;
    }
    s.t++;
    s.stepped = true;
    return s.y;
  }
  learn(s: LinState, target: ArrayLike<number>, weight = 1): number {
    checkVector('target', target, this.outputs);
    if (!s.stepped) throw new LstmError(LSTM_ERR.STATE, 'learn before step');
    const err = Float64Array.from(s.y, (y, k) => weight * (y - target[k]));
    let loss = 0;
    for (let k = 0; k < this.outputs; k++) loss += 0.5 * weight * (s.y[k] - target[k]) ** 2;
    s.pendingX.push(s.x.slice());
    s.pendingErr.push(err);
    s.ready = s.pendingX.length >= this.readyEvery;
    if (s.ready) {
      const { inputs: X, outputs: K, grad: g } = this;
      s.pendingX.forEach((x, n) => {
        const e = s.pendingErr[n];
        for (let k = 0; k < K; k++) {
          for (let j = 0; j < X; j++) g[k * X + j] += e[k] * x[j];
          g[K * X + k] += e[k];
        }
      });
      s.pendingX = [];
      s.pendingErr = [];
    }
    return loss;
  }
  gradReady(s: LinState): boolean {
    return s.ready;
  }
}

function sameBits(a: Float64Array, b: Float64Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
}

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LstmError ? e.code : 'not an LstmError';
  }
  return undefined;
}

function seeded(learner: LinearLearner, seed: number): void {
  const rng = createRng(seed);
  for (let i = 0; i < learner.params.length; i++) learner.params[i] = rng.range(-0.5, 0.5);
}

describe('Trainer cadence', () => {
  it('mode (a): applies the optimizer after every gradient event and zeroes grad', () => {
    const learner = new LinearLearner(2, 1);
    seeded(learner, 1);
    const trainer = new Trainer(learner, { optimizer: { kind: 'sgd', lr: 0.1 } });
    const s = learner.newStream();
    const p0 = learner.params.slice();
    const y = trainer.step(s, [1, 2])[0];
    trainer.learn(s, [0]);
    // dE/dV = (y - d) x, dE/dbv = y - d.
    expect(Array.from(learner.params)).toEqual([p0[0] - 0.1 * y * 1, p0[1] - 0.1 * y * 2, p0[2] - 0.1 * y]);
    expect(learner.grad.every((g) => g === 0)).toBe(true);
    expect(trainer.stats.updates).toBe(1);
    expect(trainer.lastApplyStatus).toBe(APPLY_STATUS.OK);
  });

  for (const reduce of ['mean', 'sum'] as const) {
    it(`mode (b): accumulates n events and applies their ${reduce} once`, () => {
      const n = 3;
      const learner = new LinearLearner(3, 2);
      seeded(learner, 2);
      const reference = new LinearLearner(3, 2);
      reference.params.set(learner.params);
      const trainer = new Trainer(learner, { optimizer: { kind: 'adam', lr: 0.01 }, applyEvery: n, reduce });
      const refOpt = createOptimizer({ kind: 'adam', lr: 0.01 }, learner.params.length);
      const s = learner.newStream();
      const rs = reference.newStream();
      const rng = createRng(3);
      for (let t = 0; t < 2 * n; t++) {
        const x = [rng.normal(), rng.normal(), rng.normal()];
        const d = [rng.normal(), rng.normal()];
        trainer.step(s, x);
        trainer.learn(s, d);
        reference.step(rs, x);
        reference.learn(rs, d);
        if ((t + 1) % n !== 0) {
          expect(trainer.pending).toBe((t + 1) % n);
          expect(learner.grad.some((g) => g !== 0)).toBe(true);
        } else {
          refOpt.apply(reference.params, reference.grad, reduce === 'mean' ? 1 / n : 1);
          reference.grad.fill(0);
          expect(trainer.pending).toBe(0);
        }
        expect(sameBits(learner.params, reference.params)).toBe(true);
      }
      expect(trainer.stats.updates).toBe(2);
      expect(trainer.stats.gradEvents).toBe(2 * n);
    });
  }

  it('counts only learn() calls after which the learner reports gradReady', () => {
    const learner = new LinearLearner(1, 1, 2); // gradient every second learn, like tbptt with k1 = 2
    const trainer = new Trainer(learner, { applyEvery: 2 });
    const s = learner.newStream();
    const p0 = learner.params.slice();
    for (let t = 0; t < 3; t++) {
      trainer.step(s, [1]);
      trainer.learn(s, [1]);
    }
    expect(trainer.stats.learns).toBe(3);
    expect(trainer.stats.gradEvents).toBe(1);
    expect(sameBits(learner.params, p0)).toBe(true);
    trainer.step(s, [1]);
    trainer.learn(s, [1]);
    expect(trainer.stats.gradEvents).toBe(2);
    expect(trainer.stats.updates).toBe(1);
    expect(sameBits(learner.params, p0)).toBe(false);
  });

  it('flush() applies a partial window', () => {
    const learner = new LinearLearner(1, 1);
    const trainer = new Trainer(learner, { optimizer: { lr: 1 }, applyEvery: 10 });
    const s = learner.newStream();
    trainer.step(s, [1]);
    trainer.learn(s, [2]); // y = 0, grad = [-2, -2]
    expect(trainer.flush()).toBe(APPLY_STATUS.OK);
    expect(Array.from(learner.params)).toEqual([2, 2]);
    expect(trainer.flush()).toBeNull();
  });

  it('clips through the optimizer options', () => {
    const learner = new LinearLearner(2, 1);
    const trainer = new Trainer(learner, { optimizer: { lr: 1, clipNorm: 0.5 } });
    const s = learner.newStream();
    trainer.step(s, [3, 4]);
    trainer.learn(s, [100]);
    const norm = Math.hypot(...learner.params);
    expect(norm).toBeLessThanOrEqual(0.5 * (1 + 1e-15));
    expect(norm).toBeGreaterThan(0.5 * (1 - 1e-12));
  });

  it('rejects bad options with LSTM_ERR_CONFIG', () => {
    const learner = new LinearLearner(1, 1);
    expect(thrownCode(() => new Trainer(learner, { applyEvery: 0 }))).toBe(LSTM_ERR.CONFIG);
    expect(thrownCode(() => new Trainer(learner, { reduce: 'max' as never }))).toBe(LSTM_ERR.CONFIG);
    expect(thrownCode(() => new Trainer(learner, { optimizer: { lr: -1 } }))).toBe(LSTM_ERR.CONFIG);
  });
});

describe('Trainer guards', () => {
  it('refuses non-finite or wrong-length inputs and targets, counting them, with nothing changed', () => {
    const learner = new LinearLearner(2, 1);
    seeded(learner, 4);
    const trainer = new Trainer(learner);
    const s = learner.newStream();
    const p0 = learner.params.slice();
    expect(thrownCode(() => trainer.step(s, [1, NaN]))).toBe(LSTM_ERR.NON_FINITE);
    expect(thrownCode(() => trainer.step(s, [1]))).toBe(LSTM_ERR.DIMENSION);
    expect(trainer.stats.refusedInputs).toBe(2);
    expect(s.t).toBe(0);
    trainer.step(s, [1, 1]);
    expect(thrownCode(() => trainer.learn(s, [Infinity]))).toBe(LSTM_ERR.NON_FINITE);
    expect(thrownCode(() => trainer.learn(s, [1], NaN))).toBe(LSTM_ERR.NON_FINITE);
    expect(thrownCode(() => trainer.learn(s, [1], -1))).toBe(LSTM_ERR.CONFIG);
    expect(trainer.stats.refusedTargets).toBe(3);
    expect(trainer.stats.learns).toBe(0);
    expect(sameBits(learner.params, p0)).toBe(true);
    expect(learner.grad.every((g) => g === 0)).toBe(true);
  });

  it('never applies a window whose loss was non-finite, even when its gradient is finite', () => {
    const learner = new LinearLearner(1, 1);
    learner.params.set([0, 1e200]); // y = 1e200: loss ½ (1e200)² overflows, dE/dθ = 1e200 does not
    const trainer = new Trainer(learner, { optimizer: { lr: 1e-200 } });
    const s = learner.newStream();
    const p0 = learner.params.slice();
    trainer.step(s, [1]);
    const loss = trainer.learn(s, [0]);
    expect(loss).toBe(Infinity);
    expect(sameBits(learner.params, p0)).toBe(true);
    expect(learner.grad.every((g) => g === 0)).toBe(true);
    expect(trainer.stats.nonFiniteLosses).toBe(1);
    expect(trainer.stats.discardedWindows).toBe(1);
    expect(trainer.stats.updates).toBe(0);
    // The next, finite window is applied normally.
    learner.params.set([0, 1]);
    trainer.step(s, [1]);
    trainer.learn(s, [0]);
    expect(trainer.stats.updates).toBe(1);
  });

  it('discards the delayed gradient of a non-finite loss at the learner\'s next gradient event', () => {
    const learner = new LinearLearner(1, 1, 3); // the bad error is recorded now, added two learns later
    learner.params.set([0, 1e200]);
    const trainer = new Trainer(learner, { optimizer: { lr: 1e-200 } });
    const s = learner.newStream();
    const p0 = learner.params.slice();
    trainer.step(s, [1]);
    expect(trainer.learn(s, [0])).toBe(Infinity);
    expect(trainer.flush()).toBeNull(); // nothing emitted yet: the poison must survive the flush
    for (let t = 0; t < 2; t++) {
      trainer.step(s, [1]);
      trainer.learn(s, [1e200]);
    }
    expect(trainer.stats.gradEvents).toBe(1);
    expect(trainer.stats.discardedWindows).toBe(1);
    expect(sameBits(learner.params, p0)).toBe(true);
    expect(learner.grad.every((g) => g === 0)).toBe(true);
  });

  it('counts optimizer refusals and starts the next window from a zero gradient', () => {
    const learner = new LinearLearner(1, 1);
    learner.params.set([0, 1e100]);
    const trainer = new Trainer(learner, { optimizer: { lr: 1e300 } });
    const s = learner.newStream();
    trainer.step(s, [1]);
    expect(Number.isFinite(trainer.learn(s, [0]))).toBe(true); // but grad 1e100 * lr 1e300 overflows
    expect(trainer.lastApplyStatus).toBe(APPLY_STATUS.DIVERGED);
    expect(trainer.stats.divergedUpdates).toBe(1);
    expect(Array.from(learner.params)).toEqual([0, 1e100]);
    expect(learner.grad.every((g) => g === 0)).toBe(true);
  });

  it('counts a non-finite gradient refused by the optimizer', () => {
    const learner = new LinearLearner(1, 1);
    const trainer = new Trainer(learner);
    const s = learner.newStream();
    trainer.step(s, [1]);
    learner.grad[0] = NaN; // a learner bug the loss does not show
    trainer.learn(s, [1]);
    expect(trainer.lastApplyStatus).toBe(APPLY_STATUS.NON_FINITE);
    expect(trainer.stats.refusedUpdates).toBe(1);
    expect(Array.from(learner.params)).toEqual([0, 0]);
  });
});

describe('Trainer and learner errors', () => {
  it('keeps the window after a contract refusal, and never applies it after any other learner error', () => {
    const learner = new LinearLearner(1, 1);
    const trainer = new Trainer(learner);
    const s = learner.newStream();
    expect(thrownCode(() => trainer.learn(s, [1]))).toBe(LSTM_ERR.STATE); // learn before step: nothing changed
    trainer.step(s, [1]);
    trainer.learn(s, [1]);
    expect(trainer.stats.updates).toBe(1);

    const p0 = learner.params.slice();
    const original = learner.learn.bind(learner);
    learner.learn = () => {
      learner.grad[0] += 123; // half-written gradient, then a crash
      throw new Error('bug');
    };
    trainer.step(s, [1]);
    expect(() => trainer.learn(s, [1])).toThrow('bug');
    learner.learn = original;
    trainer.step(s, [1]);
    trainer.learn(s, [1]);
    expect(trainer.stats.discardedWindows).toBe(1);
    expect(sameBits(learner.params, p0)).toBe(true);
    expect(learner.grad.every((g) => g === 0)).toBe(true);
  });
});

describe('Trainer learning smoke', () => {
  for (const optimizer of [{ kind: 'sgd', lr: 0.05, momentum: 0.9 }, { kind: 'adam', lr: 0.02 }, { kind: 'rmsprop', lr: 0.005 }] as const) {
    it(`fits a noiseless linear map with ${optimizer.kind}`, () => {
      const learner = new LinearLearner(2, 1);
      const trainer = new Trainer(learner, { optimizer, applyEvery: 2 });
      const s = learner.newStream();
      const rng = createRng(5);
      for (let t = 0; t < 4000; t++) {
        const x = [rng.range(-1, 1), rng.range(-1, 1)];
        trainer.step(s, x);
        trainer.learn(s, [2 * x[0] - 3 * x[1] + 0.5]);
      }
      const [a, b, c] = learner.params;
      expect(Math.abs(a - 2)).toBeLessThan(0.02);
      expect(Math.abs(b + 3)).toBeLessThan(0.02);
      expect(Math.abs(c - 0.5)).toBeLessThan(0.02);
    });
  }
});
