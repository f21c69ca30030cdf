import { describe, expect, it } from 'vitest';
import { createAnomalyScorer } from './anomaly-scorer.ts';

describe('the anomaly scorer on a stream forecast perfectly', () => {
  for (const tail of ['gamma', 'gaussian'] as const) {
    it(`(${tail} tail) never calls an exact forecast anomalous, and still flags a later jump`, () => {
      const s = createAnomalyScorer({ tail });
      let maxLikelihood = 0;
      let flags = 0;
      for (let t = 0; t < 5000; t++) {
        const r = s.update([0]);
        maxLikelihood = Math.max(maxLikelihood, r.likelihood);
        if (r.flagged) flags++;
      }
      expect(flags).toBe(0);
      expect(maxLikelihood).toBeLessThanOrEqual(0.5);
      let flagged = false;
      for (let t = 0; t < 5; t++) if (s.update([10]).flagged) flagged = true;
      expect(flagged).toBe(true);
    });
  }
});
