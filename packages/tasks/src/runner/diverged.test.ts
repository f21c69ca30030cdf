// A trial whose net diverges (a loss that is not finite, which the learner refuses with
// LSTM_ERR_NON_FINITE) ends as a failed trial, says where, and is still tested; the other trials
// of the run go on. Before, the error ended the whole run.

import { describe, expect, it } from 'vitest';
import { runExperiment } from './experiment.ts';
import { formatReport } from './report.ts';
import { runTrial } from './trial.ts';

// Linear outputs and a huge learning rate: the weights and the loss overflow within a few sequences.
const blowUp = { T: 12, maxSequences: 2000, testSize: 20, seed: 2, head: 'linear', alpha: 1e12 } as const;

describe('a diverged trial', () => {
  it('stops training at the diverging sequence, fails, and is still tested', () => {
    const r = runTrial('4', blowUp);
    expect(r.success).toBe(false);
    expect(r.diverged).not.toBeNull();
    expect(r.diverged).toBeGreaterThan(0);
    expect(r.diverged).toBeLessThan(blowUp.maxSequences);
    expect(r.sequences).toBe(r.diverged);
    expect(r.tested).toBe(blowUp.testSize);
    // Same seed, same divergence point: deterministic like every other trial.
    expect(runTrial('4', blowUp).diverged).toBe(r.diverged);
  });

  it('is null for a trial whose losses stay finite', () => {
    expect(runTrial('4', { ...blowUp, alpha: 0.5 }).diverged).toBeNull();
  });

  it('the continual task stops the same way', () => {
    const r = runTrial('cerg', { seed: 1, head: 'linear', alpha: 1e12, maxSequences: 500, symbols: 200 });
    expect(r.success).toBe(false);
    expect(r.diverged).not.toBeNull();
    expect(r.sequences).toBe(r.diverged! - 1);
  });

  it('a run with diverged trials completes and reports them', async () => {
    const report = await runExperiment('4', { ...blowUp, trials: 2, inProcess: true });
    expect(report.trials).toHaveLength(2);
    expect(report.summary.diverged).toBe(2);
    expect(formatReport(report)).toMatch(/diverged \(a loss not finite\)\s+2 of 2/);
  });
});
