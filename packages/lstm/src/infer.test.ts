import { describe, expect, it } from 'vitest';
import { LSTM_ERR, LstmError } from './errors.ts';
import { InferBatch, inferBatchAvailable, type InferPrecision } from './infer.ts';
import { aloneRun, inputs, maxAbsDiff } from './testing/infer-check.ts';
import type { RecurrentOptions } from './recurrent-options.ts';
import { tbptt, type RecurrentLearner, type RecurrentStream } from './tbptt.ts';

// 'f64' gives the learner's own bits (tolerance 0); 'f32' against the float64 step: pre-activations
// of magnitude ~1-10 carry ~1e-7 relative rounding per step; 1e-5 absolute over these runs is
// float32 rounding, not a different model.
const PRECISIONS: [InferPrecision, number][] = [['f64', 0], ['f32', 1e-5]];

const NETS: [string, RecurrentOptions][] = [
  ['vanilla, peepholes, linear head', { inputs: 3, hidden: 9, outputs: 2, cell: 'vanilla', head: 'linear', initRange: 0.5, seed: 3 }],
  ['vanilla without peepholes, logistic head', { inputs: 3, hidden: 9, outputs: 2, cell: 'vanilla', peepholes: false, head: 'logistic', initRange: 0.5, seed: 4 }],
  ['cifg, softmax head', { inputs: 3, hidden: 7, outputs: 3, cell: 'cifg', head: 'softmax', loss: 'ce', initRange: 0.5, seed: 5 }],
  ['stacked vanilla [6, 5]', { inputs: 3, hidden: [6, 5], outputs: 2, cell: 'vanilla', head: 'linear', initRange: 0.5, seed: 6 }],
];

/** Each stream stepped alone in float64: (B, K) outputs per step. */
function float64Run(net: RecurrentLearner, streams: RecurrentStream[], xs: Float64Array[]): Float64Array[] {
  return aloneRun(streams, xs, net.inputs, net.outputs, (s, x) => net.step(s, x));
}

