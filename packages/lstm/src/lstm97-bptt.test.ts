import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError } from './errors.ts';
import { lstm97Forward, newLstm97State } from './lstm97.ts';
import { lstm97SlotSize } from './lstm97-bptt.ts';
import type { Lstm97Config } from './lstm97-config.ts';
import { Tbptt97, bptt97, tbptt97, type Tbptt97Stream } from './lstm97-tbptt.ts';
import { Rtrl97 } from './rtrl97.ts';
import { GOLDEN_INPUTS, GOLDEN_TARGET, expectClose, fillLstm97Golden } from './testing/lstm97-golden.ts';

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../shared/lstm-golden.json', import.meta.url)), 'utf8'));

type Seq = readonly (readonly number[])[];
type Targets = ReadonlyMap<number, readonly number[]>;

const G_BASE: Lstm97Config = { inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 2, head: 'logistic' };
const SEQ: number[][] = Array.from({ length: 9 }, (_, t) => [Math.sin(1.3 * t) * 0.8, ((t * 5) % 7) / 7 - 0.5]);

/** A K-vector target that is a distribution (so it fits softmax + CE too) built from one number. */
function targetFor(K: number, a: number): number[] {
  return K === 1 ? [a] : Array.from({ length: K }, (_, k) => (k === 0 ? a : (1 - a) / (K - 1)));
}
function targetsAt(K: number, steps: readonly number[]): Map<number, number[]> {
  return new Map(steps.map((t) => [t, targetFor(K, 0.15 + ((t * 0.37) % 0.7))]));
}

/** Loss of one step from y, written out independently of rtrl97.ts's outputLoss. */
function stepLoss(head: string, loss: string, y: Float64Array, d: readonly number[]): number {
  let E = 0;
  for (let k = 0; k < y.length; k++) {
    if (loss === 'mse') E += 0.5 * (d[k] - y[k]) ** 2;
    else if (head === 'softmax') E -= d[k] * Math.log(y[k]);
    else E -= d[k] * Math.log(y[k]) + (1 - d[k]) * Math.log(1 - y[k]);
  }
  return E;
}

/**
 * The true loss Σ over target steps, run through the real network with params p from the state
 * (r, s) given (zero by default): the full gradient and TBPTT window surrogates are its FD.
 */
function trueLoss(net: Tbptt97, p: Float64Array, xs: Seq, targets: Targets, r0?: Float64Array, s0?: Float64Array): number {
  const st = newLstm97State(net.spec);
  if (r0) st.r.set(r0);
  if (s0) st.s.set(s0);
  let loss = 0;
  xs.forEach((x, t) => {
    const y = lstm97Forward(net.layout, p, st, x, false);
    const d = targets.get(t);
    if (d) loss += stepLoss(net.spec.head, net.spec.loss, y, d);
  });
  return loss;
}

function fdGrad(f: (p: Float64Array) => number, p0: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(p0.length);
  const p = p0.slice();
  for (let i = 0; i < p.length; i++) {
    p[i] = p0[i] + eps;
    const a = f(p);
    p[i] = p0[i] - eps;
    const b = f(p);
    p[i] = p0[i];
    g[i] = (a - b) / (2 * eps);
  }
  return g;
}

/** FD acceptance of LSTM-SPEC 5.1 on every parameter, group by group, and a non-trivial gradient. */
function expectFd(g: Float64Array, fd: Float64Array, net: Tbptt97): void {
  for (const grp of net.groups) {
    const size = grp.shape.reduce((a, b) => a * b, 1);
    expectClose(g.subarray(grp.offset, grp.offset + size), fd.subarray(grp.offset, grp.offset + size), 1e-5, 1e-9, grp.name);
  }
  expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-3);
}

/** Runs a sequence through a learner from a fresh stream, learning at the target steps, then flushes. */
function run(net: Tbptt97, xs: Seq, targets: Targets, r0?: Float64Array, s0?: Float64Array): Tbptt97Stream {
  const st = net.newStream();
  if (r0) st.r.set(r0);
  if (s0) st.s.set(s0);
  xs.forEach((x, t) => {
    net.step(st, x);
    const d = targets.get(t);
    if (d) net.learn(st, d);
  });
  net.flush(st);
  return st;
}

function fullGrad(net: Tbptt97, xs: Seq, targets: Targets): Float64Array {
  net.grad.fill(0);
  run(net, xs, targets);
  return net.grad.slice();
}

