// Truncated BPTT(k2; k1) learner for the modern recurrent family (LSTM-SPEC 3): every k1 steps,
// backpropagate through the last k2 steps, injecting the errors of the last k1 steps only; the
// state entering the window is a constant, the state itself is carried across windows. Full BPTT
// over a sequence is the case k1 = k2 = Infinity with the backward pass run by flush().
// Implements the Learner contract of learner.ts. Not an optimizer: it only adds to `grad`.

import { StreamBatch } from './batch.ts';
import { LSTM_ERR, LstmError, checkNumber, checkVector } from './errors.ts';
import { headLoss } from './heads.ts';
import type { Learner, ParamGroup, StreamState } from './learner.ts';
import { FAST_BOUND, FAST_MAX_LR, maxAbs } from './optimizers.ts';
import { addChunkWeights, backwardWindow, forwardSlot } from './recurrent-net.ts';
import { buildRecurrentLayout, initRecurrentParams, type RecurrentLayout } from './recurrent-layout.ts';
import { backwardDue, parseRecurrentOptions, type RecurrentConfig, type RecurrentOptions } from './recurrent-options.ts';
import { createStepCache, createStepRing, loadStep, slotLayout, storeDA, storeStep, type SlotLayout, type StepCache, type StepRing } from './ring.ts';
import { SingleKernels, WASM_SINGLE_MIN_WEIGHTS, kernelsWanted } from './wasm-single.ts';
import { kernelStageFor, ownWorkspace, workspaceArrays, workspaceFor, type KernelStage, type Workspace } from './workspace.ts';

/** Per-stream state of a RecurrentLearner. Fields are read-only to callers. */
export interface RecurrentStream extends StreamState {
  /** Steps since creation or the last reset. */
  t: number;
  /** Step caches of the last `capacity` steps. */
  readonly ring: StepRing;
  /** Slot index of the latest step (meaningful when t > 0). */
  newest: number;
  /** Steps since the last backward pass, whose errors are not injected yet. */
  pending: number;
  /** A target was recorded for the latest step. */
  learned: boolean;
  /** Gradient was added since the latest step() began (by that step or by learn()/flush() after it). */
  ready: boolean;
  /** Per layer (H): y after the latest step; zeros after creation or reset (a test may set it before the first step). */
  readonly h: readonly Float64Array[];
  /** Per layer (H): c after the latest step; zeros after creation or reset, empty for gru. */
  readonly c: readonly Float64Array[];
  /** (K) head pre-activations of the latest step. */
  readonly a: Float64Array;
  /** (K) head outputs ŷ of the latest step (what step() returns). */
  readonly y: Float64Array;
}

export class RecurrentLearner implements Learner<RecurrentStream> {
  readonly config: RecurrentConfig;
  readonly layout: RecurrentLayout;
  readonly params: Float64Array;
  grad: Float64Array;
  readonly groups: readonly ParamGroup[];
  readonly inputs: number;
  readonly outputs: number;
  /** Where each field of a ring slot is. */
  readonly slots: SlotLayout;
  /**
   * Forward/backward scratch: shared with every learner of this shape in the process
   * (workspace.ts), or this learner's own when it has kernels.
   */
  readonly workspace: Workspace;
  /**
   * The single-stream wasm kernels (wasm-single.ts) when the model has at least
   * WASM_SINGLE_MIN_WEIGHTS weights and the kernel backend is 'wasm' (and fewer than
   * WASM_SINGLE_MAX_LIVE learners hold them): params, grad and the workspace then live in its
   * memory, and every stream's gate blocks (forward pre-activations, backward weight gradients and
   * errors) run in wasm, the same bits as the JS kernels. Else null.
   */
  readonly kernels: SingleKernels | null;
  /**
   * With `build.kernels: 'shared'` (and no kernels of its own): the process's shared kernels for
   * this shape (workspace.ts kernelStageFor), which step() and the backward pass run on after
   * copying params (and grad) in. Else null.
   */
  readonly stage: KernelStage | null;
  /** (K) loss-gradient scratch, so a refused target leaves the stream untouched. */
  private readonly dA: Float64Array;
  /**
   * learnSgd's gradient scratch (P), all zero between calls, and the [from, to) ranges of params
   * outside the gate blocks (peepholes, head): what its fused path leaves in the scratch. Made by
   * its first call (a learner that never calls it, a worker's per-stream model, carries neither).
   */
  private sgd: { readonly grad: Float64Array; readonly outsideGates: readonly (readonly [number, number])[] } | null = null;
  /** stepMany()'s batch (grown to the largest call so far), null until the first call. */
  private batch: StreamBatch | null = null;

