// Sequential construction (Exp. 2a/2b, LSTM-SPEC 1.3 remedy 1): the memory cell starts cut off from
// the outputs and is added once the training error stops falling.

import { describe, expect, it } from 'vitest';
import { experimentById } from '../experiments.ts';
import { createTrialNet } from './network.ts';
import { parseTrialOptions } from './options.ts';
import { runTrial } from './trial.ts';

describe('sequential construction', () => {
  const config = experimentById('2a/p100');
  if (config === undefined) throw new Error('2a/p100 missing from the catalogue');

  it('2a and 2b carry the rule; the other experiments do not', () => {
    expect(config.construction).toEqual({ window: 100, minImprovement: 0.01 });
    expect(experimentById('2b/p100')?.construction).toEqual(config.construction);
    expect(experimentById('6a')?.construction).toBeUndefined();
  });

  it('a detached cell does not reach the outputs, even after learning; attaching restores its initial weights', () => {
    const o = parseTrialOptions({});
    const make = () => createTrialNet(config.net, config.task, o, 11);
    const x = new Float64Array(101);
    const symbol = (i: number): Float64Array => {
      x.fill(0);
      x[i % 99] = 1;
      return x;
    };
    /** Output after k steps of a fixed symbol walk (the cell state grows all along). */
    const after = (n: ReturnType<typeof make>, k: number): number[] => {
      n.reset();
      let y: number[] = [];
      for (let t = 0; t < k; t++) y = Array.from(n.step(symbol(t)));
      return y;
    };
    /** Output for that walk's last symbol with a fresh (zero) cell state. */
    const fresh = (n: ReturnType<typeof make>, k: number): number[] => {
      n.reset();
      return Array.from(n.step(symbol(k - 1)));
    };

    const ref = make();
    expect(after(ref, 60)).not.toEqual(fresh(ref, 60)); // control: a connected cell moves the outputs

    const net = make();
    net.detachCells?.();
    expect(after(net, 60)).toEqual(fresh(net, 60));
    const d = new Float64Array(101);
    d[5] = 1;
    for (let i = 0; i < 50; i++) {
      after(net, 30);
      net.learn(d);
      net.apply(1);
    }
    expect(after(net, 60)).toEqual(fresh(net, 60)); // learning did not connect it

    const again = make();
    again.detachCells?.();
    again.attachCells?.();
    expect(after(again, 60)).toEqual(after(ref, 60)); // attach puts back the initial weights exactly
  });

  it('a 2a trial adds the cell once the error plateaus and reports when', () => {
    const r = runTrial('2a', { trial: 0, seed: 1, maxSequences: 2_600, testSize: 10, T: 20 });
    expect(r.cellsAddedAt).not.toBeNull();
    expect(r.cellsAddedAt! % 100).toBe(0);
    expect(r.cellsAddedAt!).toBeGreaterThanOrEqual(200);
    const control = runTrial('6a', { trial: 0, seed: 1, maxSequences: 100, testSize: 10 });
    expect(control.cellsAddedAt).toBeNull();
  });
});
