import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import { adding } from './adding.ts';
import { multiplication } from './multiplication.ts';
import type { TaskSequence } from './sequence.ts';
import type { AddingMeta } from './adding.ts';
import type { MultiplicationMeta } from './multiplication.ts';
import { TASK_ERR } from './errors.ts';

type MarkerSeq = TaskSequence<AddingMeta> | TaskSequence<MultiplicationMeta>;

/**
 * The marker invariants of LSTM-SPEC 5.3 for one sequence, read from the inputs alone. Returns the
 * violated ones (empty when all hold); plain checks, so thousands of sequences stay fast.
 */
function markerViolations(s: MarkerSeq, T: number): string[] {
  const bad: string[] = [];
  const L = s.inputs.length;
  if (L < T || L > 1.1 * T) bad.push(`L = ${L} outside [T, 1.1T]`);
  const marked: number[] = [];
  for (let k = 0; k < L; k++) {
    const m = s.inputs[k][1];
    if (m === 1) marked.push(k);
    else if ((k === 0 || k === L - 1) && m !== -1) bad.push(`end marker ${m} at ${k}`);
    else if (k !== 0 && k !== L - 1 && m !== 0) bad.push(`marker ${m} at ${k}`);
  }
  const { p1, p2 } = s.meta;
  if (marked.length !== 2 || marked[0] !== Math.min(p1, p2) || marked[1] !== Math.max(p1, p2)) {
    bad.push(`marked ${marked} vs p1 = ${p1}, p2 = ${p2}`);
  }
  if (!(p1 >= 0 && p1 < 10)) bad.push(`p1 = ${p1}`);
  // p2 must be among the first T/2 - 1 positions other than p1.
  if (p2 === p1 || p2 - (p1 < p2 ? 1 : 0) >= T / 2 - 1) bad.push(`p2 = ${p2} (p1 = ${p1})`);
  if (s.inputs[L - 1][1] !== -1) bad.push('last marker is not -1');
  for (let k = 0; k < L - 1; k++) if (s.targets[k] !== null) bad.push(`target at ${k}`);
  const y = s.targets[L - 1]?.[0] ?? NaN;
  if (!(y >= 0 && y <= 1)) bad.push(`target ${y} outside [0, 1]`);
  if (s.meta.x1 !== s.inputs[p1][0] || s.meta.x2 !== s.inputs[p2][0]) bad.push('meta x1/x2 differ from inputs');
  return bad;
}

describe('Experiment 4, the adding problem', () => {
  for (const [T, n] of [
    [100, 3000],
    [500, 400],
    [1000, 200],
  ] as const) {
    it(`keeps every invariant at T = ${T}: two 1-markers, -1 at both ends unless marked, p1 < 10, p2 in the first T/2-1 unmarked, T <= L <= 1.1T, target 0.5 + (X1 + X2)/4 in [0, 1]`, () => {
      const gen = adding({ T });
      const rng = createRng(T);
      const bad: string[] = [];
      const p1s = new Set<number>();
      let maxUnmarkedBefore = 0;
      let zeroMarked = 0;
      for (let i = 0; i < n; i++) {
        const s = gen.next(rng);
        const { p1, p2 } = s.meta;
        const L = s.inputs.length;
        bad.push(...markerViolations(s, T));
        p1s.add(p1);
        maxUnmarkedBefore = Math.max(maxUnmarkedBefore, p2 - (p1 < p2 ? 1 : 0));
        if (s.targets[L - 1]![0] !== 0.5 + (s.inputs[p1][0] + s.inputs[p2][0]) / 4) bad.push('target formula');
        if (p1 === 0 || p2 === 0) {
          zeroMarked++;
          if (s.inputs[0][0] !== 0) bad.push('marked position 0 has a nonzero value');
        }
        for (const v of s.inputs) if (!(v[0] >= -1 && v[0] < 1)) bad.push(`value ${v[0]}`);
      }
      expect(bad.slice(0, 5)).toEqual([]);
      expect(p1s.size).toBe(10);
      if (T === 100) {
        expect(maxUnmarkedBefore).toBe(T / 2 - 2); // the last candidate is reached
        expect(zeroMarked).toBeGreaterThan(0);
      }
    });
  }

  it('spreads values over [-1, 1)', () => {
    const s = adding({ T: 1000 }).next(createRng(1));
    const v = s.inputs.slice(1).map((x) => x[0]);
    expect(Math.min(...v)).toBeLessThan(-0.95);
    expect(Math.max(...v)).toBeGreaterThan(0.95);
  });

  it('rejects odd and too small T', () => {
    expect(() => adding({ T: 101 })).toThrow(TASK_ERR.PARAM);
    expect(() => adding({ T: 10 })).toThrow(TASK_ERR.PARAM);
  });
});

describe('Experiment 5, the multiplication problem', () => {
  it('keeps the adding invariants, draws values in [0, 1), sets a marked position 0 to 1.0, and targets X1 × X2', () => {
    const T = 100;
    const gen = multiplication({ T });
    const rng = createRng(5);
    const bad: string[] = [];
    let zeroMarked = 0;
    for (let i = 0; i < 3000; i++) {
      const s = gen.next(rng);
      const { p1, p2 } = s.meta;
      const L = s.inputs.length;
      bad.push(...markerViolations(s, T));
      if (s.targets[L - 1]![0] !== s.inputs[p1][0] * s.inputs[p2][0]) bad.push('target formula');
      if (p1 === 0 || p2 === 0) {
        zeroMarked++;
        if (s.inputs[0][0] !== 1) bad.push('marked position 0 is not 1.0');
      }
      for (let k = 1; k < L; k++) if (!(s.inputs[k][0] >= 0 && s.inputs[k][0] < 1)) bad.push(`value at ${k}`);
    }
    expect(bad.slice(0, 5)).toEqual([]);
    expect(zeroMarked).toBeGreaterThan(0);
  });
});

describe('the invariant checker', () => {
  it('flags a sequence whose end marker was removed and whose p2 lies too far out', () => {
    const s = adding({ T: 100 }).next(createRng(11));
    const L = s.inputs.length;
    s.inputs[L - 1][1] = 0;
    expect(markerViolations(s, 100)).toContain('last marker is not -1');
    const far = { ...s, meta: { ...s.meta, p2: 60 } };
    expect(markerViolations(far, 100).some((m) => m.startsWith('p2'))).toBe(true);
  });
});
