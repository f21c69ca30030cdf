// The kernel backend switch ('js' | 'wasm') and the JS side of the WebAssembly SIMD kernels
// (source wasm/kernels.ts, bytes in kernels-wasm-bytes.ts, design in docs/kernels.md): the
// batched gate GEMMs of StreamBatch (vanilla, cifg, gru) and lstm97ForwardBatch. Weights are
// copied into the module's memory once per batched step (O(P), against O(P·B) arithmetic),
// inputs are written transposed (stream-minor) so the f64x2 lanes run over streams. Every sum
// is taken in the JS kernels' order, so both backends give the same bits. Not the kernels' math.
//
// Dimensions: B streams, Bp = B rounded up to 4, Xin layer inputs, H hidden, G = nG·H, Z fan-in.

import { LSTM_ERR, LstmError } from './errors.ts';
import { KERNELS_WASM_BASE64 } from './kernels-wasm-bytes.ts';
import type { LayerLayout } from './recurrent-layout.ts';

/** Which implementation runs the batched kernels. */
export type KernelBackend = 'js' | 'wasm';
export const KERNEL_BACKENDS: readonly KernelBackend[] = ['js', 'wasm'];
/** Smallest batch the WebAssembly GEMM takes; smaller batches stay in JS (lanes would idle). */
export const WASM_MIN_BATCH = 4;

/** The few WebAssembly globals used (the repo's TS lib has no DOM types). */
export interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
export interface WasmNamespace {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: Record<string, unknown> };
  Memory: new (d: { initial: number }) => { readonly buffer: ArrayBuffer };
}

/** The runtime's WebAssembly namespace. */
export function wasmNamespace(): WasmNamespace {
  return (globalThis as unknown as { WebAssembly: WasmNamespace }).WebAssembly;
}

/** Compiles a module from its base64 bytes (the generated *-wasm-bytes.ts); throws where WebAssembly SIMD is missing. */
export function compileBase64(b64: string): object {
  return new (wasmNamespace().Module)(Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0)));
}
type Gemm = (out: number, bias: number, hasBias: number, w1: number, n1: number, z1: number, w2: number, n2: number, z2: number, rows: number, Bp: number) => void;
type OuterAcc = (g: number, n: number, e: number, ldE: number, z: number, rows: number, B: number) => void;
type VanillaCells = (pre: number, cPrev: number, c: number, tc: number, h: number, peep: number, hasPeep: number, H: number, Bp: number, coupled: number) => void;
type Untranspose = (out: number, x: number, rows: number, B: number, Bp: number) => void;

export interface Kernels {
  readonly memory: WasmMemory;
  readonly gemm: Gemm;
  readonly outerAcc: OuterAcc;
  readonly vanillaCells: VanillaCells;
  readonly untranspose: Untranspose;
  /** View over the whole memory; replaced after growth. */
  f64: Float64Array;
}

/** First byte the JS side lays buffers out from (past the module's stub runtime data). */
const BASE_BYTES = 65536;
let kernels: Kernels | null | undefined;
let current: KernelBackend | undefined;

function load(): Kernels | null {
  if (kernels !== undefined) return kernels;
  try {
    const { exports } = new (wasmNamespace().Instance)(compileBase64(KERNELS_WASM_BASE64), { env: { abort: () => { throw new Error('wasm abort'); } } });
    const memory = exports['memory'] as WasmMemory;
    kernels = {
      memory, gemm: exports['gemm'] as Gemm, outerAcc: exports['outerAcc'] as OuterAcc, vanillaCells: exports['vanillaCells'] as VanillaCells,
      untranspose: exports['untranspose'] as Untranspose, f64: new Float64Array(memory.buffer),
    };
  } catch {
    kernels = null; // no WebAssembly SIMD here: the JS kernels run
  }
  return kernels;
}

let squash = true;

/**
 * Whether the cells' squashing runs in wasm (wasm/math.ts; default true): a learner's single-stream
 * kernels (the vanilla/cifg element-wise step, the 1997 cell's nets and h(s)), the batched 1997
 * forward of its kernelStreams streams, and StreamBatch's whole vanilla/cifg layer step for B ≥ 4.
 * Both ways give the same bits; false keeps the cells in JS (the batched GEMM stays in wasm), for
 * the A/B benchmark bench/lstm/ab-squash.ts.
 */
export function setWasmSquash(on: boolean): void {
  squash = on;
}

/** See setWasmSquash. */
export function wasmSquash(): boolean {
  return squash;
}

/** Bytes of the batched kernels' WebAssembly memory now (0 without the kernels): for tests and benchmarks. */
export function wasmMemoryBytes(): number {
  return load()?.memory.buffer.byteLength ?? 0;
}