  /**
   * Parses `options` once (LSTM_ERR_CONFIG on a bad field) and initialises params from the seed.
   * `build.kernels: false` builds no wasm kernels (see `kernels`): for a model whose gradient will
   * be a shared pool's (the worker's per-stream models), which would leave the kernels' own grad
   * unused and its backward on the JS kernels anyway, and keeps the shape's shared workspace.
   * `'shared'` builds none either but runs on the process's shared kernels for the shape (`stage`):
   * the same bits, without a memory per model.
   */
  constructor(options: RecurrentOptions, build: { kernels?: boolean | 'shared' } = {}) {
    this.config = parseRecurrentOptions(options);
    this.layout = buildRecurrentLayout(this.config);
    const size = this.layout.size;
    this.inputs = this.config.inputs;
    const shared = build.kernels === 'shared';
    this.kernels = !shared && kernelsWanted(build.kernels) && size >= WASM_SINGLE_MIN_WEIGHTS ? SingleKernels.create([size, size, ...workspaceArrays(this.layout, this.inputs)], this) : null;
    this.stage = shared ? kernelStageFor(this.layout, this.inputs) : null;
    const k = this.kernels;
    this.params = k ? k.alloc(size) : new Float64Array(size);
    this.grad = k ? k.alloc(size) : new Float64Array(size);
    this.workspace = k ? ownWorkspace(this.layout, this.inputs, (n) => k.alloc(n)) : workspaceFor(this.layout, this.inputs);
    this.groups = this.layout.groups;
    this.outputs = this.config.outputs;
    this.slots = slotLayout(this.layout, this.inputs);
    this.dA = new Float64Array(this.outputs);
    initRecurrentParams(this.params, this.layout, this.config);
  }

  newStream(): RecurrentStream {
    const { layers } = this.layout;
    return {
      t: 0,
      ring: createStepRing(this.layout, this.inputs, this.config.capacity),
      newest: this.config.capacity - 1,
      pending: 0,
      learned: false,
      ready: false,
      h: layers.map((L) => new Float64Array(L.H)),
      c: layers.map((L) => new Float64Array(L.cell === 'gru' ? 0 : L.H)),
      a: new Float64Array(this.outputs),
      y: new Float64Array(this.outputs),
    };
  }

  /** Learner.forgetTargets: the pending errors are not backpropagated; state and ring stay. */
  forgetTargets(s: RecurrentStream): void {
    s.pending = 0;
    s.learned = false;
    s.ready = false;
  }

  /**
   * Learner.copyForForecast: t, the newest slot's index and the state (h, c, a, y of every layer);
   * no pending errors, so no window is due in dst until targets are recorded there (and a forecast
   * records none: every slot dst steps into starts without one). The ring's contents are not read
   * by a forward step, so they are not copied.
   */
  copyForForecast(dst: RecurrentStream, src: RecurrentStream): void {
    dst.t = src.t;
    dst.newest = src.newest;
    dst.pending = 0;
    dst.learned = false;
    dst.ready = false;
    for (let l = 0; l < src.h.length; l++) {
      dst.h[l]!.set(src.h[l]!);
      dst.c[l]!.set(src.c[l]!);
    }
    dst.a.set(src.a);
    dst.y.set(src.y);
  }

  /** Sequence boundary: zero the state and forget the history, including unflushed errors. */
  reset(s: RecurrentStream): void {
    s.t = 0;
    s.newest = s.ring.capacity - 1;
    s.pending = 0;
    s.learned = false;
    s.ready = false;
    s.ring.hasTarget.fill(0);
    for (const v of s.h) v.fill(0);
    for (const v of s.c) v.fill(0);
  }

