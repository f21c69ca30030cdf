import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError } from './errors.ts';
import { squash } from './activations.ts';
import { lstm97Forward, type Lstm97Layout } from './lstm97.ts';
import type { Lstm97Config } from './lstm97-config.ts';
import { Rtrl97, type Rtrl97Stream } from './rtrl97.ts';
import { GOLDEN_INPUTS, GOLDEN_TARGET, expectClose, fillLstm97Golden } from './testing/lstm97-golden.ts';

const golden = JSON.parse(readFileSync(fileURLToPath(new URL('../../../../shared/lstm-golden.json', import.meta.url)), 'utf8'));

const G_BASE: Lstm97Config = { inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 2, head: 'logistic' };
const CASES = [
  { name: 'G2_lstm97', cfg: { ...G_BASE } },
  { name: 'G3_lstm97_forget', cfg: { ...G_BASE, forgetGate: true } },
  { name: 'G4_lstm97_forget_peep', cfg: { ...G_BASE, forgetGate: true, peepholes: true } },
] as const;

function goldenNet(cfg: Lstm97Config): Rtrl97 {
  const net = new Rtrl97(cfg);
  fillLstm97Golden(net.layout, net.params);
  return net;
}

function group(net: Rtrl97, buf: Float64Array, name: string): Float64Array {
  const g = net.groups.find((x) => x.name === name)!;
  return buf.subarray(g.offset, g.offset + g.shape.reduce((a, b) => a * b, 1));
}


describe('rtrl97 reproduces the golden values of LSTM-SPEC 5.4', () => {
  for (const { name, cfg } of CASES) {
    it(`${name}: weight count, outputs, states, loss and truncated gradient to 1e-12`, () => {
      const ref = golden[name];
      const net = goldenNet(cfg);
      expect(net.layout.size).toBe(ref.nweights);
      expect(net.spec.zGate).toBe(ref.Z);
      const s = net.newStream();
      const ys: number[] = [];
      for (const x of GOLDEN_INPUTS) ys.push(net.step(s, x)[0]!);
      expectClose(ys, ref.y_per_step, 1e-12, 1e-15, 'y');
      expectClose(s.s, ref.s_final, 1e-12, 1e-15, 's');
      const loss = net.learn(s, [GOLDEN_TARGET]);
      expectClose([loss], [ref.loss], 1e-12, 1e-15, 'loss');
      for (const [gname, first3] of Object.entries(ref.trunc_grad_first3 as Record<string, number[]>)) {
        const ours = group(net, net.grad, gname);
        expectClose(ours.subarray(0, 3), first3, 1e-12, 1e-15, `${gname}[0..3]`);
        const norm = Math.hypot(...ours);
        expectClose([norm], [ref.trunc_grad_norm[gname]], 1e-12, 1e-15, `|${gname}|`);
      }
    });
  }
  it('names every golden gradient group', () => {
    expect(Object.keys(golden.G4_lstm97_forget_peep.trunc_grad_first3).sort()).toEqual(
      goldenNet({ ...G_BASE, forgetGate: true, peepholes: true }).groups.map((g) => g.name).sort(),
    );
  });
});

// ---- The frozen-input surrogate of LSTM-SPEC 1.4 / 5.2, written independently of lstm97.ts ----

interface Recording {
  z: Float64Array[]; //      z(t) per step
  sPrev: Float64Array[]; //  s(t-1) as the in/forget peepholes saw it
  sNow: Float64Array[]; //   s(t) as the output-gate peephole saw it
}

function record(net: Rtrl97, xs: readonly (readonly number[])[]): Recording {
  const st = net.newStream();
  const rec: Recording = { z: [], sPrev: [], sNow: [] };
  for (const x of xs) {
    net.step(st, x);
    rec.z.push(st.z.slice());
    rec.sPrev.push(st.sPrev.slice());
    rec.sNow.push(st.s.slice());
  }
  return rec;
}

const sig = (x: number): number => 1 / (1 + Math.exp(-x));

