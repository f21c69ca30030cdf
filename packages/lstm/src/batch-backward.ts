// StreamBatch.learn's batched backward for the one-step gradient (tbptt(1, 1)) of one vanilla or
// cifg layer: per stream, the head and the element-wise gate errors in JS; then every gate
// block's weight gradient over the whole batch in one WebAssembly pass (wasmGateGrads). Each
// gradient element takes its B terms in stream order, so the result is bit-identical to B
// learn() calls. Not used for stacked layers, gru, longer windows or the js backend: there
// StreamBatch runs learn() stream by stream.
//
// Dimensions: B streams, Xin = X inputs, H hidden, G = nG·H, K outputs.

import { headBackward } from './heads.ts';
import type { RecurrentLearner, RecurrentStream } from './tbptt.ts';
import { vanillaGateErrors } from './vanilla.ts';
import { wasmGateGrads, type Kernels } from './wasm-kernels.ts';

/** Scratch of the batched one-step backward, allocated once per StreamBatch. */
export interface OneStepScratch {
  readonly E: Float64Array; //     (B, G)   gate pre-activation errors, stream-major
  readonly X: Float64Array; //     (B, Xin) the step's inputs
  readonly Hp: Float64Array; //    (B, H)   y_{t-1}
  readonly dh: Float64Array; //    (H)      dE/dy_t of one stream
  readonly dc: Float64Array; //    (H)      zeros: nothing arrives from t+1 in a one-step window
  readonly dcPrev: Float64Array; // (H)     dE/dc_{t-1}, discarded (nothing flows out of the window)
}

/** The scratch when `learner` is a one-step (k1 = k2 = 1) single vanilla/cifg layer, else null. */
export function oneStepScratch(learner: RecurrentLearner, B: number): OneStepScratch | null {
  const { k1, k2 } = learner.config;
  const { layers } = learner.layout;
  if (k1 !== 1 || k2 !== 1 || layers.length !== 1 || layers[0]!.cell === 'gru') return null;
  const { Xin, H, nG } = layers[0]!;
  return {
    E: new Float64Array(B * nG * H),
    X: new Float64Array(B * Xin),
    Hp: new Float64Array(B * H),
    dh: new Float64Array(H),
    dc: new Float64Array(H),
    dcPrev: new Float64Array(H),
  };
}

/**
 * The backward pass of streams[0 .. n-1], whose targets recordTarget() has just recorded for
 * their latest step: what their learn() calls would have run, with the same bits. Marks each
 * stream's errors as injected and its gradient as ready, as learn() does.
 */
export function oneStepBackwardBatch(k: Kernels, learner: RecurrentLearner, streams: readonly RecurrentStream[], n: number, scr: OneStepScratch): void {
  const { grad, params, layout } = learner;
  const sl = learner.slots;
  const o = sl.layers[0]!;
  const dA = learner.workspace.step.dA; // (K)
  const L = layout.layers[0]!;
  const { Xin, H, nG } = L;
  const G = nG * H;
  for (let b = 0; b < n; b++) {
    const s = streams[b]!;
    // the newest step: its y and c are the stream's state, the rest is in its slot
    const { slab } = s.ring;
    const base = s.newest * sl.size;
    for (let k = 0; k < sl.K; k++) dA[k] = slab[base + sl.dA + k];
    scr.dh.fill(0);
    headBackward(scr.dh, grad, dA, s.h[0]!, params, layout.head);
    vanillaGateErrors(scr.dcPrev, grad, scr.E, b * G, scr.dh, scr.dc, slab, s.c[0]!, slab, slab, params, L, base + o.act, 0, base + o.aux, base + o.cPrev);
    for (let j = 0; j < Xin; j++) scr.X[b * Xin + j] = slab[base + sl.x + j];
    for (let j = 0; j < H; j++) scr.Hp[b * H + j] = slab[base + o.hPrev + j];
    s.pending = 0;
    s.ready = true;
  }
  scr.dcPrev.fill(0);
  wasmGateGrads(k, grad, scr.E, scr.X, scr.Hp, L, n);
}
