import { describe, expect, it } from 'vitest';
import type { CostMatrix } from './profiles.ts';
import { scaledSigmoid } from './sigmoid.ts';
import { MAX_TP, bestThreshold, collectPoints, sweepThresholds } from './sweeper.ts';
import { matchWindows } from './windows.ts';
import type { WindowLimits } from './windows.ts';

const STANDARD: CostMatrix = { tpWeight: 1, fpWeight: 0.11, fnWeight: 1, tnWeight: 1 };
const range = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);

function file(scores: number[], windows: WindowLimits[], percent = 0) {
  const s = Float64Array.from(scores);
  return { scores: s, rows: matchWindows(range(s.length), windows, percent) };
}

describe('sweepThresholds', () => {
  // rows 4..6 form the window (width 3); row 1 is an FP before it, row 5 a TP, row 8 an FP after it.
  const one = file([0, 0.9, 0, 0, 0, 0.8, 0, 0, 0.7, 0], [[4, 6]]);

  it('records the corpus score at every distinct threshold, highest first', () => {
    const t = sweepThresholds(collectPoints([one]), STANDARD);
    expect(Array.from(t.threshold)).toEqual([1.1, 0.9, 0.8, 0.7, 0]);
    const tp5 = scaledSigmoid(-2 / 3) / MAX_TP; // -(6 - 5 + 1) / 3
    const fp8 = 0.11 * scaledSigmoid(1); // |6 - 8| / (3 - 1)
    const expected = [-1, -1 - 0.11, -0.11 + tp5, -0.11 + tp5 + fp8];
    expected.forEach((v, i) => expect(t.score[i]).toBeCloseTo(v, 12));
    // at 0 every row detects: the window scores its first row (exactly tpWeight), all other rows are FPs
    const atZero = 1 - 4 * 0.11 + 0.11 * (scaledSigmoid(0.5) + scaledSigmoid(1) + scaledSigmoid(1.5));
    expect(t.score[4]).toBeCloseTo(atZero, 12);
    expect([t.tp[0], t.tn[0], t.fp[0], t.fn[0]]).toEqual([0, 7, 0, 3]);
    expect([t.tp[2], t.tn[2], t.fp[2], t.fn[2]]).toEqual([1, 6, 1, 2]);
    expect([t.tp[4], t.tn[4], t.fp[4], t.fn[4]]).toEqual([3, 0, 7, 0]);
  });

  it('picks the threshold with the best total: the FP after the window costs more than it gains', () => {
    const best = bestThreshold(sweepThresholds(collectPoints([one]), STANDARD));
    expect(best.threshold).toBe(0.8);
    expect([best.tp, best.fp]).toEqual([1, 1]);
  });

  it('a heavier FP weight moves the optimum to a higher threshold', () => {
    const heavy = { ...STANDARD, fpWeight: 5 };
    expect(bestThreshold(sweepThresholds(collectPoints([one]), heavy)).threshold).toBe(1.1);
  });

  it('breaks ties towards the higher threshold, as NAB does', () => {
    // row 6 (0.5) is a later detection in a window already detected at row 5: same score, more TPs
    const f = file([0, 0, 0, 0, 0, 0.8, 0.5, 0, 0, 0], [[4, 6]]);
    const t = sweepThresholds(collectPoints([f]), STANDARD);
    expect(t.score[1]).toBe(t.score[2]);
    expect(bestThreshold(t).threshold).toBe(0.8);
  });

  it('pools files: windows stay distinct and probationary rows are left out', () => {
    const a = file([0.9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], [[4, 6]], 0.15);
    const b = file([0, 0, 0.6, 0, 0, 0], [[2, 3]]);
    const points = collectPoints([a, b]);
    expect(points.score.length).toBe(17 + 6);
    expect(points.windowCount).toBe(2);
    const t = sweepThresholds(points, STANDARD);
    expect(Array.from(t.threshold)).toEqual([1.1, 0.6, 0]); // row 0 of `a` (0.9) is probationary
    expect(t.score[0]).toBe(-2);
    expect(t.score[1]).toBeCloseTo(-1 + 1, 12); // b's window detected at its first row
  });
});