function goldenBptt(cfg: Lstm97Config): Tbptt97 {
  const net = bptt97(cfg, 16);
  fillLstm97Golden(net.layout, net.params);
  return net;
}

const VARIANTS: [string, Lstm97Config][] = [
  ['the 1997 cell', { ...G_BASE }],
  ['+ forget gate', { ...G_BASE, forgetGate: true }],
  ['+ forget gate + peepholes', { ...G_BASE, forgetGate: true, peepholes: true }],
  ['peepholes without forget gate', { ...G_BASE, peepholes: true }],
  ['conventional hidden units, connectivity B, 3 cells per block', { inputs: 2, outputs: 2, blocks: 2, cellsPerBlock: 3, hiddenUnits: 2, connectivity: 'B', forgetGate: true, head: 'linear' }],
  ['no output gate, cells reading the inputs only (Exp. 2a)', { inputs: 2, outputs: 2, blocks: 2, outputGate: false, g: 'sigmoid', h: 'identity', connectivity: 'B', cellSources: 'inputs', biases: { gates: false, cells: false } }],
  ['modern connectivity: gates and cells read the cell outputs only', { inputs: 2, outputs: 1, blocks: 3, cellsPerBlock: 2, forgetGate: true, peepholes: true, cellSources: 'cells', head: 'linear' }],
  ['no output gate, recurrent sources, peepholes, hidden units', { inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 2, outputGate: false, forgetGate: true, peepholes: true, hiddenUnits: 1 }],
  ['softmax head with cross-entropy, tanh squashing, partial biases', { inputs: 2, outputs: 3, blocks: 2, forgetGate: true, g: 'tanh', h: 'tanh', head: 'softmax', loss: 'ce', biases: { cells: false, hidden: false }, hiddenUnits: 1 }],
  ['logistic head with cross-entropy', { inputs: 2, outputs: 2, blocks: 2, head: 'logistic', loss: 'ce' }],
  ['softmax head with MSE', { inputs: 2, outputs: 3, blocks: 2, peepholes: true, head: 'softmax', loss: 'mse' }],
];

describe('full BPTT equals finite differences of the true loss on every parameter (LSTM-SPEC 5.1)', () => {
  for (const [name, cfg] of VARIANTS) {
    it(`${name}, with targets at four steps`, () => {
      const net = bptt97({ ...cfg, initRange: 0.5, seed: 3 }, 16);
      const targets = targetsAt(net.outputs, [1, 3, 6, 8]);
      const g = fullGrad(net, SEQ, targets);
      const fd = fdGrad((p) => trueLoss(net, p, SEQ, targets), net.params);
      expectFd(g, fd, net);
    });
  }
});

