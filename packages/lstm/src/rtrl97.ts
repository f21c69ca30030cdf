// The 1997 truncated online learning rule (LSTM-SPEC 1.4-1.6), extended to the forget gate and
// peepholes (2.1-2.2): output units get their exact gradient, output gates and conventional units
// a one-step gradient, cell-input, input-gate, forget-gate and peephole weights their eligibility
// traces (kept by lstm97Forward). O(W) per step, no history: it can learn forever on a stream.
// Gradients are dE/dθ added into `grad`; applying them is the optimizer's job.

import { squashPrime } from './activations.ts';
import { crossEntropyOfNets } from './heads.ts';
import { LstmError, LSTM_ERR, checkVector } from './errors.ts';
import type { Learner, ParamGroup } from './learner.ts';
import { lstm97Forward, lstm97ForwardBatch, lstm97KernelArrays, lstm97Outputs, lstm97SquashScratch, lstm97Layout, settleTraces, updateTraceRows, lstm97Params, newLstm97State, resetLstm97State, type Lstm97Layout, type Lstm97State } from './lstm97.ts';
import { parseLstm97Config, type Lstm97Config, type Lstm97Spec } from './lstm97-config.ts';
import { SingleKernels, WASM_SINGLE_MIN_WEIGHTS, kernelsWanted } from './wasm-single.ts';

export interface Rtrl97Stream extends Lstm97State {
  /** dE/dnet_k of the latest learn() (K). */
  readonly gK: Float64Array;
  /** dE/dy_c and dE/dy_h of the latest learn() (N + U). */
  readonly eps: Float64Array;
  /** True when the latest learn() added gradient. */
  ready: boolean;
}

/**
 * Loss of one step and dE/dnet of the output units into gK (times `weight`). Returns the loss,
 * or NaN (with gK untouched) when it is not finite. Cross-entropy is taken from the output nets,
 * recomputed into `nets` (K) from the state's output sources `o` and the weights `p` (the bits of
 * the forward pass's nets while p is the step's), so that an output rounded to exactly 0 or 1 gives
 * a large finite loss. Taken from y it would be infinite, the step would be refused, and the weights
 * that saturated the output would stay as they are for as long as the inputs keep it saturated.
 */
export function outputLoss(L: Lstm97Layout, p: Float64Array, st: Pick<Lstm97State, 'y' | 'o'>, d: ArrayLike<number>, gK: Float64Array, weight: number, nets: Float64Array): number {
  const spec = L.spec;
  const y = st.y;
  const K = y.length;
  let loss = 0;
  if (spec.loss === 'mse') {
    for (let k = 0; k < K; k++) loss += 0.5 * (d[k]! - y[k]!) ** 2;
  } else {
    lstm97Outputs(L, p, st.o, 0, nets, 0);
    loss = crossEntropyOfNets(spec.head === 'softmax' ? 'softmax' : 'logistic', nets, d, K);
  }
  if (!Number.isFinite(loss)) return NaN;
  if (spec.loss === 'ce') {
    for (let k = 0; k < K; k++) gK[k] = weight * (y[k]! - d[k]!); // logistic+CE and softmax+CE
  } else if (spec.head === 'logistic') {
    for (let k = 0; k < K; k++) gK[k] = weight * (y[k]! - d[k]!) * y[k]! * (1 - y[k]!);
  } else if (spec.head === 'linear') {
    for (let k = 0; k < K; k++) gK[k] = weight * (y[k]! - d[k]!);
  } else {
    // softmax + MSE: dE/dnet_k = y_k (e_k - Σ_j e_j y_j), e = y - d
    let ey = 0;
    for (let k = 0; k < K; k++) ey += (y[k]! - d[k]!) * y[k]!;
    for (let k = 0; k < K; k++) gK[k] = weight * y[k]! * (y[k]! - d[k]! - ey);
  }
  return weight * loss;
}

/** The truncated-RTRL gradient of the latest step's loss, given gK, added into grad. */
export function rtrl97Backward(L: Lstm97Layout, p: Float64Array, grad: Float64Array, st: Rtrl97Stream, kern?: SingleKernels | null): void {
  rtrl97Accumulate(L, p, grad, 1, st, kern);
}

