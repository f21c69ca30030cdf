// Model protection, property style: seeded adversarial streams (non-finite values, 1e300, 1e-300,
// alternating ±1e12 bursts, spikes) through a StreamProcessor of several model configs; weights and
// forecasts stay finite, the counters say what happened, and the model still learns afterwards.
// Forced divergences (a poisoned parameter, exploding weights) roll back to the last good weights.

import { createModel, createRng, loadModel, saveModel, type Rng } from '@carousel/lstm';
import { describe, expect, it } from 'vitest';
import { WORKER_ERR } from './errors.ts';
import { DEFAULT_SNAPSHOT_EVERY, ModelGuard, parseModelGuardOptions } from './model-guard.ts';
import { parseStreamConfig, type StreamModelOptions } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';

const ADVERSARIAL = 10_000;

/** sin with period 40 plus N(0, 0.05²) noise. */
const sine = (t: number, rng: Rng): number => Math.sin((2 * Math.PI * t) / 40) + 0.05 * rng.normal();

/**
 * An adversarial sample stream: the sine, with hostile episodes of 1-16 samples (40% of episodes,
 * back to back at times): NaN/±Infinity, ±1e300, ±1e-300, alternating ±1e12, spikes of ±1e6,
 * ±Number.MAX_VALUE, on every feature or on the first only.
 */
function* adversarial(n: number, dims: number, seed: number): Generator<number[]> {
  const rng = createRng(seed);
  const hostile = [
    () => NaN, () => Infinity, () => -Infinity, () => 1e300, () => -1e300, () => 1e-300, () => -1e-300,
    (k: number) => (k % 2 === 0 ? 1e12 : -1e12), () => (rng.uniform() < 0.5 ? 1e6 : -1e6), () => Number.MAX_VALUE, () => -Number.MAX_VALUE,
  ];
  let t = 0;
  while (t < n) {
    if (rng.uniform() < 0.4) {
      const kind = hostile[rng.int(0, hostile.length - 1)]!;
      const len = rng.int(1, 16);
      const allFeatures = rng.uniform() < 0.5;
      for (let k = 0; k < len && t < n; k++, t++) {
        yield Array.from({ length: dims }, (_, i) => (allFeatures || i === 0 ? kind(k) : sine(t + i, rng)));
      }
    } else {
      const len = rng.int(10, 60);
      for (let k = 0; k < len && t < n; k++, t++) yield Array.from({ length: dims }, (_, i) => sine(t + i, rng));
    }
  }
}

const allFinite = (v: ArrayLike<number>): boolean => Array.prototype.every.call(v, (x: number) => Number.isFinite(x));
const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

/** A signal the adversarial stream never showed: two sines, periods 17 and 5, plus noise. */
const fresh = (t: number, rng: Rng): number => 1.5 * Math.sin((2 * Math.PI * t) / 17) + 0.5 * Math.sin((2 * Math.PI * t) / 5) + 0.05 * rng.normal();

/** Feeds `n` clean samples of `signal` from seq `seq0`; returns the squared one-step errors. */
function feedSine(p: StreamProcessor, seq0: number, n: number, seed: number, signal = sine): number[] {
  const rng = createRng(seed);
  const sq: number[] = [];
  let prev: Float64Array | null = null;
  for (let t = 0; t < n; t++) {
    const x = Array.from({ length: p.dims }, (_, i) => signal(t + i, rng));
    if (prev !== null) sq.push(mean(x.map((v, i) => (v - prev![i]!) ** 2)));
    const r = p.process(seq0 + t, x);
    expect(allFinite(r.forecast[0]!)).toBe(true);
    prev = r.forecast[0]!;
  }
  return sq;
}

const CONFIGS: [string, Partial<StreamModelOptions>, number][] = [
  ['vanilla tbptt (the default model)', {}, 1],
  ['forget rtrl97', { cell: 'forget', learner: 'rtrl97', hidden: 8 }, 2],
  ['gru tbptt', { cell: 'gru', learner: 'tbptt', hidden: 16, k1: 1, k2: 16 }, 1],
];