describe('TBPTT windows', () => {
  const WINDOW_VARIANTS = VARIANTS.filter(([n]) => /peepholes$|hidden units, connectivity B|Exp. 2a|softmax head with cross/.test(n));
  for (const [name, cfg] of WINDOW_VARIANTS) {
    it(`${name}: each TBPTT(5; 3) window gradient equals FD of its surrogate and full BPTT from the stored state`, () => {
      const k1 = 3;
      const k2 = 5;
      const net = tbptt97({ ...cfg, initRange: 0.5, seed: 4 }, k1, k2);
      const twin = bptt97({ ...cfg }, 16);
      twin.params.set(net.params);
      const T = 11;
      const xs = Array.from({ length: T }, (_, t) => [Math.cos(0.9 * t), ((t * 3) % 5) / 5 - 0.4]);
      const targets = targetsAt(net.outputs, [0, 1, 2, 4, 5, 7, 8, 10]);
      const st = net.newStream();
      const windowsAt: number[] = [];
      for (let t = 0; t < T; t++) {
        net.step(st, xs[t]);
        const d = targets.get(t);
        if (d) net.learn(st, d);
        if (!net.gradReady(st)) continue;
        // the surrogate: the window re-run from its stored entering state, losses of the last k1 steps only
        const len = Math.min(t + 1, k2);
        const first = st.ring.slots[(st.newest - len + 1 + k2) % k2];
        const { inputs: I, recurrent: R } = net.spec;
        const r0 = net.spec.cellSources === 'all' ? first.z.slice(I, I + R) : new Float64Array(R);
        const s0 = first.sPrev.slice();
        const wx = xs.slice(t + 1 - len, t + 1);
        const wd = new Map([...targets].filter(([tt]) => tt > t - k1 && tt <= t).map(([tt, d]) => [tt - (t + 1 - len), d]));
        twin.grad.fill(0);
        run(twin, wx, wd, r0, s0);
        expectClose(net.grad, twin.grad, 1e-12, 1e-15, `window ending at ${t} vs bptt97`);
        const fd = fdGrad((p) => trueLoss(net, p, wx, wd, r0, s0), net.params);
        expectFd(net.grad.slice(), fd, net);
        net.grad.fill(0);
        windowsAt.push(t);
      }
      expect(windowsAt).toEqual([2, 5, 8]);
    });
  }

  it('k1 = sequence length with k2 ≥ length equals full BPTT', () => {
    const cfg: Lstm97Config = { ...G_BASE, forgetGate: true, peepholes: true, hiddenUnits: 1, initRange: 0.5, seed: 6 };
    const targets = targetsAt(1, [2, 4, 8]);
    for (const k2 of [SEQ.length, SEQ.length + 4]) {
      const net = tbptt97(cfg, SEQ.length, k2);
      const full = bptt97(cfg);
      const st = net.newStream();
      SEQ.forEach((x, t) => {
        net.step(st, x);
        const d = targets.get(t);
        if (d) net.learn(st, d);
        expect(net.gradReady(st)).toBe(t === SEQ.length - 1);
      });
      expectClose(net.grad, fullGrad(full, SEQ, targets), 1e-13, 1e-16, `k2=${k2}`);
    }
  });

  it('k1 = k2 = 1 equals the sum of one-step gradients from each entering state', () => {
    const cfg: Lstm97Config = { ...G_BASE, forgetGate: true, peepholes: true, initRange: 0.5, seed: 2 };
    const net = tbptt97(cfg, 1, 1);
    const one = bptt97(cfg, 1);
    const targets = targetsAt(1, [0, 2, 3, 5, 8]);
    const st = net.newStream();
    SEQ.forEach((x, t) => {
      const d = targets.get(t);
      if (d) run(one, [x], new Map([[0, d]]), st.r, st.s);
      net.step(st, x);
      if (d) net.learn(st, d);
      expect(net.gradReady(st)).toBe(d !== undefined);
    });
    expectClose(net.grad, one.grad, 1e-13, 1e-16, 'one-step sum');
  });

  it('a due window without learn() is backpropagated by the next step', () => {
    const cfg: Lstm97Config = { ...G_BASE, forgetGate: true, seed: 9 };
    const a = tbptt97(cfg, 2, 4);
    const b = tbptt97(cfg, 2, 4);
    const [sa, sb] = [a.newStream(), b.newStream()];
    a.step(sa, SEQ[0]);
    a.learn(sa, [0.5]);
    a.step(sa, SEQ[1]);
    expect(a.grad.every((g) => g === 0)).toBe(true);
    a.step(sa, SEQ[2]);
    expect(a.gradReady(sa)).toBe(true);
    b.step(sb, SEQ[0]);
    b.learn(sb, [0.5]);
    b.step(sb, SEQ[1]);
    expect(b.flush(sb)).toBe(true);
    expect(b.flush(sb)).toBe(false);
    expect(a.grad).toEqual(b.grad);
  });
});