/**
 * out += scale · dE/dθ of the latest step's loss (truncated RTRL, given gK). With out = grad and
 * scale = 1 it is the gradient (every product is the unscaled one: 1·x = x exactly); with out = p
 * and scale = −lr it is the SGD step fused into the backward pass, with no gradient buffer and no
 * second pass over the weights. ε (what the output weights send back) is read before any output
 * weight is written, so the fused step uses the weights of the forward pass throughout. `kern`,
 * the learner's wasm kernels if it has them, runs the trace pass and the output-gate rows when
 * their arrays live in its memory (the same bits as the JS loops here).
 */
export function rtrl97Accumulate(L: Lstm97Layout, p: Float64Array, out: Float64Array, scale: number, st: Rtrl97Stream, kern?: SingleKernels | null): void {
  const spec = L.spec;
  const { blocks: C, cellsPerBlock: S, cells: N, hiddenUnits: U, outputs: K, zGate: Zg, zHidden: Zh, outSources: O } = spec;
  const { z, s, yOut, hS, yH, o, gK, eps, Qin, Qfg, tr } = st;
  // A deferred trace update (Lstm97State.tr) is applied here, in the pass that reads the traces.
  const deferred = tr.length > 0 && tr[4 * N] === 1;

  // Output units: exact gradient. ε = W_kᵀ gK over cells and hidden units; dE/dW_k[k] += gK_k · o.
  eps.fill(0);
  for (let k = 0; k < K; k++) {
    const g = gK[k]!;
    if (g === 0) continue;
    const row = L.W_k + k * O;
    for (let n = 0; n < N + U; n++) eps[n] += p[row + n]! * g;
  }
  for (let k = 0; k < K; k++) {
    const g = scale * gK[k]!;
    if (g === 0) continue;
    const row = L.W_k + k * O;
    for (let i = 0; i < O; i++) out[row + i] += g * o[i]!;
  }

  // The fused trace pass in wasm (same bits): es of every cell first, then one kernel call.
  const esAll = kern?.es;
  const wasm = deferred && esAll !== undefined && L.W_fg >= 0 && spec.zCell === Zg && kern!.ownsAll([out, st.Pc, st.Pin, st.Pfg, z, tr]);
  // Likewise the output-gate rows: each gate's dE/dnet first, then one kernel call.
  const dOutAll = kern?.dOut;
  const wasmOut = L.W_out >= 0 && dOutAll !== undefined && kern!.ownsAll([out, z]);

  for (let j = 0; j < C; j++) {
    const c0 = j * S;
    const yo = yOut[j]!;
    if (L.W_out >= 0) {
      // Output gate: one-step gradient. dE/dnet_out = f'(net_out) Σ_v h(s_jv) ε_jv
      let acc = 0;
      for (let v = 0; v < S; v++) acc += hS[c0 + v]! * eps[c0 + v]!;
      const dOut = scale * (yo * (1 - yo) * acc);
      if (wasmOut) dOutAll![j] = dOut;
      else {
        const row = L.W_out + j * Zg;
        for (let i = 0; i < Zg; i++) out[row + i] += dOut * z[i]!;
      }
      if (L.p_out >= 0) for (let v = 0; v < S; v++) out[L.p_out + c0 + v] += dOut * s[c0 + v]!;
    }
    for (let v = 0; v < S; v++) {
      const n = c0 + v;
      // Error of the internal state: es = y_out h'(s) ε, then through the traces.
      const es = scale * (yo * squashPrime(spec.h, s[n]!) * eps[n]!);
      if (wasm) esAll![n] = es;
      else if (deferred) traceRowsSettle(L, st, n, j, es, out);
      else if (es !== 0) traceRowsAccumulate(L, st, n, j, es, out);
      if (es === 0) continue;
      if (L.p_in >= 0) for (let w = 0; w < S; w++) out[L.p_in + c0 + w] += es * Qin[n * S + w]!;
      if (L.p_fg >= 0) for (let w = 0; w < S; w++) out[L.p_fg + c0 + w] += es * Qfg[n * S + w]!;
    }
  }
  if (wasmOut) kern!.rowsAxpy(out, L.W_out, dOutAll!, z, C, Zg);
  if (wasm) kern!.settleAcc(st.Pc, st.Pin, st.Pfg, z, tr, esAll!, out, L.W_c, L.W_in, L.W_fg, N, S, Zg);
  if (deferred) tr[4 * N] = 0;

  // Conventional hidden units: one-step gradient.
  for (let u = 0; u < U; u++) {
    const d = scale * (yH[u]! * (1 - yH[u]!) * eps[N + u]!);
    const row = L.W_h + u * Zh;
    for (let i = 0; i < Zh; i++) out[row + i] += d * z[i]!;
  }
}