/** Loss of one step, written out independently of rtrl97.ts's outputLoss. */
function stepLoss(head: string, loss: string, net: Float64Array, d: readonly number[]): number {
  const K = net.length;
  const y = new Float64Array(K);
  if (head === 'softmax') {
    const m = Math.max(...net);
    const e = [...net].map((v) => Math.exp(v - m));
    const sum = e.reduce((a, b) => a + b, 0);
    e.forEach((v, k) => (y[k] = v / sum));
  } else for (let k = 0; k < K; k++) y[k] = head === 'logistic' ? sig(net[k]!) : net[k]!;
  let E = 0;
  for (let k = 0; k < K; k++) {
    if (loss === 'mse') E += 0.5 * (d[k]! - y[k]!) ** 2;
    else if (head === 'softmax') E -= d[k]! * Math.log(y[k]!);
    else E -= d[k]! * Math.log(y[k]!) + (1 - d[k]!) * Math.log(1 - y[k]!);
  }
  return E;
}

/** Σ over target steps of the loss, with every gate/cell/hidden unit fed its recorded z and peephole sources. */
function surrogateLoss(L: Lstm97Layout, p: Float64Array, rec: Recording, targets: Map<number, number[]>): number {
  const spec = L.spec;
  const { inputs: I, blocks: C, cellsPerBlock: S, cells: N, hiddenUnits: U, outputs: K, zGate: Zg, zCell: Zc, zHidden: Zh, outSources: O } = spec;
  const s = new Float64Array(N);
  let loss = 0;
  for (let t = 0; t < rec.z.length; t++) {
    const z = rec.z[t]!;
    const o: number[] = [];
    const row = (base: number, r: number, len: number): number => {
      let a = 0;
      for (let i = 0; i < len; i++) a += p[base + r * len + i]! * z[i]!;
      return a;
    };
    for (let j = 0; j < C; j++) {
      let netIn = row(L.W_in, j, Zg);
      let netFg = L.W_fg >= 0 ? row(L.W_fg, j, Zg) : 0;
      let netOut = L.W_out >= 0 ? row(L.W_out, j, Zg) : 0;
      for (let v = 0; v < S; v++) {
        if (L.p_in >= 0) netIn += p[L.p_in + j * S + v]! * rec.sPrev[t]![j * S + v]!;
        if (L.p_fg >= 0) netFg += p[L.p_fg + j * S + v]! * rec.sPrev[t]![j * S + v]!;
        if (L.p_out >= 0) netOut += p[L.p_out + j * S + v]! * rec.sNow[t]![j * S + v]!;
      }
      const yi = sig(netIn);
      const yf = L.W_fg >= 0 ? sig(netFg) : 1;
      const yo = L.W_out >= 0 ? sig(netOut) : 1;
      for (let v = 0; v < S; v++) {
        const n = j * S + v;
        s[n] = yf * s[n]! + yi * squash(spec.g, row(L.W_c, n, Zc));
        o[n] = yo * squash(spec.h, s[n]!);
      }
    }
    for (let u = 0; u < U; u++) o.push(sig(row(L.W_h, u, Zh)));
    if (spec.connectivity === 'B') for (let i = 0; i < I; i++) o.push(z[i]!);
    if (spec.biases.outputs) o.push(1);
    const d = targets.get(t);
    if (!d) continue;
    const net = new Float64Array(K);
    for (let k = 0; k < K; k++) for (let i = 0; i < O; i++) net[k] += p[L.W_k + k * O + i]! * o[i]!;
    loss += stepLoss(spec.head, spec.loss, net, d);
  }
  return loss;
}

/** Σ over target steps of ½(d−y)² through the real network (the true loss). */
function trueLoss(net: Rtrl97, p: Float64Array, xs: readonly (readonly number[])[], targets: Map<number, number[]>): number {
  const st = net.newStream();
  let loss = 0;
  xs.forEach((x, t) => {
    const y = lstm97Forward(net.layout, p, st, x, false);
    const d = targets.get(t);
    if (d) for (let k = 0; k < y.length; k++) loss += 0.5 * (d[k]! - y[k]!) ** 2; // mse configs only
  });
  return loss;
}

