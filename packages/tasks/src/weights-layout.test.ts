// Cross-check against the network implementation in @carousel/lstm: the parameter buffer it lays
// out for each experiment config must have exactly lstm97WeightCount(cfg) entries.
import { describe, expect, it } from 'vitest';
import { lstm97Layout, parseLstm97Config } from '@carousel/lstm';
import type { Lstm97Config } from '@carousel/lstm';
import { lstm97WeightCount } from './weights.ts';
import { EXPERIMENTS } from './experiments.ts';

const layoutSize = (cfg: Lstm97Config): number => lstm97Layout(parseLstm97Config(cfg)).size;

describe('lstm97WeightCount against the @carousel/lstm parameter layout', () => {
  it('agrees on every experiment config', () => {
    for (const cfg of EXPERIMENTS) expect([cfg.id, layoutSize(cfg.net)]).toEqual([cfg.id, lstm97WeightCount(cfg.net)]);
  });

  it('agrees with forget gates, peepholes, conventional units and connectivity B', () => {
    const variants: Lstm97Config[] = [
      { inputs: 3, outputs: 2, blocks: 2, cellsPerBlock: 2, forgetGate: true, peepholes: true },
      { inputs: 3, outputs: 2, blocks: 2, hiddenUnits: 3, connectivity: 'B' },
      { inputs: 5, outputs: 4, blocks: 3, cellsPerBlock: 2, outputGate: false, forgetGate: true, cellSources: 'inputs' },
      { inputs: 7, outputs: 7, blocks: 4, cellsPerBlock: 2, forgetGate: true, peepholes: true, biases: { cells: false } },
    ];
    for (const v of variants) expect(layoutSize(v)).toBe(lstm97WeightCount(v));
  });
});
