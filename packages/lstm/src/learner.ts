// The contract every (cell, learner) pair of @carousel/lstm implements, so the worker, the paper
// runner, the bench and `carousel model run` drive rtrl97 and tbptt the same way.
//
// Time convention (LSTM-SPEC section 0, three-phase step): step(x(t)) computes y(t); a target for
// y(t), when there is one, is given by learn(d(t)) before the next step(). The worker forecasting
// x(t+1) therefore calls learn(x(t+1)) when x(t+1) arrives, then step(x(t+1)).
//
// Gradients are dE/dθ (not the negated update) accumulated with += into `grad`, laid out exactly
// like `params`. Applying them is the optimizer's job (optimizers.ts); `Trainer` (trainer.ts) ties
// learner, optimizer, cadence and the non-finite guards together.

/** Per-stream state: recurrent state plus whatever the learner keeps (traces, ring buffer). */
export interface StreamState {
  /** Steps taken since creation or the last reset. */
  t: number;
}

/** A named slice of the flat parameter buffer. */
export interface ParamGroup {
  /** Stable name, used by checkpoints, imports and tests (e.g. 'W_in', 'Wz', 'l1.Wz', 'V'). */
  readonly name: string;
  /** Offset into `params`. */
  readonly offset: number;
  /** Shape, row-major; size = product. */
  readonly shape: readonly number[];
}

export interface Learner<S extends StreamState = StreamState> {
  /** All parameters in one contiguous buffer; the groups are views into it. */
  readonly params: Float64Array;
  /**
   * Accumulated dE/dθ, same layout as params. The learner only ever adds to it, and reads the
   * field at each call: a Trainer may swap the buffer between calls (Trainer.shareGradient).
   */
  grad: Float64Array;
  /** Layout of params (and grad). */
  readonly groups: readonly ParamGroup[];
  /** Number of inputs X and outputs K. */
  readonly inputs: number;
  readonly outputs: number;
  /** A fresh stream: zero state, zero traces, empty history. */
  newStream(): S;
  /** Zero the stream's recurrent state, traces and history (a sequence boundary). */
  reset(s: S): void;
  /**
   * Advance the stream by one input; returns y(t) (a view owned by the stream, valid until the
   * next step). Validates x: wrong length -> LSTM_ERR_DIMENSION, non-finite -> LSTM_ERR_NON_FINITE,
   * and the stream is untouched when it throws.
   */
  step(s: S, x: ArrayLike<number>): Float64Array;
  /**
   * Optional: advances B distinct streams one step each in one call, X being B rows of inputs
   * (stream-major) and the B rows of outputs written to Y. Bit-identical to step() of each
   * stream in order. The caller (Trainer.stepMany) validates X and the streams first.
   */
  stepMany?(streams: readonly S[], X: ArrayLike<number>, Y: Float64Array): void;
  /**
   * Error for the latest output: adds dE/dθ of E = loss(y(t), d) (times `weight`) into grad, or
   * records it for the next backward pass (tbptt). Returns the loss value. Non-finite target ->
   * LSTM_ERR_NON_FINITE with nothing changed.
   * Returns true in `gradReady(s)` afterwards when new gradient was added to grad in this call.
   */
  learn(s: S, target: ArrayLike<number>, weight?: number): number;
  /** True if the last learn() added gradient to grad (tbptt: only every k1 steps). */
  gradReady(s: S): boolean;
  /**
   * Drops the errors recorded for a backward pass not yet run (tbptt), keeping the state and
   * history: no later step() of `s` adds gradient for them. For a copy of a stream that is only
   * stepped forward (a forecast), which must not run a window that was due on the original.
   * Learners that never add gradient in step() (rtrl97) need not have it.
   */
  forgetTargets?(s: S): void;
  /**
   * Optional: makes `dst` a copy of `src` for forward steps only: what step() reads (the state
   * after src's latest step, its step count), without src's history or its errors not yet
   * backpropagated. Stepping dst then gives the outputs stepping src would, bit for bit, and adds
   * no gradient (a forecast). Cheaper than copyStream + forgetTargets, which copy the whole
   * history (a TBPTT window) that a forward step never reads.
   */
  copyForForecast?(dst: S, src: S): void;
}
