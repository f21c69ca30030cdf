// The per-stream ring buffer of step caches that truncated BPTT walks backwards (LSTM-SPEC 3):
// one Float64Array slab allocated at stream creation and read at computed offsets, so a stream
// holds one typed array for its whole window (no view objects per slot) and a step allocates
// nothing. A slot keeps only what the backward pass cannot get elsewhere: the state *leaving* a
// step is the state entering the next one (the next slot's hPrev/cPrev, or the stream's current
// state for the newest step), so it is not stored twice. The kernels run on a StepCache, an
// unpacked step of plain (B=1) arrays, shared by every stream of one shape in the process: the
// forward writes into it and storeStep() packs it into a slot. The backward pass unpacks only the
// small arrays its kernels read many times (loadInputs: x, dA, hPrev, h) and reads the gate
// activations, cell states and aux in the slab at the slot's offsets; loadStep() unpacks a whole
// slot (inspection and tests). Not the learner logic (tbptt.ts).
//
// Dimensions: X inputs, H hidden (per layer), nG gates, G = nG·H, K outputs.
//
// Slot layout (floats, in order): x (X) | dA (K) | per layer: act (G) | hPrev (H) | cPrev (H,
// none for gru) | aux (H).

import type { RecurrentLayout } from './recurrent-layout.ts';

/** Cached quantities of one layer at one step, unpacked (plain arrays, B = 1). */
export interface LayerCache {
  /** (H) layer output entering the step, y_{t-1}. */
  readonly hPrev: Float64Array;
  /** (H) cell state entering the step, c_{t-1} (empty for gru). */
  readonly cPrev: Float64Array;
  /** (G) gate activations, in GATE_ORDER. */
  readonly act: Float64Array;
  /** (H) cell state c_t (empty for gru). */
  readonly c: Float64Array;
  /** (H) vanilla/cifg: tanh(c_t); gru: Rn h_{t-1} + bRn. */
  readonly aux: Float64Array;
  /** (H) layer output y_t. */
  readonly h: Float64Array;
}

/** One step unpacked: what the kernels read and write (the workspace of forward and backward). */
export interface StepCache {
  /** (X) external input. */
  readonly x: Float64Array;
  readonly layers: readonly LayerCache[];
  /** (K) head pre-activations. */
  readonly a: Float64Array;
  /** (K) head outputs ŷ. */
  readonly y: Float64Array;
  /** (K) weight·dE/da recorded by learn(). */
  readonly dA: Float64Array;
}

/** Offsets of one layer's fields within a slot. */
export interface LayerSlot {
  readonly act: number;
  readonly hPrev: number;
  /** -1 for gru (no cell state). */
  readonly cPrev: number;
  readonly aux: number;
  readonly G: number;
  readonly H: number;
}

/** Where each field of a slot is (floats from the slot's start). */
export interface SlotLayout {
  /** Floats per slot. */
  readonly size: number;
  readonly X: number;
  readonly K: number;
  readonly x: number;
  readonly dA: number;
  readonly layers: readonly LayerSlot[];
}

export interface StepRing {
  /** Number of slots (steps held). */
  readonly capacity: number;
  /** (capacity, size) the slots, slot-major. */
  readonly slab: Float64Array;
  /** 1 where the slot's step has a recorded target. */
  readonly hasTarget: Uint8Array;
  /** Floats held, for memory accounting. */
  readonly floats: number;
}

/** The slot layout of a network with X inputs. */
export function slotLayout(layout: RecurrentLayout, X: number): SlotLayout {
  const K = layout.head.K;
  let at = X + K;
  const layers = layout.layers.map((L): LayerSlot => {
    const G = L.nG * L.H;
    const gru = L.cell === 'gru';
    const act = at;
    const hPrev = act + G;
    const cPrev = gru ? -1 : hPrev + L.H;
    const aux = hPrev + (gru ? 1 : 2) * L.H;
    at = aux + L.H;
    return Object.freeze({ act, hPrev, cPrev, aux, G, H: L.H });
  });
  return Object.freeze({ size: at, X, K, x: 0, dA: X, layers: Object.freeze(layers) });
}

/** Floats one slot needs. */
export function slotSize(layout: RecurrentLayout, X: number): number {
  return slotLayout(layout, X).size;
}

/** Allocates a ring of `capacity` slots in one slab. */
export function createStepRing(layout: RecurrentLayout, X: number, capacity: number): StepRing {
  const slab = new Float64Array(slotSize(layout, X) * capacity);
  return Object.freeze({ capacity, slab, hasTarget: new Uint8Array(capacity), floats: slab.length });
}

/** Floats of a StepCache of `layout` with X inputs (one slab). */
export function stepCacheFloats(layout: RecurrentLayout, X: number): number {
  let n = X + 3 * layout.head.K;
  for (const L of layout.layers) n += L.nG * L.H + (L.cell === 'gru' ? 3 : 5) * L.H;
  return n;
}