function fdGrad(f: (p: Float64Array) => number, p0: Float64Array, eps = 1e-6): Float64Array {
  const g = new Float64Array(p0.length);
  const p = p0.slice();
  for (let i = 0; i < p.length; i++) {
    p[i] = p0[i]! + eps;
    const a = f(p);
    p[i] = p0[i]! - eps;
    const b = f(p);
    p[i] = p0[i]!;
    g[i] = (a - b) / (2 * eps);
  }
  return g;
}

function truncGrad(net: Rtrl97, xs: readonly (readonly number[])[], targets: Map<number, number[]>): Float64Array {
  net.grad.fill(0);
  const st: Rtrl97Stream = net.newStream();
  xs.forEach((x, t) => {
    net.step(st, x);
    const d = targets.get(t);
    if (d) net.learn(st, d);
  });
  return net.grad.slice();
}

/** FD acceptance of LSTM-SPEC 5.1: |g − g_fd| ≤ 1e-9 + 1e-5·max(|g|,|g_fd|). */
function expectFd(g: Float64Array, fd: Float64Array, net: Rtrl97): void {
  for (const grp of net.groups) {
    const size = grp.shape.reduce((a, b) => a * b, 1);
    expectClose(g.subarray(grp.offset, grp.offset + size), fd.subarray(grp.offset, grp.offset + size), 1e-5, 1e-9, grp.name);
  }
}

const SEQ: number[][] = Array.from({ length: 9 }, (_, t) => [Math.sin(1.3 * t) * 0.8, ((t * 5) % 7) / 7 - 0.5]);
/** A K-vector target that is a distribution (so it fits softmax + CE too) built from one number. */
function targetFor(K: number, a: number): number[] {
  if (K === 1) return [a];
  const d = Array.from({ length: K }, (_, k) => (k === 0 ? a : (1 - a) / (K - 1)));
  return d;
}

const TARGETS = new Map<number, number[]>([
  [2, [0.2]],
  [5, [0.8]],
  [8, [0.4]],
]);

describe('rtrl97 truncated gradient equals the frozen-input surrogate (LSTM-SPEC 5.2)', () => {
  const variants: [string, Lstm97Config][] = [
    ['1997 cell', { ...G_BASE }],
    ['forget gate', { ...G_BASE, forgetGate: true }],
    ['forget gate + peepholes', { ...G_BASE, forgetGate: true, peepholes: true }],
    ['peepholes without forget gate', { ...G_BASE, peepholes: true }],
    ['conventional hidden units, connectivity B, 3 cells per block', { inputs: 2, outputs: 2, blocks: 2, cellsPerBlock: 3, hiddenUnits: 2, connectivity: 'B', forgetGate: true, head: 'linear' }],
    ['no output gate, logistic g, identity h, cells reading inputs only (Exp. 2a)', { inputs: 2, outputs: 2, blocks: 1, outputGate: false, g: 'sigmoid', h: 'identity', connectivity: 'B', cellSources: 'inputs', biases: { gates: false, cells: false, outputs: false } }],
    ['modern connectivity: gates and cells read the cell outputs only', { inputs: 2, outputs: 1, blocks: 3, cellsPerBlock: 2, forgetGate: true, peepholes: true, cellSources: 'cells', head: 'linear' }],
    ['softmax head with cross-entropy, tanh squashing, partial biases', { inputs: 2, outputs: 2, blocks: 3, forgetGate: true, g: 'tanh', h: 'tanh', head: 'softmax', loss: 'ce', biases: { cells: false, outputs: true } }],
    ['logistic head with cross-entropy', { inputs: 2, outputs: 2, blocks: 2, head: 'logistic', loss: 'ce' }],
    ['softmax head with MSE', { inputs: 2, outputs: 3, blocks: 2, head: 'softmax', loss: 'mse' }],
  ];
  for (const [name, cfg] of variants) {
    it(`${name}: every parameter matches FD of the surrogate, with targets at three steps`, () => {
      const net = new Rtrl97({ ...cfg, initRange: 0.5, seed: 3 });
      const targets = new Map([...TARGETS].map(([t, d]) => [t, targetFor(net.outputs, d[0]!)]));
      const g = truncGrad(net, SEQ, targets);
      const rec = record(net, SEQ);
      const fd = fdGrad((p) => surrogateLoss(net.layout, p, rec, targets), net.params);
      expectFd(g, fd, net);
    });
  }

  it('differs from the true full gradient (negative control: the truncation is real)', () => {
    const net = goldenNet({ ...G_BASE, forgetGate: true });
    const g = truncGrad(net, SEQ, TARGETS);
    const fd = fdGrad((p) => trueLoss(net, p, SEQ, TARGETS), net.params);
    let maxDiff = 0;
    for (let i = 0; i < g.length; i++) maxDiff = Math.max(maxDiff, Math.abs(g[i]! - fd[i]!));
    expect(maxDiff).toBeGreaterThan(1e-6);
  });

  it('equals the true full gradient when every recurrent column is zero (positive control)', () => {
    const net = goldenNet({ ...G_BASE, forgetGate: true });
    const { inputs: I, recurrent: R } = net.spec;
    for (const grp of net.groups) {
      if (!['W_in', 'W_out', 'W_c', 'W_fg'].includes(grp.name)) continue;
      const [rows, cols] = grp.shape as [number, number];
      for (let r = 0; r < rows; r++) for (let c = I; c < I + R; c++) net.params[grp.offset + r * cols + c] = 0;
    }
    const g = truncGrad(net, SEQ, TARGETS);
    const fd = fdGrad((p) => trueLoss(net, p, SEQ, TARGETS), net.params);
    expectFd(g, fd, net);
  });
});

