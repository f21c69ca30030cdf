// The single-stream wasm kernels of the modern recurrent family (vanilla, cifg, gru, stacked; the
// gate blocks of tbptt's forward and backward, wasm-single.ts) against the JS kernels: the same
// bits on every path, and the wasm path really taken where it should be.

import { afterEach, describe, expect, it } from 'vitest';
import { StreamBatch } from './batch.ts';
import { createModel, type ModelBuild } from './model.ts';
import type { RecurrentOptions } from './recurrent-options.ts';
import { RecurrentLearner, bptt, tbptt, type RecurrentStream } from './tbptt.ts';
import { WASM_SINGLE_MIN_WEIGHTS } from './wasm-single.ts';
import { kernelBackend, setKernelBackend, type KernelBackend } from './wasm-kernels.ts';
import { workspaceFor } from './workspace.ts';

// Each above WASM_SINGLE_MIN_WEIGHTS (checked below), so the kernels run. Odd sizes exercise the
// kernels' tails (rows not a multiple of 8 or 4, odd fan-ins).
const OPTIONS: Record<string, RecurrentOptions> = {
  'vanilla, peepholes, H=13, X=5': { inputs: 5, outputs: 2, hidden: 13, cell: 'vanilla', seed: 3 },
  'vanilla, no peepholes, H=16, X=8, softmax + ce': { inputs: 8, outputs: 3, hidden: 16, cell: 'vanilla', peepholes: false, head: 'softmax', loss: 'ce', seed: 4 },
  'cifg, H=15, X=3': { inputs: 3, outputs: 1, hidden: 15, cell: 'cifg', seed: 5 },
  'gru, H=14, X=4, logistic': { inputs: 4, outputs: 2, hidden: 14, cell: 'gru', peepholes: false, head: 'logistic', seed: 6 },
  'stacked vanilla [11, 9], X=7': { inputs: 7, outputs: 1, hidden: [11, 9], cell: 'vanilla', seed: 7 },
  'stacked gru [10, 12], X=3': { inputs: 3, outputs: 1, hidden: [10, 12], cell: 'gru', peepholes: false, seed: 8 },
};

function build(make: () => RecurrentLearner, backend: KernelBackend): RecurrentLearner {
  const before = kernelBackend();
  setKernelBackend(backend);
  try {
    return make();
  } finally {
    setKernelBackend(before);
  }
}

const xAt = (t: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(0.31 * t + 0.7 * i) * (1 + 0.1 * i));
const dAt = (t: number, o: RecurrentOptions): number[] => {
  if (o.head === 'softmax') return Array.from({ length: o.outputs }, (_, k) => (k === t % o.outputs ? 1 : 0));
  return Array.from({ length: o.outputs }, (_, k) => 0.5 + 0.3 * Math.cos(0.17 * t + k));
};
const bits = (a: ArrayLike<number>): string[] => Array.from(a, (v) => (Object.is(v, -0) ? '-0' : String(v)));
/** Index of the first element where a and b differ (-1: the same), so a failure prints one line, not a diff of thousands. */
const firstDiff = (a: readonly string[], b: readonly string[]): number => {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if (a[i] !== b[i]) return i;
  return -1;
};
const state = (s: RecurrentStream): string[] => [...bits(s.y), ...s.h.flatMap(bits), ...s.c.flatMap(bits), ...bits(s.ring.slab)];

/** Steps `n` times with targets and an SGD update every step where gradient was added; returns outputs. */
function run(net: RecurrentLearner, o: RecurrentOptions, streams: RecurrentStream[], n: number): string[] {
  const out: string[] = [];
  for (let t = 0; t < n; t++) {
    streams.forEach((s, i) => {
      out.push(...bits(net.step(s, xAt(t + 5 * i, o.inputs))));
      if ((t + i) % 3 !== 2) out.push(String(net.learn(s, dAt(t + i, o))));
    });
    if (streams.some((s) => net.gradReady(s))) {
      for (let i = 0; i < net.params.length; i++) net.params[i] -= 0.05 * net.grad[i];
      out.push(...bits(net.grad));
      net.grad.fill(0);
    }
  }
  return out;
}

