// The forget-bias option of the runner: refused where there is no forget gate; the 'forget'
// variant's blocks and the vanilla cell's units start from it; it is part of a trial's identity
// (report, checkpoint key) only when set, so earlier checkpoints stay valid.

import { describe, expect, it } from 'vitest';
import { createLstm97 } from '@carousel/lstm';
import { TaskError } from '../errors.ts';
import { resolveExperiment } from './catalog.ts';
import { createTrialNet, forgetBiases, withForgetGate } from './network.ts';
import { parseTrialOptions } from './options.ts';
import { runTrial } from './trial.ts';

const { config } = resolveExperiment('6a');

/** The 1997 net's forget-gate bias of each block, read from a trial net's parameters. */
function blockForgetBiases(params: readonly number[], bias?: number): number[] {
  const { layout } = createLstm97({ ...withForgetGate(config.net, bias), seed: 1 });
  const Zg = layout.spec.zGate;
  return Array.from({ length: layout.spec.blocks }, (_, j) => params[layout.W_fg + j * Zg + Zg - 1]!);
}

describe('runner option forgetBias', () => {
  it('is refused for cells without a forget gate and when not finite, with TASK_ERR_PARAM', () => {
    expect(() => parseTrialOptions({ forgetBias: 2 })).toThrow(/TASK_ERR_PARAM.*no forget gate/);
    expect(() => parseTrialOptions({ learner: 'bptt', variant: 'gru', forgetBias: 2 })).toThrow(TaskError);
    expect(() => parseTrialOptions({ variant: 'forget', forgetBias: Number.NaN })).toThrow(/finite/);
    expect(parseTrialOptions({ variant: 'forget', forgetBias: -1 }).forgetBias).toBe(-1);
    expect(parseTrialOptions({ learner: 'tbptt', variant: 'cifg', forgetBias: 3 }).forgetBias).toBe(3);
  });

  it("sets every block's forget bias of the 'forget' variant (default +0.5·(j+1))", () => {
    const seed = 11;
    const dflt = createTrialNet(config.net, config.task, parseTrialOptions({ variant: 'forget' }), seed).save().params;
    const set = createTrialNet(config.net, config.task, parseTrialOptions({ variant: 'forget', forgetBias: 3 }), seed).save().params;
    expect(blockForgetBiases(dflt)).toEqual(forgetBiases(config.net.blocks));
    expect(blockForgetBiases(set, 3)).toEqual(new Array(config.net.blocks).fill(3));
    // Nothing else moves.
    expect(set.filter((v, i) => v !== dflt[i])).toHaveLength(config.net.blocks - forgetBiases(config.net.blocks).filter((b) => b === 3).length);
  });

  it("sets every vanilla unit's forget bias (default 1): 1 is the default, 2.5 is in the parameters once per unit", () => {
    const seed = 5;
    const vanilla = (forgetBias?: number) =>
      createTrialNet(config.net, config.task, parseTrialOptions({ learner: 'bptt', ...(forgetBias === undefined ? {} : { forgetBias }) }), seed).save().params;
    expect(vanilla(1)).toEqual(vanilla());
    const hidden = config.net.blocks * (config.net.cellsPerBlock ?? 1);
    expect(vanilla(2.5).filter((v) => v === 2.5)).toHaveLength(hidden);
    expect(vanilla().filter((v) => v === 2.5)).toHaveLength(0);
  });

  it('is reported with the trial, and changes the trial only when it changes the net', () => {
    const budget = { T: 12, maxSequences: 300, testSize: 50, seed: 3, learner: 'bptt' } as const;
    const untimed = (r: ReturnType<typeof runTrial>) => ({ ...r, seconds: 0, stepsPerSecond: 0 });
    const dflt = runTrial('4', budget);
    const same = runTrial('4', { ...budget, forgetBias: 1 });
    const other = runTrial('4', { ...budget, forgetBias: 4 });
    expect(dflt.forgetBias).toBeNull();
    expect(same.forgetBias).toBe(1);
    expect(untimed({ ...same, forgetBias: null })).toEqual(untimed(dflt));
    expect(other.trainError).not.toBe(dflt.trainError);
  });
});