describe('closed-form and invariance tests (LSTM-SPEC 5.3)', () => {
  it('the single-cell hand example gives the published activations', () => {
    // One block, one cell, no inputs beyond a zero input; nets set through the biases.
    const net = new Rtrl97({ inputs: 1, outputs: 1, blocks: 1, cellSources: 'inputs' });
    net.params.fill(0);
    const L = net.layout;
    const Zg = net.spec.zGate;
    net.params[L.W_in + Zg - 1] = 2; // net_in = 2
    net.params[L.W_c + net.spec.zCell - 1] = 1; // net_c = 1
    net.params[L.W_out + Zg - 1] = 0; // net_out = 0
    const s = net.newStream();
    net.step(s, [0]);
    expectClose([s.yIn[0]!, s.s[0]!, s.yOut[0]!, s.hS[0]!, s.o[0]!], [0.8807970779778823, 0.8140628835961243, 0.5, 0.3859492075043649, 0.19297460375218245], 1e-15, 1e-16);
  });

  it('the CEC is exact: a bias-only cell integrates s(t) = t·f(b_in)·g(b_c), and ∂s/∂b by the traces', () => {
    const net = new Rtrl97({ inputs: 1, outputs: 1, blocks: 1, cellSources: 'inputs' });
    net.params.fill(0);
    const bIn = -1.5;
    const bC = 0.7;
    net.params[net.layout.W_in + net.spec.zGate - 1] = bIn;
    net.params[net.layout.W_c + net.spec.zCell - 1] = bC;
    const st = net.newStream();
    const T = 500;
    for (let t = 0; t < T; t++) net.step(st, [0]);
    net.settleTraces(st);
    const f = sig(bIn);
    const g = 4 * sig(bC) - 2;
    expectClose([st.s[0]!], [T * f * g], 1e-12, 0, 's(T)');
    expectClose([st.Pin[net.spec.zGate - 1]!], [T * g * f * (1 - f)], 1e-12, 0, '∂s/∂b_in');
    expectClose([st.Pc[net.spec.zCell - 1]!], [T * f * 4 * sig(bC) * (1 - sig(bC))], 1e-12, 0, '∂s/∂b_c');
  });

  it('the forget gate closed form: s(7) and ∂s(7)/∂b_φ match the reference', () => {
    const net = new Rtrl97({ inputs: 1, outputs: 1, blocks: 1, forgetGate: true, cellSources: 'inputs' });
    net.params.fill(0);
    const L = net.layout;
    net.params[L.W_in + net.spec.zGate - 1] = -1;
    net.params[L.W_c + net.spec.zCell - 1] = 0.5;
    net.params[L.W_fg + net.spec.zGate - 1] = 2;
    const st = net.newStream();
    for (let t = 0; t < 7; t++) net.step(st, [0]);
    net.settleTraces(st);
    expectClose([st.s[0]!], [0.6506329055576324], 1e-13, 0, 's(7)');
    expectClose([st.Pfg[net.spec.zGate - 1]!], [0.19381414197841], 1e-12, 0, '∂s/∂b_φ');
  });

  it('reset gives the outputs and gradient of a fresh stream', () => {
    const net = goldenNet({ ...G_BASE, forgetGate: true, peepholes: true });
    const a = net.newStream();
    for (const x of SEQ) net.step(a, x);
    net.learn(a, [0.3]);
    net.reset(a);
    net.grad.fill(0);
    const ya: number[] = [];
    for (const x of GOLDEN_INPUTS) ya.push(net.step(a, x)[0]!);
    net.learn(a, [GOLDEN_TARGET]);
    const ga = net.grad.slice();
    net.grad.fill(0);
    const b = net.newStream();
    const yb: number[] = [];
    for (const x of GOLDEN_INPUTS) yb.push(net.step(b, x)[0]!);
    net.learn(b, [GOLDEN_TARGET]);
    expect(ya).toEqual(yb);
    expect(ga).toEqual(net.grad);
  });

  it('streams are isolated: interleaved stepping equals separate stepping, and gradients add', () => {
    const net = goldenNet({ ...G_BASE, forgetGate: true });
    const xsB = SEQ.map(([u, v]) => [v!, -u!]);
    const sep = (xs: number[][]): { ys: number[]; g: Float64Array } => {
      net.grad.fill(0);
      const s = net.newStream();
      const ys = xs.map((x, t) => {
        const y = net.step(s, x)[0]!;
        if (t % 3 === 2) net.learn(s, [0.5]);
        return y;
      });
      return { ys, g: net.grad.slice() };
    };
    const A = sep(SEQ);
    const B = sep(xsB);
    net.grad.fill(0);
    const sa = net.newStream();
    const sb = net.newStream();
    const ya: number[] = [];
    const yb: number[] = [];
    for (let t = 0; t < SEQ.length; t++) {
      ya.push(net.step(sa, SEQ[t]!)[0]!);
      yb.push(net.step(sb, xsB[t]!)[0]!);
      if (t % 3 === 2) {
        net.learn(sb, [0.5]);
        net.learn(sa, [0.5]);
      }
    }
    expect(ya).toEqual(A.ys);
    expect(yb).toEqual(B.ys);
    expectClose(net.grad, A.g.map((v, i) => v + B.g[i]!), 1e-14, 1e-18, 'summed gradient');
  });

  it('the same seed gives bit-identical parameters and outputs; another seed does not', () => {
    const run = (seed: number): number[] => {
      const net = new Rtrl97({ ...G_BASE, forgetGate: true, seed });
      const s = net.newStream();
      return [...net.params, ...SEQ.map((x) => net.step(s, x)[0]!)];
    };
    expect(run(7)).toEqual(run(7));
    expect(run(7)).not.toEqual(run(8));
  });

  it('gate-bias lists overwrite the bias column of each block', () => {
    const net = new Rtrl97({ inputs: 2, outputs: 1, blocks: 2, cellsPerBlock: 2, gateBias: { input: [-3, -6] } });
    const Zg = net.spec.zGate;
    expect(net.params[net.layout.W_in + Zg - 1]).toBe(-3);
    expect(net.params[net.layout.W_in + 2 * Zg - 1]).toBe(-6);
  });
});

