import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import type { Rng } from '@carousel/lstm';
import { trialStreams } from './streams.ts';

const draws = (r: Rng, n = 8): number[] => Array.from({ length: n }, () => r.next32());

describe('trialStreams', () => {
  it('gives identical init, train and test streams for the same seed and trial', () => {
    const a = trialStreams(42, 3);
    const b = trialStreams(42, 3);
    expect(draws(a.init)).toEqual(draws(b.init));
    expect(draws(a.train)).toEqual(draws(b.train));
    expect(draws(a.test)).toEqual(draws(b.test));
  });

  it('keeps init, train and test on three different streams', () => {
    const s = trialStreams(42, 3);
    const [i, tr, te] = [draws(s.init), draws(s.train), draws(s.test)];
    expect(i).not.toEqual(tr);
    expect(i).not.toEqual(te);
    expect(tr).not.toEqual(te);
  });

  it('gives different streams for different trials and different seeds', () => {
    expect(draws(trialStreams(42, 3).train)).not.toEqual(draws(trialStreams(42, 4).train));
    expect(draws(trialStreams(42, 3).train)).not.toEqual(draws(trialStreams(43, 3).train));
  });

  it('exposes an init seed that recreates the init stream with createRng', () => {
    const s = trialStreams(7, 0);
    expect(draws(createRng(s.init.seed))).toEqual(draws(trialStreams(7, 0).init));
  });

  it('does not let drawing test data move the training stream', () => {
    const a = trialStreams(9, 1);
    draws(a.test, 1000);
    expect(draws(a.train)).toEqual(draws(trialStreams(9, 1).train));
  });
});
