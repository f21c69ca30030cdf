import { describe, expect, test } from 'vitest';
import { backoffDelay } from './backoff.ts';
import { SeqTracker } from './seq-tracker.ts';

describe('backoff - delays', () => {
  const o = { initialMs: 100, maxMs: 1_000, jitter: 0.5 };

  test('doubles per attempt up to the cap', () => {
    const fixed = (n: number): number => backoffDelay(n, { ...o, jitter: 0 });
    expect([0, 1, 2, 3, 4, 10].map(fixed)).toEqual([100, 200, 400, 800, 1_000, 1_000]);
  });

  test('jitter spreads each delay between half and all of the base', () => {
    expect(backoffDelay(2, o, () => 0)).toBe(200);
    expect(backoffDelay(2, o, () => 0.999999)).toBeCloseTo(400, 3);
  });
});

describe('seq tracker - de-duplication', () => {
  test('drops seqs at or below the last seen per stream, counting them', () => {
    const t = new SeqTracker();
    expect([1, 2, 2, 1, 3].map((s) => t.accept('prediction', 'a', s))).toEqual([true, true, false, false, true]);
    expect(t.accept('prediction', 'b', 1)).toBe(true);
    expect(t.duplicates).toBe(2);
    expect(t.positions()).toEqual({ a: 3, b: 1 });
  });

  test('predictions and alerts are tracked apart', () => {
    const t = new SeqTracker();
    expect(t.accept('prediction', 'a', 5)).toBe(true);
    expect(t.accept('alert', 'a', 5)).toBe(true);
    expect(t.last('a')).toBe(5);
  });
});
