import { describe, expect, it } from 'vitest';
import { ANOMALY_ERR } from './errors.ts';
import type { Profiles } from './profiles.ts';
import { scoreCorpus, scoreFile } from './scorer.ts';
import type { DetectorResults } from './scorer.ts';
import { scaledSigmoid } from './sigmoid.ts';
import { MAX_TP } from './sweeper.ts';
import { matchWindows } from './windows.ts';
import type { WindowLimits } from './windows.ts';

const PROFILES: Profiles = {
  standard: { tpWeight: 1, fpWeight: 0.11, fnWeight: 1, tnWeight: 1 },
  reward_low_FP_rate: { tpWeight: 1, fpWeight: 0.22, fnWeight: 1, tnWeight: 1 },
  reward_low_FN_rate: { tpWeight: 1, fpWeight: 0.11, fnWeight: 2, tnWeight: 1 },
};
const range = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);

// Two files of 100 rows (15 probationary): 'a/one.csv' with windows at rows 20..29 and 60..69,
// 'b/none.csv' with no window.
const WINDOWS = new Map<string, WindowLimits[]>([
  ['a/one.csv', [[20, 29], [60, 69]]],
  ['b/none.csv', []],
]);
function results(scoreAt: (file: string, i: number) => number): Map<string, DetectorResults> {
  return new Map(
    [...WINDOWS.keys()].map((f) => [f, { timestamps: range(100), scores: Float64Array.from({ length: 100 }, (_, i) => scoreAt(f, i)) }]),
  );
}

describe('scoreFile', () => {
  const f = { scores: new Float64Array(100), rows: matchWindows(range(100), WINDOWS.get('a/one.csv')!, 0.15) };

  it('scores a detection inside a window by its position, the other window as a miss', () => {
    f.scores.fill(0);
    f.scores[25] = 1; // -(29 - 25 + 1) / 10
    const s = scoreFile('a/one.csv', f, PROFILES.standard, 0.5);
    expect(s.rawScore).toBeCloseTo(scaledSigmoid(-0.5) / MAX_TP - 1, 12);
    expect([s.tp, s.fp, s.fn, s.tn, s.total]).toEqual([1, 0, 19, 65, 85]);
  });

  it('scores a detection after a window by its distance from that window', () => {
    f.scores.fill(0);
    f.scores[35] = 1; // |29 - 35| / (10 - 1)
    const s = scoreFile('a/one.csv', f, PROFILES.standard, 0.5);
    expect(s.rawScore).toBeCloseTo(0.11 * scaledSigmoid(6 / 9) - 2, 12);
    expect([s.tp, s.fp, s.fn]).toEqual([0, 1, 20]);
  });

  it('ignores detections in the probationary period', () => {
    f.scores.fill(0);
    f.scores[3] = 1;
    expect(scoreFile('a/one.csv', f, PROFILES.standard, 0.5)).toMatchObject({ rawScore: -2, fp: 0, total: 85 });
  });
});

describe('scoreCorpus', () => {
  it('gives the perfect detector (one detection at each window start) 100 under every profile', () => {
    const s = scoreCorpus(results((f, i) => (f === 'a/one.csv' && (i === 20 || i === 60) ? 1 : 0)), WINDOWS, PROFILES);
    for (const p of Object.values(s.profiles)) {
      expect(p.normalizedScore).toBeCloseTo(100, 10);
      expect(p.rawScore).toBeCloseTo(p.perfectScore, 12);
      expect(p.threshold).toBe(1);
    }
  });

  it('gives the null detector (a constant score) 0 under every profile', () => {
    const s = scoreCorpus(results(() => 0.5), WINDOWS, PROFILES);
    expect(s.profiles.standard).toMatchObject({ rawScore: -2, nullScore: -2, perfectScore: 2, normalizedScore: 0, threshold: 1.1 });
    expect(s.profiles.reward_low_FN_rate).toMatchObject({ rawScore: -4, nullScore: -4, normalizedScore: 0 });
  });

  it('normalises a late detection and a false positive between the two, per file and in total', () => {
    const s = scoreCorpus(results((f, i) => (f === 'a/one.csv' && i === 29 ? 1 : f === 'b/none.csv' && i === 50 ? 1 : 0)), WINDOWS, PROFILES);
    const p = s.profiles.standard;
    const late = scaledSigmoid(-0.1) / MAX_TP; // right edge of a 10-row window
    expect(p.rawScore).toBeCloseTo(late - 1 - 0.11, 12);
    expect(p.normalizedScore).toBeCloseTo((100 * (p.rawScore + 2)) / 4, 10);
    expect(p.files.map((f) => f.file)).toEqual(['a/one.csv', 'b/none.csv']);
    expect(p.files[1]).toMatchObject({ rawScore: -0.11, fp: 1, tn: 84 });
    expect([p.tp, p.fp, p.fn, p.tn]).toEqual([1, 1, 19, 149]);
    // the low-FP profile would rather miss than pay 0.22 for the FP and get `late` for the window
    expect(s.profiles.reward_low_FP_rate.threshold).toBe(1);
  });

  it('refuses a results file without labels and a length mismatch', () => {
    const extra = results(() => 0);
    extra.set('c/unknown.csv', { timestamps: range(10), scores: new Float64Array(10) });
    expect(() => scoreCorpus(extra, WINDOWS, PROFILES)).toThrow(ANOMALY_ERR.INPUT);
    const short = new Map([['b/none.csv', { timestamps: range(10), scores: new Float64Array(9) }]]);
    expect(() => scoreCorpus(short, WINDOWS, PROFILES)).toThrow(ANOMALY_ERR.INPUT);
  });
});
