import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import { P_TRIGGER_2C, longLag2a, longLag2b, longLag2c } from './longlag.ts';
import { argmax } from './sequence.ts';
import { TASK_ERR } from './errors.ts';

describe('Experiment 2a', () => {
  it('generates (x, a_1..a_{p-1}, x) or (y, a_1..a_{p-1}, y) with one-hot next-symbol targets at every step', () => {
    const p = 100;
    const gen = longLag2a({ p });
    expect([gen.inputs, gen.outputs]).toEqual([p + 1, p + 1]);
    const rng = createRng(1);
    let x = 0;
    for (let i = 0; i < 400; i++) {
      const s = gen.next(rng);
      const sym = Array.from(s.meta.symbols);
      const c = s.meta.cls === 'x' ? p - 1 : p;
      if (s.meta.cls === 'x') x++;
      expect(sym).toEqual([c, ...Array.from({ length: p - 1 }, (_, i) => i), c]);
      expect(s.inputs).toHaveLength(p);
      expect(s.inputs.map(argmax)).toEqual(sym.slice(0, p));
      expect(s.targets.map((y) => argmax(y!))).toEqual(sym.slice(1));
      expect(s.targets.every((y) => y!.reduce((a, b) => a + b, 0) === 1)).toBe(true);
    }
    expect(Math.abs(x - 200)).toBeLessThan(50); // sd 10
  });
});

describe('Experiment 2b', () => {
  it('has a random middle over a_1..a_{p-1} and ends with the first symbol', () => {
    const p = 100;
    const gen = longLag2b({ p });
    const rng = createRng(2);
    const seen = new Set<number>();
    for (let i = 0; i < 200; i++) {
      const s = gen.next(rng);
      const sym = s.meta.symbols;
      expect(sym[0]).toBe(s.meta.cls === 'x' ? p - 1 : p);
      expect(sym[p]).toBe(sym[0]);
      const middle = Array.from(sym.subarray(1, p));
      expect(Math.max(...middle)).toBeLessThanOrEqual(p - 2);
      for (const k of middle) seen.add(k);
      expect(s.targets.every((y) => y !== null)).toBe(true);
    }
    expect(seen.size).toBe(p - 1);
  });
});

describe('Experiment 2c', () => {
  it('has mean length q + 13 over 2000 samples at q = p = 50 (not the paper\'s q + 14)', () => {
    const q = 50;
    const gen = longLag2c({ p: 50, q });
    const rng = createRng(3);
    const n = 2000;
    let sum = 0;
    let min = Infinity;
    for (let i = 0; i < n; i++) {
      const len = gen.next(rng).meta.symbols.length;
      sum += len;
      min = Math.min(min, len);
    }
    // Extra distractors k ~ Geometric(0.1) on {0, 1, ...}: mean 9, variance 0.9 / 0.01 = 90.
    const sdOfMean = Math.sqrt((1 - P_TRIGGER_2C) / P_TRIGGER_2C ** 2 / n); // 0.21
    expect(Math.abs(sum / n - (q + 13))).toBeLessThan(3 * sdOfMean);
    expect(min).toBe(q + 4);
  });

  it('feeds b, x|y, distractors and e, with the x|y target only at the e step', () => {
    const p = 50;
    const q = 20;
    const gen = longLag2c({ p, q });
    expect([gen.inputs, gen.outputs]).toEqual([p + 4, 2]);
    const rng = createRng(4);
    for (let i = 0; i < 300; i++) {
      const s = gen.next(rng);
      const sym = s.meta.symbols;
      const L = s.inputs.length;
      expect(sym.length).toBe(L + 1);
      expect(sym[0]).toBe(p + 1);
      expect(sym[1]).toBe(s.meta.cls === 'x' ? p + 2 : p + 3);
      expect(Math.max(...sym.subarray(2, L - 1))).toBeLessThan(p);
      expect(sym[L - 1]).toBe(p);
      expect(sym[L]).toBe(sym[1]);
      expect(s.inputs.map(argmax)).toEqual(Array.from(sym.subarray(0, L)));
      expect(s.targets.slice(0, L - 1).every((y) => y === null)).toBe(true);
      expect(Array.from(s.targets[L - 1]!)).toEqual(s.meta.cls === 'x' ? [1, 0] : [0, 1]);
    }
  });

  it('handles q = p = 1000 and shares one input vector per symbol', () => {
    const gen = longLag2c({ p: 1000, q: 1000 });
    const s = gen.next(createRng(5));
    expect(s.inputs[0].length).toBe(1004);
    expect(s.inputs.length).toBeGreaterThanOrEqual(1003);
    const first = new Map<number, Float64Array>();
    s.meta.symbols.slice(0, s.inputs.length).forEach((k, t) => {
      const v = first.get(k);
      if (v === undefined) first.set(k, s.inputs[t]);
      else expect(s.inputs[t]).toBe(v);
    });
  });

  it('rejects a non-integer p and a negative q', () => {
    expect(() => longLag2c({ p: 10.5, q: 5 })).toThrow(TASK_ERR.PARAM);
    expect(() => longLag2c({ p: 10, q: -1 })).toThrow(TASK_ERR.PARAM);
  });
});
