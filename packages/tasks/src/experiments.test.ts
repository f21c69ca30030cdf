import { describe, expect, it } from 'vitest';
import { createRng } from '@carousel/lstm';
import { EXPERIMENTS, experimentById } from './experiments.ts';
import { createGenerator } from './generators.ts';
import { CORRECTNESS } from './correctness.ts';
import { TASK_ERR } from './errors.ts';

describe('experiment configs', () => {
  it('has one config per LSTM row of the paper\'s tables, with unique ids', () => {
    const ids = EXPERIMENTS.map((c) => c.id);
    expect(new Set(ids).size).toBe(ids.length);
    const perExp = (e: string): number => EXPERIMENTS.filter((c) => c.exp === e).length;
    expect([perExp('1'), perExp('2a'), perExp('2b'), perExp('2c')]).toEqual([5, 1, 1, 9]);
    expect([perExp('3a'), perExp('3b'), perExp('3c'), perExp('4'), perExp('5'), perExp('6a'), perExp('6b')]).toEqual([
      3, 3, 2, 3, 2, 1, 1,
    ]);
  });

  it("stops every Experiment 2 row after Table 11's 5 million exemplars", () => {
    const rows = EXPERIMENTS.filter((c) => c.exp === '2a' || c.exp === '2b' || c.exp === '2c');
    expect(rows).toHaveLength(11);
    for (const cfg of rows) expect([cfg.id, 'maxSequences' in cfg.stop ? cfg.stop.maxSequences : undefined]).toEqual([cfg.id, 5_000_000]);
  });

  it('is deeply frozen', () => {
    const cfg = experimentById('4/T100');
    expect(Object.isFrozen(EXPERIMENTS)).toBe(true);
    expect(Object.isFrozen(cfg.net.gateBias!.input)).toBe(true);
    expect(() => {
      (cfg as { alpha: number }).alpha = 2;
    }).toThrow(TypeError);
  });

  it('gives generators whose input and output widths match the network, and whose sequences the correctness rule accepts', () => {
    for (const cfg of EXPERIMENTS) {
      const gen = createGenerator(cfg.task);
      expect([cfg.id, gen.inputs, gen.outputs]).toEqual([cfg.id, cfg.net.inputs, cfg.net.outputs]);
      const s = gen.next(createRng(1));
      expect([cfg.id, s.meta.task]).toEqual([cfg.id, CORRECTNESS[cfg.exp].task]);
      expect(s.inputs[0].length).toBe(cfg.net.inputs);
      expect(s.targets[s.targets.length - 1]!.length).toBe(cfg.net.outputs);
    }
  });

  it('lists one preset gate bias per block', () => {
    for (const cfg of EXPERIMENTS) {
      for (const list of [cfg.net.gateBias?.input, cfg.net.gateBias?.output]) {
        if (list !== undefined) expect([cfg.id, list.length]).toEqual([cfg.id, cfg.net.blocks]);
      }
    }
  });

  it('records the paper\'s protocol for the adding problem', () => {
    const cfg = experimentById('4/T1000');
    expect(cfg.alpha).toBe(0.5);
    expect(cfg.net.initRange).toBe(0.1);
    expect(cfg.net.gateBias).toEqual({ input: [-3, -6] });
    expect(cfg.stop).toEqual({ kind: 'ST3', beta: 0.01, window: 2000, average: 'E' });
    expect(cfg.evaluation.testSize).toBe(2560);
    expect(cfg.paper.sequencesUntilStop).toBe(853_000);
    expect(cfg.minimalLag).toBe(500);
  });

  it('throws TASK_ERR_PARAM for an unknown id', () => {
    expect(() => experimentById('7')).toThrow(TASK_ERR.PARAM);
  });
});