describe('full BPTT against the golden nets and the truncated rule of rtrl97', () => {
  const CASES = [
    ['G2_lstm97', { ...G_BASE }],
    ['G3_lstm97_forget', { ...G_BASE, forgetGate: true }],
    ['G4_lstm97_forget_peep', { ...G_BASE, forgetGate: true, peepholes: true }],
  ] as const;
  const goldenTargets = new Map([[GOLDEN_INPUTS.length - 1, [GOLDEN_TARGET]]]);

  for (const [name, cfg] of CASES) {
    it(`${name}: the first three entries of every group equal the reference FD full gradient`, () => {
      const ref = golden[name];
      const net = goldenBptt(cfg);
      const g = fullGrad(net, GOLDEN_INPUTS, goldenTargets);
      const st = run(net, GOLDEN_INPUTS, new Map());
      expectClose([stepLoss('logistic', 'mse', st.y, [GOLDEN_TARGET])], [ref.loss], 1e-12, 1e-15, 'loss');
      const names = Object.keys(ref.full_grad_first3_fd as Record<string, number[]>);
      expect(names.sort()).toEqual(net.groups.map((x) => x.name).sort());
      for (const grp of net.groups) {
        expectClose(g.subarray(grp.offset, grp.offset + 3), ref.full_grad_first3_fd[grp.name], 1e-4, 1e-8, grp.name);
      }
    });
  }

  it('G2: full BPTT differs from the rtrl97 truncated gradient (negative control: the truncation is real)', () => {
    const net = goldenBptt(G_BASE);
    const g = fullGrad(net, GOLDEN_INPUTS, goldenTargets);
    const rtrl = new Rtrl97(G_BASE);
    fillLstm97Golden(rtrl.layout, rtrl.params);
    const s = rtrl.newStream();
    for (const x of GOLDEN_INPUTS) rtrl.step(s, x);
    rtrl.learn(s, [GOLDEN_TARGET]);
    let maxDiff = 0;
    for (let i = 0; i < g.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i] - rtrl.grad[i]));
    expect(maxDiff).toBeGreaterThan(1e-5);
    // the output weights get the exact gradient in both
    const wk = net.groups.find((x) => x.name === 'W_k')!;
    const size = wk.shape[0] * wk.shape[1];
    expectClose(g.subarray(wk.offset, wk.offset + size), rtrl.grad.subarray(wk.offset, wk.offset + size), 1e-12, 1e-16, 'W_k');
  });

  for (const [name, cfg] of [CASES[0], CASES[1]]) {
    it(`${name}: with every recurrent column zero, full BPTT equals the rtrl97 truncated gradient (positive control)`, () => {
      const net = goldenBptt(cfg);
      const { inputs: I, recurrent: R } = net.spec;
      for (const grp of net.groups) {
        if (!['W_in', 'W_out', 'W_c', 'W_fg'].includes(grp.name)) continue;
        const [rows, cols] = grp.shape;
        for (let r = 0; r < rows; r++) for (let c = I; c < I + R; c++) net.params[grp.offset + r * cols + c] = 0;
      }
      const targets = targetsAt(1, [2, 5, 8]);
      const g = fullGrad(net, SEQ, targets);
      const rtrl = new Rtrl97(cfg, net.params.slice());
      const s = rtrl.newStream();
      SEQ.forEach((x, t) => {
        rtrl.step(s, x);
        const d = targets.get(t);
        if (d) rtrl.learn(s, d);
      });
      expectClose(g, rtrl.grad, 1e-10, 1e-15, 'full vs truncated');
      expect(Math.max(...g.map(Math.abs))).toBeGreaterThan(1e-3);
    });
  }
});

