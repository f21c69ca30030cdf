import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LSTM_ERR } from './errors.ts';
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
        const first = learner.cachedStep(s, (s.newest - len + 1 + k2) % k2);
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
    a.learn(sa, [0.1, 0.2]); // not due: gradReady still reports the gradient step() added
    expect(a.gradReady(sa)).toBe(true);
    // b does the same but flushes explicitly
    b.step(sb, seq.xs[0]);
    b.learn(sb, [0.5, -0.5]);
    b.step(sb, seq.xs[1]);
    expect(b.flush(sb)).toBe(true);
    expect(a.grad).toEqual(b.grad);
  });
});

describe('tbptt streams', () => {
  const NET: RecurrentOptions = { inputs: 2, hidden: [3, 2], outputs: 1, initRange: 0.5, seed: 1 };
  const seq = makeSequence(createRng(5), 6, 2, 1, 'linear', [0, 1, 2, 3, 4, 5]);

  it('after reset() gives the outputs and gradient of a fresh stream', () => {
    for (const cell of ['vanilla', 'gru'] as const) {
      const a = tbptt({ ...NET, cell }, 2, 3);
      const b = tbptt({ ...NET, cell }, 2, 3);
      const s = a.newStream();
      for (const x of seq.xs.slice(0, 3)) a.step(s, x.map((v) => -v));
      a.learn(s, [0.4]);
      a.reset(s);
      a.grad.fill(0);
      const fresh = b.newStream();
      seq.xs.forEach((x, t) => {
        expect(a.step(s, x)).toEqual(b.step(fresh, x));
        a.learn(s, seq.ds[t] as number[]);
        b.learn(fresh, seq.ds[t] as number[]);
      });
      expect(a.grad).toEqual(b.grad);
    }
  });

  it('keeps streams isolated: two interleaved streams equal the same streams run separately', () => {
    const a = tbptt({ ...NET, cell: 'cifg' }, 2, 4);
    const b = tbptt({ ...NET, cell: 'cifg' }, 2, 4);
    const [s1, s2] = [a.newStream(), a.newStream()];
    const out1: number[] = [];
    const out2: number[] = [];
    seq.xs.forEach((x, t) => {
      out1.push(a.step(s1, x)[0]);
      a.learn(s1, seq.ds[t] as number[]);
      out2.push(a.step(s2, x.map((v) => v * 0.5))[0]);
      a.learn(s2, [0.1]);
    });
    const r1 = b.newStream();
    const sep1 = seq.xs.map((x, t) => {
      const y = b.step(r1, x)[0];
      b.learn(r1, seq.ds[t] as number[]);
      return y;
    });
    const r2 = b.newStream();
    const sep2 = seq.xs.map((x) => {
      const y = b.step(r2, x.map((v) => v * 0.5))[0];
      b.learn(r2, [0.1]);
      return y;
    });
    expect(out1).toEqual(sep1);
    expect(out2).toEqual(sep2);
    assertClose('summed gradient', a.grad, b.grad, 1e-14, 1e-16);
  });

  it('refuses bad input and targets with coded errors, leaving the stream untouched', () => {
    const l = tbptt(NET, 2, 4);
    const s = l.newStream();
    expect(() => l.learn(s, [0])).toThrow(expect.objectContaining({ code: LSTM_ERR.STATE }));
    expect(() => l.step(s, [1])).toThrow(expect.objectContaining({ code: LSTM_ERR.DIMENSION }));
    expect(() => l.step(s, [1, NaN])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(s.t).toBe(0);
    const y = l.step(s, [1, 0]).slice();
    expect(() => l.learn(s, [0, 1])).toThrow(expect.objectContaining({ code: LSTM_ERR.DIMENSION }));
    expect(() => l.learn(s, [Infinity])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(s.learned).toBe(false);
    expect(l.output(s)).toEqual(y);
    l.learn(s, [0.2]);
    expect(() => l.learn(s, [0.2])).toThrow(expect.objectContaining({ code: LSTM_ERR.STATE }));
  });

  it('refuses a full-BPTT sequence longer than maxLength until flushed and reset', () => {
    const l = bptt(NET, 3);
    const s = l.newStream();
    for (let t = 0; t < 3; t++) {
      l.step(s, [t, 1]);
      l.learn(s, [0.5]);
    }
    expect(() => l.step(s, [0, 0])).toThrow(expect.objectContaining({ code: LSTM_ERR.STATE }));
    expect(s.t).toBe(3);
    expect(l.flush(s)).toBe(true);
    l.reset(s);
    expect(() => l.step(s, [0, 0])).not.toThrow();
  });
});