/** out += es · (Pc, Pin, Pφ rows of cell n, block j) into the W_c, W_in, W_φ rows. */
function traceRowsAccumulate(L: Lstm97Layout, st: Rtrl97Stream, n: number, j: number, es: number, out: Float64Array): void {
  const { zGate: Zg, zCell: Zc } = L.spec;
  const { Pc, Pin, Pfg } = st;
  const rc = L.W_c + n * Zc;
  const pc = n * Zc;
  const ri = L.W_in + j * Zg;
  const pg = n * Zg;
  if (L.W_fg >= 0 && Zc === Zg) {
    // the three trace rows in one pass (element-wise: the same values)
    const rf = L.W_fg + j * Zg;
    for (let i = 0; i < Zc; i++) {
      out[rc + i] += es * Pc[pc + i]!;
      out[ri + i] += es * Pin[pg + i]!;
      out[rf + i] += es * Pfg[pg + i]!;
    }
    return;
  }
  for (let i = 0; i < Zc; i++) out[rc + i] += es * Pc[pc + i]!;
  for (let i = 0; i < Zg; i++) out[ri + i] += es * Pin[pg + i]!;
  if (L.W_fg >= 0) {
    const rf = L.W_fg + j * Zg;
    for (let i = 0; i < Zg; i++) out[rf + i] += es * Pfg[pg + i]!;
  }
}

/**
 * The deferred trace update of cell n (P ← y_φ·P + k·z, coefficients in st.tr) fused with
 * traceRowsAccumulate: each trace element is written and added into `out` in one visit, with the
 * values a step-time update followed by traceRowsAccumulate gives. With es = 0 it only updates.
 */
function traceRowsSettle(L: Lstm97Layout, st: Rtrl97Stream, n: number, j: number, es: number, out: Float64Array): void {
  const { zGate: Zg, zCell: Zc } = L.spec;
  const { Pc, Pin, Pfg, z, tr } = st;
  const yf = tr[4 * n]!;
  const a = tr[4 * n + 1]!;
  const b = tr[4 * n + 2]!;
  const c = tr[4 * n + 3]!;
  const rc = L.W_c + n * Zc;
  const pc = n * Zc;
  const ri = L.W_in + j * Zg;
  const pg = n * Zg;
  const fg = L.W_fg >= 0;
  const rf = fg ? L.W_fg + j * Zg : 0;
  if (es === 0) {
    updateTraceRows(L, st, n, yf, a, b, c);
    return;
  }
  if (fg && Zc === Zg) {
    for (let i = 0; i < Zc; i++) {
      const zi = z[i]!;
      const k = pc + i;
      const vc = yf * Pc[k]! + a * zi;
      const vi = yf * Pin[k]! + b * zi;
      const vf = yf * Pfg[k]! + c * zi;
      Pc[k] = vc;
      Pin[k] = vi;
      Pfg[k] = vf;
      out[rc + i] += es * vc;
      out[ri + i] += es * vi;
      out[rf + i] += es * vf;
    }
    return;
  }
  for (let i = 0; i < Zc; i++) {
    const v = yf * Pc[pc + i]! + a * z[i]!;
    Pc[pc + i] = v;
    out[rc + i] += es * v;
  }
  for (let i = 0; i < Zg; i++) {
    const v = yf * Pin[pg + i]! + b * z[i]!;
    Pin[pg + i] = v;
    out[ri + i] += es * v;
  }
  if (fg) {
    for (let i = 0; i < Zg; i++) {
      const v = yf * Pfg[pg + i]! + c * z[i]!;
      Pfg[pg + i] = v;
      out[rf + i] += es * v;
    }
  }
}

/** A 1997-family network with the truncated RTRL learner: the paper's online learning. */
export class Rtrl97 implements Learner<Rtrl97Stream> {
  readonly layout: Lstm97Layout;
  readonly spec: Lstm97Spec;
  readonly params: Float64Array;
  grad: Float64Array;
  readonly groups: readonly ParamGroup[];
  readonly inputs: number;
  readonly outputs: number;

  /**
   * The single-stream wasm kernels (wasm-single.ts), when this learner owns its params (none were
   * given), has at least WASM_SINGLE_MIN_WEIGHTS weights and the kernel backend is 'wasm': params, grad and the first stream's kernel arrays then
   * live in their memory. null otherwise; either way the results are the same bits.
   */
  readonly kernels: SingleKernels | null;
  #slotsFree: number;
  /** (K) output nets, recomputed for a cross-entropy loss. */
  private readonly nets: Float64Array;

