// The 1997 LSTM network (LSTM-SPEC 1.1-1.2, 2.1-2.2): layout of its one flat parameter buffer,
// the per-stream state, and the forward step with the truncated RTRL eligibility traces (1.5,
// 2.1, 2.2) folded in. The learning rule that consumes the traces is rtrl97.ts; this file holds
// no gradient of the loss.
//
// Dimensions: I inputs, C blocks, S cells per block, N = C·S, U conventional hidden units,
// K outputs, R = |r(t)|, Zg/Zc/Zh fan-in of gates/cells/hidden units, O = |o(t)|.
//   z(t) = [x (I); r(t-1) (R; only y_c (N) if cellSources = 'cells'; none if 'inputs'); 1]  (LSTM-SPEC 5.4)
//   r(t) = [y_c (N, block-major); y_in (C); y_φ (C if forget); y_out (C if output gate); y_h (U)]
//   o(t) = [y_c (N); y_h (U); x (I if connectivity B); 1 (if output bias)]

import { sigmoid, squash, squashBase, squashFromBase, squashPrimeFromBase } from './activations.ts';
import { LstmError, LSTM_ERR, checkVector } from './errors.ts';
import type { ParamGroup, StreamState } from './learner.ts';
import { parseLstm97Config, type Lstm97Config, type Lstm97Spec } from './lstm97-config.ts';
import { createRng } from './prng.ts';
import { wasmFor, wasmRowDots, wasmSquash, type RowGroup } from './wasm-kernels.ts';
import type { SingleKernels } from './wasm-single.ts';

/** Parameter groups in buffer order; absent groups have offset -1 and size 0. */
export const LSTM97_GROUP_ORDER = ['W_in', 'W_out', 'W_c', 'W_k', 'W_fg', 'p_in', 'p_out', 'p_fg', 'W_h'] as const;

export interface Lstm97Layout {
  readonly spec: Lstm97Spec;
  /** W: total number of parameters. */
  readonly size: number;
  readonly groups: readonly ParamGroup[];
  readonly W_in: number; //  C×Zg  input gates
  readonly W_out: number; // C×Zg  output gates (-1 without output gate)
  readonly W_c: number; //   N×Zc  cell inputs
  readonly W_k: number; //   K×O   output units
  readonly W_fg: number; //  C×Zg  forget gates (-1 without)
  readonly p_in: number; //  N     peepholes s_jv -> in_j (-1 without)
  readonly p_out: number; // N     peepholes s_jv -> out_j
  readonly p_fg: number; //  N     peepholes s_jv -> φ_j
  readonly W_h: number; //   U×Zh  conventional hidden units (-1 without)
}

/** Lays out the flat parameter buffer for a spec, in LSTM97_GROUP_ORDER. */
export function lstm97Layout(spec: Lstm97Spec): Lstm97Layout {
  const { blocks: C, cells: N, hiddenUnits: U, outputs: K, zGate, zCell, zHidden, outSources: O } = spec;
  const groups: ParamGroup[] = [];
  let offset = 0;
  const add = (name: string, present: boolean, shape: number[]): number => {
    if (!present || shape[0]! * shape[1]! === 0) return -1;
    groups.push(Object.freeze({ name, offset, shape: Object.freeze(shape) }));
    const at = offset;
    offset += shape[0]! * shape[1]!;
    return at;
  };
  const W_in = add('W_in', true, [C, zGate]);
  const W_out = add('W_out', spec.outputGate, [C, zGate]);
  const W_c = add('W_c', true, [N, zCell]);
  const W_k = add('W_k', true, [K, O]);
  const W_fg = add('W_fg', spec.forgetGate, [C, zGate]);
  const p_in = add('p_in', spec.peepholes, [N, 1]);
  const p_out = add('p_out', spec.peepholes && spec.outputGate, [N, 1]);
  const p_fg = add('p_fg', spec.peepholes && spec.forgetGate, [N, 1]);
  const W_h = add('W_h', U > 0, [U, zHidden]);
  return Object.freeze({ spec, size: offset, groups: Object.freeze(groups), W_in, W_out, W_c, W_k, W_fg, p_in, p_out, p_fg, W_h });
}