describe('bad configuration and input get coded errors', () => {
  const code = (fn: () => unknown): string => {
    try {
      fn();
    } catch (e) {
      return e instanceof LstmError ? e.code : 'not an LstmError';
    }
    return 'no error';
  };
  it('names the bad configuration field', () => {
    expect(code(() => new Rtrl97({ ...G_BASE, blocks: 0 }))).toBe(LSTM_ERR.CONFIG);
    expect(code(() => new Rtrl97({ ...G_BASE, g: 'cubic' as never }))).toBe(LSTM_ERR.CONFIG);
    expect(code(() => new Rtrl97({ ...G_BASE, gateBias: { input: [1] } }))).toBe(LSTM_ERR.CONFIG);
    expect(() => new Rtrl97({ ...G_BASE, initRange: -1 })).toThrow(/initRange/);
  });
  it('refuses a wrong-length or non-finite input without touching the stream', () => {
    const net = goldenNet(G_BASE);
    const s = net.newStream();
    net.step(s, [0.1, 0.2]);
    const before = JSON.stringify([...s.s, ...s.r, ...s.Pc, s.t]);
    expect(code(() => net.step(s, [0.1]))).toBe(LSTM_ERR.DIMENSION);
    expect(code(() => net.step(s, [NaN, 0]))).toBe(LSTM_ERR.NON_FINITE);
    expect(code(() => net.step(s, [0, Infinity]))).toBe(LSTM_ERR.NON_FINITE);
    expect(JSON.stringify([...s.s, ...s.r, ...s.Pc, s.t])).toBe(before);
  });
  it('refuses a non-finite target or loss before the gradient changes', () => {
    const net = goldenNet(G_BASE);
    const s = net.newStream();
    net.step(s, [0.1, 0.2]);
    expect(code(() => net.learn(s, [NaN]))).toBe(LSTM_ERR.NON_FINITE);
    expect(net.grad.every((v) => v === 0)).toBe(true);
    const ce = new Rtrl97({ ...G_BASE, loss: 'ce' });
    const s2 = ce.newStream();
    ce.params.fill(0);
    ce.params[ce.layout.W_k + ce.spec.outSources - 1] = 800; // y rounds to exactly 1
    ce.step(s2, [0, 0]);
    expect(code(() => ce.learn(s2, [1e308]))).toBe(LSTM_ERR.NON_FINITE); // (1 − d)·800 overflows
    expect(ce.grad.every((v) => v === 0)).toBe(true);
  });
  it('keeps cross-entropy finite where an output has rounded to exactly 0 or 1, and learns from it', () => {
    // logistic: y = 1 exactly, d = 0: E = softplus(800) = 800, dE/dnet = y − d = 1
    const lg = new Rtrl97({ ...G_BASE, loss: 'ce' });
    const s = lg.newStream();
    lg.params.fill(0);
    const bias = lg.layout.W_k + lg.spec.outSources - 1;
    lg.params[bias] = 800;
    expect(lg.step(s, [0, 0])[0]).toBe(1);
    expect(lg.learn(s, [0])).toBe(800);
    expect(lg.grad[bias]).toBe(1);
    expect(lg.learnSgd(s, [0], 0.5)).toBe(800);
    expect(lg.params[bias]).toBe(799.5);
    // softmax: nets (800, 0) give y = (1, 0) exactly; d = (0, 1): E = logsumexp − 0 = 800
    const sm = new Rtrl97({ ...G_BASE, outputs: 2, head: 'softmax', loss: 'ce' });
    const s3 = sm.newStream();
    sm.params.fill(0);
    const b0 = sm.layout.W_k + sm.spec.outSources - 1;
    sm.params[b0] = 800;
    expect([...sm.step(s3, [0, 0])]).toEqual([1, 0]);
    const losses = new Float64Array(1);
    sm.learnBatch([s3], [0, 1], losses);
    expect(losses[0]).toBe(800);
    expect(sm.grad[b0]).toBe(1);
    expect(sm.grad[b0 + sm.spec.outSources]).toBe(-1);
  });
  it('refuses learn() before any step()', () => {
    const net = goldenNet(G_BASE);
    expect(code(() => net.learn(net.newStream(), [0.5]))).toBe(LSTM_ERR.STATE);
  });
});

