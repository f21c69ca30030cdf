// The network a trial trains: the paper's 1997 cell under truncated RTRL (Rtrl97), the same cell
// with a forget gate, or a modern cell (vanilla/cifg/gru) under TBPTT or full BPTT, behind one
// small interface with the paper's optimiser: plain SGD, W -= α·dE/dW. Not the protocol.

import { LSTM_ERR, LstmError, Rtrl97, bptt, bptt97, tbptt, tbptt97 } from '@carousel/lstm';
import type { Lstm97Config, RecurrentOptions, Rtrl97Stream } from '@carousel/lstm';
import type { TaskSpec } from '../experiments.ts';
import type { TrialConfig } from './options.ts';

/**
 * Forget-gate biases of the 'forget' variant, block j (0-based): +0.5·(j+1), i.e. +0.5, +1.0,
 * +1.5, +2.0 for four blocks as in Gers et al. 2000 (LSTM-SPEC 2.1): positive, so the gate starts
 * open and the cell behaves like the 1997 cell until it learns to reset.
 */
export function forgetBiases(blocks: number): number[] {
  return Array.from({ length: blocks }, (_, j) => 0.5 * (j + 1));
}

/**
 * The 1997 config with a forget gate per block (gate biases switched on: the forget bias needs
 * one), its biases forgetBiases() or, given `bias`, that value for every block.
 */
export function withForgetGate(net: Lstm97Config, bias?: number): Lstm97Config {
  return {
    ...net,
    forgetGate: true,
    biases: { ...net.biases, gates: true },
    gateBias: { ...net.gateBias, forget: bias === undefined ? forgetBiases(net.blocks) : new Array<number>(net.blocks).fill(bias) },
  };
}

/**
 * `learn()`'s result, or null when the learner refused a step whose loss was not finite
 * (LSTM_ERR_NON_FINITE): a diverged net, which ends its trial as failed rather than the whole run.
 * Any other error is thrown on.
 */
export function unlessDiverged<T>(learn: () => T): T | null {
  try {
    return learn();
  } catch (e) {
    if (e instanceof LstmError && e.code === LSTM_ERR.NON_FINITE) return null;
    throw e;
  }
}

/** Longest sequence the task can produce (full BPTT sizes its history ring with it). */
export function maxSequenceLength(task: TaskSpec): number {
  switch (task.kind) {
    case 'adding':
    case 'multiplication':
    case 'noise-signal':
      return task.T + Math.floor(task.T / 10);
    case 'longlag':
      // 2c: q + 3 fixed symbols, then a geometric(0.1) run; P(run > 1000) = 0.9^1000 ≈ 2e-46.
      return task.variant === '2c' ? task.q + 1004 : task.p;
    case 'temporal-order':
      return 110;
    case 'reber':
      return 1024; // an embedded Reber string this long has probability below 1e-30
  }
}

/** One trainable network and one stream through it. */
export interface TrialNet {
  /** Trainable weights. */
  readonly weights: number;
  /** Feeds x(t) with learning state kept (traces / history); returns y(t), a view valid until the next call. */
  step(x: ArrayLike<number>): Float64Array;
  /**
   * Error for the latest output; adds dE/dW into the gradient and returns E = ½Σ(d−y)², whatever
   * loss the net learns (a cross-entropy net's learn() still returns it: squaredErrorOf), so the
   * stopping rules always judge the paper's error.
   */
  learn(d: ArrayLike<number>): number;
  /** Feeds x(t) for evaluation only: no traces, no gradient. */
  predict(x: ArrayLike<number>): Float64Array;
  /** Sequence end: runs any pending backward pass (BPTT/TBPTT), so the gradient is complete. */
  flush(): void;
  /** W -= α·grad, then grad = 0. */
  apply(alpha: number): void;
  /** Zeroes activations, traces and history (a sequence boundary). */
  reset(): void;
  /**
   * Sequential construction (1997 cells only, else undefined): `detachCells()` holds every
   * memory cell's output weights at 0 (the cells then reach nothing and learn nothing);
   * `attachCells()` puts back their initial random values and lets them learn.
   */
  readonly detachCells?: () => void;
  readonly attachCells?: () => void;
  /**
   * The weights, and whether the cells are still detached, between two sequences, where the rest
   * of the state is reset and the gradient is zero: what a trial checkpoint needs. `load` puts them
   * back into a fresh net of the same configuration (whose cells, if it has construction, the trial
   * has just detached: their held output weights are the initial ones either way).
   */
  save(): TrialNetState;
  load(s: TrialNetState): void;
}

/** A TrialNet's state between sequences as plain data (numbers round-trip JSON exactly). */
export interface TrialNetState {
  readonly params: number[];
  readonly detached: boolean;
}

/**
 * `net` (which learns cross-entropy) with learn() returning ½Σ(d−y)² of the latest outputs instead
 * of its loss: cross-entropy never falls below the targets' entropy, so ST3's β could never hold.
 */
function squaredErrorOf(net: TrialNet): TrialNet {
  let y: Float64Array = new Float64Array(0);
  return {
    ...net,
    step: (x) => (y = net.step(x)),
    learn: (d) => {
      net.learn(d);
      let e = 0;
      for (let k = 0; k < d.length; k++) e += 0.5 * (d[k]! - y[k]!) ** 2;
      return e;
    },
  };
}