/**
 * Fills params per LSTM-SPEC 1.3: uniform in [-initRange, initRange] from the seeded PRNG, in
 * buffer order, then the listed per-block gate biases overwrite the bias column of their rows.
 */
export function initLstm97Params(layout: Lstm97Layout, params: Float64Array): void {
  const { spec } = layout;
  const rng = createRng(spec.seed);
  const r = spec.initRange;
  for (let i = 0; i < layout.size; i++) params[i] = rng.range(-r, r);
  const Zg = spec.zGate;
  const setBias = (base: number, list: readonly number[] | undefined): void => {
    if (!list || base < 0) return;
    for (let j = 0; j < spec.blocks; j++) params[base + j * Zg + Zg - 1] = list[j]!;
  };
  setBias(layout.W_in, spec.gateBias.input);
  setBias(layout.W_out, spec.gateBias.output);
  setBias(layout.W_fg, spec.gateBias.forget);
}

/** Per-stream state of a 1997 network: activations of the current step and the eligibility traces. */
export interface Lstm97State extends StreamState {
  readonly z: Float64Array; //     zBase+1  source vector of the current step
  readonly r: Float64Array; //     R        hidden activations r(t)
  readonly net: Float64Array; //   3C+N+U   net inputs [in; φ; out; c; h] of the current step
  readonly s: Float64Array; //     N        CEC states s(t)
  readonly sPrev: Float64Array; // N        s(t-1)
  readonly yIn: Float64Array; //   C
  readonly yFg: Float64Array; //   C        (1 without forget gate)
  readonly yOut: Float64Array; //  C        (1 without output gate)
  readonly hS: Float64Array; //    N        h(s(t))
  readonly yH: Float64Array; //    U
  readonly o: Float64Array; //     O        output sources
  readonly y: Float64Array; //     K        outputs y(t)
  readonly Pc: Float64Array; //    N×Zc     ∂s/∂W_c traces
  readonly Pin: Float64Array; //   N×Zg     ∂s/∂W_in traces
  readonly Pfg: Float64Array; //   N×Zg     ∂s/∂W_fg traces (empty without forget gate)
  readonly Qin: Float64Array; //   N×S      ∂s/∂p_in traces (empty without peepholes)
  readonly Qfg: Float64Array; //   N×S      ∂s/∂p_fg traces
  /**
   * 4N+1 (empty without traces): the latest step's trace update, deferred. Per cell n,
   * tr[4n..4n+3] = (y_φ, a, b, c) of P ← y_φ·P + k·z(t) for Pc, Pin, Pφ (k = a, b, c), and
   * tr[4N] = 1 while it is pending. A step with `traces: 'defer'` leaves Pc, Pin, Pφ one step behind
   * so that the learner can update them in the same pass that reads them (rtrl97Accumulate); every
   * other reader settles first (settleTraces). It is state like the rest: a snapshot taken while it
   * is pending restores pending and goes on with the same bits.
   */
  readonly tr: Float64Array;
}

/**
 * Lengths of the state arrays the single-stream kernels touch, in the order newLstm97State allocates
 * them: z, net, Pc, Pin, Pφ, tr, then s, s(t-1), y_in, y_φ, y_out, h(s), o (cells97One's).
 */
export function lstm97KernelArrays(spec: Lstm97Spec): number[] {
  const { cells: N, blocks: C } = spec;
  return [spec.zBase + 1, 3 * C + N + spec.hiddenUnits, N * spec.zCell, N * spec.zGate, spec.forgetGate ? N * spec.zGate : 0, 4 * N + 1, N, N, C, C, C, N, spec.outSources];
}

/** Lengths of the kernels' squashing scratch of lstm97Forward (SingleKernels sq, sv, fs): the nets, s, h's base of s. */
export function lstm97SquashScratch(spec: Lstm97Spec): number[] {
  return [3 * spec.blocks + spec.cells + spec.hiddenUnits, spec.cells, spec.cells];
}

/**
 * A fresh stream state. `alloc`, if given, provides the arrays the single-stream kernels touch
 * (in the order and the lengths of lstm97KernelArrays), zeroed.
 */
