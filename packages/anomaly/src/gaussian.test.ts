import { describe, expect, it } from 'vitest';
import { gaussianTail } from './gaussian.ts';

// Reference values of Q(z) = 0.5 erfc(z / sqrt 2) from Python's math.erfc (an independent implementation).
const GOLDEN: [number, number][] = [
  [-2, 0.9772498680518208],
  [-1, 0.8413447460685429],
  [0, 0.5],
  [1, 0.15865525393145707],
  [3, 0.0013498980316300957],
  [4.264890793922825, 1.0000000000000003e-5],
  [5, 2.866515718791946e-7],
  [8, 6.220960574271819e-16],
  [20, 2.7536241186063314e-89],
];

describe('gaussianTail', () => {
  it('matches reference tail probabilities to a relative 1.2e-7, far into the tail', () => {
    let worst = 0;
    for (const [z, q] of GOLDEN) worst = Math.max(worst, Math.abs(gaussianTail(z) - q) / q);
    console.log(`gaussianTail max relative error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThan(1.2e-7);
  });

  it('stays in [0, 1] and is monotone for extreme arguments', () => {
    expect(gaussianTail(-1e300)).toBe(1);
    expect(gaussianTail(1e300)).toBe(0);
    expect(gaussianTail(40)).toBeGreaterThanOrEqual(0);
    expect(gaussianTail(37)).toBeLessThan(gaussianTail(36));
  });
});
