import { createRng } from '@carousel/lstm';
import { describe, expect, it } from 'vitest';
import { WORKER_ERR } from './errors.ts';
import { parseStreamConfig } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';

/** sin with period 40 plus N(0, 0.05²) noise, and an optional spike. */
function sineNoise(n: number, seed = 1, spikeAt = -1): number[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, t) => Math.sin((2 * Math.PI * t) / 40) + 0.05 * rng.normal() + (t === spikeAt ? 4 : 0));
}

const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;

describe('the stream processor', () => {
  it('learns a sine-plus-noise stream: forecast error falls well below the last-value forecast', () => {
    const p = new StreamProcessor(parseStreamConfig(), 1);
    const xs = sineNoise(4000);
    const model: number[] = [];
    const naive: number[] = [];
    let prevForecast = NaN;
    xs.forEach((x, t) => {
      if (t >= 3000) {
        model.push((x - prevForecast) ** 2);
        naive.push((x - xs[t - 1]!) ** 2);
      }
      prevForecast = p.process(t, [x]).forecast[0]![0]!;
    });
    // The last-value forecast's MSE here is about 0.03; the model's should be far lower.
    expect(mean(model)).toBeLessThan(0.5 * mean(naive));
  });

  it('raises the anomaly likelihood above the alert threshold on an injected spike, and not before', () => {
    const p = new StreamProcessor(parseStreamConfig(), 1);
    const xs = sineNoise(3200, 2, 3100);
    let flaggedBefore = 0;
    let flaggedAtSpike = false;
    xs.forEach((x, t) => {
      const r = p.process(t, [x]);
      if (t >= 1500 && t < 3100 && r.flagged) flaggedBefore++;
      if (t >= 3100 && t < 3105 && r.flagged) flaggedAtSpike = true;
      if (t === 3100) expect(r.weight).toBeLessThan(1);
    });
    expect(flaggedAtSpike).toBe(true);
    expect(flaggedBefore).toBeLessThanOrEqual(2);
  });

  it('continues bit-identically after snapshot and restore', () => {
    const cfg = parseStreamConfig({ model: { cell: 'forget', learner: 'rtrl97', hidden: 6 }, horizon: 3 });
    const xs = sineNoise(300, 3).map((v, t) => [v, Math.cos(t / 7)]);
    const a = new StreamProcessor(cfg, 2);
    xs.slice(0, 200).forEach((x, t) => a.process(t, x));
    const b = new StreamProcessor(cfg, 2, structuredClone(a.snapshot()));
    expect(b.lastSeq).toBe(199);
    for (let t = 200; t < 300; t++) {
      const ra = a.process(t, xs[t]!);
      const rb = b.process(t, xs[t]!);
      expect(rb).toEqual(ra);
    }
    expect(b.model.learner.params).toEqual(a.model.learner.params);
  });

  it('refuses a wrong-dimension sample with a coded error and leaves the stream untouched', () => {
    const p = new StreamProcessor(parseStreamConfig(), 2);
    p.process(0, [1, 2]);
    const before = p.snapshot();
    expect(() => p.process(1, [1])).toThrow(expect.objectContaining({ code: WORKER_ERR.DIMENSION }));
    expect(p.snapshot()).toEqual(before);
  });

  it('infer answers from the current state without changing it, with the configured horizon', () => {
    const p = new StreamProcessor(parseStreamConfig({ horizon: 4 }), 1);
    sineNoise(100).forEach((x, t) => p.process(t, [x]));
    const before = p.snapshot();
    const f = p.infer([0.5]);
    expect(f).toHaveLength(4);
    expect(p.snapshot()).toEqual(before);
    expect(p.infer([0.5])).toEqual(f);
  });

  it('rejects bad stream configuration with the field named', () => {
    expect(() => parseStreamConfig({ horizon: 0 })).toThrow(/horizon/);
    expect(() => parseStreamConfig({ anomalyWeight: 2 })).toThrow(/anomalyWeight/);
    expect(() => parseStreamConfig({ model: { cell: 'nope' as never } })).toThrow(/model.cell/);
  });
});
