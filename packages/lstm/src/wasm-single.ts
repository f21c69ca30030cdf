// The single-stream kernels of Rtrl97 and of the recurrent learners in WebAssembly (source
// wasm/single.ts, bytes in single-wasm-bytes.ts, design in docs/kernels.md). A learner with
// kernels owns one WebAssembly.Memory, sized once and never grown (so no view of it is ever
// detached). An Rtrl97 built without given params holds there its params, its grad, scratch rows
// and the kernel-facing arrays of its first kernelStreams streams (z, net, the traces and the
// deferred-trace coefficients); a RecurrentLearner (tbptt, bptt) its params, its grad and a
// workspace of its own (the unpacked step, the backward carries, the weight chunks). The kernels
// (the nets' matvec, the fused trace pass, the gate blocks' forward and backward) run in wasm
// whenever every array a call touches lives in that memory; anything else (given params, a
// gradient pool's buffer, a stream beyond kernelStreams) takes the JS kernels. Both compute every
// value with the same operations in the same order: the same bits.

import type { Squash } from './activations.ts';
import { LSTM_ERR, LstmError } from './errors.ts';
import { SINGLE_WASM_BASE64 } from './single-wasm-bytes.ts';
import { compileBase64, kernelBackend, wasmNamespace } from './wasm-kernels.ts';

type Matvec = (out: number, w: number, rows: number, n: number, z: number) => void;
type RowsAxpy = (out: number, coef: number, z: number, rows: number, n: number) => void;
type GatePre = (out: number, b: number, w: number, x: number, nx: number, rw: number, h: number, nh: number, rows: number) => void;
type GateErrors = (d: number, rows: number, w: number, dx: number, nx: number, rw: number, dh: number, nh: number) => void;
type GateWeights = (d: number, dStride: number, T: number, rows: number, gw: number, x: number, nx: number, gr: number, h: number, nh: number, gb: number, sgd: number, lr: number) => void;
type MathRows = (out: number, x: number, n: number, kind: number) => void;
type VanillaCells = (act: number, c: number, tc: number, h: number, cPrev: number, pi: number, pf: number, po: number, H: number, coupled: number, peep: number) => void;
type SquashRows = (out: number, x: number, n: number, kind: number) => void;
type Cells97One = (net: number, sPrev: number, s: number, pIn: number, pFg: number, pOut: number, peep: number, C: number, fg: number, og: number, gKind: number, hKind: number, yIn: number, yFg: number, yOut: number, hS: number, o: number) => void;
type SettleAcc = (pc: number, pin: number, pfg: number, z: number, tr: number, es: number, oc: number, oi: number, of: number, N: number, S: number, Z: number) => void;

/** What cells97One reads and writes of an lstm97 stream. */
export interface Cells97Arrays {
  readonly net: Float64Array;
  readonly sPrev: Float64Array;
  readonly s: Float64Array;
  readonly yIn: Float64Array;
  readonly yFg: Float64Array;
  readonly yOut: Float64Array;
  readonly hS: Float64Array;
  readonly o: Float64Array;
}

/** cells97One's squash kinds (the 1997 cell's g and h). */
const SQUASH_KIND: Record<Squash, number> = { sig4m2: 0, sig2m1: 1, sigmoid: 2, tanh: 3, identity: 4 };

const PAGE = 65536;

/**
 * Smallest model (weights) that gets the kernels: below it the calls into wasm cost more than they
 * save (an A/B of the online step at X = 8: ×0.85 at 213 weights, ×1.15 at 553, ×1.6 at 1,021).
 * The 1997 paper's nets of Exp. 1 and 3-6 (93-308 weights) stay in JS.
 */
export const WASM_SINGLE_MIN_WEIGHTS = 512;

/**
 * Most learners with kernel memories alive at once in a process; later ones run the JS kernels
 * until some are collected. V8 reserves address space for every WebAssembly.Memory (some GiB of
 * guard region each), and past ~10,000 live memories a process here stalled in allocation retries
 * (a throwaway probe of 20,000 Rtrl97 H=32 learners, 2026-11-22): a worker with thousands of
 * per-stream rtrl97 models must not get there.
 */
