// The runner's head option: the paper's logistic output units by default, or linear ones (a probe,
// not the paper's) for every cell. A linear unit outputs the net input the logistic one squashes,
// so on the same weights and inputs σ(linear output) is the logistic output. Part of a trial's
// identity (report, checkpoint key) only when not the default, so earlier checkpoints stay valid.
// 'logistic-ce' keeps the logistic units and has them learn cross-entropy (error t − y, no f′).

import { describe, expect, it } from 'vitest';
import { resolveExperiment } from './catalog.ts';
import { createTrialNet } from './network.ts';
import { parseTrialOptions } from './options.ts';
import { trialCheckpointPath } from './resume.ts';
import type { RunTrialOptions } from './options.ts';
import { runConfigTrial, runTrial } from './trial.ts';
import type { TrialResult } from './trial.ts';

const { config } = resolveExperiment('4', 12);
const sigma = (x: number): number => 1 / (1 + Math.exp(-x));

/** Outputs of a fresh trial net over a fixed input run (copied: step() returns a view). */
function outputs(o: RunTrialOptions): number[] {
  const net = createTrialNet(config.net, config.task, parseTrialOptions(o), 17);
  const out: number[] = [];
  for (let t = 0; t < 12; t++) out.push(...net.step([Math.sin(t), t === 3 || t === 7 ? 1 : 0]));
  return out;
}

describe('runner option head', () => {
  it("defaults to the paper's logistic units; anything but logistic, linear or logistic-ce is refused with TASK_ERR_PARAM", () => {
    expect(parseTrialOptions({}).head).toBe('logistic');
    expect(parseTrialOptions({ head: 'linear' }).head).toBe('linear');
    expect(() => parseTrialOptions({ head: 'tanh' as never })).toThrow(/TASK_ERR_PARAM.*head/);
  });

  for (const o of [{}, { variant: 'forget' }, { learner: 'bptt' }, { learner: 'tbptt', variant: 'gru' }] as const) {
    it(`gives linear units on the same weights for ${JSON.stringify(o)}: σ(linear) = logistic`, () => {
      const logistic = outputs(o);
      const linear = outputs({ ...o, head: 'linear' });
      expect(linear).toHaveLength(logistic.length);
      linear.forEach((v, i) => expect(sigma(v)).toBeCloseTo(logistic[i]!, 12));
      // Really another unit: the outputs differ from the logistic ones.
      expect(linear.some((v, i) => v !== logistic[i])).toBe(true);
    });
  }

  it('is reported with the trial, and a linear trial is another trial', () => {
    const budget = { T: 12, maxSequences: 300, testSize: 50, seed: 3 } as const;
    const dflt = runTrial('4', budget);
    const linear = runTrial('4', { ...budget, head: 'linear' });
    expect(dflt.head).toBe('logistic');
    expect(linear.head).toBe('linear');
    expect(linear.weights).toBe(dflt.weights);
    expect(linear.trainError).not.toBe(dflt.trainError);
  });

  it("'logistic-ce': the same logistic units learning cross-entropy, the probe's net bit for bit, judged by ½Σ(d−y)²", () => {
    expect(parseTrialOptions({ head: 'logistic-ce' }).head).toBe('logistic-ce');
    // the same units: a fresh net's outputs are the logistic net's, for the 1997 cells and the modern ones
    for (const o of [{}, { variant: 'forget' }, { learner: 'tbptt', variant: 'vanilla' }] as const) {
      expect(outputs({ ...o, head: 'logistic-ce' })).toEqual(outputs(o));
    }
    const budget = { T: 12, maxSequences: 300, testSize: 50, seed: 3 } as const;
    const untimed = (r: TrialResult) => ({ ...r, seconds: 0, stepsPerSecond: 0, head: 'logistic' });
    const ce = runTrial('4', { ...budget, head: 'logistic-ce' });
    const dflt = runTrial('4', budget);
    expect(ce.head).toBe('logistic-ce');
    expect(ce.trainError).not.toBe(dflt.trainError); // another error signal, another trajectory
    // E_seq is ½Σ(d−y)², not the cross-entropy (≥ the targets' entropy, ≈ 0.69 near 0.5)
    expect(ce.trainError).toBeLessThan(0.1);
    // the same trial as a config with loss 'ce' (docs/paper-results/probe-exp1-variants.ts ce)
    expect(untimed(ce)).toEqual(untimed(runConfigTrial({ ...config, net: { ...config.net, loss: 'ce' } }, budget)));
    // the modern cells take it too
    const vanilla = runTrial('4', { ...budget, variant: 'vanilla', learner: 'bptt', head: 'logistic-ce' });
    expect(vanilla.trainError).not.toBe(runTrial('4', { ...budget, variant: 'vanilla', learner: 'bptt' }).trainError);
  });

  it('keeps a linear trial\'s checkpoint apart from the logistic one (file name), and earlier names unchanged', () => {
    const key = { experiment: '4/T100', seed: 1, trial: 2, learner: 'rtrl97', variant: 'lstm97', alpha: 0.5, budget: 740_000, perStep: false, k1: 8, k2: 16, hidden: null, reberTarget: 'next' };
    expect(trialCheckpointPath('d', key)).toBe('d/4_T100-lstm97-rtrl97-seed1-trial2.json');
    expect(trialCheckpointPath('d', { ...key, head: 'linear' })).toBe('d/4_T100-lstm97-linear-rtrl97-seed1-trial2.json');
    expect(trialCheckpointPath('d', { ...key, head: 'logistic-ce' })).toBe('d/4_T100-lstm97-logistic-ce-rtrl97-seed1-trial2.json');
  });
});
