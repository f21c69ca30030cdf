// InferBatch: forward-only inference of B streams of one vanilla/cifg model (one or more layers,
// any head) in a WebAssembly instance of its own (wasm/infer.ts). For serving streams that share
// weights, and for one stream's forecasts.
//
// - precision 'f64' (the default): the same bits as each stream's own learner.step(), since the
//   kernels take every sum in the JS kernels' order and squash with fdlibm's bits (math.ts).
// - precision 'f32': float32 weights, state and arithmetic (f32x4), as the float32 libraries
//   (tfjs, PyTorch's default) compute; it agrees with the float64 step to float32 rounding.
//
// It keeps its own copy of the weights (refresh() re-reads them after training) and its own
// recurrent state per stream (load() takes a RecurrentStream's h and c, reset() zeroes), so no
// step caches are written: it never touches the learner or its streams. Each stream computes in
// the same order whatever B is, so it gives the same bits in a batch of 1 or of 256 (tested).
//
// Memory (one element type), per layer: W (G, Xin+H) with row g·H + r = [W_g[r, ·] | R_g[r, ·]],
// bias (G), peepholes (3H: pi, pf, po; zeros where absent), z = [x; h_{t-1}] (Xin+H), the
// pre-activations (G) and c (H); then the head's V (K, H), bv (K) and the outputs (K).
// - B > 1: streams in panels of 8, (n, 8) per n-row matrix (lanes over streams); W row-major,
//   each peephole value repeated over the 8 lanes.
// - B = 1 with every H a multiple of 8 ("one"): plain vectors (lanes over rows and units); W and
//   V packed 8 rows side by side per column, K rounded up to 8 with zero rows.
//
// Dimensions: B streams, X inputs, H hidden, G = nG·H, K outputs, P = ⌈B/8⌉ panels.

import { LSTM_ERR, LstmError, checkEnum, checkInt, checkVector } from './errors.ts';
import { headOutputs } from './heads.ts';
import { INFER_WASM_BASE64 } from './infer-wasm-bytes.ts';
import type { RecurrentStream, RecurrentLearner } from './tbptt.ts';
import type { RecurrentHead } from './recurrent-options.ts';
import { compileBase64, growMemory, wasmNamespace, type WasmMemory } from './wasm-kernels.ts';

export type Gemm = (out: number, oStride: number, bias: number, w: number, n: number, z: number, zStride: number, rows: number, panels: number) => void;
export type Gemv = (out: number, bias: number, w: number, n: number, z: number, rows: number) => void;
type Cells = (pre: number, preStride: number, c: number, cStride: number, peep: number, hasPeep: number, H: number, coupled: number, hOut: number, hStride: number, h2: number, h2Stride: number, panels: number) => void;

/** The arithmetic of an InferBatch: 'f64' gives the learners' own bits, 'f32' float32's speed. */
export type InferPrecision = 'f64' | 'f32';
export const INFER_PRECISIONS: readonly InferPrecision[] = ['f64', 'f32'];

/** Largest finite float32. */
const F32_MAX = 3.4028234663852886e38;
/** First byte laid out (past the module's stub runtime data). */
export const INFER_BASE_BYTES = 65536;

/** Byte offsets of one layer's buffers. */
interface LayerBuffers {
  readonly Xin: number;
  readonly H: number;
  readonly G: number;
  readonly coupled: boolean;
  readonly hasPeep: boolean;
  readonly W: number;
  readonly bias: number;
  readonly peep: number;
  readonly z: number; // panels, zStride apart
  readonly zStride: number;
  readonly pre: number;
  readonly preStride: number;
  readonly c: number;
  readonly cStride: number;
}

let compiled: object | null | undefined;

/** True when InferBatch's kernels load on this runtime (WebAssembly SIMD). */
export function inferBatchAvailable(): boolean {
  if (compiled === undefined) {
    try {
      compiled = compileBase64(INFER_WASM_BASE64);
    } catch {
      compiled = null;
    }
  }
  return compiled !== null;
}

/**
 * What InferBatch and Lstm97InferBatch share: B streams of one model in a WebAssembly instance of
 * their own, held in panels of 8 streams (lanes over streams) or, for one stream laid out as plain
 * vectors (`one`: lanes over units), the precision's GEMM and GEMV, and the inputs written into and
 * the outputs read out of that layout. The subclass lays out its buffers with take(), then calls
 * start().
 */