export const WASM_SINGLE_MAX_LIVE = 1024;
let live = 0;
const released = new FinalizationRegistry<null>(() => {
  live--;
});

/** A learner's `kernels` build option: undefined or true = use them where allowed, false = never; anything else is LSTM_ERR_CONFIG. */
export function kernelsWanted(kernels: unknown): boolean {
  if (kernels === undefined) return true;
  if (typeof kernels !== 'boolean') throw new LstmError(LSTM_ERR.CONFIG, `kernels must be a boolean, got ${String(kernels)}`, { kernels: String(kernels) });
  return kernels;
}

/** Learners holding kernel memories now (for tests and metrics). */
export function wasmSingleLive(): number {
  return live;
}
let compiled: object | null | undefined;

function module(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = compileBase64(SINGLE_WASM_BASE64);
  } catch {
    compiled = null; // no WebAssembly SIMD here: the JS kernels run
  }
  return compiled;
}

/** One learner's wasm memory and kernels. Arrays are carved from it in order (16-byte aligned). */
export class SingleKernels {
  readonly #buffer: ArrayBuffer;
  readonly #matvec: Matvec;
  readonly #settleAcc: SettleAcc;
  readonly #rowsAxpy: RowsAxpy;
  readonly #gatePre: GatePre;
  readonly #gateErrors: GateErrors;
  readonly #gateWeights: GateWeights;
  readonly #mathRows: MathRows;
  readonly #vanillaCells: VanillaCells;
  readonly #squashRows: SquashRows;
  readonly #cells97One: Cells97One;
  #used = 0; // the module has no data segment: the whole memory is ours (tested)
  /** Scratch row of the state errors of every cell (N), for settleAcc; set by the owner. */
  es: Float64Array | undefined;
  /** Scratch row of the output gates' dE/dnet (C), for rowsAxpy; set by the owner. */
  dOut: Float64Array | undefined;
  /** Scratch of an lstm97 net's squashed nets (3C+N+U), its s (N) and h's base of s (N), for lstm97Forward; set by the owner. */
  sq: Float64Array | undefined;
  sv: Float64Array | undefined;
  fs: Float64Array | undefined;

  private constructor(buffer: ArrayBuffer, exports: Record<string, unknown>) {
    this.#buffer = buffer;
    this.#matvec = exports['matvec'] as Matvec;
    this.#settleAcc = exports['settleAcc'] as SettleAcc;
    this.#rowsAxpy = exports['rowsAxpy'] as RowsAxpy;
    this.#gatePre = exports['gatePre'] as GatePre;
    this.#gateErrors = exports['gateErrors'] as GateErrors;
    this.#gateWeights = exports['gateWeights'] as GateWeights;
    this.#mathRows = exports['mathRows'] as MathRows;
    this.#vanillaCells = exports['vanillaCells'] as VanillaCells;
    this.#squashRows = exports['squashRows'] as SquashRows;
    this.#cells97One = exports['cells97One'] as Cells97One;
  }

  /**
   * Kernels with room for arrays of the given lengths (float64s), held for `owner` (counted live
   * until it is collected), or null when the kernel backend is 'js', WebAssembly is unavailable or
   * WASM_SINGLE_MAX_LIVE owners hold kernels already.
   */
  static create(lengths: readonly number[], owner: object): SingleKernels | null {
    if (kernelBackend() !== 'wasm' || live >= WASM_SINGLE_MAX_LIVE) return null;
    const mod = module();
    if (mod === null) return null;
    const bytes = lengths.reduce((a, n) => a + ((n * 8 + 15) & ~15), 0);
    try {
      const memory = new (wasmNamespace().Memory)({ initial: Math.max(1, Math.ceil(bytes / PAGE)) });
      const { exports } = new (wasmNamespace().Instance)(mod, { env: { memory, abort: () => { throw new Error('wasm abort'); } } });
      live++;
      released.register(owner, null);
      return new SingleKernels(memory.buffer, exports);
    } catch {
      return null;
    }
  }

