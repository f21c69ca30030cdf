import { createRng } from '@carousel/lstm';
import { describe, expect, it } from 'vitest';
import { ANOMALY_ERR } from './errors.ts';
import { OnlineNormalizer } from './normalizer.ts';

function thrownCode(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code ?? `no code: ${String(e)}`;
  }
  return undefined;
}

describe('OnlineNormalizer statistics', () => {
  it('without forgetting equals the two-pass mean and population variance', () => {
    const rng = createRng(1);
    const xs = Array.from({ length: 5000 }, () => [1e6 + 3 * rng.normal(), -2 + 0.01 * rng.normal()]);
    const n = new OnlineNormalizer({ features: 2 });
    for (const x of xs) n.update(x);
    for (let i = 0; i < 2; i++) {
      const mean = xs.reduce((s, x) => s + x[i], 0) / xs.length;
      const variance = xs.reduce((s, x) => s + (x[i] - mean) ** 2, 0) / xs.length;
      expect(Math.abs(n.mean[i] - mean) / Math.abs(mean)).toBeLessThan(1e-12);
      expect(Math.abs(n.variance[i] - variance) / variance).toBeLessThan(1e-9);
    }
  });

  it('with a forgetting window follows a drifting level; without one it averages over it', () => {
    const rng = createRng(2);
    const forgetting = new OnlineNormalizer({ features: 1, window: 100 });
    const cumulative = new OnlineNormalizer({ features: 1 });
    for (let t = 0; t < 2000; t++) {
      const x = [(t < 1000 ? 0 : 10) + rng.normal()];
      forgetting.update(x);
      cumulative.update(x);
    }
    expect(Math.abs(forgetting.mean[0] - 10)).toBeLessThan(0.5);
    expect(Math.abs(forgetting.variance[0] - 1)).toBeLessThan(0.5);
    expect(Math.abs(cumulative.mean[0] - 5)).toBeLessThan(0.5);
  });
});

describe('OnlineNormalizer normalize and denormalize', () => {
  it('normalize uses the statistics before the sample, and denormalize inverts it', () => {
    const n = new OnlineNormalizer({ features: 2, warmup: 0 });
    const rng = createRng(3);
    for (let t = 0; t < 100; t++) n.update([5 + 2 * rng.normal(), rng.normal()]);
    const x = [9, -1];
    const z = n.normalize(x, new Float64Array(2));
    expect(z[0]).toBeCloseTo((9 - n.mean[0]) / Math.sqrt(n.variance[0]), 12);
    const back = n.denormalize(z, new Float64Array(2));
    expect(Math.abs(back[0] - 9)).toBeLessThan(1e-12);
    expect(Math.abs(back[1] + 1)).toBeLessThan(1e-12);
  });

  it('only centres during warm-up', () => {
    const n = new OnlineNormalizer({ features: 1, warmup: 3 });
    n.update([10]);
    n.update([20]);
    expect(n.normalize([25], new Float64Array(1))[0]).toBe(10); // (25 - 15) / 1
    n.update([30]);
    expect(n.normalize([25], new Float64Array(1))[0]).toBeCloseTo(5 / Math.sqrt(200 / 3), 12);
  });

  it('maps a constant feature to 0 and stays finite for huge values; clip bounds the output', () => {
    const n = new OnlineNormalizer({ features: 2, warmup: 0, clip: 8 });
    for (let t = 0; t < 50; t++) n.update([7, t]);
    const out = n.normalize([7, 1e300], new Float64Array(2));
    expect(out[0]).toBe(0);
    expect(out[1]).toBe(8);
    const unclipped = new OnlineNormalizer({ features: 1, warmup: 0 });
    for (let t = 0; t < 50; t++) unclipped.update([7]);
    expect(Number.isFinite(unclipped.normalize([1e150], new Float64Array(1))[0])).toBe(true);
  });

  it('refuses non-finite values and wrong lengths before any state changes', () => {
    const n = new OnlineNormalizer({ features: 2 });
    n.update([1, 2]);
    const before = n.snapshot();
    expect(thrownCode(() => n.update([1, NaN]))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => n.update([1]))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => n.normalize([Infinity, 0], new Float64Array(2)))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => n.normalize([0, 0], new Float64Array(3)))).toBe(ANOMALY_ERR.INPUT);
    expect(n.snapshot()).toEqual(before);
  });

  it('refuses bad options', () => {
    for (const o of [{ features: 0 }, { features: 1, window: 0 }, { features: 1, window: 2.5 }, { features: 1, minVariance: 0 }, { features: 1, clip: -1 }, { features: 1, warmup: -1 }]) {
      expect(thrownCode(() => new OnlineNormalizer(o))).toBe(ANOMALY_ERR.INPUT);
    }
    expect(Object.isFrozen(new OnlineNormalizer({ features: 1 }).options)).toBe(true);
  });
});

describe('OnlineNormalizer checkpoints', () => {
  it('restore continues bit-identically', () => {
    const rng = createRng(4);
    const a = new OnlineNormalizer({ features: 3, window: 50 });
    for (let t = 0; t < 333; t++) a.update([rng.normal(), 100 * rng.normal(), t]);
    const b = new OnlineNormalizer({ features: 3, window: 50 });
    b.update([1, 2, 3]);
    b.restore(a.snapshot());
    const za = new Float64Array(3);
    const zb = new Float64Array(3);
    for (let t = 0; t < 500; t++) {
      const x = [rng.normal(), 100 * rng.normal(), t];
      a.normalize(x, za);
      b.normalize(x, zb);
      expect(Buffer.from(zb.buffer).equals(Buffer.from(za.buffer))).toBe(true);
      a.update(x);
      b.update(x);
    }
    expect(b.snapshot()).toEqual(a.snapshot());
  });

  it('restore refuses a record of another shape and leaves the state unchanged', () => {
    const n = new OnlineNormalizer({ features: 2 });
    n.update([1, 2]);
    const before = n.snapshot();
    expect(thrownCode(() => n.restore(new OnlineNormalizer({ features: 3 }).snapshot()))).toBe(ANOMALY_ERR.INPUT);
    expect(thrownCode(() => n.restore({ ...before, variance: Float64Array.of(1, -1) }))).toBe(ANOMALY_ERR.INPUT);
    expect(n.snapshot()).toEqual(before);
  });
});