export abstract class InferPanels {
  /** B, the number of streams. */
  readonly size: number;
  readonly precision: InferPrecision;
  /** (B, K) outputs of the latest step(), stream-major, float64; overwritten by the next step(). */
  readonly out: Float64Array;
  /** The instance's memory as the precision's elements (set by start()). */
  protected mem: Float64Array | Float32Array = new Float64Array(0);
  /** Bytes per element (8 or 4). */
  protected readonly e: number;
  protected gemm: Gemm = () => {};
  protected gemv: Gemv = () => {};
  protected readonly panels: number;
  /** One stream laid out as plain vectors: lanes over units and rows (gemv), not streams. */
  protected readonly one: boolean;
  /** Elements between rows i and i+1 of a stream: 8 in panels, 1 for one stream. */
  protected readonly L: number;
  /** Next free byte of the instance's memory. */
  private at = INFER_BASE_BYTES;
  /** The class's name, for errors. */
  private readonly name: string;

  /** Checks B and the precision (LSTM_ERR_CONFIG, also where WebAssembly SIMD is missing). */
  protected constructor(name: string, B: number, options: { precision?: InferPrecision }, one: boolean, K: number) {
    checkInt('B', B, 1);
    this.precision = checkEnum('precision', options.precision ?? 'f64', INFER_PRECISIONS);
    if (!inferBatchAvailable()) throw new LstmError(LSTM_ERR.CONFIG, `WebAssembly SIMD is not available on this runtime: ${name} needs it`, {});
    this.e = this.precision === 'f64' ? 8 : 4;
    this.name = name;
    this.size = B;
    this.panels = Math.ceil(B / 8);
    this.one = one;
    this.L = one ? 1 : 8;
    this.out = new Float64Array(B * K);
  }

  /** Byte offset of `floats` fresh elements. */
  protected take(floats: number): number {
    const o = this.at;
    this.at += floats * this.e;
    return o;
  }

  /**
   * Instantiates the kernels with the memory taken so far; their exports, for the subclass's cell
   * kernel. LSTM_ERR_CONFIG when that memory is more than a wasm32 memory holds or the engine grants
   * (too many streams in one batch).
   */
  protected start(): Record<string, unknown> {
    const { exports } = new (wasmNamespace().Instance)(compiled!, { env: { abort: () => { throw new Error('wasm abort'); } } });
    const memory = exports['memory'] as WasmMemory;
    growMemory(memory, this.at, `${this.name} of ${this.size} streams needs`, { B: this.size });
    const f64 = this.e === 8;
    this.mem = f64 ? new Float64Array(memory.buffer) : new Float32Array(memory.buffer);
    this.gemm = exports[f64 ? 'gemm64' : 'gemm32'] as Gemm;
    this.gemv = exports[f64 ? 'gemv64' : 'gemv32'] as Gemv;
    return exports;
  }

  /**
   * Refuses X unless it is B×n finite numbers, in float32's range for 'f32' (LSTM_ERR_DIMENSION /
   * LSTM_ERR_NON_FINITE), then writes stream b's row of X into rows from..from+n-1 of its panel at
   * `base` (stride bytes apart).
   */
  protected putInputs(X: ArrayLike<number>, n: number, base: number, stride: number, from = 0): void {
    const B = this.size;
    checkVector('X', X, B * n);
    if (this.e === 4) {
      for (let j = 0; j < B * n; j++) {
        if (Math.abs(X[j]) > F32_MAX) throw new LstmError(LSTM_ERR.NON_FINITE, `X[${j}] is ${X[j]}, beyond float32`, { index: j, value: X[j] });
      }
    }
    this.writeInputs(X, n, base, stride, from);
  }

  /** putInputs' write alone (X already checked). */
  protected writeInputs(X: ArrayLike<number>, n: number, base: number, stride: number, from: number): void {
    const { mem, e, L: Ln } = this;
    for (let b = 0; b < this.size; b++) {
      const q = (base + (b >> 3) * stride) / e + (b & 7) + from * Ln;
      for (let i = 0; i < n; i++) mem[q + i * Ln] = X[b * n + i];
    }
  }

