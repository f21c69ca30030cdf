import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import { noiseSignal } from './noise-signal.ts';
import { TASK_ERR } from './errors.ts';

function moments(xs: number[]): { mean: number; variance: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return { mean, variance: xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length };
}

describe('Experiment 3 (2-sequence problem)', () => {
  it('3a: length in [T, T + T/10], the first N steps are exactly +1 or -1 by class, target 1 or 0 at the end only', () => {
    const T = 100;
    const N = 3;
    const gen = noiseSignal({ variant: '3a', T, N });
    const rng = createRng(1);
    const lengths = new Set<number>();
    const noise: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const s = gen.next(rng);
      const L = s.inputs.length;
      lengths.add(L);
      const sign = s.meta.cls === 1 ? 1 : -1;
      for (let t = 0; t < N; t++) expect(s.inputs[t][0]).toBe(sign);
      for (let t = N; t < L; t++) noise.push(s.inputs[t][0]);
      expect(s.targets.slice(0, L - 1).every((y) => y === null)).toBe(true);
      expect(s.targets[L - 1]![0]).toBe(s.meta.cls === 1 ? 1 : 0);
      expect(s.meta.cleanTarget).toBe(s.targets[L - 1]![0]);
    }
    expect(Math.min(...lengths)).toBe(T);
    expect(Math.max(...lengths)).toBe(T + T / 10);
    const m = moments(noise); // ~100,000 samples: sd of the variance estimate ~ 0.0009
    expect(Math.abs(m.mean)).toBeLessThan(0.01);
    expect(Math.abs(m.variance - 0.2)).toBeLessThan(0.005);
  });

  it('3b: the class signal carries Gaussian noise of variance 0.2 around +1 / -1', () => {
    const gen = noiseSignal({ variant: '3b', T: 100, N: 3 });
    const rng = createRng(2);
    const dev: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const s = gen.next(rng);
      const sign = s.meta.cls === 1 ? 1 : -1;
      for (let t = 0; t < 3; t++) dev.push(s.inputs[t][0] - sign);
    }
    const m = moments(dev); // 12,000 samples: sd of the variance estimate ~ 0.0026
    expect(Math.abs(m.mean)).toBeLessThan(0.02);
    expect(Math.abs(m.variance - 0.2)).toBeLessThan(0.012);
  });

  it('3c: targets are 0.2 / 0.8 plus Gaussian noise of variance 0.1; the inputs are as in 3a', () => {
    const gen = noiseSignal({ variant: '3c', T: 100, N: 1 });
    const rng = createRng(3);
    const dev: number[] = [];
    for (let i = 0; i < 4000; i++) {
      const s = gen.next(rng);
      expect(s.meta.cleanTarget).toBe(s.meta.cls === 1 ? 0.2 : 0.8);
      expect(s.inputs[0][0]).toBe(s.meta.cls === 1 ? 1 : -1);
      dev.push(s.targets[s.inputs.length - 1]![0] - s.meta.cleanTarget);
    }
    const m = moments(dev); // sd of the variance estimate ~ 0.0022
    expect(Math.abs(m.mean)).toBeLessThan(0.02);
    expect(Math.abs(m.variance - 0.1)).toBeLessThan(0.01);
  });

  it('draws both classes about equally often', () => {
    const gen = noiseSignal({ variant: '3a', T: 100, N: 1 });
    const rng = createRng(4);
    let c1 = 0;
    for (let i = 0; i < 2000; i++) if (gen.next(rng).meta.cls === 1) c1++;
    expect(Math.abs(c1 - 1000)).toBeLessThan(100);
  });

  it('rejects N larger than T and an unknown variant', () => {
    expect(() => noiseSignal({ variant: '3a', T: 10, N: 11 })).toThrow(TASK_ERR.PARAM);
    expect(() => noiseSignal({ variant: '3d' as '3a', T: 10, N: 1 })).toThrow(TASK_ERR.PARAM);
  });
});
