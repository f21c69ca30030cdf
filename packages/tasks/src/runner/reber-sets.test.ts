// Regression: Experiment 1's sets must be built as the paper says (random training strings, test
// strings outside the training set), not as 256 distinct strings each. The distinct sets were
// skewed towards long strings (mean 16.5 / 19.5 symbols against the grammar's 12), a harder task.

import { createRng } from '@carousel/lstm';
import { describe, expect, it } from 'vitest';
import { isEmbeddedReber, reberSets } from '../reber.ts';
import { trialStreams } from '../streams.ts';
import { paperReberSets } from './reber-sets.ts';
import { runTrial } from './trial.ts';

const meanLength = (xs: { meta: { symbols: string } }[]): number => xs.reduce((a, s) => a + s.meta.symbols.length, 0) / xs.length;

describe('paperReberSets (Experiment 1 sets as in the paper)', () => {
  it('draws training strings at random, repeats allowed, so their lengths follow the grammar', () => {
    for (const seed of [1, 2, 3]) {
      const sets = paperReberSets(createRng(seed), { trainSize: 256, testSize: 256 });
      expect(sets.train).toHaveLength(256);
      expect(sets.test).toHaveLength(256);
      for (const s of [...sets.train, ...sets.test]) expect(isEmbeddedReber(s.meta.symbols)).toBe(true);
      // 256 random draws hold only ~110-130 different strings; short ones repeat.
      expect(new Set(sets.train.map((s) => s.meta.symbols)).size).toBeLessThan(180);
      // The grammar's mean is 12.0 symbols; 256 draws stay within ~1 of it.
      expect(meanLength(sets.train)).toBeGreaterThan(11);
      expect(meanLength(sets.train)).toBeLessThan(13.5);
    }
  });

  it('never tests on a training string', () => {
    const sets = paperReberSets(createRng(7), { trainSize: 256, testSize: 256 });
    const train = new Set(sets.train.map((s) => s.meta.symbols));
    for (const s of sets.test) expect(train.has(s.meta.symbols)).toBe(false);
  });

  it('differs from the distinct-string sets, which are skewed long (the old behaviour)', () => {
    const distinct = reberSets(createRng(1), { trainSize: 256, testSize: 256 });
    expect(meanLength(distinct.train)).toBeGreaterThan(15);
    expect(meanLength(paperReberSets(createRng(1), { trainSize: 256, testSize: 256 }).train)).toBeLessThan(13.5);
  });

  it('is what the Experiment 1 trial trains and tests on', () => {
    const r = runTrial('1', { seed: 1, trial: 0, maxSequences: 100 });
    expect(r.tested).toBe(512);
    // Same streams, same draws: the trial's step count equals 100 presentations from these sets.
    const sets = paperReberSets(trialStreams(1, 0).train, { trainSize: 256, testSize: 256 });
    const rng = trialStreams(1, 0).train;
    paperReberSets(rng, { trainSize: 256, testSize: 256 }); // advance past the set draws
    let steps = 0;
    for (let i = 0; i < 100; i++) steps += sets.train[rng.int(0, 255)].inputs.length;
    expect(r.steps).toBe(steps);
  });
});
