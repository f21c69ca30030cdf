import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createRng } from './prng.ts';
import { groupView } from './recurrent-layout.ts';
import type { RecurrentOptions } from './recurrent-options.ts';
import { bptt, tbptt, type RecurrentLearner } from './tbptt.ts';
import { fillVanillaGoldenWeights, g6Target, goldenInput } from './testing/golden-weights.ts';
import { assertClose, finiteDifferenceCheck, makeSequence, runSequence, type Sequence } from './testing/recurrent-check.ts';

interface G6Update {
  t_end: number;
  window_start: number;
  grad_norm_total: number;
  grad_V: number[];
  grad_bf: number[];
}
const g6 = (JSON.parse(readFileSync('/work/shared/lstm-golden.json', 'utf8')) as { G6_tbptt_6_3: G6Update[] }).G6_tbptt_6_3;
const G5_NET: RecurrentOptions = { inputs: 3, hidden: 2, outputs: 1, cell: 'vanilla', peepholes: true };

/** A bptt() learner with the same net and a copy of `from`'s parameters. */
function exactTwin(from: RecurrentLearner): RecurrentLearner {
  const twin = bptt({ ...from.config }, 16);
  twin.params.set(from.params);
  return twin;
}

describe('tbptt reproduces golden G6', () => {
  it('gives the golden gradient norm, grad V and grad bf at every update of TBPTT(6; 3)', () => {
    const learner = tbptt(G5_NET, 3, 6);
    fillVanillaGoldenWeights(learner.params, learner.layout);
    const s = learner.newStream();
    const updates: number[] = [];
    for (let t = 0; t < 12; t++) {
      learner.step(s, goldenInput(t, 3));
      learner.learn(s, [g6Target(t)]);
      if (!learner.gradReady(s)) continue;
      const want = g6[updates.length];
      expect(t).toBe(want.t_end);
      assertClose(`t=${t} norm`, [Math.hypot(...learner.grad)], [want.grad_norm_total]);
      assertClose(`t=${t} V`, groupView(learner.grad, learner.layout, 'V'), want.grad_V);
      assertClose(`t=${t} bf`, groupView(learner.grad, learner.layout, 'bf'), want.grad_bf);
      updates.push(t);
      learner.grad.fill(0);
    }
    expect(updates).toEqual([2, 5, 8, 11]);
  });
});

const STACKED: RecurrentOptions = { inputs: 2, hidden: [3, 2], outputs: 2, initRange: 0.5, seed: 7 };

describe('tbptt window gradients', () => {
  for (const cell of ['vanilla', 'cifg', 'gru'] as const) {
    it(`equal the exact gradient and FD of the window surrogate (stacked ${cell}, k1=3, k2=5)`, () => {
      const k1 = 3;
      const k2 = 5;
      const learner = tbptt({ ...STACKED, cell }, k1, k2);
      const twin = exactTwin(learner);
      const T = 11;
      const seq = makeSequence(createRng(3), T, 2, 2, 'linear', [0, 1, 2, 4, 5, 7, 8, 10]);
      const s = learner.newStream();
      let windows = 0;
      for (let t = 0; t < T; t++) {
        learner.step(s, seq.xs[t]);
        const d = seq.ds[t];
        if (d) learner.learn(s, d);
        if (!learner.gradReady(s)) continue;
        // the surrogate: re-run the window from its stored entering state, losses of the last k1 steps
        const len = Math.min(t + 1, k2);
        const first = s.ring.slots[(s.newest - len + 1 + k2) % k2];
        const init = { h: first.layers.map((m) => m.hPrev.slice()), c: first.layers.map((m) => m.cPrev.slice()) };
        const window: Sequence = {
          xs: seq.xs.slice(t + 1 - len, t + 1),
          ds: seq.ds.slice(t + 1 - len, t + 1).map((dd, j) => (j >= len - k1 ? dd : null)),
        };
        twin.grad.fill(0);
        runSequence(twin, window, { init, flush: true });
        assertClose(`window at ${t}`, learner.grad, twin.grad, 1e-12, 1e-15);
        const fd = finiteDifferenceCheck(twin.params, learner.grad, () => runSequence(twin, window, { init }).loss);
        expect(fd.failures).toEqual([]);
        expect(fd.maxAbsGrad).toBeGreaterThan(1e-3);
        learner.grad.fill(0);
        windows++;
      }
      expect(windows).toBe(3); // after steps 2, 5 and 8
    });
  }
});

describe('tbptt edge cases (LSTM-SPEC 5.3)', () => {
  const T = 7;
  const seq = makeSequence(createRng(11), T, 2, 2, 'linear', [1, 3, 4, 6]);

  it('k1 = sequence length with k2 >= length equals full BPTT', () => {
    for (const cell of ['vanilla', 'gru'] as const) {
      const learner = tbptt({ ...STACKED, cell }, T, T + 3);
      const twin = exactTwin(learner);
      const { stream } = runSequence(learner, seq);
      expect(learner.gradReady(stream)).toBe(true);
      runSequence(twin, seq, { flush: true });
      assertClose(`${cell} grad`, learner.grad, twin.grad);
      expect(Math.hypot(...twin.grad)).toBeGreaterThan(1e-3);
    }
  });

  it('k1 = k2 = 1 equals the sum of one-step gradients', () => {
    const learner = tbptt({ ...STACKED, cell: 'vanilla' }, 1, 1);
    const twin = exactTwin(learner);
    const s = learner.newStream();
    for (let t = 0; t < T; t++) {
      // state before step t, then the one-step gradient from it
      const init = { h: [0, 1].map((l) => learner.state(s, l).h.slice()), c: [0, 1].map((l) => learner.state(s, l).c.slice()) };
      runSequence(twin, { xs: [seq.xs[t]], ds: [seq.ds[t]] }, { init, flush: true });
      learner.step(s, seq.xs[t]);
      const d = seq.ds[t];
      if (d) learner.learn(s, d);
      expect(learner.gradReady(s)).toBe(d !== null);
    }
    assertClose('one-step sum', learner.grad, twin.grad, 1e-12, 1e-15);
  });

  it('a due window without learn() is backpropagated by the next step', () => {
    const a = tbptt({ ...STACKED, cell: 'cifg' }, 2, 4);
    const b = tbptt({ ...STACKED, cell: 'cifg' }, 2, 4);
    const sa = a.newStream();
    const sb = b.newStream();
    // a learns at step 0 only; the window due after step 1 runs when step 2 arrives
    a.step(sa, seq.xs[0]);
    a.learn(sa, [0.5, -0.5]);
    a.step(sa, seq.xs[1]);
    expect(a.grad.every((g) => g === 0)).toBe(true);
    a.step(sa, seq.xs[2]);
    expect(a.gradReady(sa)).toBe(true);
    // b does the same but flushes explicitly
    b.step(sb, seq.xs[0]);
    b.learn(sb, [0.5, -0.5]);
    b.step(sb, seq.xs[1]);
    expect(b.flush(sb)).toBe(true);
    expect(a.grad).toEqual(b.grad);
  });
});