/** True when the WebAssembly SIMD kernels loaded on this runtime. */
export function wasmKernelsAvailable(): boolean {
  return load() !== null;
}

/** The backend in use: 'wasm' by default where it loads, else 'js'. */
export function kernelBackend(): KernelBackend {
  current ??= wasmKernelsAvailable() ? 'wasm' : 'js';
  return current;
}

/**
 * Selects the backend of the batched kernels for the whole process. Both give bit-identical
 * results (the same summation order); 'wasm' is faster for B ≥ WASM_MIN_BATCH. Throws
 * LSTM_ERR_CONFIG for an unknown name or when WebAssembly SIMD is unavailable.
 */
export function setKernelBackend(backend: KernelBackend): void {
  if (!KERNEL_BACKENDS.includes(backend)) throw new LstmError(LSTM_ERR.CONFIG, `kernel backend must be 'js' or 'wasm', got ${String(backend)}`, { backend });
  if (backend === 'wasm' && !wasmKernelsAvailable()) throw new LstmError(LSTM_ERR.CONFIG, 'WebAssembly SIMD kernels are not available on this runtime', { backend });
  current = backend;
}

/** The kernels when the wasm backend is selected and B is large enough, else null. */
export function wasmFor(B: number): Kernels | null {
  return B >= WASM_MIN_BATCH && kernelBackend() === 'wasm' ? load() : null;
}

/** The most bytes a WebAssembly (wasm32) memory holds: 65,536 pages of 64 KiB. */
const WASM_MAX_BYTES = 65536 * 65536;

/**
 * Grows `memory` to at least `bytes`. LSTM_ERR_CONFIG (naming `what`, with `details`) when that is
 * more than a wasm32 memory holds or the engine grants: too many streams in one batch.
 */
export function growMemory(memory: WasmMemory, bytes: number, what: string, details: Record<string, unknown>): void {
  const have = memory.buffer.byteLength;
  if (bytes <= have) return;
  const tooBig = (): LstmError =>
    new LstmError(LSTM_ERR.CONFIG, `${what}: ${bytes} bytes of WebAssembly memory, more than it can hold (${WASM_MAX_BYTES}): fewer streams per batch`, { bytes, ...details });
  if (bytes > WASM_MAX_BYTES) throw tooBig();
  try {
    memory.grow(Math.ceil((bytes - have) / 65536));
  } catch (e) {
    if (e instanceof RangeError) throw tooBig();
    throw e;
  }
}

/**
 * Makes the memory at least `doubles` f64 long (from 0); refreshes the view after growth.
 * LSTM_ERR_CONFIG when that is more than the memory can hold or grow to (too many streams in one batch).
 */
function reserve(k: Kernels, doubles: number): Float64Array {
  growMemory(k.memory, doubles * 8, 'the batched kernels need', {});
  if (k.f64.buffer !== k.memory.buffer) k.f64 = new Float64Array(k.memory.buffer);
  return k.f64;
}

/** f[at + i·Bp + b] = src[b·n + i] for b < B, 0 for the pad lanes. */
function transposeIn(f: Float64Array, at: number, src: Float64Array, n: number, B: number, Bp: number): void {
  for (let b = 0; b < B; b++) {
    const s = b * n;
    for (let i = 0; i < n; i++) f[at + i * Bp + b] = src[s + i]!;
  }
  for (let b = B; b < Bp; b++) for (let i = 0; i < n; i++) f[at + i * Bp + b] = 0;
}

/**
 * gatePreactivations on the wasm backend: pre (B, G) = b_g + W_g x + R_g h for gates with
 * g < nRecurrent, b_g + W_g x for the rest. Same bits as the JS kernel.
 */
export function wasmGatePreactivations(k: Kernels, pre: Float64Array, x: Float64Array, hPrev: Float64Array, params: Float64Array, L: LayerLayout, nRecurrent: number, B: number): void {
  const m = layerMemory(L, B);
  const { G, O0, Bp } = m;
  const f = gatesInWasm(k, x, hPrev, params, L, nRecurrent, B, m, m.gatesEnd);
  for (let b = 0; b < B; b++) {
    const o = b * G;
    for (let q = 0; q < G; q++) pre[o + q] = f[O0 + q * Bp + b]!;
  }
}

/**
 * Where one batched layer step lives in the module's memory, in doubles from 0: the layer's gate
 * blocks (W0), x and h_{t-1} transposed in, stream-minor (X0, H0), the gate pre-activations (G, Bp)
 * at O0, ending at gatesEnd; then, for a vanilla/cifg layer's whole step (wasmVanillaForward),
 * c_{t-1}, c_t, tanh(c_t), h_t (H, Bp) each, the peepholes, and the stream-major copies:
 * activations (B, G), c_t, tanh(c_t), h_t (B, H) each, ending at cellsEnd.
 */