export function newLstm97State(spec: Lstm97Spec, alloc: (n: number) => Float64Array = (n) => new Float64Array(n)): Lstm97State {
  const { cellsPerBlock: S, cells: N } = spec;
  const [z, net, Pc, Pin, Pfg, tr, s, sPrev, yIn, yFg, yOut, hS, o] = lstm97KernelArrays(spec).map((n) => alloc(n)) as [
    Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array, Float64Array,
  ];
  yFg.fill(1);
  yOut.fill(1);
  return {
    t: 0,
    z,
    r: new Float64Array(spec.recurrent),
    net,
    s,
    sPrev,
    yIn,
    yFg,
    yOut,
    hS,
    yH: new Float64Array(spec.hiddenUnits),
    o,
    y: new Float64Array(spec.outputs),
    Pc,
    Pin,
    Pfg,
    Qin: new Float64Array(spec.peepholes ? N * S : 0),
    Qfg: new Float64Array(spec.peepholes && spec.forgetGate ? N * S : 0),
    tr,
  };
}

/** Zeroes state, activations and traces (a sequence boundary, LSTM-SPEC 1.2 "Reset"). */
export function resetLstm97State(st: Lstm97State): void {
  st.t = 0;
  for (const a of [st.z, st.r, st.net, st.s, st.sPrev, st.yIn, st.hS, st.yH, st.o, st.y, st.Pc, st.Pin, st.Pfg, st.Qin, st.Qfg, st.tr]) a.fill(0);
  st.yFg.fill(1);
  st.yOut.fill(1);
}

function dot(w: Float64Array, wo: number, z: Float64Array, zo: number, n: number): number {
  let acc = 0;
  for (let i = 0; i < n; i++) acc += w[wo + i]! * z[zo + i]!;
  return acc;
}

/**
 * Whether a forward step keeps the truncated-RTRL eligibility traces: false (inference), true
 * (updated in the step), or 'defer' (the step's trace update is left pending in `tr`, to be fused
 * into the learner's pass over the traces or settled by the next reader; the same values either way).
 */
export type TraceMode = boolean | 'defer';

/**
 * Applies a pending deferred trace update (Lstm97State.tr), if any: Pc, Pin, Pφ then hold the
 * traces of the latest step. Call it before reading them directly; every function of this
 * package that reads or moves the traces does.
 */
export function settleTraces(L: Lstm97Layout, st: Lstm97State): void {
  const { tr } = st;
  const N = L.spec.cells;
  if (tr.length === 0 || tr[4 * N] !== 1) return;
  for (let n = 0; n < N; n++) updateTraceRows(L, st, n, tr[4 * n]!, tr[4 * n + 1]!, tr[4 * n + 2]!, tr[4 * n + 3]!);
  tr[4 * N] = 0;
}

/** The step-time trace update of cell n: Pc, Pin, Pφ rows ← y_φ·P + k·z with k = a, b, c (Pφ only with a forget gate). */
export function updateTraceRows(L: Lstm97Layout, st: Lstm97State, n: number, yf: number, a: number, b: number, c: number): void {
  const { zGate: Zg, zCell: Zc } = L.spec;
  const { z, Pc, Pin, Pfg } = st;
  const fg = L.W_fg >= 0;
  if (fg && Zc === Zg) {
    // the three traces of a cell in one pass over z (element-wise: the same values)
    traces3(Pc, Pin, Pfg, n * Zc, z, Zc, yf, a, b, c);
    return;
  }
  const pc = n * Zc;
  const pg = n * Zg;
  for (let i = 0; i < Zc; i++) Pc[pc + i] = yf * Pc[pc + i]! + a * z[i]!;
  for (let i = 0; i < Zg; i++) Pin[pg + i] = yf * Pin[pg + i]! + b * z[i]!;
  if (fg) for (let i = 0; i < Zg; i++) Pfg[pg + i] = yf * Pfg[pg + i]! + c * z[i]!;
}

