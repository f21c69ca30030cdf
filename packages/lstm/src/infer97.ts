// Lstm97InferBatch: forward-only inference of B streams of one 1997-family model (Rtrl97, Tbptt97: the 1997
// cell, with or without forget gate, output gate and peepholes, S cells per block, any g and h,
// cellSources 'all', 'cells' or 'inputs', connectivity F or B, any head) in a WebAssembly instance
// of its own. InferBatch (infer.ts) is the same for vanilla/cifg models, and shares its kernels:
// the nets are InferBatch's GEMM/GEMV, the cell step is cells97_64/cells97_32 (wasm/infer.ts).
//
// - precision 'f64' (the default): the same bits as each stream's own Rtrl97.predict/step, since
//   every net is summed in lstm97Forward's order (left to right over z = [x; r(t-1); 1], the bias
//   column last) and squashed with fdlibm's bits (math.ts).
// - precision 'f32': float32 weights, state and arithmetic (f32x4), as tfjs and PyTorch compute.
//
// It keeps its own copy of the weights (refresh() re-reads them after training) and its own state
// per stream (load() takes a stream's r and s, reset() zeroes), and no eligibility traces:
// it never touches the learner or its streams. Conventional hidden units are not supported
// (LSTM_ERR_UNSUPPORTED): no task or service config uses them.
//
// Memory (one element type): the nets' weights, gate rows [in (C); φ (C, with a forget gate);
// out (C, with an output gate)] (Zg columns each) then cell rows (N, Zc columns), zeros (the GEMM's bias: the bias is W's last column,
// against z's constant 1), the peepholes (3N: p_in, p_fg, p_out; zeros where absent), then per
// panel z = [x; r(t-1); 1] (Z), the nets (G), s (N) and o = [y_c; x if B; 1 if output bias] (O),
// the output layer's V (K, O) and its outputs (K).
// - B > 1, or S > 1, or C not a multiple of 8: streams in panels of 8 (lanes over streams).
// - B = 1, S = 1, C a multiple of 8 ("one"): lanes over blocks; W and V packed 8 rows per column.

import { InferPanels, type InferPrecision } from './infer.ts';
import { LSTM_ERR, LstmError, checkInt } from './errors.ts';
import type { Squash } from './activations.ts';
import type { Lstm97Layout, Lstm97State } from './lstm97.ts';
import type { Lstm97Spec } from './lstm97-config.ts';

/** What Lstm97InferBatch reads of a 1997-family learner (Rtrl97, Tbptt97). */
export interface Lstm97Net {
  readonly spec: Lstm97Spec;
  readonly layout: Lstm97Layout;
  readonly params: Float64Array;
}

type Cells97 = (pre: number, preStride: number, fgRow: number, outRow: number, cRow: number, s: number, sStride: number, peep: number, peepMask: number, C: number, S: number, gKind: number, hKind: number, o: number, oStride: number, zc: number, zg: number, zStride: number, panels: number) => void;

/** cells97's squash kinds. */
const KIND: Record<Squash, number> = { sig4m2: 0, sig2m1: 1, sigmoid: 2, tanh: 3, identity: 4 };

export class Lstm97InferBatch extends InferPanels {
  private readonly cells: Cells97;
  /** Rows of the nets: gates (C per gate) then cells (N). */
  private readonly gateRows: number;
  private readonly G: number;
  /** Output rows as stored: K, or K rounded up to 8 for one stream (zero rows). */
  private readonly Kp: number;
  // byte offsets
  private readonly W: number;
  private readonly zeros: number;
  private readonly peep: number;
  private readonly z: number;
  private readonly zStride: number;
  private readonly pre: number;
  private readonly preStride: number;
  private readonly s: number;
  private readonly sStride: number;
  private readonly o: number;
  private readonly oStride: number;
  private readonly V: number;
  private readonly y: number;
  private readonly yStride: number;