describe('model guard - adversarial streams', () => {
  it.each(CONFIGS)('%s: 10k adversarial samples leave every weight and forecast finite, and the model still learns', (_, model, dims) => {
    const p = new StreamProcessor(parseStreamConfig({ model }), dims);
    let seq = 0;
    seq += feedSine(p, seq, 200, 7).length + 1;
    let refused = 0;
    let nonFiniteForecasts = 0;
    for (const x of adversarial(ADVERSARIAL, dims, 11)) {
      try {
        const r = p.process(seq++, x);
        if (!r.forecast.every(allFinite)) nonFiniteForecasts++;
      } catch (e) {
        // Only non-finite samples are refused, with the worker's model code.
        expect(x.some((v) => !Number.isFinite(v))).toBe(true);
        expect(e).toMatchObject({ code: WORKER_ERR.MODEL });
        refused++;
      }
    }
    expect(nonFiniteForecasts).toBe(0);
    expect(allFinite(p.model.learner.params)).toBe(true);
    expect(p.stats.refusedSteps).toBeGreaterThanOrEqual(refused);
    expect(refused).toBeGreaterThan(100);
    expect(p.stats.clippedInputs).toBeGreaterThan(300);
    expect(p.stats.samples).toBe(200 + ADVERSARIAL - refused);
    // A checkpoint taken now restores (the normaliser refuses non-finite statistics on restore).
    const back = new StreamProcessor(p.config, dims, structuredClone(p.snapshot()));
    expect(back.lastSeq).toBe(p.lastSeq);
    // Then a clean stream of a new signal: the forecast error falls as the model learns it.
    const sq = feedSine(p, seq, 3000, 13, fresh);
    const early = mean(sq.slice(0, 300));
    const late = mean(sq.slice(-500));
    // The control: a fresh processor of the same config on the same clean stream.
    const control = mean(feedSine(new StreamProcessor(p.config, dims), 0, 3000, 13, fresh).slice(-500));
    // And the last-value forecast of the same stream.
    const rng = createRng(13);
    const xs = Array.from({ length: 3000 }, (_, t) => fresh(t, rng));
    const naive = mean(xs.slice(-500).map((x, i) => (x - xs[xs.length - 501 + i]!) ** 2));
    console.log(`${_}: refused ${refused}, stats ${JSON.stringify(p.stats)}, clean-stream MSE first 300 ${early.toPrecision(3)} -> last 500 ${late.toPrecision(3)} (fresh model ${control.toPrecision(3)}, last value ${naive.toPrecision(3)})`);
    expect(late).toBeLessThan(0.7 * early);
    expect(late).toBeLessThan(0.25 * naive);
    expect(late).toBeLessThan(5 * control);
  });
});