/**
 * One forward step y(t) = net(x(t)), updating the state and, per `traces`, the truncated-RTRL
 * eligibility traces (a pending deferred update is settled first). Validates x first; on a bad x
 * the state is untouched.
 */
export function lstm97Forward(L: Lstm97Layout, p: Float64Array, st: Lstm97State, x: ArrayLike<number>, traces: TraceMode, k?: SingleKernels | null): Float64Array {
  checkVector('x', x, L.spec.inputs);
  settleTraces(L, st);
  lstm97Sources(L, st, x, 0);
  const wasm = k != null && k.ownsAll([p, st.z, st.net]);
  if (wasm) lstm97NetsWasm(L, p, st.z, st.net, k);
  else lstm97Nets(L, p, st.z, 0, st.net, 0);
  squashAndCells(L, p, st, traces, k);
  lstm97Outputs(L, p, st.o, 0, st.y, 0);
  applyHead(L.spec.head, st.y, L.spec.outputs);
  st.t++;
  return st.y;
}

/**
 * B streams sharing the parameters advance one step in one call: the matrix work (every weight
 * row against every stream's z) runs row-major over the batch, the rest per stream. Outputs go to
 * Y (B×K). Bit-identical to B calls of lstm97Forward. All of X is validated before any stream moves.
 */
export function lstm97ForwardBatch(L: Lstm97Layout, p: Float64Array, sts: readonly Lstm97State[], X: ArrayLike<number>, Y: Float64Array, traces: TraceMode, k?: SingleKernels | null): void {
  const { inputs: I, outputs: K } = L.spec;
  const B = sts.length;
  checkVector('X', X, B * I);
  if (Y.length < B * K) checkVector('Y', Y, B * K);
  for (let b = 0; b < B; b++) settleTraces(L, sts[b]!);
  for (let b = 0; b < B; b++) lstm97Sources(L, sts[b]!, X, b * I);
  lstm97NetsBatch(L, p, sts);
  for (let b = 0; b < B; b++) squashAndCells(L, p, sts[b]!, traces, k);
  const O = L.spec.outSources;
  for (let k = 0; k < K; k++) {
    const row = L.W_k + k * O;
    for (let b = 0; b < B; b++) sts[b]!.y[k] = dot(p, row, sts[b]!.o, 0, O);
  }
  for (let b = 0; b < B; b++) {
    const st = sts[b]!;
    applyHead(L.spec.head, st.y, K);
    Y.set(st.y, b * K);
    st.t++;
  }
}

/**
 * The stream's nets squashed (squashRanges) and its cells run (lstm97Cells): in wasm when its nets
 * live in k's memory (Rtrl97's first kernelStreams streams) and k's squash scratch is set, else in
 * JS. The same bits either way.
 */
function squashAndCells(L: Lstm97Layout, p: Float64Array, st: Lstm97State, traces: TraceMode, k: SingleKernels | null | undefined): void {
  const spec = L.spec;
  if (traces === false && k != null && wasmSquash() && spec.cellsPerBlock === 1 && spec.hiddenUnits === 0 && ownsCells97(k, p, st)) {
    k.cells97One(st, p, L.p_in, L.W_fg >= 0 ? L.p_fg : -1, L.W_out >= 0 ? L.p_out : -1, spec.blocks, L.W_fg >= 0, L.W_out >= 0, spec.g, spec.h);
    outputSources(L, st);
  } else if (k != null && k.sq && k.sv && k.fs && wasmSquash() && k.owns(st.net)) {
    for (const r of squashRanges(L)) k.squashRows(k.sq, r.at, st.net, r.at, r.count, r.base);
    lstm97Cells(L, p, st, traces, k.sq, k);
  } else {
    const sq = scratch(st.net.length);
    squashNetsJs(L, st.net, sq);
    lstm97Cells(L, p, st, traces, sq, null);
  }
}

/** Whether cells97One may run on the stream: p and every array it touches live in k's memory. */
function ownsCells97(k: SingleKernels, p: Float64Array, st: Lstm97State): boolean {
  return k.owns(p) && k.owns(st.net) && k.owns(st.s) && k.owns(st.sPrev) && k.owns(st.yIn) && k.owns(st.yFg) && k.owns(st.yOut) && k.owns(st.hS) && k.owns(st.o);
}