  /**
   * B streams of `learner`'s model, all at zero state. LSTM_ERR_UNSUPPORTED for a model with
   * conventional hidden units, LSTM_ERR_CONFIG for a bad B or precision, or where WebAssembly SIMD
   * is missing.
   */
  constructor(
    readonly learner: Lstm97Net,
    B: number,
    options: { precision?: InferPrecision } = {},
  ) {
    super('Lstm97InferBatch', B, options, B === 1 && learner.spec.cellsPerBlock === 1 && learner.spec.blocks % 8 === 0, learner.spec.outputs);
    const spec = learner.spec;
    if (spec.hiddenUnits > 0) throw new LstmError(LSTM_ERR.UNSUPPORTED, 'Lstm97InferBatch runs 1997 nets without conventional hidden units', { hiddenUnits: spec.hiddenUnits });
    const { blocks: C, cells: N, outputs: K, zBase, outSources: O } = spec;
    const { e, panels: P, one, L: Ln } = this;
    this.gateRows = C * (1 + (spec.forgetGate ? 1 : 0) + (spec.outputGate ? 1 : 0));
    this.G = this.gateRows + N;
    this.Kp = one ? Math.ceil(K / 8) * 8 : K;
    const Z = zBase + 1;
    this.W = this.take(this.gateRows * spec.zGate + N * spec.zCell);
    this.zeros = this.take(Math.max(this.G, this.Kp));
    this.peep = this.take(3 * N * Ln);
    this.zStride = Z * Ln * e;
    this.z = this.take(P * Z * Ln);
    this.preStride = this.G * Ln * e;
    this.pre = this.take(P * this.G * Ln);
    this.sStride = N * Ln * e;
    this.s = this.take(P * N * Ln);
    this.oStride = O * Ln * e;
    this.o = this.take(P * O * Ln);
    this.V = this.take(this.Kp * O);
    this.yStride = this.Kp * Ln * e;
    this.y = this.take(P * this.Kp * Ln);
    this.cells = this.start()[e === 8 ? 'cells97_64' : 'cells97_32'] as Cells97;
    // the constant 1 of z (and of o, with an output bias) in every lane; the rest starts at 0
    for (let b = 0; b < (one ? 1 : P * 8); b++) {
      this.setRows(this.z, this.zStride, zBase, 1, b, 1);
      if (spec.biases.outputs) this.setRows(this.o, this.oStride, O - 1, 1, b, 1);
    }
    this.refresh();
  }

  /**
   * Copies the learner's current weights in (rounded to float32 for 'f32'). Call after the model
   * trained. Panels: rows row-major, each peephole value repeated across the 8 lanes; one stream:
   * rows packed 8 side by side per column (gemv), peepholes as they are.
   */
  refresh(): void {
    const { mem, e, L: Ln, one } = this;
    const { params, layout: Lay, spec } = this.learner;
    const { blocks: C, cells: N, zGate, zCell } = spec;
    /** Row `row` of an (rows, n) matrix at byte offset `at` = params[from .. from+n). */
    const putRow = (at: number, n: number, row: number, from: number): void => {
      for (let i = 0; i < n; i++) {
        if (one) mem[at / e + (row >> 3) * n * 8 + (row & 7) + i * 8] = params[from + i];
        else mem[at / e + row * n + i] = params[from + i];
      }
    };
    let row = 0;
    const gates = (base: number): void => {
      if (base >= 0) for (let r = 0; r < C; r++) putRow(this.W, zGate, row++, base + r * zGate);
    };
    gates(Lay.W_in);
    gates(Lay.W_fg);
    gates(Lay.W_out);
    const wc = this.W + this.gateRows * zGate * e;
    for (let n = 0; n < N; n++) putRow(wc, zCell, n, Lay.W_c + n * zCell);
    const pe = this.peep / e;
    mem.fill(0, pe, pe + 3 * N * Ln);
    const peeps = [Lay.p_in, Lay.p_fg, Lay.p_out];
    for (let g = 0; g < 3; g++) {
      if (peeps[g] < 0) continue;
      for (let n = 0; n < N; n++) mem.fill(params[peeps[g] + n], pe + (g * N + n) * Ln, pe + (g * N + n + 1) * Ln);
    }
    const { outputs: K, outSources: O } = spec;
    mem.fill(0, this.V / e, this.V / e + this.Kp * O);
    for (let k = 0; k < K; k++) putRow(this.V, O, k, Lay.W_k + k * O);
  }

