import { describe, expect, it } from 'vitest';
import { lstm97Layout } from './lstm97.ts';
import { parseLstm97Config, type Lstm97Config } from './lstm97-config.ts';

const count = (cfg: Lstm97Config): number => lstm97Layout(parseLstm97Config(cfg)).size;

describe('the paper topologies have the paper weight counts (LSTM-SPEC 4.0)', () => {
  const noBias = { gates: false, cells: false, outputs: false, hidden: false };
  it('Experiment 1: 4 blocks of 1 = 264, 3 blocks of 2 = 276 (only gates biased)', () => {
    const base = { inputs: 7, outputs: 7, biases: { gates: true, cells: false, outputs: false } };
    expect(count({ ...base, blocks: 4, cellsPerBlock: 1 })).toBe(264);
    expect(count({ ...base, blocks: 3, cellsPerBlock: 2 })).toBe(276);
  });
  it('Experiment 2a/2b: one cell and input gate from the inputs only, connectivity B = 10,504', () => {
    expect(count({ inputs: 101, outputs: 101, blocks: 1, outputGate: false, g: 'sigmoid', h: 'identity', connectivity: 'B', cellSources: 'inputs', biases: noBias })).toBe(10_504);
  });
  it('Experiment 2c: 2 blocks of 1, no biases = 364 / 664 / 1,264 / 3,064 / 6,064', () => {
    const c = (p: number): number => count({ inputs: p + 4, outputs: 2, blocks: 2, biases: noBias });
    expect([50, 100, 200, 500, 1000].map(c)).toEqual([364, 664, 1264, 3064, 6064]);
  });
  it('Experiment 3: 3 blocks of 1, biased hidden units, unbiased output = 102', () => {
    expect(count({ inputs: 1, outputs: 1, blocks: 3, biases: { outputs: false } })).toBe(102);
  });
  it('Experiments 4 and 5: 2 blocks of 2, everything biased = 93', () => {
    expect(count({ inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 2 })).toBe(93);
  });
  it('Experiment 6a: 2 blocks of 2, 8 inputs, 4 outputs = 156; 6b: 3 blocks of 2, 8 outputs = 308', () => {
    expect(count({ inputs: 8, outputs: 4, blocks: 2, cellsPerBlock: 2 })).toBe(156);
    expect(count({ inputs: 8, outputs: 8, blocks: 3, cellsPerBlock: 2 })).toBe(308);
  });
});

describe('the layout', () => {
  it("with cellSources 'cells' has the weight count of a modern LSTM with the same H (4H(X+H+1) + head)", () => {
    const L = lstm97Layout(parseLstm97Config({ inputs: 8, outputs: 1, blocks: 32, forgetGate: true, cellSources: 'cells' }));
    expect(L.size).toBe(4 * 32 * (8 + 32 + 1) + 33);
  });
  it('lays the groups out contiguously in the documented order, without absent groups', () => {
    const L = lstm97Layout(parseLstm97Config({ inputs: 3, outputs: 2, blocks: 2, cellsPerBlock: 2, forgetGate: true, peepholes: true, hiddenUnits: 1 }));
    expect(L.groups.map((g) => g.name)).toEqual(['W_in', 'W_out', 'W_c', 'W_k', 'W_fg', 'p_in', 'p_out', 'p_fg', 'W_h']);
    let at = 0;
    for (const g of L.groups) {
      expect(g.offset).toBe(at);
      at += g.shape[0]! * g.shape[1]!;
    }
    expect(at).toBe(L.size);
    const plain = lstm97Layout(parseLstm97Config({ inputs: 3, outputs: 2, blocks: 2 }));
    expect(plain.groups.map((g) => g.name)).toEqual(['W_in', 'W_out', 'W_c', 'W_k']);
    expect(plain.W_fg).toBe(-1);
  });
});