/** z(t) = [x; r(t-1); 1], and s(t-1) saved. */
function lstm97Sources(L: Lstm97Layout, st: Lstm97State, x: ArrayLike<number>, xo: number): void {
  const { z, r, s, sPrev } = st;
  const I = L.spec.inputs;
  for (let i = 0; i < I; i++) z[i] = x[xo + i]!;
  if (L.spec.cellSources === 'all') z.set(r, I);
  else if (L.spec.cellSources === 'cells') z.set(r.subarray(0, L.spec.cells), I);
  z[L.spec.zBase] = 1;
  sPrev.set(s);
}

/** lstm97Nets with each block's matvec in wasm (the same bits); p, z and net live in k's memory (checked by the caller). */
function lstm97NetsWasm(L: Lstm97Layout, p: Float64Array, z: Float64Array, net: Float64Array, k: SingleKernels): void {
  const { blocks: C, cells: N, hiddenUnits: U, zGate: Zg, zCell: Zc, zHidden: Zh } = L.spec;
  k.matvec(net, 0, p, L.W_in, C, Zg, z, 0);
  if (L.W_fg >= 0) k.matvec(net, C, p, L.W_fg, C, Zg, z, 0);
  if (L.W_out >= 0) k.matvec(net, 2 * C, p, L.W_out, C, Zg, z, 0);
  k.matvec(net, 3 * C, p, L.W_c, N, Zc, z, 0);
  if (U > 0) k.matvec(net, 3 * C + N, p, L.W_h, U, Zh, z, 0);
}

/** net = W·z for every gate, cell and hidden row: [in (C); φ (C); out (C); c (N); h (U)]. */
function lstm97Nets(L: Lstm97Layout, p: Float64Array, z: Float64Array, zo: number, net: Float64Array, no: number): void {
  const { blocks: C, cells: N, hiddenUnits: U, zGate: Zg, zCell: Zc, zHidden: Zh } = L.spec;
  matvec(net, no, p, L.W_in, C, Zg, z, zo);
  if (L.W_fg >= 0) matvec(net, no + C, p, L.W_fg, C, Zg, z, zo);
  if (L.W_out >= 0) matvec(net, no + 2 * C, p, L.W_out, C, Zg, z, zo);
  matvec(net, no + 3 * C, p, L.W_c, N, Zc, z, zo);
  if (U > 0) matvec(net, no + 3 * C + N, p, L.W_h, U, Zh, z, zo);
}

/**
 * out[oo + r] = W[r]·z for `rows` contiguous rows of length n at p[wo...]. Four rows at a time,
 * so four independent multiply-add chains run side by side; each row's sum is still taken left
 * to right, so results equal dot() bit for bit.
 */
export function matvec(out: Float64Array, oo: number, p: Float64Array, wo: number, rows: number, n: number, z: Float64Array, zo: number): void {
  let r = 0;
  for (; r + 3 < rows; r += 4) {
    const w0 = wo + r * n;
    const w1 = w0 + n;
    const w2 = w1 + n;
    const w3 = w2 + n;
    let a0 = 0;
    let a1 = 0;
    let a2 = 0;
    let a3 = 0;
    for (let i = 0; i < n; i++) {
      const zi = z[zo + i]!;
      a0 += p[w0 + i]! * zi;
      a1 += p[w1 + i]! * zi;
      a2 += p[w2 + i]! * zi;
      a3 += p[w3 + i]! * zi;
    }
    out[oo + r] = a0;
    out[oo + r + 1] = a1;
    out[oo + r + 2] = a2;
    out[oo + r + 3] = a3;
  }
  for (; r < rows; r++) out[oo + r] = dot(p, wo + r * n, z, zo, n);
}

/**
 * lstm97Nets over a batch, each weight row reused across all streams while it is in cache. (The
 * nets' squashing stays in JS here: done in wasm on the GEMM's output and copied out per stream it
 * was no faster, ×0.96-0.99 in bench/lstm/ab-squash.ts.)
 */
