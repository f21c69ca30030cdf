import { createRng } from '@carousel/lstm';
import { describe, expect, it } from 'vitest';
import { DEFAULT_THRESHOLD, parseAnomalyOptions } from './anomaly-options.ts';
import type { AnomalyScorerOptions } from './anomaly-options.ts';
import { createAnomalyScorer } from './anomaly-scorer.ts';
import type { AnomalyScorer } from './anomaly-scorer.ts';
import { ANOMALY_ERR } from './errors.ts';

const SIGMA = 0.3; // forecast-error spread in normalised units

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${String(e)}`;
  }
  return undefined;
}

/** Feeds `n` stationary N(0, SIGMA^2) errors; returns how many points were flagged / anomalous. */
function feedStationary(s: AnomalyScorer, n: number, seed: number): { flags: number; anomalous: number } {
  const rng = createRng(seed);
  const e = new Float64Array(s.options.features);
  let flags = 0;
  let anomalous = 0;
  for (let t = 0; t < n; t++) {
    for (let i = 0; i < e.length; i++) e[i] = SIGMA * rng.normal();
    const r = s.update(e);
    if (r.flagged) flags++;
    if (r.anomalous) anomalous++;
  }
  return { flags, anomalous };
}

function expectInRange(s: AnomalyScorer, e: readonly number[]): void {
  const r = s.update(e);
  for (const v of [r.raw, r.likelihood, r.logLikelihood]) {
    expect(Number.isFinite(v)).toBe(true);
    expect(v).toBeGreaterThanOrEqual(0);
    expect(v).toBeLessThanOrEqual(1);
  }
}

describe('anomaly scorer outputs', () => {
  const extremes = [0, 1e-300, -1e-300, 5e-324, 1, -3, 1e154, 1e200, Number.MAX_VALUE, -Number.MAX_VALUE];
  const cases: [string, Partial<AnomalyScorerOptions>][] = [
    ['defaults', {}],
    ['gaussian tail, no winsorising', { tail: 'gaussian', errorClip: Infinity }],
    ['three features combined by max', { features: 3, combine: 'max' }],
  ];
  for (const [name, opts] of cases) {
    it(`stay in [0, 1] and finite for zero, tiny, huge and random errors (${name})`, () => {
      const s = createAnomalyScorer({ ...opts, learningPeriod: 3, estimationSamples: 3, windows: [2, 4] });
      const F = s.options.features;
      const rng = createRng(5);
      for (let t = 0; t < 3000; t++) {
        const v = t % 7 === 0 ? extremes[(t / 7) % extremes.length] : rng.normal() * 10 ** rng.range(-5, 5);
        expectInRange(s, Array.from({ length: F }, (_, i) => (i === 0 ? v : rng.normal())));
      }
      // a long run of the largest errors, then zeros: the variance ceiling and floor hold
      for (let t = 0; t < 2000; t++) expectInRange(s, Array(F).fill(Number.MAX_VALUE));
      for (let t = 0; t < 2000; t++) expectInRange(s, Array(F).fill(0));
      const snap = s.snapshot();
      for (const a of [snap.errorVariance, snap.windowSum, snap.scoreMean, snap.scoreVariance]) expect(a.every(Number.isFinite)).toBe(true);
    });
  }

  it('reports likelihood 0.5 and never flags during the learning and estimation periods', () => {
    const s = createAnomalyScorer({ learningPeriod: 50, estimationSamples: 20, windows: [5] });
    for (let t = 1; t <= 50 + 5 - 1 + 20; t++) {
      const r = s.update([t % 2 === 0 ? 100 : 0.01]);
      expect(r.likelihood).toBe(0.5);
      expect(r.flagged).toBe(false);
    }
    const r = s.update([0.01]);
    expect(r.likelihood).not.toBe(0.5);
  });

  it('returns the same result object every time (no allocation per point)', () => {
    const s = createAnomalyScorer();
    const first = s.update([0.1]);
    expect(s.update([0.2])).toBe(first);
  });

  it('rejects a non-finite or wrong-length error before any state changes', () => {
    const s = createAnomalyScorer({ features: 2 });
    s.update([0.1, 0.2]);
    const before = s.snapshot();
    expect(thrownCode(() => s.update([0.1, NaN]))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => s.update([Infinity, 0]))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => s.update([0.1]))).toBe(ANOMALY_ERR.INPUT);
    expect(s.snapshot()).toEqual(before);
  });
});

describe('anomaly likelihood', () => {
  it('stays low on a stationary Gaussian error stream: few flags over 10k points', () => {
    for (const seed of [1, 2, 3]) {
      const { flags, anomalous } = feedStationary(createAnomalyScorer(), 10_000, seed);
      expect(flags).toBeLessThanOrEqual(2);
      expect(anomalous).toBeLessThanOrEqual(6);
    }
  });

  it('stays low on a stationary stream of three features', () => {
    expect(feedStationary(createAnomalyScorer({ features: 3 }), 10_000, 4).flags).toBeLessThanOrEqual(2);
  });

  it('rises above the threshold within a few points of an injected spike', () => {
    const s = createAnomalyScorer();
    expect(feedStationary(s, 3000, 11).flags).toBe(0);
    const rng = createRng(12);
    let at = -1;
    for (let t = 0; t < 5; t++) {
      const r = s.update([SIGMA * (rng.normal() + (t === 0 ? 10 : 0))]);
      if (r.flagged && at < 0) at = t;
    }
    expect(at).toBeGreaterThanOrEqual(0);
    expect(at).toBeLessThanOrEqual(2);
  });

  it('rises above the threshold within a few points of a level shift', () => {
    for (const tail of ['gamma', 'gaussian'] as const) {
      const s = createAnomalyScorer({ tail });
      feedStationary(s, 3000, 21);
      const rng = createRng(22);
      let at = -1;
      for (let t = 0; t < 10 && at < 0; t++) {
        const r = s.update([SIGMA * (rng.normal() + 3)]);
        if (r.likelihood >= DEFAULT_THRESHOLD) at = t;
      }
      expect(at).toBeGreaterThanOrEqual(0);
      expect(at).toBeLessThanOrEqual(5);
    }
  });

  it('takes the largest likelihood over several window lengths', () => {
    // a spike is seen by the short window; a long window alone dilutes it
    const short = createAnomalyScorer({ windows: [3, 60] });
    const long = createAnomalyScorer({ windows: [60] });
    feedStationary(short, 3000, 31);
    feedStationary(long, 3000, 31);
    const a = short.update([SIGMA * 12]).likelihood;
    const b = long.update([SIGMA * 12]).likelihood;
    expect(a).toBeGreaterThanOrEqual(DEFAULT_THRESHOLD);
    expect(b).toBeLessThan(a);
  });
});

describe('anomaly flags', () => {
  /** Stationary warm-up, then a spike every `every` points for `n` points; returns flags and anomalous counts. */
  function spikes(opts: Partial<AnomalyScorerOptions>, every: number, n: number): { flags: number; anomalous: number } {
    const s = createAnomalyScorer(opts);
    feedStationary(s, 3000, 41);
    const rng = createRng(42);
    let flags = 0;
    let anomalous = 0;
    for (let t = 0; t < n; t++) {
      const r = s.update([SIGMA * (rng.normal() + (t % every === 0 ? 15 : 0))]);
      if (r.flagged) flags++;
      if (r.anomalous) anomalous++;
    }
    return { flags, anomalous };
  }

  it('raise one alert per isolated spike when neither hysteresis nor refractory period holds them back', () => {
    const r = spikes({ refractory: 0, rearmLikelihood: DEFAULT_THRESHOLD }, 60, 180);
    expect(r.flags).toBe(3);
    expect(r.anomalous).toBeGreaterThan(3 * 3); // each spike keeps the likelihood up for a while
  });

  it('a refractory period suppresses repeated flags from a burst of spikes', () => {
    const free = spikes({ refractory: 0, rearmLikelihood: DEFAULT_THRESHOLD }, 60, 180);
    const quiet = spikes({ refractory: 100, rearmLikelihood: DEFAULT_THRESHOLD }, 60, 180);
    expect(quiet.anomalous).toBe(free.anomalous); // the likelihood itself is unchanged
    expect(quiet.flags).toBe(2); // the spikes at t = 0 and t = 120; the one at t = 60 falls in the refractory period
  });

  it('hysteresis keeps a sustained level shift to one flag while every point stays anomalous', () => {
    const s = createAnomalyScorer({ refractory: 0 });
    feedStationary(s, 3000, 51);
    const rng = createRng(52);
    let flags = 0;
    let anomalous = 0;
    for (let t = 0; t < 300; t++) {
      const r = s.update([SIGMA * (rng.normal() + 4)]);
      if (r.flagged) flags++;
      if (r.anomalous) anomalous++;
    }
    expect(anomalous).toBeGreaterThan(20);
    expect(flags).toBe(1);
  });
});

describe('anomaly scorer checkpoints', () => {
  it('restore continues bit-identically, across ring wrap-arounds', () => {
    const opts = { windows: [3, 17], learningPeriod: 20, estimationSamples: 10, features: 2 };
    const a = createAnomalyScorer(opts);
    const rng = createRng(61);
    // occasional spikes, and a level shift on feature 0 at 2000..2099 (after the snapshot)
    const next = (t: number): number[] => [SIGMA * (rng.normal() * (rng.uniform() < 0.002 ? 20 : 1) + (t >= 2000 && t < 2100 ? 5 : 0)), SIGMA * rng.normal()];
    for (let t = 0; t < 1234; t++) a.update(next(t), t);
    const snap = a.snapshot();
    const b = createAnomalyScorer(opts);
    b.update([5, 5]); // b has its own history, which restore replaces
    b.restore(snap);
    let flags = 0;
    for (let t = 1234; t < 3234; t++) {
      const e = next(t);
      const ra = { ...a.update(e, t) };
      const rb = { ...b.update(e, t) };
      expect(Object.is(ra.raw, rb.raw) && Object.is(ra.likelihood, rb.likelihood) && Object.is(ra.logLikelihood, rb.logLikelihood)).toBe(true);
      expect(rb.flagged).toBe(ra.flagged);
      if (ra.flagged) flags++;
    }
    expect(flags).toBeGreaterThan(0); // the stream exercised the flag state too
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('a snapshot is a copy the scorer does not change afterwards', () => {
    const s = createAnomalyScorer();
    s.update([0.3]);
    const snap = s.snapshot();
    const copy = structuredClone(snap);
    for (let t = 0; t < 400; t++) s.update([0.1 * t]);
    expect(snap).toEqual(copy);
  });

  it('restore refuses a record of another shape and leaves the state unchanged', () => {
    const s = createAnomalyScorer({ windows: [4, 8] });
    s.update([0.3]);
    const before = s.snapshot();
    const other = createAnomalyScorer({ windows: [4, 9] }).snapshot();
    expect(thrownCode(() => s.restore(other))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => s.restore({ ...before, features: 2 }))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => s.restore({ ...before, ringPos: 8 }))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => s.restore({ ...before, scoreMean: Float64Array.of(NaN, 0) }))).toBe(ANOMALY_ERR.INPUT);
    expect(s.snapshot()).toEqual(before);
  });
});

describe('anomaly scorer options', () => {
  it('parse merges over the defaults and freezes', () => {
    const o = parseAnomalyOptions({ windows: [7] });
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.windows)).toBe(true);
    expect(o.windows).toEqual([7]);
    expect(o.threshold).toBe(DEFAULT_THRESHOLD);
  });

  it('parse refuses out-of-range values and unknown keys with ANOMALY_ERR_INPUT', () => {
    const bad: unknown[] = [
      { windows: [] },
      { windows: [0] },
      { windows: [2.5] },
      { features: 0 },
      { kernelWidth: -1 },
      { threshold: 1.5 },
      { rearmLikelihood: 0.999999999 },
      { errorWindow: 0 },
      { historicWindow: 1.5 },
      { tail: 'cauchy' },
      { combine: 'sum' },
      { thresold: 0.9 },
    ];
    for (const o of bad) expect(thrownCode(() => parseAnomalyOptions(o as Partial<AnomalyScorerOptions>))).toBe(ANOMALY_ERR.INPUT);
  });
});
