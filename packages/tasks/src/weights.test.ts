import { describe, expect, it } from 'vitest';
import type { Lstm97Config } from '@carousel/lstm';
import { lstm97WeightCount } from './weights.ts';
import { EXPERIMENTS } from './experiments.ts';

/** The paper's counts (LSTM-SPEC 4.0, Tables 1-9), keyed by experiment; 2c by p. */
const PAPER_2C: Record<number, number> = { 50: 364, 100: 664, 200: 1264, 500: 3064, 1000: 6064 };

function paperCount(id: string, exp: string, net: Lstm97Config): number {
  switch (exp) {
    case '1':
      return id.startsWith('1/4x1') ? 264 : 276;
    case '2a':
    case '2b':
      return 10_504;
    case '2c':
      return PAPER_2C[net.inputs - 4];
    case '3a':
    case '3b':
    case '3c':
      return 102;
    case '4':
    case '5':
      return 93;
    case '6a':
      return 156;
    default:
      return 308;
  }
}

describe('lstm97WeightCount', () => {
  for (const cfg of EXPERIMENTS) {
    it(`gives the paper's count for ${cfg.id}`, () => {
      const n = lstm97WeightCount(cfg.net);
      expect(n).toBe(paperCount(cfg.id, cfg.exp, cfg.net));
      expect(n).toBe(cfg.paper.weights);
    });
  }

  it('counts a forget gate as one more hidden unit per block that every unit also reads', () => {
    const base: Lstm97Config = { inputs: 2, outputs: 1, blocks: 1 };
    // 1 cell + 2 gates, fan-in 2 + 3 + 1 = 6: 18; output 1 + 1: 2.
    expect(lstm97WeightCount(base)).toBe(20);
    // 1 cell + 3 gates, fan-in 2 + 4 + 1 = 7: 28; output 2.
    expect(lstm97WeightCount({ ...base, forgetGate: true })).toBe(30);
  });

  it('adds one peephole weight per gate and cell of the block', () => {
    // 2 blocks × 2 cells, 3 gates each: 6 gates × 2 cells = 12 peepholes.
    const cfg: Lstm97Config = { inputs: 1, outputs: 1, blocks: 2, cellsPerBlock: 2, forgetGate: true };
    expect(lstm97WeightCount({ ...cfg, peepholes: true }) - lstm97WeightCount(cfg)).toBe(12);
  });

  it('lets conventional hidden units read the hidden layer and feed the outputs', () => {
    const cfg: Lstm97Config = { inputs: 2, outputs: 1, blocks: 1 };
    // 4 units, fan-in 2 + 4 + 1 = 7: 28; output 1 cell + 1 unit + 1 bias: 3.
    expect(lstm97WeightCount({ ...cfg, hiddenUnits: 1 })).toBe(31);
  });

  it("reproduces the paper's RTRL baseline counts 36, 144 and 10,404 (one self-recurrent unit, connectivity B)", () => {
    const rtrl = (p: number): number =>
      lstm97WeightCount({
        inputs: p + 1,
        outputs: p + 1,
        blocks: 0,
        hiddenUnits: 1,
        connectivity: 'B',
        biases: { gates: false, cells: false, outputs: false, hidden: false },
      });
    expect([rtrl(4), rtrl(10), rtrl(100)]).toEqual([36, 144, 10_404]);
  });

  it('adds the inputs to every output under connectivity B and drops hidden fan-in with cellSources inputs', () => {
    const cfg: Lstm97Config = { inputs: 3, outputs: 2, blocks: 1, biases: { gates: false, cells: false, outputs: false } };
    expect(lstm97WeightCount(cfg)).toBe(3 * 6 + 2 * 1);
    expect(lstm97WeightCount({ ...cfg, connectivity: 'B' })).toBe(3 * 6 + 2 * 4);
    expect(lstm97WeightCount({ ...cfg, cellSources: 'inputs' })).toBe(3 * 3 + 2 * 1);
  });
});