  /**
   * `options.kernels: false` builds no kernels (a model whose gradient will be a shared pool's,
   * e.g. the worker's per-stream models, would only carry an unused grad in that memory).
   * `options.kernelStreams` (default 1): how many streams, the first ones newStream() returns, get
   * their kernel arrays in the kernels' memory (sized once, at construction). Later streams run
   * the JS kernels. Set it to the batch size for many streams of one model (stepBatch/learnBatch).
   */
  constructor(cfg: Lstm97Config, params?: Float64Array, options: { kernelStreams?: number; kernels?: boolean } = {}) {
    this.spec = parseLstm97Config(cfg);
    this.layout = lstm97Layout(this.spec);
    this.groups = this.layout.groups;
    this.inputs = this.spec.inputs;
    this.outputs = this.spec.outputs;
    this.nets = new Float64Array(this.outputs);
    const size = this.layout.size;
    const slots = options.kernelStreams ?? 1;
    if (!Number.isInteger(slots) || slots < 0) throw new LstmError(LSTM_ERR.CONFIG, `kernelStreams must be an integer >= 0, got ${slots}`, { kernelStreams: slots });
    const perStream = lstm97KernelArrays(this.spec);
    this.kernels = kernelsWanted(options.kernels) && params === undefined && size >= WASM_SINGLE_MIN_WEIGHTS ? SingleKernels.create([size, size, this.spec.cells, this.spec.blocks, ...lstm97SquashScratch(this.spec), ...Array.from({ length: slots }, () => perStream).flat()], this) : null;
    if (this.kernels !== null) {
      this.params = this.kernels.alloc(size);
      this.params.set(lstm97Params(this.layout));
      this.grad = this.kernels.alloc(size);
      this.kernels.es = this.kernels.alloc(this.spec.cells);
      this.kernels.dOut = this.kernels.alloc(this.spec.blocks);
      const [nSq, nS] = lstm97SquashScratch(this.spec) as [number, number, number];
      this.kernels.sq = this.kernels.alloc(nSq);
      this.kernels.sv = this.kernels.alloc(nS);
      this.kernels.fs = this.kernels.alloc(nS);
    } else {
      this.params = lstm97Params(this.layout, params);
      this.grad = new Float64Array(size);
    }
    this.#slotsFree = this.kernels === null ? 0 : slots;
  }

  /** A fresh stream; the first kernelStreams of a learner with kernels have their kernel arrays in their memory. */
  newStream(): Rtrl97Stream {
    const k = this.#slotsFree > 0 ? this.kernels : null;
    if (k !== null) this.#slotsFree--;
    const st = newLstm97State(this.spec, k === null ? undefined : (n) => k.alloc(n)) as Rtrl97Stream & { gK: Float64Array; eps: Float64Array };
    return Object.assign(st, { gK: new Float64Array(this.spec.outputs), eps: new Float64Array(this.spec.cells + this.spec.hiddenUnits), ready: false });
  }

  reset(s: Rtrl97Stream): void {
    resetLstm97State(s);
    s.ready = false;
  }

  step(s: Rtrl97Stream, x: ArrayLike<number>): Float64Array {
    s.ready = false;
    return lstm97Forward(this.layout, this.params, s, x, 'defer', this.kernels);
  }

  /**
   * Applies the stream's pending trace update, if any (step() defers it into the next learn(),
   * which reads the traces anyway): afterwards Pc, Pin and Pφ hold the latest step's traces. For
   * code that reads them directly; nothing else needs it.
   */
  settleTraces(s: Rtrl97Stream): void {
    settleTraces(this.layout, s);
  }

  /** Forward only, no traces: inference on a stream that is not learning. */
  predict(s: Rtrl97Stream, x: ArrayLike<number>): Float64Array {
    s.ready = false;
    return lstm97Forward(this.layout, this.params, s, x, false, this.kernels);
  }

  learn(s: Rtrl97Stream, target: ArrayLike<number>, weight = 1): number {
    if (s.t === 0) throw new LstmError(LSTM_ERR.STATE, 'learn() needs a step() first');
    checkVector('target', target, this.spec.outputs);
    if (!Number.isFinite(weight) || weight < 0) throw new LstmError(LSTM_ERR.NON_FINITE, `weight must be finite and >= 0, got ${weight}`);
    const loss = outputLoss(this.layout, this.params, s, target, s.gK, weight, this.nets);
    if (Number.isNaN(loss)) throw new LstmError(LSTM_ERR.NON_FINITE, 'loss is not finite; step refused');
    rtrl97Backward(this.layout, this.params, this.grad, s, this.kernels);
    s.ready = true;
    return loss;
  }