describe('Tbptt97 streams', () => {
  const CFG: Lstm97Config = { inputs: 2, outputs: 2, blocks: 2, cellsPerBlock: 2, forgetGate: true, peepholes: true, hiddenUnits: 1, head: 'linear', initRange: 0.4, seed: 5 };

  it('after reset() gives the outputs and gradient of a fresh stream', () => {
    const a = tbptt97(CFG, 2, 3);
    const b = tbptt97(CFG, 2, 3);
    const s = a.newStream();
    for (const x of SEQ.slice(0, 4)) a.step(s, x.map((v) => -v));
    a.learn(s, [0.4, 0.1]);
    a.step(s, SEQ[0]); // a pending, never-injected step: reset must forget it too
    a.reset(s);
    a.grad.fill(0);
    const fresh = b.newStream();
    SEQ.forEach((x, t) => {
      expect(a.step(s, x)).toEqual(b.step(fresh, x));
      expect(a.learn(s, [0.3, -0.1 * t])).toBe(b.learn(fresh, [0.3, -0.1 * t]));
    });
    expect(a.flush(s)).toBe(b.flush(fresh));
    expect(a.grad).toEqual(b.grad);
    expect(Math.max(...a.grad.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('stepBatch and learnBatch equal stepping and learning B streams one by one, bit for bit', () => {
    const B = 4;
    const one = tbptt97(CFG, 2, 5);
    const batch = tbptt97(CFG, 2, 5);
    const singles = Array.from({ length: B }, () => one.newStream());
    const many = Array.from({ length: B }, () => batch.newStream());
    const xs = (t: number, b: number): number[] => [Math.sin(0.7 * t + b), Math.cos(0.3 * t * (b + 1))];
    const Y = new Float64Array(B * 2);
    const losses = new Float64Array(B);
    for (let t = 0; t < 13; t++) {
      const X = new Float64Array(B * 2);
      for (let b = 0; b < B; b++) X.set(xs(t, b), b * 2);
      batch.stepBatch(many, X, Y);
      const ys: number[] = [];
      for (let b = 0; b < B; b++) ys.push(...one.step(singles[b], xs(t, b)));
      expect([...Y]).toEqual(ys);
      expect(many.map((s) => batch.gradReady(s))).toEqual(singles.map((s) => one.gradReady(s)));
      if (t % 3 !== 2) {
        const D = X.map((v) => v * 0.5);
        batch.learnBatch(many, D, losses);
        const ls = singles.map((s, b) => one.learn(s, D.subarray(b * 2, b * 2 + 2)));
        expect([...losses]).toEqual(ls);
        expect(many.map((s) => batch.gradReady(s))).toEqual(singles.map((s) => one.gradReady(s)));
      }
      expect(batch.grad).toEqual(one.grad);
    }
    for (let b = 0; b < B; b++) expect(batch.flush(many[b])).toBe(one.flush(singles[b]));
    expect(batch.grad).toEqual(one.grad);
    expect(Math.max(...one.grad.map(Math.abs))).toBeGreaterThan(1e-3);
  });

  it('keeps streams isolated: interleaved streams equal the same streams run separately, and gradients add', () => {
    const a = tbptt97(CFG, 3, 4);
    const b = tbptt97(CFG, 3, 4);
    const t1 = targetsAt(2, [0, 2, 3, 5, 7, 8]);
    const xs2 = SEQ.map(([u, v]) => [v, -u]);
    const [s1, s2] = [a.newStream(), a.newStream()];
    const y1: number[] = [];
    const y2: number[] = [];
    SEQ.forEach((x, t) => {
      y1.push(...a.step(s1, x));
      y2.push(...a.step(s2, xs2[t]));
      const d = t1.get(t);
      if (d) {
        a.learn(s2, d);
        a.learn(s1, d);
      }
    });
    a.flush(s1);
    a.flush(s2);
    const sep = (xs: Seq): number[] => {
      const s = b.newStream();
      const ys: number[] = [];
      xs.forEach((x, t) => {
        ys.push(...b.step(s, x));
        const d = t1.get(t);
        if (d) b.learn(s, d);
      });
      b.flush(s);
      return ys;
    };
    expect(y1).toEqual(sep(SEQ));
    expect(y2).toEqual(sep(xs2));
    expectClose(a.grad, b.grad, 1e-14, 1e-17, 'summed gradient');
  });

  it('allocates the ring once per stream: k2 slots, or maxLength for full BPTT', () => {
    const net = tbptt97(CFG, 2, 5);
    const s = net.newStream();
    expect(s.ring.capacity).toBe(5);
    expect(s.ring.floats).toBe(5 * lstm97SlotSize(net.spec));
    expect([s.Pc.length, s.Pin.length, s.Pfg.length, s.Qin.length, s.Qfg.length]).toEqual([0, 0, 0, 0, 0]); // no RTRL traces
    const slots = s.ring.slots;
    for (let t = 0; t < 12; t++) {
      net.step(s, SEQ[t % SEQ.length]);
      net.learn(s, [0, 0]);
    }
    expect(s.ring.slots).toBe(slots);
    expect(bptt97(CFG, 7).newStream().ring.capacity).toBe(7);
  });
});

describe('Tbptt97 refuses bad configuration and input with coded errors', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return e instanceof LstmError ? e.code : 'not an LstmError';
    }
    return 'no error';
  };
  const snapshot = (s: Tbptt97Stream): string =>
    JSON.stringify([s.t, s.newest, s.pending, s.learned, s.ready, ...s.s, ...s.r, ...s.y, ...s.ring.hasTarget, ...s.ring.slots.flatMap((c) => [...c.z, ...c.gK])]);

  it('names the bad k1, k2, maxLength or cell field', () => {
    expect(code(() => tbptt97(G_BASE, 0, 2))).toBe(LSTM_ERR.CONFIG);
    expect(code(() => tbptt97(G_BASE, 1.5, 2))).toBe(LSTM_ERR.CONFIG);
    expect(code(() => tbptt97(G_BASE, 3, 2))).toBe(LSTM_ERR.CONFIG);
    expect(code(() => bptt97(G_BASE, 0))).toBe(LSTM_ERR.CONFIG);
    expect(code(() => tbptt97({ ...G_BASE, blocks: 0 }, 1, 2))).toBe(LSTM_ERR.CONFIG);
    expect(code(() => new Tbptt97(G_BASE, { k1: 1, k2: 1 }, new Float64Array(3)))).toBe(LSTM_ERR.DIMENSION);
  });

  it('refuses a wrong-length or non-finite input, or a target before any step, leaving the stream untouched', () => {
    const net = tbptt97(G_BASE, 2, 3);
    const s = net.newStream();
    expect(code(() => net.learn(s, [0.5]))).toBe(LSTM_ERR.STATE);
    net.step(s, [0.1, 0.2]);
    net.learn(s, [0.3]);
    net.step(s, [0.3, -0.2]);
    // a window is due now; a refused step must neither run it nor move the state
    const before = snapshot(s);
    expect(code(() => net.step(s, [0.1]))).toBe(LSTM_ERR.DIMENSION);
    expect(code(() => net.step(s, [NaN, 0]))).toBe(LSTM_ERR.NON_FINITE);
    expect(code(() => net.step(s, [0, Infinity]))).toBe(LSTM_ERR.NON_FINITE);
    expect(snapshot(s)).toBe(before);
    expect(net.grad.every((g) => g === 0)).toBe(true);
  });

  it('refuses a bad target, weight or loss, and a second target for one step, before anything changes', () => {
    const net = tbptt97(G_BASE, 1, 2);
    const s = net.newStream();
    net.step(s, [0.1, 0.2]);
    const before = snapshot(s);
    expect(code(() => net.learn(s, [0.1, 0.2]))).toBe(LSTM_ERR.DIMENSION);
    expect(code(() => net.learn(s, [NaN]))).toBe(LSTM_ERR.NON_FINITE);
    expect(code(() => net.learn(s, [0.5], -1))).toBe(LSTM_ERR.NON_FINITE);
    expect(snapshot(s)).toBe(before);
    expect(net.grad.every((g) => g === 0)).toBe(true);
    net.learn(s, [0.5]);
    expect(net.gradReady(s)).toBe(true);
    expect(code(() => net.learn(s, [0.5]))).toBe(LSTM_ERR.STATE);

    const ce = tbptt97({ ...G_BASE, loss: 'ce' }, 1, 1);
    ce.params.fill(0);
    const bias = ce.layout.W_k + ce.spec.outSources - 1;
    ce.params[bias] = 800; // y rounds to exactly 1
    const s2 = ce.newStream();
    expect(ce.step(s2, [0, 0])[0]).toBe(1);
    const before2 = snapshot(s2);
    expect(code(() => ce.learn(s2, [1e308]))).toBe(LSTM_ERR.NON_FINITE); // (1 − d)·800 overflows
    expect(snapshot(s2)).toBe(before2);
    expect(ce.grad.every((g) => g === 0)).toBe(true);
    // a saturated output is a large finite loss (softplus of the net), not a refusal
    expect(ce.learn(s2, [0])).toBe(800);
    expect(ce.gradReady(s2)).toBe(true);
    expect(ce.grad[bias]).toBe(1);
  });

  it('refuses a full-BPTT sequence longer than maxLength until flushed and reset', () => {
    const net = bptt97(G_BASE, 3);
    const s = net.newStream();
    for (let t = 0; t < 3; t++) {
      net.step(s, [t, 1]);
      net.learn(s, [0.5]);
    }
    expect(net.gradReady(s)).toBe(false);
    const before = snapshot(s);
    expect(code(() => net.step(s, [0, 0]))).toBe(LSTM_ERR.STATE);
    expect(snapshot(s)).toBe(before);
    expect(net.flush(s)).toBe(true);
    net.reset(s);
    expect(code(() => net.step(s, [0, 0]))).toBe('no error');
  });

  it('a bad row in a batch is refused before any stream moves or the gradient changes', () => {
    const net = tbptt97(G_BASE, 1, 2);
    const streams = [net.newStream(), net.newStream()];
    const Y = new Float64Array(2);
    net.stepBatch(streams, [0.5, 0.1, -0.2, 0.3], Y);
    const before = streams.map(snapshot);
    expect(code(() => net.stepBatch(streams, [0.5, NaN, 0, 0], Y))).toBe(LSTM_ERR.NON_FINITE);
    expect(code(() => net.stepBatch(streams, [0.5, 0.1, 0], Y))).toBe(LSTM_ERR.DIMENSION);
    expect(code(() => net.learnBatch(streams, [0.5, NaN], new Float64Array(2)))).toBe(LSTM_ERR.NON_FINITE);
    expect(streams.map(snapshot)).toEqual(before);
    expect(net.grad.every((g) => g === 0)).toBe(true);
    net.learn(streams[1], [0.2]);
    const after = streams.map(snapshot);
    const g = net.grad.slice();
    expect(code(() => net.learnBatch(streams, [0.5, 0.5], new Float64Array(2)))).toBe(LSTM_ERR.STATE);
    expect(streams.map(snapshot)).toEqual(after);
    expect(net.grad).toEqual(g);
  });
});