describe('model guard - forced divergence', () => {
  it('a poisoned parameter is detected at the next step, rolled back to the last good weights, and the stream continues', () => {
    const p = new StreamProcessor(parseStreamConfig(), 1);
    const params = p.model.learner.params;
    let atGood: Float64Array | null = null;
    const rng = createRng(3);
    for (let t = 0; t < 600; t++) {
      p.process(t, [sine(t, rng)]);
      // The guard keeps its copy in float32.
      if (p.stats.samples === 2 * DEFAULT_SNAPSHOT_EVERY) atGood = params.map(Math.fround);
    }
    expect(p.stats.rollbacks).toBe(0);
    params[3] = NaN;
    params[params.length - 1] = Infinity;
    const r = p.process(600, [sine(600, rng)]);
    expect(p.stats.rollbacks).toBe(1);
    expect(r.forecast[0]!.every(Number.isFinite)).toBe(true);
    // The last-good copy is taken every 256 samples after 256 healthy ones: at 600 that is the one
    // taken at 512. The optimizer starts afresh from it.
    expect(params).toEqual(atGood);
    expect(p.model.trainer.optimizer.steps).toBe(0);
    const sq = feedSine(p, 601, 2000, 5);
    expect(p.stats.rollbacks).toBe(1);
    expect(allFinite(params)).toBe(true);
    expect(mean(sq.slice(-500))).toBeLessThan(0.05);
  });

  it('exploding weights (finite but 1e6 times too large) roll back after explodeSteps exploding losses', () => {
    const guard = parseModelGuardOptions({});
    const p = new StreamProcessor(parseStreamConfig({ model: { cell: 'forget', learner: 'rtrl97', hidden: 4 } }), 1);
    const params = p.model.learner.params;
    let atGood: Float64Array | null = null;
    const rng = createRng(4);
    for (let t = 0; t < 300; t++) {
      p.process(t, [sine(t, rng)]);
      if (p.stats.samples === DEFAULT_SNAPSHOT_EVERY) atGood = params.map(Math.fround);
    }
    for (let i = 0; i < params.length; i++) params[i] *= 1e6;
    let t = 300;
    while (p.stats.rollbacks === 0 && t < 300 + 10 * guard.explodeSteps) {
      const r = p.process(t, [sine(t, rng)]);
      expect(r.forecast[0]!.every(Number.isFinite)).toBe(true);
      t++;
    }
    expect(p.stats.rollbacks).toBe(1);
    // At 300 the last-good copy is the one taken at 256.
    expect(params).toEqual(atGood);
    expect(t - 300).toBeLessThanOrEqual(guard.explodeSteps + 1);
  });

  it('a restored processor continues bit-identically with the guard streaks it was saved with', () => {
    const cfg = parseStreamConfig({ model: { hidden: 8 } });
    const a = new StreamProcessor(cfg, 2);
    const xs = [...adversarial(1500, 2, 21)];
    const run = (p: StreamProcessor, from: number, to: number): unknown[] => {
      const out: unknown[] = [];
      for (let i = from; i < to; i++) {
        try {
          out.push(p.process(i, xs[i]!));
        } catch (e) {
          out.push((e as { code: string }).code);
        }
      }
      return out;
    };
    run(a, 0, 700);
    const b = new StreamProcessor(cfg, 2, structuredClone(a.snapshot()));
    expect(run(b, 700, 1000)).toEqual(run(a, 700, 1000));
    expect(b.model.learner.params).toEqual(a.model.learner.params);
    expect(b.stats).toEqual(a.stats);
  });
});

describe('model guard - the float32 last-good copy', () => {
  it('a copy is taken only of weights within float32 range, so a rollback never restores an infinity', () => {
    const model = createModel({ cell: 'vanilla', hidden: 3, learner: 'tbptt', k1: 1, k2: 2, inputs: 1, outputs: 1 });
    const guard = new ModelGuard(parseModelGuardOptions({ snapshotEvery: 10 }), model, 0);
    const { params } = model.learner;
    const first = params.map(Math.fround);
    params[0] = 1e39; // finite as a double, Infinity as a float32
    guard.tick(10);
    expect(guard.goodAt).toBe(0);
    params[0] = 0.25;
    guard.tick(20);
    expect(guard.goodAt).toBe(20);
    const second = params.map(Math.fround);
    params.fill(NaN);
    guard.rollback(model.learner.newStream(), 21);
    expect(params).toEqual(second);
    expect(second).not.toEqual(first);
  });

  it('a processor restored from a checkpoint whose weights are not finite rolls back to the seeded initial weights and goes on', () => {
    const cfg = parseStreamConfig({ model: { hidden: 6, seed: 9 } });
    const a = new StreamProcessor(cfg, 1);
    const rng = createRng(8);
    for (let t = 0; t < 50; t++) a.process(t, [sine(t, rng)]);
    // a checkpoint of a model that had diverged: one weight NaN, one Infinity
    const { model, streams } = loadModel(a.snapshot().model);
    model.learner.params[2] = NaN;
    model.learner.params[7] = Infinity;
    const b = new StreamProcessor(cfg, 1, { ...a.snapshot(), model: saveModel(model, streams) });
    for (let t = 50; t < 80; t++) {
      const r = b.process(t, [sine(t, rng)]);
      expect(r.forecast[0]!.every(Number.isFinite), `forecast at ${t}`).toBe(true);
    }
    expect(b.stats.rollbacks).toBe(1);
    expect(allFinite(b.model.learner.params)).toBe(true);
    // the weights it went back to are the model's initial ones (its seed), rounded to float32
    const initial = createModel({ ...cfg.model, inputs: 1, outputs: 1 }).learner.params.map(Math.fround);
    const c = new StreamProcessor(cfg, 1, { ...a.snapshot(), model: saveModel(model, streams) });
    c.process(50, [sine(50, createRng(8))]);
    expect(c.model.learner.params).toEqual(initial);
  });
});
