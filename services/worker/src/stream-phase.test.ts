import { partitionOf } from '@carousel/protocol';
import { describe, expect, it } from 'vitest';
import { parseStreamConfig, withStreamPhase } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';

// Streams started together on the default model (TBPTT(4, 32)) would all run their backward pass on
// the same sample of every 4; withStreamPhase gives each a phase from its id so that they spread.

/** Processors of `names` fed in lockstep for `rounds` samples each: how many updated their weights in each round. */
function updatesPerRound(names: string[], rounds: number, phased: boolean): number[] {
  const cfg = parseStreamConfig();
  const ps = names.map((n) => new StreamProcessor(phased ? withStreamPhase(cfg, n) : cfg, 1));
  const out: number[] = [];
  for (let t = 0; t < rounds; t++) {
    let n = 0;
    ps.forEach((p, i) => {
      const before = modelUpdates(p);
      p.process(t, [Math.sin(t / 5 + i)]);
      if (modelUpdates(p) > before) n++;
    });
    out.push(n);
  }
  return out;
}

/** Optimizer updates the processor's trainer has applied. */
function modelUpdates(p: StreamProcessor): number {
  return (p as unknown as { model: { trainer: { stats: { updates: number } } } }).model.trainer.stats.updates;
}

describe('staggered backward passes (withStreamPhase)', () => {
  it('gives a TBPTT model a phase in 0..k1-1 from the stream id, the same every time', () => {
    const cfg = parseStreamConfig();
    const a = withStreamPhase(cfg, 'plant-7.temp');
    expect(a.model.phase).toBeGreaterThanOrEqual(0);
    expect(a.model.phase).toBeLessThan(4);
    expect(withStreamPhase(cfg, 'plant-7.temp')).toEqual(a);
    expect(cfg.model.phase).toBeUndefined(); // the stream's own config is not changed
  });

  it('leaves a model alone that sets its phase, learns every step or has k1 = 1', () => {
    for (const model of [{ phase: 0 }, { phase: 3 }, { cell: 'forget' as const, learner: 'rtrl97' as const }, { k1: 1, k2: 16 }]) {
      const cfg = parseStreamConfig({ model });
      expect(withStreamPhase(cfg, 'a')).toBe(cfg);
    }
    const broken = parseStreamConfig({ model: { cell: 'forget', learner: 'tbptt', hidden: [4, 4] } });
    expect(withStreamPhase(broken, 'a')).toBe(broken); // its error is reported where the model is built
  });

  it('spreads the streams of one partition over every phase', () => {
    const names = Array.from({ length: 4000 }, (_, i) => `sensor-${i}`).filter((n) => partitionOf(n, 16) === 5);
    const counts = [0, 0, 0, 0];
    for (const n of names) counts[withStreamPhase(parseStreamConfig(), n).model.phase!]!++;
    for (const c of counts) expect(c).toBeGreaterThan(names.length * 0.18);
  });

  it('spreads the weight updates of streams fed in lockstep over the rounds, where without it every 4th round has them all', () => {
    const names = Array.from({ length: 48 }, (_, i) => `m${i}`);
    const plain = updatesPerRound(names, 40, false).slice(8);
    const phased = updatesPerRound(names, 40, true).slice(8);
    expect(plain.reduce((a, b) => a + b, 0)).toBe(phased.reduce((a, b) => a + b, 0)); // the same work
    expect(Math.max(...plain)).toBe(48);
    expect(plain.filter((n) => n === 0).length).toBe(24); // 3 rounds in 4 without any
    expect(Math.max(...phased)).toBeLessThan(48 / 2);
    expect(Math.min(...phased)).toBeGreaterThan(0);
  });
});