  /**
   * learn() and a plain SGD step (θ −= lr · dE/dθ) in one pass: the paper's online update,
   * without the gradient buffer or a second pass over the weights. grad is not touched and
   * gradReady() stays false. Equal to learn() then θ −= lr·grad up to rounding (a weight that
   * gets several terms in one step, e.g. a gate of a block of S > 1 cells, takes them one by one).
   * Refuses like learn(), and when an output error times lr is not finite (checked before anything
   * is written; the rest of each term is a product of the finite forward pass's values).
   */
  learnSgd(s: Rtrl97Stream, target: ArrayLike<number>, lr: number, weight = 1): number {
    if (s.t === 0) throw new LstmError(LSTM_ERR.STATE, 'learn() needs a step() first');
    checkVector('target', target, this.spec.outputs);
    if (!Number.isFinite(weight) || weight < 0) throw new LstmError(LSTM_ERR.NON_FINITE, `weight must be finite and >= 0, got ${weight}`);
    if (!Number.isFinite(lr) || lr < 0) throw new LstmError(LSTM_ERR.CONFIG, `lr must be finite and >= 0, got ${lr}`);
    const loss = outputLoss(this.layout, this.params, s, target, s.gK, weight, this.nets);
    if (Number.isNaN(loss)) throw new LstmError(LSTM_ERR.NON_FINITE, 'loss is not finite; step refused');
    for (let k = 0; k < s.gK.length; k++) {
      if (!Number.isFinite(lr * s.gK[k]!)) throw new LstmError(LSTM_ERR.NON_FINITE, 'output error is not finite; step refused');
    }
    rtrl97Accumulate(this.layout, this.params, this.params, -lr, s, this.kernels);
    s.ready = false;
    return loss;
  }

  /**
   * Many streams, one model: B streams advance one step in one call (X is B×I, the outputs are
   * written to Y, B×K). Bit-identical to stepping them one by one in order.
   */
  stepBatch(streams: readonly Rtrl97Stream[], X: ArrayLike<number>, Y: Float64Array): void {
    for (const s of streams) s.ready = false;
    lstm97ForwardBatch(this.layout, this.params, streams, X, Y, 'defer', this.kernels);
  }

  /** Learner.stepMany: stepBatch(). */
  stepMany(streams: readonly Rtrl97Stream[], X: ArrayLike<number>, Y: Float64Array): void {
    this.stepBatch(streams, X, Y);
  }

  /**
   * predict() for B streams in one call (X is B×I, the outputs are written to Y, B×K): forward
   * only, no traces. Bit-identical to predicting them one by one in order.
   */
  predictBatch(streams: readonly Rtrl97Stream[], X: ArrayLike<number>, Y: Float64Array): void {
    for (const s of streams) s.ready = false;
    lstm97ForwardBatch(this.layout, this.params, streams, X, Y, false, this.kernels);
  }

  /**
   * learn() for B streams (D is B×K targets, `losses` receives B losses). Gradients add into grad
   * in stream order, exactly as B learn() calls would. All targets are checked before any stream
   * or the gradient changes.
   */
  learnBatch(streams: readonly Rtrl97Stream[], D: ArrayLike<number>, losses: Float64Array, weight = 1): void {
    const K = this.spec.outputs;
    checkVector('D', D, streams.length * K);
    for (const s of streams) if (s.t === 0) throw new LstmError(LSTM_ERR.STATE, 'learnBatch() needs a step first on every stream');
    for (let b = 0; b < streams.length; b++) {
      const s = streams[b]!;
      const loss = outputLoss(this.layout, this.params, s, subarrayOf(D, b * K, K), s.gK, weight, this.nets);
      if (Number.isNaN(loss)) throw new LstmError(LSTM_ERR.NON_FINITE, `loss of stream ${b} is not finite; batch refused`, { index: b });
      losses[b] = loss;
    }
    for (const s of streams) {
      rtrl97Backward(this.layout, this.params, this.grad, s, this.kernels);
      s.ready = true;
    }
  }

  gradReady(s: Rtrl97Stream): boolean {
    return s.ready;
  }
}

function subarrayOf(D: ArrayLike<number>, from: number, n: number): ArrayLike<number> {
  if (D instanceof Float64Array) return D.subarray(from, from + n);
  return Array.prototype.slice.call(D, from, from + n) as number[];
}