describe('many streams, one model', () => {
  it('stepBatch and learnBatch equal stepping and learning B streams one by one, bit for bit', () => {
    const cfg: Lstm97Config = { inputs: 2, outputs: 2, blocks: 3, cellsPerBlock: 2, forgetGate: true, peepholes: true, head: 'linear', seed: 5 };
    const B = 5;
    const xs = (t: number, b: number): number[] => [Math.sin(0.7 * t + b), Math.cos(0.3 * t * (b + 1))];
    const one = new Rtrl97(cfg);
    const batch = new Rtrl97(cfg);
    const singles = Array.from({ length: B }, () => one.newStream());
    const many = Array.from({ length: B }, () => batch.newStream());
    const Y = new Float64Array(B * 2);
    const losses = new Float64Array(B);
    for (let t = 0; t < 12; t++) {
      const X = new Float64Array(B * 2);
      for (let b = 0; b < B; b++) X.set(xs(t, b), b * 2);
      batch.stepBatch(many, X, Y);
      const ys: number[] = [];
      for (let b = 0; b < B; b++) ys.push(...one.step(singles[b]!, xs(t, b)));
      expect([...Y]).toEqual(ys);
      if (t % 2 === 1) {
        const D = X.map((v) => v * 0.5);
        batch.learnBatch(many, D, losses);
        const ls = singles.map((s, b) => one.learn(s, D.subarray(b * 2, b * 2 + 2)));
        expect([...losses]).toEqual(ls);
      }
    }
    expect(batch.grad).toEqual(one.grad);
  });

  it('a bad row in a batch is refused before any stream moves', () => {
    const net = new Rtrl97({ inputs: 1, outputs: 1, blocks: 2 });
    const streams = [net.newStream(), net.newStream()];
    expect(() => net.stepBatch(streams, [0.5, NaN], new Float64Array(2))).toThrow(LstmError);
    expect(streams.map((s) => s.t)).toEqual([0, 0]);
  });
});