function lstm97NetsBatch(L: Lstm97Layout, p: Float64Array, sts: readonly Lstm97State[]): void {
  const { blocks: C, cells: N, hiddenUnits: U, zGate: Zg, zCell: Zc, zHidden: Zh } = L.spec;
  const B = sts.length;
  const k = wasmFor(B);
  if (k) {
    const groups: RowGroup[] = [];
    const add = (base: number, count: number, len: number, at: number): void => {
      if (base >= 0 && count > 0) groups.push({ base, count, len, at });
    };
    add(L.W_in, C, Zg, 0);
    add(L.W_fg, C, Zg, C);
    add(L.W_out, C, Zg, 2 * C);
    add(L.W_c, N, Zc, 3 * C);
    add(L.W_h, U, Zh, 3 * C + N);
    wasmRowDots(k, sts, p, groups, 3 * C + N + U);
    return;
  }
  // Blocks of 16 rows (they stay in L1 while every stream reads them), each stream through matvec:
  // the same row sums, in the same order, as a one-stream step.
  const rows = (base: number, count: number, len: number, at: number): void => {
    if (base < 0) return;
    for (let r = 0; r < count; r += NET_BLOCK_ROWS) {
      const n = Math.min(NET_BLOCK_ROWS, count - r);
      for (let b = 0; b < B; b++) matvec(sts[b]!.net, at + r, p, base + r * len, n, len, sts[b]!.z, 0);
    }
  };
  rows(L.W_in, C, Zg, 0);
  rows(L.W_fg, C, Zg, C);
  rows(L.W_out, C, Zg, 2 * C);
  rows(L.W_c, N, Zc, 3 * C);
  rows(L.W_h, U, Zh, 3 * C + N);
}

/** Rows at..at+count-1 of net, squashed by base (the JS sigmoid or Math.tanh). */
interface SquashRange {
  readonly at: number;
  readonly count: number;
  readonly base: 'sigmoid' | 'tanh';
}

const ranges = new WeakMap<Lstm97Layout, readonly SquashRange[]>();

/**
 * The rows of net [in; φ; out; c; h] whose squashing needs nothing but the net, squashed in bulk
 * before the cells run (lstm97Cells reads them from sq): each gate block without peepholes into it
 * (the logistic f), the cells (g's base function, unless g is the identity) and the hidden units
 * (f). Adjacent rows of one base merge into one range.
 */
function squashRanges(L: Lstm97Layout): readonly SquashRange[] {
  let out = ranges.get(L);
  if (out) return out;
  const { blocks: C, cells: N, hiddenUnits: U } = L.spec;
  const list: SquashRange[] = [];
  const add = (at: number, count: number, base: 'sigmoid' | 'tanh' | 'identity'): void => {
    if (count === 0 || base === 'identity') return;
    const last = list[list.length - 1];
    if (last && last.base === base && last.at + last.count === at) list[list.length - 1] = { at: last.at, count: last.count + count, base };
    else list.push({ at, count, base });
  };
  if (L.p_in < 0) add(0, C, 'sigmoid');
  if (L.W_fg >= 0 && L.p_fg < 0) add(C, C, 'sigmoid');
  if (L.W_out >= 0 && L.p_out < 0) add(2 * C, C, 'sigmoid');
  add(3 * C, N, squashBase(L.spec.g));
  add(3 * C + N, U, 'sigmoid');
  out = Object.freeze(list);
  ranges.set(L, out);
  return out;
}

/** squashRanges' rows of net squashed into sq in JS (the same bits as the wasm squashRows). */
function squashNetsJs(L: Lstm97Layout, net: Float64Array, sq: Float64Array): void {
  for (const { at, count, base } of squashRanges(L)) {
    if (base === 'sigmoid') for (let i = at; i < at + count; i++) sq[i] = sigmoid(net[i]!);
    else for (let i = at; i < at + count; i++) sq[i] = Math.tanh(net[i]!);
  }
}

let scratchBuf = new Float64Array(0);

/** A module-wide scratch array of at least n doubles (lstm97 steps run one at a time). */
function scratch(n: number): Float64Array {
  if (scratchBuf.length < n) scratchBuf = new Float64Array(n);
  return scratchBuf;
}