/** An unpacked step of this shape, in one slab with named views; the slab is `slab` when given (stepCacheFloats long, e.g. in a learner's kernel memory). */
export function createStepCache(layout: RecurrentLayout, X: number, slab: Float64Array = new Float64Array(stepCacheFloats(layout, X))): StepCache {
  const K = layout.head.K;
  let at = 0;
  const take = (k: number): Float64Array => {
    const v = slab.subarray(at, at + k);
    at += k;
    return v;
  };
  const x = take(X);
  const layers = layout.layers.map((L): LayerCache => {
    const hasC = L.cell === 'gru' ? 0 : L.H;
    return Object.freeze({ hPrev: take(L.H), cPrev: take(hasC), act: take(L.nG * L.H), c: take(hasC), aux: take(L.H), h: take(L.H) });
  });
  return Object.freeze({ x, layers: Object.freeze(layers), a: take(K), y: take(K), dA: take(K) });
}

/** dst[d ..] = src[s ..], n floats. */
function copy(dst: Float64Array, d: number, src: Float64Array, s: number, n: number): void {
  if (n >= COPY_SET_MIN) dst.set(src.subarray(s, s + n), d);
  else for (let j = 0; j < n; j++) dst[d + j] = src[s + j];
}

/**
 * From this length on a copy is one TypedArray.set (a memmove) rather than a loop. The subarray
 * it takes is an allocation: at 64 the worker's default H = 32 model (act: 128 doubles) allocated
 * ~1,052 bytes a sample instead of ~947 (bench/worker/model-probe.ts) for no gain in time, while a
 * B=256 StreamBatch.step at H = 128 (act: 512) takes ~4 % less time with set than with the loop.
 */
const COPY_SET_MIN = 256;

/**
 * Packs row b of a stream-major batch (x: (B, X); per layer act (B, G), hPrev (B, H), cPrev
 * (B, H), aux (B, H)) into slot `idx`; B = 1, b = 0 for a StepCache. dA is left as it is.
 */
export function storeStep(ring: StepRing, sl: SlotLayout, idx: number, src: StepCache, b: number): void {
  const { slab } = ring;
  const base = idx * sl.size;
  copy(slab, base + sl.x, src.x, b * sl.X, sl.X);
  for (let l = 0; l < sl.layers.length; l++) {
    const o = sl.layers[l];
    const m = src.layers[l];
    copy(slab, base + o.act, m.act, b * o.G, o.G);
    copy(slab, base + o.hPrev, m.hPrev, b * o.H, o.H);
    if (o.cPrev >= 0) copy(slab, base + o.cPrev, m.cPrev, b * o.H, o.H);
    copy(slab, base + o.aux, m.aux, b * o.H, o.H);
  }
}

/** Writes the loss gradient dA (K) of slot `idx`. */
export function storeDA(ring: StepRing, sl: SlotLayout, idx: number, dA: Float64Array): void {
  copy(ring.slab, idx * sl.size + sl.dA, dA, 0, sl.K);
}

/**
 * What the backward pass reads of slot `idx` as whole arrays, into `dst`: x, dA, and per layer
 * hPrev and the output leaving the step h (from slot `next`, or the stream's current `h` when
 * `next` < 0). act, c, cPrev and aux stay in the slab (the kernels take their offsets).
 */
export function loadInputs(dst: StepCache, ring: StepRing, sl: SlotLayout, idx: number, next: number, h: readonly Float64Array[]): void {
  const { slab } = ring;
  const base = idx * sl.size;
  copy(dst.x, 0, slab, base + sl.x, sl.X);
  copy(dst.dA, 0, slab, base + sl.dA, sl.K);
  for (let l = 0; l < sl.layers.length; l++) {
    const o = sl.layers[l];
    const m = dst.layers[l];
    copy(m.hPrev, 0, slab, base + o.hPrev, o.H);
    if (next < 0) m.h.set(h[l]);
    else copy(m.h, 0, slab, next * sl.size + o.hPrev, o.H);
  }
}

/**
 * Unpacks slot `idx` into `dst`: x, dA, and per layer act, hPrev, cPrev, aux, and the state
 * leaving the step (h, c) from slot `next` (the step after it) or, when `next` < 0 (the newest
 * step), from the stream's current state `h`, `c`. dst.a and dst.y are not touched.
 */
export function loadStep(
  dst: StepCache,
  ring: StepRing,
  sl: SlotLayout,
  idx: number,
  next: number,
  h: readonly Float64Array[], // per layer (H) the stream's current y_t
  c: readonly Float64Array[], // per layer (H) the stream's current c_t (empty for gru)
): void {
  const { slab } = ring;
  const base = idx * sl.size;
  const nb = next * sl.size;
  copy(dst.x, 0, slab, base + sl.x, sl.X);
  copy(dst.dA, 0, slab, base + sl.dA, sl.K);
  for (let l = 0; l < sl.layers.length; l++) {
    const o = sl.layers[l];
    const m = dst.layers[l];
    copy(m.act, 0, slab, base + o.act, o.G);
    copy(m.hPrev, 0, slab, base + o.hPrev, o.H);
    copy(m.aux, 0, slab, base + o.aux, o.H);
    if (next < 0) m.h.set(h[l]);
    else copy(m.h, 0, slab, nb + o.hPrev, o.H);
    if (o.cPrev < 0) continue;
    copy(m.cPrev, 0, slab, base + o.cPrev, o.H);
    if (next < 0) m.c.set(c[l]);
    else copy(m.c, 0, slab, nb + o.cPrev, o.H);
  }
}
