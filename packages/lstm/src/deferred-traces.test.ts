// Rtrl97.step() leaves its trace update pending (Lstm97State.tr) and learn()/learnSgd() apply it in
// the pass that reads the traces. These tests hold that to the immediate update, bit for bit, on
// every path that can meet a pending update: learn, learnSgd, predict, a second step without a
// learn, batches, reset, snapshots and copies taken while it is pending, and checkpoints written
// before the field existed.

import { describe, expect, it } from 'vitest';
import { lstm97Forward, lstm97ForwardBatch, type Lstm97State } from './lstm97.ts';
import type { Lstm97Config } from './lstm97-config.ts';
import { createModel, loadModel, saveModel } from './model.ts';
import { Rtrl97, type Rtrl97Stream } from './rtrl97.ts';
import { copyStream, restoreStream, snapshotStream } from './stream-state.ts';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint.ts';
import { learnBatchBoth } from './testing/rtrl97-pair.ts';

const CONFIGS: Record<string, Lstm97Config> = {
  'forget, cells': { inputs: 3, outputs: 2, blocks: 4, forgetGate: true, cellSources: 'cells' },
  'forget + peepholes, 2 cells/block, all': { inputs: 2, outputs: 2, blocks: 2, cellsPerBlock: 2, forgetGate: true, peepholes: true },
  '1997 cell, hidden units': { inputs: 2, outputs: 1, blocks: 3, hiddenUnits: 2 },
  'forget, hidden units (Zc ≠ Zg)': { inputs: 2, outputs: 1, blocks: 2, forgetGate: true, hiddenUnits: 1 },
};

function xAt(t: number, n: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.sin(0.37 * t + 1.1 * i) * (i % 2 === 0 ? 1 : 0.6));
}

function traces(s: Lstm97State): number[] {
  return [...s.Pc, ...s.Pin, ...s.Pfg, ...s.Qin, ...s.Qfg];
}

/** The reference: every step updates its traces at once (traces: true). */
function immediateStep(net: Rtrl97, s: Rtrl97Stream, x: number[]): Float64Array {
  s.ready = false;
  return lstm97Forward(net.layout, net.params, s, x, true);
}

