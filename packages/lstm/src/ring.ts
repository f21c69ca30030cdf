// The per-stream ring buffer of step caches that truncated BPTT walks backwards (LSTM-SPEC 3):
// one Float64Array slab allocated at stream creation, with named views per slot, so a step
// allocates nothing. Not the learner logic (tbptt.ts).
//
// Dimensions: X inputs, H hidden (per layer), nG gates, K outputs.

import type { RecurrentLayout } from './recurrent-layout.ts';

/** Cached quantities of one layer at one step (views into the slab). */
export interface LayerCache {
  /** (H) layer output entering the step, y_{t-1}. */
  readonly hPrev: Float64Array;
  /** (H) cell state entering the step, c_{t-1} (empty for gru). */
  readonly cPrev: Float64Array;
  /** (nG·H) gate activations, in GATE_ORDER. */
  readonly act: Float64Array;
  /** (H) cell state c_t (empty for gru). */
  readonly c: Float64Array;
  /** (H) vanilla/cifg: tanh(c_t); gru: Rn h_{t-1} + bRn. */
  readonly aux: Float64Array;
  /** (H) layer output y_t. */
  readonly h: Float64Array;
}

/** Everything one step leaves behind for the backward pass. */
export interface StepSlot {
  /** (X) external input. */
  readonly x: Float64Array;
  readonly layers: readonly LayerCache[];
  /** (K) head pre-activations. */
  readonly a: Float64Array;
  /** (K) head outputs ŷ. */
  readonly y: Float64Array;
  /** (K) weight·dE/da recorded by learn(), valid when hasTarget. */
  readonly dA: Float64Array;
}

export interface StepRing {
  /** Number of slots (steps held). */
  readonly capacity: number;
  readonly slots: readonly StepSlot[];
  /** 1 where the slot's step has a recorded target. */
  readonly hasTarget: Uint8Array;
  /** Floats held, for memory accounting. */
  readonly floats: number;
}

/** Floats one slot needs. */
export function slotSize(layout: RecurrentLayout, X: number): number {
  let n = X + 3 * layout.head.K;
  for (const L of layout.layers) n += L.nG * L.H + (L.cell === 'gru' ? 3 : 6) * L.H;
  return n;
}

/** Allocates a ring of `capacity` slots in one slab. */
export function createStepRing(layout: RecurrentLayout, X: number, capacity: number): StepRing {
  const size = slotSize(layout, X);
  const slab = new Float64Array(size * capacity);
  const slots: StepSlot[] = [];
  for (let i = 0; i < capacity; i++) {
    let at = i * size;
    const take = (n: number): Float64Array => {
      const v = slab.subarray(at, at + n);
      at += n;
      return v;
    };
    const x = take(X);
    const layers = layout.layers.map((L): LayerCache => {
      const hasC = L.cell === 'gru' ? 0 : L.H;
      return Object.freeze({
        hPrev: take(L.H),
        cPrev: take(hasC),
        act: take(L.nG * L.H),
        c: take(hasC),
        aux: take(L.H),
        h: take(L.H),
      });
    });
    const K = layout.head.K;
    slots.push(Object.freeze({ x, layers: Object.freeze(layers), a: take(K), y: take(K), dA: take(K) }));
  }
  return Object.freeze({
    capacity,
    slots: Object.freeze(slots),
    hasTarget: new Uint8Array(capacity),
    floats: slab.length,
  });
}