  /** The K output nets of every stream from the panels at `y` (stride bytes apart) through the head, into `out`. */
  protected readOutputs(y: number, stride: number, K: number, head: RecurrentHead): Float64Array {
    const { mem, e, L: Ln, out } = this;
    for (let b = 0; b < this.size; b++) {
      const q = (y + (b >> 3) * stride) / e + (b & 7);
      const o = b * K;
      for (let k = 0; k < K; k++) out[o + k] = mem[q + k * Ln];
      headOutputs(out, out, o, K, head);
    }
    return out;
  }

  /** Rows from..from+n-1 of stream b in the panels at `base` (stride bytes apart) = v, or the constant v. */
  protected setRows(base: number, stride: number, from: number, n: number, b: number, v: ArrayLike<number> | number): void {
    const { mem, L: Ln } = this;
    const q = (base + (b >> 3) * stride) / this.e + (b & 7) + from * Ln;
    for (let i = 0; i < n; i++) mem[q + i * Ln] = typeof v === 'number' ? v : v[i];
  }
}

export class InferBatch extends InferPanels {
  private readonly cells: Cells;
  /** Head rows as stored: K, or K rounded up to 8 for one stream (zero rows). */
  private readonly Kp: number;
  private readonly layers: readonly LayerBuffers[];
  private readonly V: number;
  private readonly bv: number;
  private readonly o: number;

  /**
   * B streams of `learner`'s model, all at zero state. LSTM_ERR_UNSUPPORTED for a gru layer,
   * LSTM_ERR_CONFIG for a bad B or precision, or where WebAssembly SIMD is missing.
   */
  constructor(
    readonly learner: RecurrentLearner,
    B: number,
    options: { precision?: InferPrecision } = {},
  ) {
    super('InferBatch', B, options, B === 1 && learner.layout.layers.every((L) => L.H % 8 === 0), learner.layout.head.K);
    for (const L of learner.layout.layers) {
      if (L.cell === 'gru') throw new LstmError(LSTM_ERR.UNSUPPORTED, 'InferBatch runs vanilla and cifg layers, not gru', { cell: L.cell });
    }
    const { e, panels: P, one, L: Ln } = this;
    this.layers = learner.layout.layers.map((L) => {
      const { Xin, H } = L;
      const G = L.nG * H;
      const Z = Xin + H;
      return {
        Xin, H, G, coupled: L.cell === 'cifg', hasPeep: L.peep >= 0,
        W: this.take(G * Z), bias: this.take(G), peep: this.take(3 * H * Ln),
        z: this.take(P * Z * Ln), zStride: Z * Ln * e,
        pre: this.take(P * G * Ln), preStride: G * Ln * e,
        c: this.take(P * H * Ln), cStride: H * Ln * e,
      };
    });
    const { K, H: HK } = learner.layout.head;
    const Kp = one ? Math.ceil(K / 8) * 8 : K;
    this.Kp = Kp;
    this.V = this.take(Kp * HK);
    this.bv = this.take(Kp);
    this.o = this.take(P * Kp * Ln);
    this.cells = this.start()[e === 8 ? 'cells64' : 'cells32'] as Cells;
    this.refresh();
  }

  /**
   * Copies the learner's current weights in (rounded to float32 for 'f32'). Call after the model
   * trained. Panels: weight rows row-major, each peephole value repeated across the 8 lanes; one
   * stream: weight rows packed 8 side by side per column (gemv), peepholes as they are.
   */
  refresh(): void {
    const { mem, learner, e, L: Ln, one } = this;
    const { params, layout } = learner;
    /** Row `row` of an (rows, n) matrix at byte offset `at`, from params[from...]. */
    const putRow = (at: number, n: number, row: number, from: number, count: number, col0: number): void => {
      if (!one) {
        mem.set(params.subarray(from, from + count), at / e + row * n + col0);
        return;
      }
      const q = at / e + (row >> 3) * n * 8 + (row & 7);
      for (let i = 0; i < count; i++) mem[q + (col0 + i) * 8] = params[from + i];
    };
    for (let l = 0; l < this.layers.length; l++) {
      const Lay = layout.layers[l];
      const m = this.layers[l];
      const { Xin, H } = m;
      const Z = Xin + H;
      for (let g = 0; g < Lay.nG; g++) {
        const base = Lay.offset + g * Lay.gateStride; // W_g (H, Xin), R_g (H, H), b_g (H)
        for (let r = 0; r < H; r++) {
          putRow(m.W, Z, g * H + r, base + r * Xin, Xin, 0);
          putRow(m.W, Z, g * H + r, base + H * Xin + r * H, H, Xin);
        }
        mem.set(params.subarray(base + H * Xin + H * H, base + H * Xin + H * H + H), m.bias / e + g * H);
      }
      const pe = m.peep / e;
      mem.fill(0, pe, pe + 3 * H * Ln);
      if (Lay.peep >= 0) {
        const from = m.coupled ? H : 0; // cifg: pf, po (no pi)
        for (let u = from; u < 3 * H; u++) mem.fill(params[Lay.peep + u - from], pe + u * Ln, pe + (u + 1) * Ln);
      }
    }
    const { K, H, V, bv } = layout.head;
    mem.fill(0, this.V / e, this.V / e + this.Kp * H);
    mem.fill(0, this.bv / e, this.bv / e + this.Kp);
    for (let k = 0; k < K; k++) putRow(this.V, H, k, V + k * H, H, 0);
    mem.set(params.subarray(bv, bv + K), this.bv / e);
  }