  /** A zeroed array of n float64s in this memory (its sizes were fixed by create()). */
  alloc(n: number): Float64Array {
    const at = this.#used;
    this.#used = (at + n * 8 + 15) & ~15;
    if (this.#used > this.#buffer.byteLength) throw new Error('SingleKernels: arena exhausted (sizes differ from create())');
    return new Float64Array(this.#buffer, at, n);
  }

  owns(a: Float64Array): boolean {
    return a.buffer === this.#buffer;
  }

  /** lstm97.ts matvec in wasm; callers check that out, p and z live here (ownsAll) first. */
  matvec(out: Float64Array, oo: number, p: Float64Array, wo: number, rows: number, n: number, z: Float64Array, zo: number): void {
    this.#matvec(out.byteOffset + oo * 8, p.byteOffset + wo * 8, rows, n, z.byteOffset + zo * 8);
  }

  /** out[at + r·n + i] += coef[r] · z[i] for r < rows (wasm/single.ts rowsAxpy); callers check ownsAll first. */
  rowsAxpy(out: Float64Array, at: number, coef: Float64Array, z: Float64Array, rows: number, n: number): void {
    this.#rowsAxpy(out.byteOffset + at * 8, coef.byteOffset, z.byteOffset, rows, n);
  }

  /**
   * One gate block's pre-activations of one stream (vanilla.ts gatePreactivations at B = 1):
   * out[oo + r] = p[b + r] + Σ_j p[w + r·nx + j] x[j] (+ Σ_j p[rw + r·nh + j] h[j] when nh > 0),
   * r < rows. Callers check ownsAll([out, p, x, h]) first.
   */
  gatePre(out: Float64Array, oo: number, p: Float64Array, b: number, w: number, x: Float64Array, nx: number, rw: number, h: Float64Array, nh: number, rows: number): void {
    const o = p.byteOffset;
    this.#gatePre(out.byteOffset + oo * 8, o + b * 8, o + w * 8, x.byteOffset, nx, o + rw * 8, h.byteOffset, nh, rows);
  }

  /**
   * The input errors of one gate block (vanilla.ts gateBackward's dx and dhPrev): rows r with d[at + r] ≠ 0
   * add W rows ·d into dx (when given) and R rows ·d into dh (nh > 0). Callers check ownsAll first.
   */
  gateErrors(d: Float64Array, at: number, rows: number, p: Float64Array, w: number, dx: Float64Array | null, nx: number, rw: number, dh: Float64Array, nh: number): void {
    const o = p.byteOffset;
    this.#gateErrors(d.byteOffset + at * 8, rows, o + w * 8, dx === null ? 0 : dx.byteOffset, nx, o + rw * 8, dh.byteOffset, nh);
  }

  /**
   * The weight gradients of one gate block over T steps gathered in d (rows dStride apart, this
   * block's errors from column at), x (T, nx) and h (T, nh): what T steps of vanilla.ts gateBackward
   * would add to grad's W, R and bias rows, in the same order (T = 1: one step). With `sgdLr` given,
   * `grad` is the params instead and each element's sum (from 0) is applied at once, p -= lr·Σ: the
   * bits of a zeroed gradient, these steps and an SGD step. Callers check ownsAll first.
   */
  gateWeights(d: Float64Array, at: number, dStride: number, T: number, rows: number, grad: Float64Array, w: number, x: Float64Array, nx: number, rw: number, h: Float64Array, nh: number, b: number, sgdLr: number | null = null): void {
    const g = grad.byteOffset;
    this.#gateWeights(d.byteOffset + at * 8, dStride, T, rows, g + w * 8, x.byteOffset, nx, g + rw * 8, h.byteOffset, nh, g + b * 8, sgdLr === null ? 0 : 1, sgdLr ?? 0);
  }

  /**
   * out[i] = f(x[i]) by wasm/math.ts: exp and sigmoid one at a time, tanh2 and sigmoid2 two lanes
   * at a time (for the test holding them to V8's Math and activations.ts).
   */
  mathRows(out: Float64Array, x: Float64Array, kind: 'exp' | 'sigmoid' | 'tanh2' | 'sigmoid2'): void {
    this.#mathRows(out.byteOffset, x.byteOffset, Math.min(out.length, x.length), ['exp', 'sigmoid', 'tanh2', 'sigmoid2'].indexOf(kind));
  }

  /**
   * The element-wise part of a vanilla/cifg layer's step for one stream (vanilla.ts vanillaForward
   * at B = 1) on the pre-activations in act, two units at a time; peepholes at p[pi], p[pf], p[po]
   * (pi < 0 for cifg, all < 0 without). Callers check ownsAll first.
   */
  vanillaCells(act: Float64Array, c: Float64Array, tc: Float64Array, h: Float64Array, cPrev: Float64Array, p: Float64Array, pi: number, pf: number, po: number, H: number, coupled: boolean): void {
    const o = p.byteOffset;
    const peep = pf >= 0;
    this.#vanillaCells(act.byteOffset, c.byteOffset, tc.byteOffset, h.byteOffset, cPrev.byteOffset, peep && pi >= 0 ? o + pi * 8 : 0, peep ? o + pf * 8 : 0, peep ? o + po * 8 : 0, H, coupled ? 1 : 0, peep ? 1 : 0);
  }

  /** out[oo + i] = f(x[xo + i]) for i < n, f = the JS sigmoid or Math.tanh (wasm/math.ts squashRows, two at a time); callers check ownsAll first. */
  squashRows(out: Float64Array, oo: number, x: Float64Array, xo: number, n: number, base: 'sigmoid' | 'tanh'): void {
    this.#squashRows(out.byteOffset + oo * 8, x.byteOffset + xo * 8, n, base === 'sigmoid' ? 0 : 1);
  }

  /**
   * The 1997 cell's forward step of one stream of one-cell blocks, without hidden units or traces
   * (wasm/single.ts cells97One), from st.net into st's s, y_in, y_φ, y_out, h(s) and o's y_c rows;
   * peepholes at p[pIn], p[pFg], p[pOut] (< 0: none). Callers check ownsAll first.
   */
  cells97One(st: Cells97Arrays, p: Float64Array, pIn: number, pFg: number, pOut: number, C: number, fg: boolean, og: boolean, g: Squash, h: Squash): void {
    const o = p.byteOffset;
    const peep = (pIn >= 0 ? 1 : 0) | (pFg >= 0 ? 2 : 0) | (pOut >= 0 ? 4 : 0);
    this.#cells97One(
      st.net.byteOffset, st.sPrev.byteOffset, st.s.byteOffset, o + Math.max(pIn, 0) * 8, o + Math.max(pFg, 0) * 8, o + Math.max(pOut, 0) * 8, peep,
      C, fg ? 1 : 0, og ? 1 : 0, SQUASH_KIND[g], SQUASH_KIND[h], st.yIn.byteOffset, st.yFg.byteOffset, st.yOut.byteOffset, st.hS.byteOffset, st.o.byteOffset,
    );
  }

  /** True when every one of these arrays lives in this memory (what each kernel call needs). */
  ownsAll(arrays: readonly Float64Array[]): boolean {
    for (const a of arrays) if (a.buffer !== this.#buffer) return false;
    return true;
  }

  /** The fused deferred-trace pass of N cells (wasm/single.ts settleAcc); callers check ownsAll first. */
  settleAcc(Pc: Float64Array, Pin: Float64Array, Pfg: Float64Array, z: Float64Array, tr: Float64Array, es: Float64Array, out: Float64Array, rc: number, ri: number, rf: number, N: number, S: number, Z: number): void {
    const o = out.byteOffset;
    this.#settleAcc(Pc.byteOffset, Pin.byteOffset, Pfg.byteOffset, z.byteOffset, tr.byteOffset, es.byteOffset, o + rc * 8, o + ri * 8, o + rf * 8, N, S, Z);
  }
}