describe('single-stream wasm kernels of the recurrent learners', () => {
  const initial = kernelBackend();
  afterEach(() => setKernelBackend(initial));

  it('are used by a learner under the wasm backend: params, grad and its own workspace in its memory', () => {
    const o = OPTIONS['vanilla, peepholes, H=13, X=5']!;
    const w = build(() => tbptt(o, 1, 4), 'wasm');
    const j = build(() => tbptt(o, 1, 4), 'js');
    expect(w.kernels).not.toBeNull();
    expect(j.kernels).toBeNull();
    const k = w.kernels!;
    expect(k.owns(w.params) && k.owns(w.grad)).toBe(true);
    expect(k.owns(w.workspace.step.x) && k.owns(w.workspace.step.layers[0]!.act) && k.owns(w.workspace.backward.dgate)).toBe(true);
    expect(w.workspace).not.toBe(workspaceFor(w.layout, o.inputs)); // not the shape's shared one
    expect(j.workspace).toBe(workspaceFor(j.layout, o.inputs)); // JS learners share it
    expect(firstDiff(bits(w.params), bits(j.params))).toBe(-1); // the same seeded init
    for (const c of Object.values(OPTIONS)) expect(build(() => tbptt(c, 1, 4), 'wasm').params.length).toBeGreaterThanOrEqual(WASM_SINGLE_MIN_WEIGHTS);
    // Below the threshold: JS.
    expect(build(() => tbptt({ inputs: 2, outputs: 1, hidden: 4 }, 1, 4), 'wasm').kernels).toBeNull();
    // Opted out (a model that will borrow a shared gradient): JS, and the shape's shared workspace.
    const out = new RecurrentLearner({ ...o, k1: 1, k2: 4 }, { kernels: false });
    expect(out.kernels).toBeNull();
    expect(out.workspace).toBe(workspaceFor(out.layout, o.inputs));
    const kinds = (b: ModelBuild) => (createModel({ inputs: 5, outputs: 2, hidden: 13, cell: 'vanilla' }, undefined, b).learner as unknown as RecurrentLearner).kernels;
    expect(kinds({})).not.toBeNull();
    expect(kinds({ kernels: false })).toBeNull();
    const r97 = (b: ModelBuild) => (createModel({ inputs: 5, outputs: 2, hidden: 13, cell: 'forget', learner: 'rtrl97' }, undefined, b).learner as unknown as { kernels: unknown }).kernels;
    expect(r97({})).not.toBeNull();
    expect(r97({ kernels: false })).toBeNull();
    // A kernels option that is not a boolean is a coded configuration error, not a silent default.
    expect(() => kinds({ kernels: 'no' as unknown as boolean })).toThrow(expect.objectContaining({ code: 'LSTM_ERR_CONFIG' }));
    expect(() => r97({ kernels: 0 as unknown as boolean })).toThrow(expect.objectContaining({ code: 'LSTM_ERR_CONFIG' }));
  });

  for (const [name, o] of Object.entries(OPTIONS)) {
    for (const [k1, k2] of [[1, 16], [4, 9], [3, 3]] as const) {
      it(`${name}, tbptt(${k1},${k2}), two streams: the same bits as the JS kernels`, () => {
        const w = build(() => tbptt(o, k1, k2), 'wasm');
        const j = build(() => tbptt(o, k1, k2), 'js');
        const sw = [w.newStream(), w.newStream()];
        const sj = [j.newStream(), j.newStream()];
        expect(firstDiff(run(w, o, sw, 40), run(j, o, sj, 40))).toBe(-1);
        expect(firstDiff(bits(w.params), bits(j.params))).toBe(-1);
        sw.forEach((s, i) => expect(firstDiff(state(s), state(sj[i]!))).toBe(-1));
      });
    }
  }

  it('full BPTT with flush(), and a StreamBatch of 3 and of 5 over a learner with kernels: the same bits', () => {
    const o = OPTIONS['stacked vanilla [11, 9], X=7']!;
    const w = build(() => bptt(o, 64), 'wasm');
    const j = build(() => bptt(o, 64), 'js');
    const [a, b] = [w.newStream(), j.newStream()];
    for (let t = 0; t < 30; t++) {
      expect(bits(w.step(a, xAt(t, 7)))).toEqual(bits(j.step(b, xAt(t, 7))));
      w.learn(a, dAt(t, o));
      j.learn(b, dAt(t, o));
    }
    expect(w.flush(a)).toBe(true);
    j.flush(b);
    expect(firstDiff(bits(w.grad), bits(j.grad))).toBe(-1);
    for (const B of [3, 5]) {
      const wb = build(() => tbptt(o, 2, 6), 'wasm');
      const jb = build(() => tbptt(o, 2, 6), 'js');
      const bw = new StreamBatch(wb, Array.from({ length: B }, () => wb.newStream()));
      const bj = new StreamBatch(jb, Array.from({ length: B }, () => jb.newStream()));
      for (let t = 0; t < 12; t++) {
        const X = Array.from({ length: B }, (_, i) => xAt(t + i, 7)).flat();
        expect(bits(bw.step(X))).toEqual(bits(bj.step(X)));
        const D = Array.from({ length: B }, (_, i) => dAt(t + i, o)).flat();
        expect(bw.learn(D)).toBe(bj.learn(D));
      }
      expect(firstDiff(bits(wb.grad), bits(jb.grad))).toBe(-1);
    }
  });

  it('a gradient buffer swapped in from outside (a pool) takes the JS path with the same bits', () => {
    const o = OPTIONS['cifg, H=15, X=3']!;
    const w = build(() => tbptt(o, 1, 5), 'wasm');
    const j = build(() => tbptt(o, 1, 5), 'js');
    w.grad = new Float64Array(w.params.length);
    expect(w.kernels!.owns(w.grad)).toBe(false);
    expect(firstDiff(run(w, o, [w.newStream()], 20), run(j, o, [j.newStream()], 20))).toBe(-1);
  });
});