/** Rows of a weight block shared by all streams of a batch before moving on (16 rows × Z ≤ 2K doubles at Z ≤ 128). */
const NET_BLOCK_ROWS = 16;

/**
 * Given the nets and sq (squashRanges' rows of them squashed): gates, the CEC, the traces, cell
 * outputs, hidden units, o(t) and r(t). With k (its sv and fs scratch set), h(s) is squashed in
 * wasm too. Every value is the one squash() and squashPrime() give, from the same base value.
 */
function lstm97Cells(L: Lstm97Layout, p: Float64Array, st: Lstm97State, traces: TraceMode, sq: Float64Array, k: SingleKernels | null): void {
  const spec = L.spec;
  const { blocks: C, cellsPerBlock: S, cells: N, hiddenUnits: U } = spec;
  const { s, sPrev, net, yIn, yFg, yOut, hS, yH, o, Qin, Qfg, tr } = st;
  const defer = traces === 'defer';
  const gIdentity = spec.g === 'identity';

  for (let j = 0; j < C; j++) {
    const c0 = j * S;
    let yi: number;
    if (L.p_in >= 0) {
      let netIn = net[j]!;
      for (let v = 0; v < S; v++) netIn += p[L.p_in + c0 + v]! * sPrev[c0 + v]!;
      yi = sigmoid(netIn);
    } else yi = sq[j]!;
    yIn[j] = yi;
    let yf = 1;
    if (L.W_fg >= 0) {
      if (L.p_fg >= 0) {
        let netFg = net[C + j]!;
        for (let v = 0; v < S; v++) netFg += p[L.p_fg + c0 + v]! * sPrev[c0 + v]!;
        yf = sigmoid(netFg);
      } else yf = sq[C + j]!;
      yFg[j] = yf;
    }
    const fpIn = yi * (1 - yi); // f'(net_in)
    const fpFg = yf * (1 - yf); // f'(net_φ), unused without forget gate

    for (let v = 0; v < S; v++) {
      const n = c0 + v;
      const base = gIdentity ? net[3 * C + n]! : sq[3 * C + n]!;
      const gc = squashFromBase(spec.g, base);
      s[n] = yf * sPrev[n]! + yi * gc; // the constant error carousel
      if (!traces) continue;
      const a = yi * squashPrimeFromBase(spec.g, base); // ∂s/∂net_c
      const b = gc * fpIn; //                       ∂s/∂net_in
      const c = sPrev[n]! * fpFg; //                ∂s/∂net_φ (0 without forget gate)
      if (defer) {
        tr[4 * n] = yf;
        tr[4 * n + 1] = a;
        tr[4 * n + 2] = b;
        tr[4 * n + 3] = c;
      } else updateTraceRows(L, st, n, yf, a, b, c);
      if (L.p_fg >= 0) for (let w = 0; w < S; w++) Qfg[n * S + w] = yf * Qfg[n * S + w]! + c * sPrev[c0 + w]!;
      if (L.p_in >= 0) for (let w = 0; w < S; w++) Qin[n * S + w] = yf * Qin[n * S + w]! + b * sPrev[c0 + w]!;
    }
  }
  if (defer) tr[4 * N] = 1;

  // h(s(t)) and the output gates (a peephole reads s(t)), once every block's state is in
  const hBase = squashBase(spec.h);
  const fs = k !== null && hBase !== 'identity' ? k.fs! : null;
  if (fs !== null) {
    k!.sv!.set(s);
    k!.squashRows(fs, 0, k!.sv!, 0, N, hBase as 'sigmoid' | 'tanh');
  }
  for (let j = 0; j < C; j++) {
    const c0 = j * S;
    let yo = 1;
    if (L.W_out >= 0) {
      if (L.p_out >= 0) {
        let netOut = net[2 * C + j]!;
        for (let v = 0; v < S; v++) netOut += p[L.p_out + c0 + v]! * s[c0 + v]!;
        yo = sigmoid(netOut);
      } else yo = sq[2 * C + j]!;
      yOut[j] = yo;
    }
    for (let v = 0; v < S; v++) {
      const hs = fs !== null ? squashFromBase(spec.h, fs[c0 + v]!) : squash(spec.h, s[c0 + v]!);
      hS[c0 + v] = hs;
      o[c0 + v] = yo * hs; // y_c
    }
  }
  for (let u = 0; u < U; u++) yH[u] = sq[3 * C + N + u]!;
  outputSources(L, st);
}