describe('Rtrl97.learnSgd: learn() and the SGD step fused in one pass', () => {
  const configs: [string, Lstm97Config][] = [
    ['forget gate, blocks of 1, cells read cells', { inputs: 3, outputs: 2, blocks: 4, cellsPerBlock: 1, forgetGate: true, head: 'linear', seed: 3, cellSources: 'cells' }],
    ['1997 cell, blocks of 2, hidden units, peepholes', { inputs: 3, outputs: 2, blocks: 2, cellsPerBlock: 2, hiddenUnits: 2, peepholes: true, head: 'logistic', seed: 5 }],
  ];
  for (const [name, cfg] of configs) {
    it(`${name}: follows learn() + θ -= lr·grad to rounding over 300 steps, and leaves grad alone`, () => {
      const a = new Rtrl97(cfg);
      const b = new Rtrl97(cfg);
      const sa = a.newStream();
      const sb = b.newStream();
      const lr = 0.1;
      let maxDiff = 0;
      for (let t = 0; t < 300; t++) {
        const x = [Math.sin(t / 5), Math.cos(t / 7), (t % 3) - 1];
        const d = [0.5 + 0.4 * Math.sin((t + 1) / 5), t % 2];
        a.step(sa, x);
        b.step(sb, x);
        const la = a.learn(sa, d);
        for (let i = 0; i < a.params.length; i++) a.params[i]! -= lr * a.grad[i]!;
        a.grad.fill(0);
        const lb = b.learnSgd(sb, d, lr);
        expect(Math.abs(lb - la)).toBeLessThanOrEqual(1e-9 * Math.max(1, Math.abs(la)));
        expect(b.gradReady(sb)).toBe(false);
        for (let i = 0; i < a.params.length; i++) maxDiff = Math.max(maxDiff, Math.abs(a.params[i]! - b.params[i]!));
      }
      expect(maxDiff).toBeLessThan(1e-12);
      expect(b.grad.every((v) => v === 0)).toBe(true);
      // The weights did move: the comparison is not between two idle nets.
      expect(Array.from(b.params)).not.toEqual(Array.from(new Rtrl97(cfg).params));
    });
  }

  it('refuses a bad lr or a non-finite output error without touching the weights', () => {
    const net = new Rtrl97(configs[0]![1]);
    const s = net.newStream();
    net.step(s, [1, 0, 0]);
    const before = Float64Array.from(net.params);
    expect(() => net.learnSgd(s, [0, 0], NaN)).toThrow(LstmError);
    expect(() => net.learnSgd(s, [0, 0], Number.MAX_VALUE, 1e300)).toThrow(LstmError);
    expect(Array.from(net.params)).toEqual(Array.from(before));
  });
});
