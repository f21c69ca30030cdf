// The stacked network over one step and the backward pass over a window of cached steps: wires
// the layer kernels (vanilla.ts, gru.ts) and the head (heads.ts) together. No state of its own
// beyond the scratch buffers it is given; not the learner (tbptt.ts) and not the ring's layout
// (ring.ts: the backward pass unpacks each slot into a StepCache before the kernels read it).
//
// Dimensions: X inputs, H hidden (per layer), G = nG·H, K outputs.

import { gruBackward, gruForward } from './gru.ts';
import { headBackward, headForward } from './heads.ts';
import type { LayerLayout, RecurrentLayout } from './recurrent-layout.ts';
import type { RecurrentConfig } from './recurrent-options.ts';
import { loadInputs, type SlotLayout, type StepCache, type StepRing } from './ring.ts';
import { vanillaBackward, vanillaForward, vanillaGateErrors } from './vanilla.ts';
import type { SingleKernels } from './wasm-single.ts';

/** Backward scratch, shared by all streams of a learner (the backward pass is synchronous). */
export interface BackwardScratch {
  /** Per layer (H): dE/dy_t being assembled for the current step. */
  readonly dh: Float64Array[];
  /** Per layer (H): dE/dy_{t-1} accumulated by the current step, the next step's carry. */
  readonly dhNext: Float64Array[];
  /** Per layer (H): dE/dc_t arriving from t+1. */
  readonly dc: Float64Array[];
  /** Per layer (H): dE/dc_{t-1} accumulated by the current step. */
  readonly dcNext: Float64Array[];
  /** (4·max H) gate pre-activation errors. */
  readonly dgate: Float64Array;
  /**
   * Per layer, the steps gathered for the deferred weight gradients of the wasm backward (a
   * learner's own workspace; null in the shared one): gate errors (WEIGHT_CHUNK, G), layer inputs
   * (WEIGHT_CHUNK, Xin) and y_{t-1} (WEIGHT_CHUNK, H).
   */
  readonly chunk: readonly WeightChunk[] | null;
}

/** Steps the wasm backward gathers before adding their gate blocks' weight gradients in one pass. */
export const WEIGHT_CHUNK = 16;

export interface WeightChunk {
  readonly d: Float64Array;
  readonly x: Float64Array;
  readonly hPrev: Float64Array;
}

/** Floats of each array of a BackwardScratch of `layout` (what createBackwardScratch allocates; `chunk`: with the weight chunks). */
export function backwardScratchFloats(layout: RecurrentLayout, chunk = false): number[] {
  const Hs = layout.layers.map((L) => L.H);
  const chunks = chunk ? layout.layers.flatMap((L) => [WEIGHT_CHUNK * L.nG * L.H, WEIGHT_CHUNK * L.Xin, WEIGHT_CHUNK * L.H]) : [];
  return [...Hs, ...Hs, ...Hs, ...Hs, 4 * Math.max(...Hs), ...chunks];
}

/** The scratch, each array taken from `alloc` (default: a fresh Float64Array) in backwardScratchFloats' order. */
export function createBackwardScratch(layout: RecurrentLayout, alloc: (n: number) => Float64Array = (n) => new Float64Array(n), chunk = false): BackwardScratch {
  const per = () => layout.layers.map((L) => alloc(L.H));
  const maxH = Math.max(...layout.layers.map((L) => L.H));
  const s = { dh: per(), dhNext: per(), dc: per(), dcNext: per(), dgate: alloc(4 * maxH) };
  const chunks = chunk ? layout.layers.map((L) => ({ d: alloc(WEIGHT_CHUNK * L.nG * L.H), x: alloc(WEIGHT_CHUNK * L.Xin), hPrev: alloc(WEIGHT_CHUNK * L.H) })) : null;
  return { ...s, chunk: chunks };
}