/** Given y_c (in o) and y_h: the rest of o(t) and r(t). */
function outputSources(L: Lstm97Layout, st: Lstm97State): void {
  const spec = L.spec;
  const { inputs: I, blocks: C, cells: N, hiddenUnits: U } = spec;
  const { z, r, yIn, yFg, yOut, yH, o } = st;
  // o(t) = [y_c; y_h; x if B; 1]  (y_c already written)
  let oi = N;
  for (let u = 0; u < U; u++) o[oi++] = yH[u]!;
  if (spec.connectivity === 'B') for (let i = 0; i < I; i++) o[oi++] = z[i]!;
  if (spec.biases.outputs) o[oi++] = 1;

  // r(t) = [y_c; y_in; y_φ; y_out; y_h]
  let ri = 0;
  for (let n = 0; n < N; n++) r[ri++] = o[n]!;
  for (let j = 0; j < C; j++) r[ri++] = yIn[j]!;
  if (spec.forgetGate) for (let j = 0; j < C; j++) r[ri++] = yFg[j]!;
  if (spec.outputGate) for (let j = 0; j < C; j++) r[ri++] = yOut[j]!;
  for (let u = 0; u < U; u++) r[ri++] = yH[u]!;
}

/** Pc, Pin, Pφ rows at `at` (length n): P ← yf·P + k·z with k = a, b, c respectively. */
function traces3(Pc: Float64Array, Pin: Float64Array, Pfg: Float64Array, at: number, z: Float64Array, n: number, yf: number, a: number, b: number, c: number): void {
  for (let i = 0; i < n; i++) {
    const zi = z[i]!;
    const k = at + i;
    Pc[k] = yf * Pc[k]! + a * zi;
    Pin[k] = yf * Pin[k]! + b * zi;
    Pfg[k] = yf * Pfg[k]! + c * zi;
  }
}

/** Output nets y = W_k·o (before the head). */
export function lstm97Outputs(L: Lstm97Layout, p: Float64Array, o: Float64Array, oo: number, y: Float64Array, yo: number): void {
  const { outputs: K, outSources: O } = L.spec;
  for (let k = 0; k < K; k++) y[yo + k] = dot(p, L.W_k + k * O, o, oo, O);
}

/** In place: net -> y for the output activation. */
export function applyHead(head: Lstm97Spec['head'], y: Float64Array, K: number): void {
  if (head === 'logistic') {
    for (let k = 0; k < K; k++) y[k] = sigmoid(y[k]!);
  } else if (head === 'softmax') {
    let m = -Infinity;
    for (let k = 0; k < K; k++) if (y[k]! > m) m = y[k]!;
    let sum = 0;
    for (let k = 0; k < K; k++) {
      const e = Math.exp(y[k]! - m);
      y[k] = e;
      sum += e;
    }
    for (let k = 0; k < K; k++) y[k] = y[k]! / sum;
  }
}

/** The given params (length checked: LSTM_ERR_DIMENSION) or a fresh seeded initialisation. */
export function lstm97Params(layout: Lstm97Layout, params?: Float64Array): Float64Array {
  if (params) {
    if (params.length !== layout.size) {
      throw new LstmError(LSTM_ERR.DIMENSION, `params must have length ${layout.size}, got ${params.length}`);
    }
    return params;
  }
  const fresh = new Float64Array(layout.size);
  initLstm97Params(layout, fresh);
  return fresh;
}

/** Builds layout, params and init for a config: the starting point of every 1997-family model. */
export function createLstm97(cfg: Lstm97Config): { layout: Lstm97Layout; params: Float64Array } {
  const layout = lstm97Layout(parseLstm97Config(cfg));
  return { layout, params: lstm97Params(layout) };
}
