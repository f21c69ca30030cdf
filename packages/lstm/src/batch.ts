// Many streams, one model: B independent streams of one RecurrentLearner advanced in one call.
// The forward matrix work runs over the B streams at once (each weight row reused across the
// batch) and is bit-identical to stepping the streams one by one. Targets and backward passes
// stay per stream (each stream's window is its own). Not a scheduler: the caller picks the streams.
//
// Dimensions: B streams, X inputs, H hidden (per layer), G = nG·H, K outputs.

import { oneStepBackwardBatch, oneStepScratch, type OneStepScratch } from './batch-backward.ts';
import { LSTM_ERR, LstmError, checkNumber, checkVector } from './errors.ts';
import { gruForward } from './gru.ts';
import { headForward } from './heads.ts';
import type { RecurrentLearner, RecurrentStream } from './tbptt.ts';
import type { StepCache } from './ring.ts';
import { vanillaForward } from './vanilla.ts';
import { reserveBatchForward, wasmFor } from './wasm-kernels.ts';

/** Batch scratch of one layer, stream-major. */
interface LayerBatch {
  readonly hPrev: Float64Array; // (B, H)
  readonly cPrev: Float64Array; // (B, H), empty for gru
  readonly act: Float64Array; // (B, G)
  readonly c: Float64Array; // (B, H), empty for gru
  readonly aux: Float64Array; // (B, H)
  readonly h: Float64Array; // (B, H)
}

export class StreamBatch {
  /** The most streams the batch takes (its scratch's rows): `capacity`, or the streams it was built with. */
  readonly size: number;
  /** (B, K) outputs of the latest step(), stream-major; overwritten by the next step(). */
  readonly out: Float64Array;
  private readonly x: Float64Array; // (B, X)
  private readonly a: Float64Array; // (B, K)
  private readonly layers: readonly LayerBatch[];
  private readonly step1: StepCache; // the batch arrays as one stream-major step, for learner.commit()
  private readonly target: Float64Array; // (K)
  private readonly oneStep: OneStepScratch | null; // the batched one-step backward, when it applies

  private bound: readonly RecurrentStream[];

  /**
   * `streams` must be distinct streams created by `learner` (LSTM_ERR_CONFIG otherwise);
   * `capacity` (default: their number) makes room for up to that many, for rebind().
   */
  constructor(
    readonly learner: RecurrentLearner,
    streams: readonly RecurrentStream[],
    capacity = streams.length,
  ) {
    checkDistinct(streams);
    if (!Number.isInteger(capacity) || capacity < streams.length) throw new LstmError(LSTM_ERR.CONFIG, `capacity must be an integer >= ${streams.length}, got ${capacity}`, { capacity });
    const B = capacity;
    this.bound = streams;
    const { inputs: X, outputs: K } = learner;
    this.size = B;
    this.out = new Float64Array(B * K);
    this.x = new Float64Array(B * X);
    this.a = new Float64Array(B * K);
    this.target = new Float64Array(K);
    this.layers = learner.layout.layers.map((L) => {
      const hasC = L.cell === 'gru' ? 0 : B * L.H;
      return {
        hPrev: new Float64Array(B * L.H),
        cPrev: new Float64Array(hasC),
        act: new Float64Array(B * L.nG * L.H),
        c: new Float64Array(hasC),
        aux: new Float64Array(B * L.H),
        h: new Float64Array(B * L.H),
      };
    });
    this.step1 = { x: this.x, layers: this.layers, a: this.a, y: this.out, dA: new Float64Array(0) };
    this.oneStep = oneStepScratch(learner, B);
  }

  /** The B streams this batch advances. */
  get streams(): readonly RecurrentStream[] {
    return this.bound;
  }

  /**
   * Points the batch at other distinct streams of its learner, 1 to `size` of them
   * (LSTM_ERR_CONFIG otherwise), keeping its scratch: step() and learn() then advance those n
   * streams (X and D are n rows, the outputs the first n rows of `out`). The learner's
   * stepMany() reuses one batch this way.
   */
  rebind(streams: readonly RecurrentStream[]): void {
    if (streams.length > this.size) throw new LstmError(LSTM_ERR.CONFIG, `a batch of ${this.size} cannot take ${streams.length} streams`, { streams: streams.length });
    checkDistinct(streams);
    this.bound = streams;
  }