/** Forward of one stream through every layer and the head; reads slot.x and slot.layers[*].hPrev/cPrev. */
export function forwardSlot(slot: StepCache, params: Float64Array, layout: RecurrentLayout, cfg: RecurrentConfig, kern?: SingleKernels | null): void {
  const { layers } = layout;
  for (let l = 0; l < layers.length; l++) {
    const L = layers[l];
    const m = slot.layers[l];
    const x = l === 0 ? slot.x : slot.layers[l - 1].h;
    if (L.cell === 'gru') gruForward(m.act, m.aux, m.h, x, m.hPrev, params, L, 1, kern);
    else vanillaForward(m.act, m.c, m.aux, m.h, x, m.hPrev, m.cPrev, params, L, 1, kern);
  }
  headForward(slot.a, slot.y, slot.layers[layers.length - 1].h, params, layout.head, cfg.head, 1);
}

/**
 * Backpropagates through the `len` most recent steps of the ring (newest at index `newest`),
 * injecting recorded errors only for the `inject` most recent ones; the state entering the
 * window is a constant and nothing flows out of it. Adds dE/dθ into grad. Per step, x, dA, hPrev
 * and h are unpacked into `work` (ring.ts loadInputs); the kernels read act, c, cPrev and aux in
 * the slab. `h`, `c` are the stream's state after the newest step.
 */
export function backwardWindow(
  grad: Float64Array, // += dE/dθ
  scratch: BackwardScratch,
  work: StepCache, // overwritten: x, dA, hPrev, h of the step being backpropagated
  ring: StepRing,
  sl: SlotLayout,
  h: readonly Float64Array[], // per layer (H) y after the newest step
  c: readonly Float64Array[], // per layer (H) c after the newest step (empty for gru)
  newest: number, // slot index of the latest step
  len: number, // window length, steps (≤ ring.capacity)
  inject: number, // errors of the last `inject` steps are injected
  params: Float64Array,
  layout: RecurrentLayout,
  kern?: SingleKernels | null, // the learner's single-stream kernels (gate blocks' backward in wasm)
  keepLast = false, // a window of at most WEIGHT_CHUNK steps on the wasm path: leave its chunk gathered, not added, and return its steps
): number {
  const { layers, head } = layout;
  const top = layers.length - 1;
  const { dh, dhNext, dc, dcNext, dgate } = scratch;
  const { slab, capacity } = ring;
  // The wasm path defers the gate blocks' weight gradients: each step's gate errors and inputs are
  // gathered, and every WEIGHT_CHUNK steps one pass over the weights adds them, each element
  // taking its steps' terms in step order: the bits of adding them step by step.
  // keepLast holds for a window of one chunk only: the caller adds that chunk itself.
  const keep = keepLast && len <= WEIGHT_CHUNK;
  const chunk = chunkPath(scratch, params, layout, kern, keep ? null : grad);
  let gathered = 0;
  for (let l = 0; l <= top; l++) {
    dhNext[l].fill(0);
    dcNext[l].fill(0);
  }
  for (let j = 0; j < len; j++) {
    const idx = (newest - j + capacity) % capacity;
    const next = j === 0 ? -1 : (idx + 1) % capacity; // the step after it: its hPrev, cPrev are this step's h, c
    loadInputs(work, ring, sl, idx, next, h);
    const slot = work;
    const base = idx * sl.size;
    // the carries of step t+1 become this step's incoming errors (swap, no copy)
    for (let l = 0; l <= top; l++) {
      const a = dh[l];
      dh[l] = dhNext[l];
      dhNext[l] = a;
      a.fill(0);
      const b = dc[l];
      dc[l] = dcNext[l];
      dcNext[l] = b;
      b.fill(0);
    }
    if (j < inject && ring.hasTarget[idx] === 1) {
      headBackward(dh[top], grad, slot.dA, slot.layers[top].h, params, head);
    }
    for (let l = top; l >= 0; l--) {
      const L = layers[l];
      const m = slot.layers[l];
      const o = sl.layers[l];
      const x = l === 0 ? slot.x : slot.layers[l - 1].h;
      const dx = l === 0 ? null : dh[l - 1];
      if (L.cell === 'gru') {
        gruBackward(dhNext[l], dx, grad, dgate, dh[l], slab, slab, x, m.hPrev, params, L, base + o.act, base + o.aux, kern);
      } else {
        const ct = next < 0 ? c[l] : slab; // c_t
        const cAt = next < 0 ? 0 : next * sl.size + o.cPrev;
        if (chunk) {
          gatherStep(chunk[l]!, gathered, dhNext[l], dcNext[l], dx, grad, dh[l], dc[l], slab, ct, x, m.hPrev, params, L, base + o.act, cAt, base + o.aux, base + o.cPrev, kern!);
          continue;
        }
        vanillaBackward(dhNext[l], dcNext[l], dx, grad, dgate, dh[l], dc[l], slab, ct, slab, x, m.hPrev, slab, params, L, base + o.act, cAt, base + o.aux, base + o.cPrev, kern);
      }
    }
    if (chunk && (++gathered === WEIGHT_CHUNK || j === len - 1)) {
      if (keep) return gathered;
      for (let l = 0; l <= top; l++) addChunkWeights(chunk[l]!, gathered, grad, params, layers[l]!, kern!);
      gathered = 0;
    }
  }
  return 0;
}