function layerMemory(L: LayerLayout, B: number) {
  const { Xin, H, nG, peep, gateStride } = L;
  const G = nG * H;
  const Bp = (B + 3) & ~3;
  const nPeep = peep < 0 ? 0 : (nG - 1) * H; // vanilla: pi, pf, po; cifg: pf, po
  const W0 = BASE_BYTES / 8;
  const X0 = W0 + nG * gateStride;
  const H0 = X0 + Xin * Bp;
  const O0 = H0 + H * Bp;
  const gatesEnd = O0 + G * Bp;
  const C0 = gatesEnd;
  const CN = C0 + H * Bp;
  const TC = CN + H * Bp;
  const HN = TC + H * Bp;
  const P0 = HN + H * Bp;
  const A1 = P0 + nPeep;
  const C1 = A1 + B * G;
  const T1 = C1 + B * H;
  const H1 = T1 + B * H;
  return { G, Bp, nPeep, W0, X0, H0, O0, gatesEnd, C0, CN, TC, HN, P0, A1, C1, T1, H1, cellsEnd: H1 + B * H };
}

/**
 * The layer's gate pre-activations in the module's memory, stream-minor, at m.O0 (layerMemory),
 * after the gate blocks (copied in), x and h_{t-1} (transposed in); the memory is first made
 * `doubles` long.
 */
function gatesInWasm(k: Kernels, x: Float64Array, hPrev: Float64Array, params: Float64Array, L: LayerLayout, nRecurrent: number, B: number, m: ReturnType<typeof layerMemory>, doubles: number): Float64Array {
  const { Xin, H, nG, offset, gateStride } = L;
  const { Bp, W0, X0, H0, O0 } = m;
  const f = reserve(k, doubles);
  f.set(params.subarray(offset, offset + nG * gateStride), W0);
  transposeIn(f, X0, x, Xin, B, Bp);
  transposeIn(f, H0, hPrev, H, B, Bp);
  for (let g = 0; g < nG; g++) {
    const W = W0 + g * gateStride;
    k.gemm((O0 + g * H * Bp) * 8, (W + H * Xin + H * H) * 8, 1, W * 8, Xin, X0 * 8, (W + H * Xin) * 8, g < nRecurrent ? H : 0, H0 * 8, H, Bp);
  }
  return f;
}

/**
 * Grows the batched kernels' memory now to what one batched forward of B streams through these
 * layers takes (wasmVanillaForward, or the gate GEMM of a gru layer), so that a StreamBatch step
 * cannot fail half-way through its streams. LSTM_ERR_CONFIG when that is more than WebAssembly
 * memory holds. Nothing to do on the JS backend or below the wasm batch size.
 */
export function reserveBatchForward(layers: readonly LayerLayout[], B: number): void {
  const k = wasmFor(B);
  if (k === null) return;
  let need = 0;
  for (const L of layers) {
    const m = layerMemory(L, B);
    need = Math.max(need, L.cell === 'gru' ? m.gatesEnd : m.cellsEnd);
  }
  reserve(k, need);
}

/**
 * A whole vanilla/cifg layer step over a batch on the wasm backend (vanilla.ts vanillaForward's
 * outputs, the same bits): the gate pre-activations by gemm as wasmGatePreactivations, then the
 * cells (wasm/kernels.ts vanillaCells: squashing and the cell state in f64x2 lanes over streams,
 * math.ts's fdlibm bits) and the way back to stream-major (B, ·) in the module's memory, from
 * where act (B, G), c, tc and h (B, H) are copied out whole.
 */
export function wasmVanillaForward(k: Kernels, act: Float64Array, c: Float64Array, tc: Float64Array, h: Float64Array, x: Float64Array, hPrev: Float64Array, cPrev: Float64Array, params: Float64Array, L: LayerLayout, B: number): void {
  const { H, nG, peep } = L;
  const m = layerMemory(L, B);
  const { G, Bp, nPeep, O0, C0, CN, TC, HN, P0, A1, C1, T1, H1 } = m;
  const f = gatesInWasm(k, x, hPrev, params, L, nG, B, m, m.cellsEnd);
  if (nPeep > 0) f.set(params.subarray(peep, peep + nPeep), P0);
  transposeIn(f, C0, cPrev, H, B, Bp);
  k.vanillaCells(O0 * 8, C0 * 8, CN * 8, TC * 8, HN * 8, P0 * 8, nPeep > 0 ? 1 : 0, H, Bp, L.cell === 'cifg' ? 1 : 0);
  k.untranspose(A1 * 8, O0 * 8, G, B, Bp);
  k.untranspose(C1 * 8, CN * 8, H, B, Bp);
  k.untranspose(T1 * 8, TC * 8, H, B, Bp);
  k.untranspose(H1 * 8, HN * 8, H, B, Bp);
  act.set(f.subarray(A1, A1 + B * G));
  c.set(f.subarray(C1, C1 + B * H));
  tc.set(f.subarray(T1, T1 + B * H));
  h.set(f.subarray(H1, H1 + B * H));
}