describe('deferred trace update (Rtrl97.step + learn)', () => {
  for (const [name, cfg] of Object.entries(CONFIGS)) {
    it(`${name}: a schedule of learn, learnSgd, predict and unlearned steps is bit-identical to updating traces in the step`, () => {
      const a = new Rtrl97(cfg);
      const b = new Rtrl97(cfg, a.params.slice());
      const sa = a.newStream();
      const sb = b.newStream();
      const I = a.inputs;
      const K = a.outputs;
      for (let t = 0; t < 60; t++) {
        const x = xAt(t, I);
        const ya = Array.from(a.step(sa, x));
        const yb = Array.from(immediateStep(b, sb, x));
        expect(ya).toEqual(yb);
        const d = Array.from({ length: K }, (_, k) => 0.5 + 0.4 * Math.cos(0.21 * t + k));
        const phase = t % 6;
        if (phase === 0 || phase === 3) {
          expect(a.learn(sa, d)).toBe(b.learn(sb, d));
        } else if (phase === 1) {
          expect(a.learnSgd(sa, d, 0.05)).toBe(b.learnSgd(sb, d, 0.05));
        } else if (phase === 2) {
          expect(Array.from(a.predict(sa, xAt(t + 100, I)))).toEqual(Array.from(b.predict(sb, xAt(t + 100, I))));
        } else if (phase === 4) {
          // a learn with zero error: the update-only path
          const y = Array.from(sa.y);
          expect(a.learn(sa, y)).toBe(b.learn(sb, y));
        } // phase 5: no learn; the next step settles
        if (t % 10 === 9) {
          for (let i = 0; i < a.params.length; i++) a.params[i]! -= 0.01 * a.grad[i]!;
          for (let i = 0; i < b.params.length; i++) b.params[i]! -= 0.01 * b.grad[i]!;
          a.grad.fill(0);
          b.grad.fill(0);
        }
        a.settleTraces(sa);
        expect(traces(sa)).toEqual(traces(sb));
      }
      expect(Array.from(a.params)).toEqual(Array.from(b.params));
      expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
    });
  }

  it('the update is really deferred: after step() the traces lag, settleTraces() brings them level', () => {
    const net = new Rtrl97(CONFIGS['forget, cells']!);
    const ref = new Rtrl97(CONFIGS['forget, cells']!, net.params.slice());
    const s = net.newStream();
    const r = ref.newStream();
    net.step(s, xAt(0, 3));
    immediateStep(ref, r, xAt(0, 3));
    expect(s.tr[s.tr.length - 1]).toBe(1);
    expect(traces(s)).not.toEqual(traces(r));
    net.settleTraces(s);
    expect(s.tr[s.tr.length - 1]).toBe(0);
    expect(traces(s)).toEqual(traces(r));
  });

  it('batched steps defer like single ones, and settle streams left pending by a single step', () => {
    const cfg = CONFIGS['forget + peepholes, 2 cells/block, all']!;
    const a = new Rtrl97(cfg);
    const b = new Rtrl97(cfg, a.params.slice());
    const A = [a.newStream(), a.newStream()];
    const Bs = [b.newStream(), b.newStream()];
    const I = a.inputs;
    const K = a.outputs;
    const Y = new Float64Array(2 * K);
    for (let t = 0; t < 12; t++) {
      const X = [...xAt(t, I), ...xAt(t + 50, I)];
      const D = Array.from({ length: 2 * K }, (_, i) => 0.3 + 0.05 * ((t + i) % 7));
      if (t % 3 === 0) {
        // one stream stepped alone (pending), then the batch
        a.step(A[0]!, xAt(t + 7, I));
        immediateStep(b, Bs[0]!, xAt(t + 7, I));
      }
      a.stepBatch(A, X, Y);
      const Yb = new Float64Array(2 * K);
      for (const s of Bs) s.ready = false;
      lstm97ForwardBatch(b.layout, b.params, Bs, X, Yb, true); // the reference updates traces in the step
      expect(Array.from(Y)).toEqual(Array.from(Yb));
      if (t % 2 === 1) {
        a.step(A[1]!, xAt(t + 9, I)); // pending when learnBatch runs
        immediateStep(b, Bs[1]!, xAt(t + 9, I));
      }
      learnBatchBoth(a, A, b, Bs, D);
    }
    expect(Array.from(a.grad)).toEqual(Array.from(b.grad));
  });

  it('a snapshot or a copy taken while the update is pending goes on with the same bits', () => {
    const cfg = CONFIGS['forget, cells']!;
    const net = new Rtrl97(cfg);
    const s = net.newStream();
    for (let t = 0; t < 10; t++) {
      net.step(s, xAt(t, 3));
      if (t % 2 === 0) net.learn(s, [0.2, 0.7]);
    }
    expect(s.tr[s.tr.length - 1]).toBe(1); // the 10th step was not learned: pending
    const snap = snapshotStream(s);
    const restored = restoreStream(net.newStream(), snap);
    const copied = copyStream(net.newStream(), s);
    const gradOf = (st: Rtrl97Stream): number[] => {
      net.grad.fill(0);
      net.step(st, xAt(20, 3));
      net.learn(st, [0.9, 0.1]);
      return [...net.grad, ...st.y];
    };
    const expected = gradOf(s);
    expect(gradOf(restored)).toEqual(expected);
    expect(gradOf(copied)).toEqual(expected);
  });

  it('reset drops a pending update with the traces', () => {
    const net = new Rtrl97(CONFIGS['forget, cells']!);
    const s = net.newStream();
    net.step(s, xAt(0, 3));
    net.reset(s);
    expect(s.tr.every((v) => v === 0)).toBe(true);
    expect(traces(s).every((v) => v === 0)).toBe(true);
    const fresh = net.newStream();
    net.step(s, xAt(1, 3));
    net.step(fresh, xAt(1, 3));
    net.learn(s, [0.5, 0.5]);
    const g1 = net.grad.slice();
    net.grad.fill(0);
    net.learn(fresh, [0.5, 0.5]);
    expect(Array.from(g1)).toEqual(Array.from(net.grad));
  });

  it('a checkpoint written before the field existed (no `tr` in its stream records) loads, with nothing pending', () => {
    const model = createModel({ inputs: 2, outputs: 1, cell: 'forget', learner: 'rtrl97', hidden: 3 });
    const st = model.learner.newStream() as Rtrl97Stream;
    for (let t = 0; t < 5; t++) {
      model.learner.step(st, xAt(t, 2));
      model.learner.learn(st, [0.4]);
    }
    const bytes = saveModel(model, { a: st });
    const doc = decodeCheckpoint(bytes);
    const rec = { ...(doc.streams!['a'] as Record<string, unknown>) };
    delete rec['tr'];
    const old = encodeCheckpoint({ ...doc, streams: { a: rec as never } });
    const { model: m2, streams } = loadModel(old);
    const s2 = streams['a'] as Rtrl97Stream;
    expect(s2.tr.length).toBe(st.tr.length);
    expect(s2.tr[s2.tr.length - 1]).toBe(0); // nothing pending, as in the saved stream
    expect(st.tr[st.tr.length - 1]).toBe(0);
    model.learner.grad.fill(0);
    for (const [m, s] of [[model, st], [m2, s2]] as const) {
      m.learner.step(s, xAt(9, 2));
      m.learner.learn(s, [0.1]);
    }
    expect(Array.from(s2.y)).toEqual(Array.from(st.y));
    expect(Array.from(m2.learner.grad)).toEqual(Array.from(model.learner.grad));
  });
});