/**
 * The weight chunks of the wasm backward when it can run: kernels with chunks, no gru layer, and
 * params (and grad, when the chunks are added to it) in the kernels' memory. Else null.
 */
export function chunkPath(scratch: BackwardScratch, params: Float64Array, layout: RecurrentLayout, kern: SingleKernels | null | undefined, grad: Float64Array | null): readonly WeightChunk[] | null {
  if (!kern || scratch.chunk === null || !kern.ownsAll(grad === null ? [params] : [grad, params])) return null;
  return layout.layers.every((L) => L.cell !== 'gru') ? scratch.chunk : null;
}

/**
 * One vanilla/cifg layer's step of the deferred wasm backward: gate errors into row n of the
 * chunk (and dE/dc_{t-1}, the peephole gradients), the step's inputs beside them, and the input
 * errors (dx, dhPrev) now; the weight gradients wait for addChunkWeights.
 */
function gatherStep(
  ch: WeightChunk, n: number, dhPrev: Float64Array, dcPrev: Float64Array, dx: Float64Array | null, grad: Float64Array,
  dh: Float64Array, dc: Float64Array, slab: Float64Array, ct: Float64Array, x: Float64Array, hPrev: Float64Array,
  params: Float64Array, L: LayerLayout, actAt: number, cAt: number, tcAt: number, cPrevAt: number, kern: SingleKernels,
): void {
  const { H, Xin, nG, offset, gateStride } = L;
  const at = n * nG * H;
  vanillaGateErrors(dcPrev, grad, ch.d, at, dh, dc, slab, ct, slab, slab, params, L, actAt, cAt, tcAt, cPrevAt);
  ch.x.set(x, n * Xin);
  ch.hPrev.set(hPrev, n * H);
  for (let g = 0; g < nG; g++) {
    const W = offset + g * gateStride;
    kern.gateErrors(ch.d, at + g * H, H, params, W, dx, Xin, W + H * Xin, dhPrev, H);
  }
}

/**
 * The weight gradients of the `T` steps gathered in a layer's chunk, every gate block in one pass;
 * with `sgdLr`, applied to params at once instead (p -= lr·Σ, `grad` unused: SingleKernels.gateWeights).
 */
export function addChunkWeights(ch: WeightChunk, T: number, grad: Float64Array, params: Float64Array, L: LayerLayout, kern: SingleKernels, sgdLr: number | null = null): void {
  const { H, Xin, nG, offset, gateStride } = L;
  const into = sgdLr === null ? grad : params;
  for (let g = 0; g < nG; g++) {
    const W = offset + g * gateStride;
    kern.gateWeights(ch.d, g * H, nG * H, T, H, into, W, ch.x, Xin, W + H * Xin, ch.hPrev, H, W + H * Xin + H * H, sgdLr);
  }
}
