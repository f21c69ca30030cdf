import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from './prng.ts';
import { groupView } from './recurrent-layout.ts';
import type { RecurrentOptions } from './recurrent-options.ts';
import { bptt } from './tbptt.ts';
import { fillVanillaGoldenWeights, goldenInput } from './testing/golden-weights.ts';
import { assertClose, finiteDifferenceCheck, makeSequence, runSequence } from './testing/recurrent-check.ts';

interface G5 {
  nparams: number;
  loss: number;
  yhat_per_step: number[];
  c_final: number[];
  grad_first3: Record<string, number[]>;
  grad_norm: Record<string, number>;
}

const golden = JSON.parse(readFileSync('/work/shared/lstm-golden.json', 'utf8')) as { G5_vanilla_peephole: G5 };
const g5 = golden.G5_vanilla_peephole;
const G5_NET: RecurrentOptions = { inputs: 3, hidden: 2, outputs: 1, cell: 'vanilla', peepholes: true, head: 'linear', loss: 'mse' };
const G5_TARGETS: Record<number, number[]> = { 1: [0.3], 4: [-0.2] };

function runG5() {
  const learner = bptt(G5_NET);
  fillVanillaGoldenWeights(learner.params, learner.layout);
  const s = learner.newStream();
  const yhat: number[] = [];
  let loss = 0;
  for (let t = 0; t < 5; t++) {
    yhat.push(learner.step(s, goldenInput(t, 3))[0]);
    const d = G5_TARGETS[t];
    if (d) loss += learner.learn(s, d);
  }
  const flushed = learner.flush(s);
  return { learner, s, yhat, loss, flushed };
}

describe('vanilla LSTM with peepholes reproduces golden G5', () => {
  const { learner, s, yhat, loss, flushed } = runG5();

  it('has the golden parameter count and group order', () => {
    expect(learner.params.length).toBe(g5.nparams);
    expect(learner.groups.map((g) => g.name)).toEqual(Object.keys(g5.grad_norm));
  });

  it('gives the golden loss, every ŷ and the final cell state', () => {
    assertClose('loss', [loss], [g5.loss]);
    assertClose('yhat', yhat, g5.yhat_per_step);
    assertClose('c_final', learner.state(s, 0).c, g5.c_final);
  });

  it('gives every listed gradient entry and every group norm after flush', () => {
    expect(flushed).toBe(true);
    for (const [name, entries] of Object.entries(g5.grad_first3)) {
      const g = groupView(learner.grad, learner.layout, name);
      assertClose(`grad ${name}`, g.subarray(0, entries.length), entries);
      assertClose(`norm ${name}`, [Math.hypot(...g)], [g5.grad_norm[name]]);
    }
  });
});

describe('vanilla and cifg gradients match finite differences on every parameter', () => {
  const cases: { name: string; net: RecurrentOptions }[] = [
    { name: 'vanilla with peepholes', net: { inputs: 2, hidden: 3, outputs: 2, cell: 'vanilla', peepholes: true } },
    { name: 'vanilla without peepholes', net: { inputs: 2, hidden: 3, outputs: 2, cell: 'vanilla', peepholes: false } },
    { name: 'cifg with peepholes', net: { inputs: 2, hidden: 3, outputs: 2, cell: 'cifg', peepholes: true } },
    { name: 'cifg without peepholes', net: { inputs: 2, hidden: 3, outputs: 2, cell: 'cifg', peepholes: false } },
    { name: 'stacked 2-layer vanilla', net: { inputs: 2, hidden: [3, 2], outputs: 2, cell: 'vanilla' } },
    { name: 'stacked 2-layer cifg', net: { inputs: 2, hidden: [3, 2], outputs: 2, cell: 'cifg' } },
  ];
  for (const { name, net } of cases) {
    it(`${name}`, () => {
      const learner = bptt({ ...net, initRange: 0.5, seed: 5 }, 16);
      const seq = makeSequence(createRng(9), 6, 2, 2, 'linear', [1, 3, 5]);
      runSequence(learner, seq, { flush: true });
      const fd = finiteDifferenceCheck(learner.params, learner.grad, () => runSequence(learner, seq).loss);
      expect(fd.failures).toEqual([]);
      expect(fd.maxAbsGrad).toBeGreaterThan(1e-2);
    });
  }
});

describe('cifg is vanilla with the input gate tied to 1 - f', () => {
  it('gives the outputs of a vanilla cell whose input gate is forced to 1 - f', () => {
    const cifg = bptt({ inputs: 2, hidden: 2, outputs: 1, cell: 'cifg', peepholes: false, initRange: 0.5 }, 8);
    expect(cifg.groups.map((g) => g.name)).toEqual(['Wz', 'Rz', 'bz', 'Wf', 'Rf', 'bf', 'Wo', 'Ro', 'bo', 'V', 'bv']);
    const s = cifg.newStream();
    cifg.step(s, [0.3, -0.7]);
    const { act, c, cPrev } = cifg.cachedStep(s, s.newest).layers[0];
    const H = 2;
    for (let r = 0; r < H; r++) expect(c[r]).toBe(act[r] * (1 - act[H + r]) + cPrev[r] * act[H + r]);
  });
});