describe('InferBatch: batched forward-only inference', () => {
  it('loads on this runtime (WebAssembly SIMD, as the wasm backend needs)', () => {
    expect(inferBatchAvailable()).toBe(true);
  });

  for (const [name, options] of NETS) {
    it(`gives the learner's own bits in float64 (${name}, B = 11: two panels, five idle lanes)`, () => {
      const net = tbptt(options, 1, 4);
      const B = 11;
      const streams = Array.from({ length: B }, () => net.newStream());
      const xs = inputs(7, B, net.inputs, 40);
      const want = float64Run(net, streams, xs);
      const batch = new InferBatch(net, B);
      for (let t = 0; t < xs.length; t++) expect(batch.step(xs[t])).toEqual(want[t]);
    });

    it(`follows the float64 step to float32 rounding in float32 (${name}, B = 11)`, () => {
      const net = tbptt(options, 1, 4);
      const B = 11;
      const streams = Array.from({ length: B }, () => net.newStream());
      const xs = inputs(7, B, net.inputs, 40);
      const want = float64Run(net, streams, xs);
      const batch = new InferBatch(net, B, { precision: 'f32' });
      let worst = 0;
      for (let t = 0; t < xs.length; t++) worst = Math.max(worst, maxAbsDiff(batch.step(xs[t]).slice(), want[t]));
      expect(worst).toBeLessThan(1e-5);
      expect(worst).toBeGreaterThan(0); // it does compute in float32
    });
  }

  for (const [precision, tol] of PRECISIONS) {
    it(`gives each stream the same bits in a batch of 1 as in a batch of 11, and the same bits run after run (${precision})`, () => {
      const net = tbptt(NETS[0][1], 1, 4);
      const B = 11;
      const xs = inputs(8, B, 3, 25);
      const batch = new InferBatch(net, B, { precision });
      const again = new InferBatch(net, B, { precision });
      const alone = [2, 8, 10].map((b) => ({ b, one: new InferBatch(net, 1, { precision }) }));
      for (const x of xs) {
        const out = batch.step(x).slice();
        expect(again.step(x)).toEqual(out);
        for (const { b, one } of alone) expect(one.step(x.subarray(3 * b, 3 * b + 3))).toEqual(out.subarray(2 * b, 2 * b + 2));
      }
    });

    it(`continues a float64 stream from its state (load) and zeroes one stream on reset(b), leaving the others (${precision})`, () => {
      const net = tbptt(NETS[3][1], 1, 4);
      const B = 9;
      const streams = Array.from({ length: B }, () => net.newStream());
      const warm = inputs(9, B, 3, 12);
      float64Run(net, streams, warm);
      const batch = new InferBatch(net, B, { precision });
      const control = new InferBatch(net, B, { precision });
      streams.forEach((s, b) => { batch.load(b, s); control.load(b, s); });
      const xs = inputs(10, B, 3, 15);
      const want = float64Run(net, streams, xs);
      let worst = 0;
      for (let t = 0; t < 10; t++) {
        worst = Math.max(worst, maxAbsDiff(batch.step(xs[t]), want[t]));
        control.step(xs[t]);
      }
      expect(worst).toBeLessThanOrEqual(tol);
      batch.reset(4);
      const fresh = new InferBatch(net, 1, { precision });
      for (let t = 10; t < 15; t++) {
        const out = batch.step(xs[t]).slice();
        const ctl = control.step(xs[t]);
        for (let b = 0; b < B; b++) {
          if (b === 4) expect(out.subarray(8, 10)).toEqual(fresh.step(xs[t].subarray(12, 15)));
          else expect(out.subarray(2 * b, 2 * b + 2)).toEqual(ctl.subarray(2 * b, 2 * b + 2));
        }
      }
    });

    it(`keeps its weights until refresh(), then follows the trained model (${precision})`, () => {
      const net = tbptt(NETS[0][1], 1, 4);
      const before = tbptt(NETS[0][1], 1, 4);
      const batch = new InferBatch(net, 1, { precision });
      const x = [0.5, -0.25, 1];
      for (let i = 0; i < net.params.length; i++) net.params[i] *= 1.5; // "trained"
      expect(batch.step(x)).toEqual(new InferBatch(before, 1, { precision }).step(x));
      batch.refresh();
      batch.reset();
      const s = net.newStream();
      expect(maxAbsDiff(batch.step(x), net.step(s, x))).toBeLessThanOrEqual(tol);
    });

    it(`saturates like the float64 cell at extreme inputs (no overflow in its exp) (${precision})`, () => {
      const net = tbptt(NETS[0][1], 1, 4);
      const B = 8;
      const streams = Array.from({ length: B }, () => net.newStream());
      const xs = inputs(11, B, 3, 6, 1e30).concat(inputs(12, B, 3, 6, 60));
      const want = float64Run(net, streams, xs);
      const batch = new InferBatch(net, B, { precision });
      for (let t = 0; t < xs.length; t++) {
        const out = batch.step(xs[t]);
        expect(out.every(Number.isFinite)).toBe(true);
        expect(maxAbsDiff(out, want[t])).toBeLessThanOrEqual(tol);
      }
    });
  }

  // H a multiple of 8 and B = 1: the one-stream kernels (lanes over rows and units, not streams)
  const ONE: [string, RecurrentOptions][] = [
    ['vanilla H = 16, peepholes', { inputs: 3, hidden: 16, outputs: 2, cell: 'vanilla', head: 'linear', initRange: 0.5, seed: 13 }],
    ['cifg H = 8, softmax head', { inputs: 3, hidden: 8, outputs: 3, cell: 'cifg', head: 'softmax', loss: 'ce', initRange: 0.5, seed: 14 }],
    ['stacked vanilla [16, 8] without peepholes', { inputs: 3, hidden: [16, 8], outputs: 1, cell: 'vanilla', peepholes: false, head: 'logistic', initRange: 0.5, seed: 15 }],
  ];
  for (const [name, options] of ONE) {
    it(`one stream alone gives the learner's bits in float64, and in both precisions the bits of its lane in a batch (${name})`, () => {
      const net = tbptt(options, 1, 4);
      const K = net.outputs;
      const s = net.newStream();
      const xs = inputs(16, 3, 3, 30);
      const alone = { f64: new InferBatch(net, 1), f32: new InferBatch(net, 1, { precision: 'f32' }) };
      const batch = { f64: new InferBatch(net, 3), f32: new InferBatch(net, 3, { precision: 'f32' }) };
      for (const x of xs) {
        const row = x.subarray(3, 6); // stream 1 of the batch
        const got = { f64: alone.f64.step(row).slice(), f32: alone.f32.step(row).slice() };
        expect(got.f64).toEqual(net.step(s, row));
        for (const p of ['f64', 'f32'] as const) expect(got[p]).toEqual(batch[p].step(x).subarray(K, 2 * K));
      }
      // and load() into the one-stream layout continues the same bits
      const again = new InferBatch(net, 1);
      again.load(0, s);
      const x = [0.3, -0.7, 0.2];
      expect(again.step(x)).toEqual(net.step(s, x));
    });
  }

  it('refuses bad input with a code before any stream changes', () => {
    const net = tbptt(NETS[0][1], 1, 4);
    const batch = new InferBatch(net, 2, { precision: 'f32' });
    const control = new InferBatch(net, 2, { precision: 'f32' });
    const x = [0.1, 0.2, 0.3, -0.1, -0.2, -0.3];
    batch.step(x);
    control.step(x);
    expect(() => batch.step([1, 2, 3])).toThrow(expect.objectContaining({ code: LSTM_ERR.DIMENSION }));
    expect(() => batch.step([0, 0, 0, 0, Number.NaN, 0])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(() => batch.step([0, 0, 0, 0, 0, 1e39])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE })); // finite, not in float32
    expect(batch.step(x)).toEqual(control.step(x));
    expect(() => new InferBatch(net, 0)).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    expect(() => batch.load(2, net.newStream())).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    const other = tbptt({ ...NETS[0][1], hidden: 4 }, 1, 4);
    expect(() => batch.load(0, other.newStream())).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    const gru = tbptt({ inputs: 3, hidden: 4, outputs: 1, cell: 'gru', seed: 1 }, 1, 4);
    expect(() => new InferBatch(gru, 4)).toThrow(expect.objectContaining({ code: LSTM_ERR.UNSUPPORTED }));
    expect(() => new InferBatch(net, 4, { precision: 'f16' as InferPrecision })).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    const f64 = new InferBatch(net, 1);
    expect(() => f64.step([0, Number.POSITIVE_INFINITY, 0])).toThrow(expect.objectContaining({ code: LSTM_ERR.NON_FINITE }));
    expect(f64.step([0, 1e39, 0]).every(Number.isFinite)).toBe(true); // in float64's range
  });

  it('refuses a batch larger than a WebAssembly memory holds with a code, not a RangeError', () => {
    // H = 256: ~12 KB of panels a stream, so 400,000 streams ask ~4.9 GB of a 4 GiB wasm32 memory
    const big = tbptt({ inputs: 3, hidden: 256, outputs: 1, cell: 'vanilla', seed: 1 }, 1, 4);
    let err: unknown;
    try {
      new InferBatch(big, 400_000);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LstmError);
    expect(err).toMatchObject({ code: LSTM_ERR.CONFIG, message: expect.stringContaining('fewer streams per batch') as unknown });
    expect(new InferBatch(big, 8).size).toBe(8); // a batch that fits still builds
  });
});