  /** Zeroes the recurrent state of stream b (every stream without b). */
  reset(b?: number): void {
    const from = b ?? 0;
    const to = b === undefined ? this.size : b + 1;
    for (const m of this.layers) {
      for (let s = from; s < to; s++) {
        this.setRows(m.z, m.zStride, m.Xin, m.H, s, 0);
        this.setRows(m.c, m.cStride, 0, m.H, s, 0);
      }
    }
  }

  /** Stream b continues from s's state (its h and c after its latest step; rounded to float32 for 'f32'). */
  load(b: number, s: RecurrentStream): void {
    checkInt('b', b, 0, this.size - 1);
    if (s.h.length !== this.layers.length) throw new LstmError(LSTM_ERR.CONFIG, 'the stream is not of this model', { layers: s.h.length });
    for (let l = 0; l < this.layers.length; l++) {
      const m = this.layers[l];
      if (s.h[l].length !== m.H || s.c[l].length !== m.H) throw new LstmError(LSTM_ERR.CONFIG, 'the stream is not of this model', { layer: l });
      this.setRows(m.z, m.zStride, m.Xin, m.H, b, s.h[l]);
      this.setRows(m.c, m.cStride, 0, m.H, b, s.c[l]);
    }
  }

  /**
   * Advances every stream by its row of X (B×X, stream-major); returns the outputs (B×K, the
   * `out` buffer). X must be finite, in float32's range for 'f32' (LSTM_ERR_DIMENSION /
   * LSTM_ERR_NON_FINITE, refused before any stream changes).
   */
  step(X: ArrayLike<number>): Float64Array {
    const { layers, panels: P, e, L: Ln, one, Kp } = this;
    const m0 = layers[0];
    this.putInputs(X, m0.Xin, m0.z, m0.zStride);
    for (let l = 0; l < layers.length; l++) {
      const m = layers[l];
      const next = layers[l + 1];
      if (one) this.gemv(m.pre, m.bias, m.W, m.Xin + m.H, m.z, m.G);
      else this.gemm(m.pre, m.preStride, m.bias, m.W, m.Xin + m.H, m.z, m.zStride, m.G, P);
      // one stream: each 8 consecutive units are one "row" of the cell kernels, in one panel
      const rows = one ? m.H / 8 : m.H;
      const hOut = m.z + m.Xin * Ln * e;
      const h2 = next ? next.z : 0;
      const h2Stride = next ? next.zStride : 0;
      this.cells(m.pre, m.preStride, m.c, m.cStride, m.peep, m.hasPeep ? 1 : 0, rows, m.coupled ? 1 : 0, hOut, m.zStride, h2, h2Stride, P);
    }
    const last = layers[layers.length - 1];
    const { K } = this.learner.layout.head;
    const hLast = last.z + last.Xin * Ln * e;
    if (one) this.gemv(this.o, this.bv, this.V, last.H, hLast, Kp);
    else this.gemm(this.o, Kp * Ln * e, this.bv, this.V, last.H, hLast, last.zStride, K, P);
    return this.readOutputs(this.o, Kp * Ln * e, K, this.learner.config.head);
  }
}