function sgd(params: Float64Array, grad: Float64Array, alpha: number): void {
  for (let i = 0; i < params.length; i++) {
    params[i] -= alpha * grad[i];
    grad[i] = 0;
  }
}

function rtrlNet(cfg: Lstm97Config): TrialNet {
  const net = new Rtrl97(cfg);
  const s: Rtrl97Stream = net.newStream();
  // W_k is K×O with o(t) = [y_c (N); ...]: the first N columns of each row are the cells' weights.
  const { W_k } = net.layout;
  const { outputs: K, outSources: O, cells: N } = net.spec;
  const cellOut = (k: number, v: number): number => W_k + k * O + v;
  let held: Float64Array | null = null;
  const zeroCellWeights = (buf: Float64Array): void => {
    for (let k = 0; k < K; k++) for (let v = 0; v < N; v++) buf[cellOut(k, v)] = 0;
  };
  return {
    weights: net.params.length,
    step: (x) => net.step(s, x),
    learn: (d) => net.learn(s, d),
    predict: (x) => net.predict(s, x),
    flush: () => undefined,
    apply: (alpha) => {
      if (held !== null) zeroCellWeights(net.grad);
      sgd(net.params, net.grad, alpha);
    },
    reset: () => net.reset(s),
    save: () => ({ params: Array.from(net.params), detached: held !== null }),
    load: (st) => {
      net.params.set(st.params);
      if (!st.detached) held = null;
    },
    detachCells: () => {
      if (held !== null) return;
      held = new Float64Array(K * N);
      for (let k = 0; k < K; k++) for (let v = 0; v < N; v++) held[k * N + v] = net.params[cellOut(k, v)]!;
      zeroCellWeights(net.params);
    },
    attachCells: () => {
      if (held === null) return;
      for (let k = 0; k < K; k++) for (let v = 0; v < N; v++) net.params[cellOut(k, v)] = held[k * N + v]!;
      held = null;
    },
  };
}

/** What a windowed learner offers: a modern cell under TBPTT/BPTT, or the 1997 cell under the exact gradient (Tbptt97). */
interface WindowLearner<S> {
  readonly params: Float64Array;
  readonly grad: Float64Array;
  newStream(): S;
  step(s: S, x: ArrayLike<number>): Float64Array;
  learn(s: S, d: ArrayLike<number>): number;
  flush(s: S): unknown;
  reset(s: S): void;
}

function learnerNet<S>(learner: WindowLearner<S>): TrialNet {
  const s = learner.newStream();
  return {
    weights: learner.params.length,
    step: (x) => learner.step(s, x),
    learn: (d) => learner.learn(s, d),
    // No learn() follows, so no error is recorded and no gradient is added.
    predict: (x) => learner.step(s, x),
    flush: () => void learner.flush(s),
    apply: (alpha) => sgd(learner.params, learner.grad, alpha),
    reset: () => learner.reset(s),
    save: () => ({ params: Array.from(learner.params), detached: false }),
    load: (st) => learner.params.set(st.params),
  };
}

/**
 * The network of a trial. The 1997 variants take the experiment's config as is ('forget' adds the
 * gate); the modern cells get `hidden` units (default: as many as the 1997 net has cells), a
 * logistic head with E = ½Σ(d−y)² like the paper's outputs, and the experiment's init range.
 * `o.head` 'linear' makes the output units of either linear (same loss); 'logistic-ce' keeps them
 * logistic and has them learn cross-entropy (error t − y, no f′).
 */
export function createTrialNet(net: Lstm97Config, task: TaskSpec, o: TrialConfig, seed: number): TrialNet {
  if (o.variant === 'lstm97' || o.variant === 'forget') {
    const cfg: Lstm97Config = { ...(o.variant === 'forget' ? withForgetGate(net, o.forgetBias) : net), seed, ...(o.head === 'linear' ? { head: 'linear' } : o.head === 'logistic-ce' ? { loss: 'ce' } : {}) };
    const built = o.learner === 'rtrl97' ? rtrlNet(cfg) : learnerNet(o.learner === 'bptt' ? bptt97(cfg, maxSequenceLength(task)) : tbptt97(cfg, o.k1, o.k2));
    return cfg.loss === 'ce' ? squaredErrorOf(built) : built;
  }
  const options: RecurrentOptions = {
    inputs: net.inputs,
    outputs: net.outputs,
    hidden: o.hidden ?? net.blocks * (net.cellsPerBlock ?? 1),
    cell: o.variant,
    head: o.head === 'linear' ? 'linear' : 'logistic',
    loss: o.head === 'logistic-ce' ? 'ce' : 'mse',
    initRange: net.initRange ?? 0.1,
    ...(o.forgetBias === undefined ? {} : { forgetBias: o.forgetBias }),
    seed,
  };
  const built = learnerNet(o.learner === 'bptt' ? bptt(options, maxSequenceLength(task)) : tbptt(options, o.k1, o.k2));
  return options.loss === 'ce' ? squaredErrorOf(built) : built;
}
