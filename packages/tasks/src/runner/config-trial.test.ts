// runConfigTrial: one trial of a config the caller built, by runTrial's protocol. On a row as the
// catalog resolves it, it is runTrial (same bits); on a changed net it is that net's trial.

import { describe, expect, it } from 'vitest';
import { resolveExperiment } from './catalog.ts';
import { runConfigTrial, runTrial } from './trial.ts';
import type { TrialResult } from './trial.ts';

const untimed = (r: TrialResult) => ({ ...r, seconds: 0, stepsPerSecond: 0 });
const o = { T: 12, maxSequences: 400, testSize: 40, seed: 4, trial: 1 } as const;

describe('runConfigTrial', () => {
  it("is runTrial on the catalog's row", () => {
    const { config } = resolveExperiment('4', 12);
    expect(untimed(runConfigTrial(config, o))).toEqual(untimed(runTrial('4', o)));
  });

  it('trains the net it is given', () => {
    const { config } = resolveExperiment('4', 12);
    const biased = runConfigTrial({ ...config, net: { ...config.net, gateBias: { ...config.net.gateBias, input: [-1, -1] } } }, o);
    expect(biased.trainError).not.toBe(runTrial('4', o).trainError);
  });

  it("measures the stopping rule's error as ½Σ(d−y)² when the net learns cross-entropy", () => {
    // Exp. 4's targets lie in [0, 1]: cross-entropy never falls below the target's own entropy
    // (≈ 0.69 at 0.5), so ST3's β = 0.01 could never hold if E_seq were the learner's loss.
    const { config } = resolveExperiment('4', 12);
    const ce = runConfigTrial({ ...config, net: { ...config.net, loss: 'ce' } }, o);
    const mse = runTrial('4', o);
    expect(ce.trainError).toBeGreaterThan(0);
    expect(ce.trainError).toBeLessThan(0.1); // ½(d − y)² of outputs in [0, 1] near the targets' mean
    expect(mse.trainError).toBeLessThan(0.1);
    expect(ce.trainError).not.toBe(mse.trainError); // another net: trained by another error
  });
});