  /** Zeroes the state of stream b (every stream without b). */
  reset(b?: number): void {
    const from = b ?? 0;
    const to = b === undefined ? this.size : b + 1;
    const { inputs: I, zBase, cells: N } = this.learner.spec;
    for (let s = from; s < to; s++) {
      this.setRows(this.z, this.zStride, I, zBase - I, s, 0);
      this.setRows(this.s, this.sStride, 0, N, s, 0);
    }
  }

  /** Stream b continues from st's state (its r and s after its latest step; rounded to float32 for 'f32'). */
  load(b: number, st: Lstm97State): void {
    checkInt('b', b, 0, this.size - 1);
    const { inputs: I, zBase, cells: N, recurrent: R } = this.learner.spec;
    if (st.r.length !== R || st.s.length !== N) throw new LstmError(LSTM_ERR.CONFIG, 'the stream is not of this model', { r: st.r.length, s: st.s.length });
    this.setRows(this.z, this.zStride, I, zBase - I, b, st.r);
    this.setRows(this.s, this.sStride, 0, N, b, st.s);
  }

  /**
   * Advances every stream by its row of X (B×I, stream-major); returns the outputs (B×K, the
   * `out` buffer). X must be finite, in float32's range for 'f32' (LSTM_ERR_DIMENSION /
   * LSTM_ERR_NON_FINITE, refused before any stream changes).
   */
  step(X: ArrayLike<number>): Float64Array {
    const { panels: P, e, L: Ln, one, Kp, G, gateRows } = this;
    const spec = this.learner.spec;
    const { inputs: I, blocks: C, cells: N, cellsPerBlock: S, outputs: K, zGate, zCell, outSources: O } = spec;
    this.putInputs(X, I, this.z, this.zStride);
    if (spec.connectivity === 'B') this.writeInputs(X, I, this.o, this.oStride, N); // o = [y_c; x; 1]
    // the nets: gate rows over zGate columns of z, cell rows over zCell (a bias is a row's last column, against z's 1)
    if (zGate === zCell) this.nets(0, 0, G, zGate);
    else {
      this.nets(0, 0, gateRows, zGate);
      this.nets(gateRows, gateRows * zGate, N, zCell);
    }
    const r = one ? 8 : 1; // rows per kernel row
    const fgRow = spec.forgetGate ? C / r : -1;
    const outRow = spec.outputGate ? (C * (spec.forgetGate ? 2 : 1)) / r : -1;
    const src = spec.cellSources;
    const zc = src === 'inputs' ? 0 : this.z + I * Ln * e;
    const zg = src === 'all' ? this.z + (I + N) * Ln * e : 0;
    const mask = (spec.peepholes ? 1 : 0) | (spec.peepholes && spec.forgetGate ? 2 : 0) | (spec.peepholes && spec.outputGate ? 4 : 0);
    this.cells(this.pre, this.preStride, fgRow, outRow, gateRows / r, this.s, this.sStride, this.peep, mask, C / r, S, KIND[spec.g], KIND[spec.h], this.o, this.oStride, zc, zg, this.zStride, P);
    if (one) this.gemv(this.y, this.zeros, this.V, O, this.o, Kp);
    else this.gemm(this.y, this.yStride, this.zeros, this.V, O, this.o, this.oStride, K, P);
    return this.readOutputs(this.y, this.yStride, K, spec.head);
  }

  /** Nets rows from..from+rows-1 = the weight rows at element w0 of W (n columns each) · z's first n rows. */
  private nets(from: number, w0: number, rows: number, n: number): void {
    const { e, L: Ln } = this;
    const w = this.W + w0 * e;
    const out = this.pre + from * Ln * e;
    if (this.one) this.gemv(out, this.zeros, w, n, this.z, rows);
    else this.gemm(out, this.preStride, this.zeros, w, n, this.z, this.zStride, rows, this.panels);
  }
}
