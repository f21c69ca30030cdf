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
});