  step(s: RecurrentStream, x: ArrayLike<number>): Float64Array {
    checkVector('x', x, this.inputs);
    this.advance(s);
    const st = this.stage;
    const w = st === null ? this.workspace.step : st.workspace.step;
    for (let j = 0; j < this.inputs; j++) w.x[j] = x[j];
    for (let l = 0; l < w.layers.length; l++) {
      w.layers[l].hPrev.set(s.h[l]);
      w.layers[l].cPrev.set(s.c[l]);
    }
    if (st === null) forwardSlot(w, this.params, this.layout, this.config, this.kernels);
    else {
      st.params.set(this.params);
      forwardSlot(w, st.params, this.layout, this.config, st.kern);
    }
    this.commit(s, w, 0);
    return s.y;
  }

  /**
   * Learner.stepMany: the streams through one StreamBatch (batch.ts: the batched matrix work),
   * kept by the learner and rebound each call; it grows to the next power of two at least B.
   */
  stepMany(streams: readonly RecurrentStream[], X: ArrayLike<number>, Y: Float64Array): void {
    const B = streams.length;
    let batch = this.batch;
    if (batch === null || batch.size < B) batch = this.batch = new StreamBatch(this, streams, 2 ** Math.ceil(Math.log2(Math.max(B, 4))));
    else batch.rebind(streams);
    Y.set(batch.step(X).subarray(0, B * this.outputs));
  }

  learn(s: RecurrentStream, target: ArrayLike<number>, weight = 1): number {
    const E = this.recordTarget(s, target, weight);
    if (backwardDue(s.pending, s.t, this.config.k1, this.config.phase) && this.runBackward(s)) s.ready = true;
    return E;
  }

  /**
   * learn() and a plain SGD step in one: when a backward pass is due, its gradient g is applied at
   * once, params -= lr·g, and `grad` is left as it was. The params get the bits of `grad` zeroed,
   * learn() and createOptimizer({ kind: 'sgd', lr }).apply(params, grad): a window of at most
   * WEIGHT_CHUNK (16) steps on the wasm kernels applies the gate blocks' sums as it forms them,
   * in the one pass over the weights that would have added them to grad (no pass over a gradient
   * and no optimizer pass); any other window goes through a scratch gradient. Nothing is added
   * to grad, so gradReady() reports only what step() itself added. Refuses (LSTM_ERR_NON_FINITE,
   * params untouched, the window's errors dropped as by a refused update) when a gradient entry
   * is not finite or could exceed 1e100 (a bound from each step's largest error and input; the
   * optimizer's fast-path bound, where createOptimizer would still take a larger finite gradient
   * by its checked path); lr must be in [0, 1e6] (LSTM_ERR_CONFIG). Returns the loss, as learn().
   */
  learnSgd(s: RecurrentStream, target: ArrayLike<number>, lr: number, weight = 1): number {
    if (!(lr >= 0 && lr <= FAST_MAX_LR)) throw new LstmError(LSTM_ERR.CONFIG, `lr must be in [0, ${FAST_MAX_LR}], got ${lr}`, { lr });
    const E = this.recordTarget(s, target, weight);
    if (backwardDue(s.pending, s.t, this.config.k1, this.config.phase)) this.backwardSgd(s, lr);
    return E;
  }