  /**
   * Advances every stream by its row of X (B×X, stream-major); returns the outputs (B×K).
   * Bad X (LSTM_ERR_DIMENSION / LSTM_ERR_NON_FINITE), a full ring (LSTM_ERR_STATE) or a batch
   * too large for the WebAssembly kernels' memory (LSTM_ERR_CONFIG) is refused before any stream changes.
   */
  step(X: ArrayLike<number>): Float64Array {
    const { learner, streams, layers } = this;
    const B = streams.length;
    const { params, layout, config } = learner;
    const Xn = learner.inputs;
    checkVector('X', X, B * Xn);
    for (let b = 0; b < B; b++) learner.checkRoom(streams[b]);
    reserveBatchForward(layout.layers, B);
    for (let j = 0; j < B * Xn; j++) this.x[j] = X[j];
    // gather: each stream moves to a fresh slot; its previous state enters the step
    for (let b = 0; b < B; b++) {
      const s = streams[b];
      learner.advance(s);
      for (let l = 0; l < layers.length; l++) {
        layers[l].hPrev.set(s.h[l], b * layout.layers[l].H);
        layers[l].cPrev.set(s.c[l], b * s.c[l].length);
      }
    }
    // the batched forward
    for (let l = 0; l < layers.length; l++) {
      const L = layout.layers[l];
      const m = layers[l];
      const x = l === 0 ? this.x : layers[l - 1].h;
      if (L.cell === 'gru') gruForward(m.act, m.aux, m.h, x, m.hPrev, params, L, B);
      else vanillaForward(m.act, m.c, m.aux, m.h, x, m.hPrev, m.cPrev, params, L, B);
    }
    headForward(this.a, this.out, layers[layers.length - 1].h, params, layout.head, config.head, B);
    // scatter the caches into each stream's slot and state
    for (let b = 0; b < B; b++) learner.commit(streams[b], this.step1, b);
    return this.out;
  }

  /**
   * Records one target row per stream (D: B×K) with optional per-stream weights, running each
   * stream's backward pass when due. Returns the summed loss. Bad input is refused before any
   * stream changes.
   */
  learn(D: ArrayLike<number>, weights?: ArrayLike<number>): number {
    const { learner, streams, target } = this;
    const B = streams.length;
    const K = learner.outputs;
    checkVector('D', D, B * K);
    if (weights) {
      checkVector('weights', weights, B);
      for (let b = 0; b < B; b++) checkNumber(`weights[${b}]`, weights[b], 0);
    }
    for (let b = 0; b < B; b++) learner.checkLearnable(streams[b]);
    const k = this.oneStep ? wasmFor(B) : null;
    if (k && this.oneStep && allDue(streams)) {
      // Targets first (as learn() would: a refused one throws after the earlier streams learned),
      // then one batched backward over the streams whose targets were recorded.
      let loss = 0;
      let recorded = 0;
      try {
        for (let b = 0; b < B; b++) {
          for (let j = 0; j < K; j++) target[j] = D[b * K + j];
          loss += learner.recordTarget(streams[b], target, weights ? weights[b] : 1);
          recorded++;
        }
      } finally {
        if (recorded > 0) oneStepBackwardBatch(k, learner, streams, recorded, this.oneStep);
      }
      return loss;
    }
    let loss = 0;
    for (let b = 0; b < B; b++) {
      for (let k = 0; k < K; k++) target[k] = D[b * K + k];
      loss += learner.learn(streams[b], target, weights ? weights[b] : 1);
    }
    return loss;
  }

  /** True if the latest step() or learn() added gradient for any stream. */
  gradReady(): boolean {
    return this.streams.some((s) => this.learner.gradReady(s));
  }
}

function checkDistinct(streams: readonly RecurrentStream[]): void {
  const B = streams.length;
  if (B === 0 || new Set(streams).size !== B) {
    throw new LstmError(LSTM_ERR.CONFIG, 'streams must be a non-empty list of distinct streams', { streams: B });
  }
}

/** True when every stream's latest step is due for its (one-step) backward pass on learn(). */
function allDue(streams: readonly RecurrentStream[]): boolean {
  for (let b = 0; b < streams.length; b++) if (streams[b].pending < 1) return false;
  return true;
}
