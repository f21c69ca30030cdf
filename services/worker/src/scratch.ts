// Workspace for forecasts that must leave a stream exactly as it was: infer() and the multi-step
// rollout run the model on a copy of the stream's state, in a scratch stream. The scratch holds
// nothing between calls (every use starts by copying the stream into it) and every use is
// synchronous, so one scratch per model shape serves every processor of the process: a stream
// does not carry a second TBPTT window (or RTRL traces) of its own. Not the learning step.
//
// A scratch step could run a backward pass that was due on the copied window (tbptt: errors
// recorded by the stream's last learn()): forecast() drops those errors from the copy
// (Learner.forgetTargets), so a forecast is forward steps only. A learner with
// Learner.copyForForecast (the TBPTT learner of the vanilla family, the worker's default) copies
// only the state a forward step reads, not the window (~58 KB for the default model). For a
// learner with neither it saves grad before and restores it after, so a forecast never changes
// what the next update applies.
//
// The gradient buffer is shared the same way: every per-stream model of one parameter count
// borrows the process's GradientPool (Trainer.shareGradient), so a stream whose gradient is
// applied in the turn that computed it (the default: every update) holds no gradient of its own.
// Dimension letters: P parameters.

import { GradientPool, copyStream, type Model, type StreamState } from '@carousel/lstm';

/** Model shapes whose scratch is kept; the least recently used is dropped beyond this. */
export const MAX_SCRATCH_SHAPES = 8;

interface Scratch {
  /** A stream of the shape, workspace. */
  readonly stream: StreamState;
  /** (P) the model's grad, saved across a forecast (only for a learner without forgetTargets; made on first use). */
  grad: Float64Array | null;
}

/** Model options that do not change the shape of a stream (left out of the cache key). */
const NOT_SHAPE: ReadonlySet<string> = new Set(['optimizer', 'applyEvery', 'seed', 'initRange', 'forgetBias']);
const scratches = new Map<string, Scratch>();
/** Each model's cache key, computed once (a forecast runs on every sample with a horizon > 1). */
const keys = new WeakMap<Model<StreamState>, string>();

/** The shared scratch for `model`'s stream shape (created on first use). */
function scratchFor(model: Model<StreamState>): Scratch {
  let key = keys.get(model);
  if (key === undefined) keys.set(model, (key = JSON.stringify(model.options, (k, v: unknown) => (NOT_SHAPE.has(k) ? undefined : v))));
  let s = scratches.get(key);
  if (s !== undefined) {
    scratches.delete(key); // re-inserted below: the Map's order is the LRU order
  } else {
    s = { stream: model.learner.newStream(), grad: null };
    if (scratches.size >= MAX_SCRATCH_SHAPES) scratches.delete(scratches.keys().next().value!);
  }
  scratches.set(key, s);
  return s;
}

/**
 * Runs `f` on a scratch copy of `stream` (its step() calls advance the copy, not the stream) and
 * returns its result; the model's grad is as before afterwards. `f` must not keep the scratch.
 */
export function forecast<T>(model: Model<StreamState>, stream: StreamState, f: (scratch: StreamState) => T): T {
  const s = scratchFor(model);
  const { learner } = model;
  if (learner.copyForForecast !== undefined) {
    learner.copyForForecast(s.stream, stream);
    return f(s.stream);
  }
  copyStream(s.stream, stream);
  if (learner.forgetTargets !== undefined) {
    learner.forgetTargets(s.stream);
    return f(s.stream);
  }
  const grad = learner.grad;
  const saved = (s.grad ??= new Float64Array(grad.length));
  if (saved.length !== grad.length) throw new Error(`scratch of ${saved.length} parameters for a model of ${grad.length}`);
  saved.set(grad);
  try {
    return f(s.stream);
  } finally {
    grad.set(saved);
  }
}

const gradientPools = new Map<number, GradientPool>();

/** Makes `model`'s trainer borrow the process's gradient buffer for its parameter count. */
export function shareGradient(model: Model<StreamState>): void {
  const size = model.learner.params.length;
  let pool = gradientPools.get(size);
  if (pool === undefined) gradientPools.set(size, (pool = new GradientPool(size)));
  model.trainer.shareGradient(pool);
}

/** Scratch streams held (for tests and the memory bench). */
export function scratchShapes(): number {
  return scratches.size;
}