  /** learnSgd's backward pass and update (see there). */
  private backwardSgd(s: RecurrentStream, lr: number): void {
    const { layers, head } = this.layout;
    const sgd = (this.sgd ??= {
      grad: new Float64Array(this.layout.size),
      outsideGates: [
        ...layers.filter((L) => L.peep >= 0).map((L) => [L.peep, L.peep + (L.cell === 'cifg' ? 2 : 3) * L.H] as const),
        [head.V, head.V + head.K * head.H],
        [head.bv, head.bv + head.K],
      ],
    });
    const g = sgd.grad;
    const len = this.prepareBackward(s);
    if (len === 0) return;
    const chunks = this.workspace.backward.chunk;
    const T = backwardWindow(g, this.workspace.backward, this.workspace.step, s.ring, this.slots, s.h, s.c, s.newest, len, s.pending, this.params, this.layout, this.kernels, true);
    s.pending = 0;
    // T > 0: the gate blocks' terms are still gathered in the chunks and g holds only the rest.
    const ranges = T > 0 ? sgd.outsideGates : [[0, g.length] as const];
    let ok = true;
    for (const [a, b] of ranges) if (!(maxAbs(g, b, a) <= FAST_BOUND)) ok = false;
    if (T > 0) {
      for (let l = 0; l < layers.length; l++) {
        const L = layers[l]!;
        const ch = chunks![l]!;
        // each gathered sum has a term e·z (or e, for a bias) per step: |Σ| <= Σ_t max|e_t|·max(|z_t|, 1)
        const G = L.nG * L.H;
        let bound = 0;
        for (let t = 0; t < T; t++) {
          const z = Math.max(maxAbs(ch.x, (t + 1) * L.Xin, t * L.Xin), maxAbs(ch.hPrev, (t + 1) * L.H, t * L.H), 1);
          bound += maxAbs(ch.d, (t + 1) * G, t * G) * z;
        }
        if (!(bound <= FAST_BOUND)) ok = false;
      }
    }
    if (!ok) {
      for (const [a, b] of ranges) g.fill(0, a, b);
      throw new LstmError(LSTM_ERR.NON_FINITE, 'gradient not finite or beyond 1e100; update refused');
    }
    // |lr·g| <= 1e106, far below half an ulp of the largest double: a finite param stays finite.
    if (T > 0) for (let l = 0; l < layers.length; l++) addChunkWeights(chunks![l]!, T, g, this.params, layers[l]!, this.kernels!, lr);
    const p = this.params;
    for (const [a, b] of ranges) {
      for (let i = a; i < b; i++) p[i] -= lr * g[i];
      g.fill(0, a, b);
    }
  }

  /**
   * True if gradient was added since the latest step() began: by learn() when a window was due,
   * or by step() itself when the previous step's window was due but got no learn() call.
   */
  gradReady(s: RecurrentStream): boolean {
    return s.ready;
  }

  /**
   * Runs the backward pass now over the errors recorded since the last one (full BPTT: call at
   * the end of a sequence). Returns true if gradient was added.
   */
  flush(s: RecurrentStream): boolean {
    const added = s.pending > 0 && this.runBackward(s);
    if (added) s.ready = true;
    return added;
  }

  /** y(t) of the latest step (a view owned by the stream); throws LSTM_ERR_STATE before any step. */
  output(s: RecurrentStream): Float64Array {
    if (s.t === 0) throw new LstmError(LSTM_ERR.STATE, 'no step yet');
    return s.y;
  }

  /** Layer l's state (y, c) after the latest step (views owned by the stream). */
  state(s: RecurrentStream, l: number): { h: Float64Array; c: Float64Array } {
    return { h: s.h[l], c: s.c[l] };
  }

  /**
   * Moves the stream to a fresh slot (its contents are written by commit() once the forward ran;
   * until then s.h, s.c still hold the state entering the step). Runs a backward pass left due
   * by a step without learn() first, so no window is overwritten. Refuses (LSTM_ERR_STATE, stream
   * untouched) when a full-BPTT sequence outgrows the ring. Used by step() and by StreamBatch.
   */
  advance(s: RecurrentStream): void {
    this.checkRoom(s);
    const { capacity, k1, phase } = this.config;
    s.ready = backwardDue(s.pending, s.t, k1, phase) ? this.runBackward(s) : false;
    s.newest = (s.newest + 1) % capacity;
    s.ring.hasTarget[s.newest] = 0;
    s.t += 1;
    s.pending += 1;
    s.learned = false;
  }

  /**
   * After advance() and the forward: packs row b of the step computed in `src` (stream-major
   * batch arrays; b = 0 for one stream) into the newest slot, and makes its h, c, a, y the
   * stream's current state. Used by step() and by StreamBatch.
   */
  commit(s: RecurrentStream, src: StepCache, b: number): void {
    storeStep(s.ring, this.slots, s.newest, src, b);
    const { layers } = this.slots;
    for (let l = 0; l < layers.length; l++) {
      const { H, cPrev } = layers[l];
      const m = src.layers[l];
      const h = s.h[l];
      for (let j = 0; j < H; j++) h[j] = m.h[b * H + j];
      if (cPrev < 0) continue;
      const c = s.c[l];
      for (let j = 0; j < H; j++) c[j] = m.c[b * H + j];
    }
    const K = this.outputs;
    for (let j = 0; j < K; j++) {
      s.a[j] = src.a[b * K + j];
      s.y[j] = src.y[b * K + j];
    }
  }