/** One group of rows for wasmRowDots: `count` rows of length `len` at params[base], written to net[at...]. */
export interface RowGroup {
  readonly base: number;
  readonly count: number;
  readonly len: number;
  readonly at: number;
}

/**
 * net_b[at + r] = W[r]·z_b (no bias term: it is z's last column) for every group and stream,
 * the lstm97 batch nets. Same bits as matvec per stream.
 */
export function wasmRowDots(k: Kernels, sts: readonly { readonly net: Float64Array; readonly z: Float64Array }[], params: Float64Array, groups: readonly RowGroup[], rowsTotal: number): void {
  const B = sts.length;
  const Z = sts[0]!.z.length;
  const Bp = (B + 3) & ~3;
  const W0 = BASE_BYTES / 8; // (P) params
  const Z0 = W0 + params.length; // (Z, Bp)
  const O0 = Z0 + Z * Bp; // (rowsTotal, Bp)
  const f = reserve(k, O0 + rowsTotal * Bp);
  f.set(params, W0);
  for (let b = 0; b < B; b++) {
    const z = sts[b]!.z;
    for (let i = 0; i < Z; i++) f[Z0 + i * Bp + b] = z[i]!;
  }
  for (let b = B; b < Bp; b++) for (let i = 0; i < Z; i++) f[Z0 + i * Bp + b] = 0;
  for (const g of groups) k.gemm((O0 + g.at * Bp) * 8, 0, 0, (W0 + g.base) * 8, g.len, Z0 * 8, 0, 0, 0, g.count, Bp);
  // stream by stream, so each stream's net is looked up once and written contiguously
  for (let b = 0; b < B; b++) {
    const net = sts[b]!.net;
    for (let gi = 0; gi < groups.length; gi++) {
      const { at, count } = groups[gi]!;
      let q = O0 + at * Bp + b;
      for (let r = 0; r < count; r++, q += Bp) net[at + r] = f[q]!;
    }
  }
}

/**
 * The weight gradients of a vanilla/cifg layer's gate blocks over a batch, on the wasm backend:
 * for every gate g, W_g += Σ_b e_b ⊗ x_b, R_g += Σ_b e_b ⊗ hPrev_b, b_g += Σ_b e_b, each element
 * summed in stream order b = 0, 1, ... So the same bits as B calls of gateBackward, one stream
 * after the other. E (B, G) holds the gate pre-activation errors, stream-major.
 */
export function wasmGateGrads(k: Kernels, grad: Float64Array, E: Float64Array, x: Float64Array, hPrev: Float64Array, L: LayerLayout, B: number): void {
  const { Xin, H, nG, offset, gateStride } = L;
  const G = nG * H;
  const P = nG * gateStride;
  const W0 = BASE_BYTES / 8; // (nG·gateStride) the layer's gate-block gradient
  const E0 = W0 + P; // (B, G)
  const X0 = E0 + B * G; // (B, Xin)
  const H0 = X0 + B * Xin; // (B, H)
  const O0 = H0 + B * H; // (B) ones: the bias "input"
  const f = reserve(k, O0 + B);
  f.set(grad.subarray(offset, offset + P), W0);
  f.set(E.subarray(0, B * G), E0);
  f.set(x.subarray(0, B * Xin), X0);
  f.set(hPrev.subarray(0, B * H), H0);
  f.fill(1, O0, O0 + B);
  for (let g = 0; g < nG; g++) {
    const W = W0 + g * gateStride; // (H, Xin), then R (H, H), then bias (H)
    const e = (E0 + g * H) * 8;
    k.outerAcc(W * 8, Xin, e, G, X0 * 8, H, B);
    k.outerAcc((W + H * Xin) * 8, H, e, G, H0 * 8, H, B);
    k.outerAcc((W + H * Xin + H * H) * 8, 1, e, G, O0 * 8, H, B);
  }
  grad.set(f.subarray(W0, W0 + P), offset);
}
