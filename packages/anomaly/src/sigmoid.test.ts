import { describe, expect, it } from 'vitest';
import { probationaryLength, scaledSigmoid, sigmoid } from './sigmoid.ts';

describe('scaledSigmoid', () => {
  it('matches the values NAB documents at the window edges and middle', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.98661, 5);
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.84828, 5);
    expect(scaledSigmoid(0)).toBe(0);
    expect(scaledSigmoid(1)).toBeCloseTo(-0.98661, 5);
  });

  it('is 2*sigmoid(-5x)-1 up to and including 3, and exactly -1 beyond', () => {
    expect(scaledSigmoid(3)).toBe(2 * sigmoid(-15) - 1);
    expect(scaledSigmoid(3)).not.toBe(-1);
    expect(scaledSigmoid(3.0001)).toBe(-1);
    expect(scaledSigmoid(-0.2)).toBe(2 * (1 / (1 + Math.exp(-1))) - 1);
  });
});

describe('probationaryLength', () => {
  it('is floor(15% of the rows) for short files', () => {
    expect(probationaryLength(10)).toBe(1);
    expect(probationaryLength(1000)).toBe(150);
    expect(probationaryLength(4032)).toBe(604);
  });

  it('is capped at 0.15 * 5000 = 750 rows, as NAB does, not at 5000', () => {
    expect(probationaryLength(5000)).toBe(750);
    expect(probationaryLength(22695)).toBe(750);
    expect(probationaryLength(1000, 0.1)).toBe(100);
    expect(probationaryLength(100000, 0.1)).toBe(500);
  });
});