  /**
   * The step held in slot `idx` unpacked into a fresh StepCache (a and y only for the newest
   * step). Allocates: for tests and inspection, not the hot path.
   */
  cachedStep(s: RecurrentStream, idx: number): StepCache {
    const out = createStepCache(this.layout, this.inputs);
    const newest = idx === s.newest;
    loadStep(out, s.ring, this.slots, idx, newest ? -1 : (idx + 1) % s.ring.capacity, s.h, s.c);
    if (newest) {
      out.a.set(s.a);
      out.y.set(s.y);
    }
    return out;
  }

  /** Throws LSTM_ERR_STATE if a full-BPTT sequence has filled the ring (the stream is untouched). */
  checkRoom(s: RecurrentStream): void {
    const { capacity, k2 } = this.config;
    if (k2 === Infinity && s.t >= capacity) {
      throw new LstmError(LSTM_ERR.STATE, `sequence longer than maxLength ${capacity}; flush() and reset() first`, { t: s.t });
    }
  }

  /** Throws LSTM_ERR_STATE unless the latest step of `s` can take a target. */
  checkLearnable(s: RecurrentStream): void {
    if (s.t === 0) throw new LstmError(LSTM_ERR.STATE, 'learn() before any step()');
    if (s.learned) throw new LstmError(LSTM_ERR.STATE, 'learn() twice for one step');
  }

  /** Checks the target, computes the loss and records weight·dE/da for the latest step. */
  recordTarget(s: RecurrentStream, target: ArrayLike<number>, weight: number): number {
    this.checkLearnable(s);
    checkVector('target', target, this.outputs);
    checkNumber('weight', weight, 0);
    const { head, loss } = this.config;
    const E = headLoss(this.dA, s.a, s.y, target, head, loss, weight, this.outputs);
    if (!Number.isFinite(E)) throw new LstmError(LSTM_ERR.NON_FINITE, `loss is ${E}`, { loss: E });
    storeDA(s.ring, this.slots, s.newest, this.dA);
    s.ring.hasTarget[s.newest] = 1;
    s.learned = true;
    return E;
  }

  /** Backward over min(t, k2) steps injecting the `pending` newest errors; true if any was injected. */
  private runBackward(s: RecurrentStream): boolean {
    const inject = s.pending;
    const len = this.prepareBackward(s);
    s.pending = 0;
    if (len === 0) return false;
    const st = this.stage;
    if (st === null) {
      backwardWindow(this.grad, this.workspace.backward, this.workspace.step, s.ring, this.slots, s.h, s.c, s.newest, len, inject, this.params, this.layout, this.kernels);
      return true;
    }
    st.params.set(this.params);
    st.grad.set(this.grad);
    backwardWindow(st.grad, st.workspace.backward, st.workspace.step, s.ring, this.slots, s.h, s.c, s.newest, len, inject, st.params, this.layout, st.kern);
    this.grad.set(st.grad);
    return true;
  }

  /** The window a backward pass over the `pending` newest errors runs over: min(t, k2) steps, or 0 (pending zeroed) when none of them has a target. */
  private prepareBackward(s: RecurrentStream): number {
    const { capacity, k2 } = this.config;
    let any = false;
    for (let j = 0; j < s.pending; j++) if (s.ring.hasTarget[(s.newest - j + capacity) % capacity] === 1) any = true;
    if (!any) {
      s.pending = 0;
      return 0;
    }
    return Math.min(s.t, k2, capacity);
  }
}

/** A TBPTT(k2; k1) learner: backward every k1 steps through the last k2 (k2 ≥ k1). */
export function tbptt(options: RecurrentOptions, k1: number, k2: number): RecurrentLearner {
  return new RecurrentLearner({ ...options, k1, k2 });
}

/** Full BPTT: errors are recorded by learn() and backpropagated over the whole sequence by flush(). */
export function bptt(options: RecurrentOptions, maxLength?: number): RecurrentLearner {
  return new RecurrentLearner({ ...options, k1: Infinity, k2: Infinity, ...(maxLength === undefined ? {} : { maxLength }) });
}
