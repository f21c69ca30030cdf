// Trainer: ties one Learner (learner.ts) to one Optimizer (optimizers.ts), with the update cadence
// and the guards that keep non-finite numbers out of the weights. Not a data loader or a loop:
// the caller (worker, paper runner, bench) decides what to feed and when.
//
// Cadence. Every learn() after which learner.gradReady(stream) is true is one "gradient event".
// After `applyEvery` events the accumulated grad is applied (scale 1/n for reduce 'mean', 1 for
// 'sum') and zeroed. applyEvery = 1 is mode (a), update every event; n > 1 is mode (b),
// accumulate n events (from any streams sharing the learner) and update once.
//
// Guards (each counted in `stats`, one counter per metric):
//   - step(): non-finite or wrong-length x is refused before the learner sees it (throws
//     LSTM_ERR_NON_FINITE / LSTM_ERR_DIMENSION, stream untouched): refusedInputs.
//   - learn(): non-finite or wrong-length target, or a weight that is not finite and >= 0, is
//     refused the same way: refusedTargets.
//   - learn() returning a non-finite loss: the learner has already accumulated (or, for tbptt,
//     recorded for its next backward pass) a gradient from it that may be finite yet meaningless.
//     The current accumulation window is marked poisoned; at its next gradient event (or flush)
//     the whole window's grad is zeroed instead of applied: nonFiniteLosses, discardedWindows.
//     Conservative: in mode (b) the good events of that window are dropped too.
//   - optimizer refusals (non-finite gradient, or an update that would diverge) leave the weights
//     bit-identical; grad is zeroed so the next window starts clean: refusedUpdates, divergedUpdates.
// The pending window (grad, its event count, its poison) goes into a checkpoint as it is
// (window() / restoreWindow(); saveModel), so a model saved and loaded mid-window goes on with the
// same bits as one never saved; flush() applies it early instead (the end of a training run).
//
// Shared gradient (shareGradient). A trainer whose grad is zero between calls does not need a
// buffer of its own: every trainer of one parameter count in a process can borrow one zero
// buffer from a GradientPool, since calls never interleave (one thread, each call synchronous).
// Each call first points the learner at the pool's buffer if its own gradient is clean; if a call
// leaves gradient behind (a window still open: applyEvery > 1, a poisoned window, or a backward
// pass that step() ran), the gradient moves to a buffer the trainer holds (one copy per window)
// and the pool's buffer is zeroed; once the window is applied or discarded the held buffer goes
// back to the pool. Numerically nothing changes: the same additions in the same order.

import { LSTM_ERR, LstmError, checkEnum, checkInt, checkVector } from './errors.ts';
import type { Learner, StreamState } from './learner.ts';
import { APPLY_STATUS, createOptimizer, type ApplyStatus, type Optimizer, type OptimizerOptions } from './optimizers.ts';

/** Default number of gradient events per optimizer update: every event (mode (a)). */
export const DEFAULT_APPLY_EVERY = 1;
/** Default reduction of an accumulated window: the mean (scale 1/n). */
export const DEFAULT_REDUCE: TrainerReduce = 'mean';

export type TrainerReduce = 'mean' | 'sum';

/** Learner errors that, by the Learner contract, leave the learner unchanged. */
const UNCHANGED_ON_THROW: ReadonlySet<string> = new Set([LSTM_ERR.NON_FINITE, LSTM_ERR.DIMENSION, LSTM_ERR.STATE]);

export interface TrainerOptions {
  /** Optimizer options (optimizers.ts), including clipNorm / clipValue. Default {} (plain sgd). */
  optimizer?: OptimizerOptions;
  /** Gradient events per update, integer >= 1. Default DEFAULT_APPLY_EVERY (1). */
  applyEvery?: number;
  /** 'mean' applies grad / n, 'sum' applies grad as accumulated. Default DEFAULT_REDUCE ('mean'). */
  reduce?: TrainerReduce;
}

/** An open accumulation window: gradient not yet applied (Trainer.window()). */
export interface TrainerWindow {
  readonly grad: Float64Array;
  /** Gradient events in it. */
  readonly events: number;
  /** A non-finite loss fell in it: it will be discarded, not applied. */
  readonly poisoned: boolean;
}

export interface ResolvedTrainerOptions {
  readonly optimizer: OptimizerOptions;
  readonly applyEvery: number;
  readonly reduce: TrainerReduce;
}

/** Merges `opts` over the defaults, checks them and freezes the result (the optimizer options are checked by createOptimizer). */
export function parseTrainerOptions(opts: TrainerOptions = {}): ResolvedTrainerOptions {
  return Object.freeze({
    optimizer: Object.freeze({ ...(opts.optimizer ?? {}) }),
    applyEvery: checkInt('applyEvery', opts.applyEvery ?? DEFAULT_APPLY_EVERY, 1),
    reduce: checkEnum('reduce', opts.reduce ?? DEFAULT_REDUCE, ['mean', 'sum'] as const),
  });
}

/**
 * Gradient buffers of one length lent to trainers (see "Shared gradient" above). `current` is
 * the buffer every clean trainer uses; it is all zeros whenever no trainer call is running.
 */
export class GradientPool {
  readonly current: Float64Array;
  readonly #free: Float64Array[] = [];

  constructor(readonly size: number) {
    checkInt('size', size, 1);
    this.current = new Float64Array(size);
  }

  /** A zero buffer for a trainer whose window stays open. */
  take(): Float64Array {
    return this.#free.pop() ?? new Float64Array(this.size);
  }

  /** A buffer a trainer held is clean again: zeroed and kept for the next take(). */
  release(buf: Float64Array): void {
    if (buf.length !== this.size || buf === this.current) return;
    buf.fill(0);
    if (this.#free.length < MAX_POOL_FREE) this.#free.push(buf);
  }

  /** Buffers held in reserve (for tests and the memory bench). */
  get spare(): number {
    return this.#free.length;
  }
}

/** Clean buffers a GradientPool keeps beyond `current`. */
const MAX_POOL_FREE = 4;

/** Monotonic counters, one per metric. */
export interface TrainerStats {
  /** step() calls that reached the learner. */
  steps: number;
  /** learn() calls that reached the learner. */
  learns: number;
  /** learn() calls after which gradReady() was true. */
  gradEvents: number;
  /** Optimizer updates applied. */
  updates: number;
  /** step() calls refused for a non-finite or wrong-length input. */
  refusedInputs: number;
  /** learn() calls refused for a non-finite or wrong-length target or a bad weight. */
  refusedTargets: number;
  /** learn() calls whose loss was NaN or infinite. */
  nonFiniteLosses: number;
  /** Accumulation windows zeroed instead of applied because they held a non-finite loss. */
  discardedWindows: number;
  /** Updates the optimizer refused because the gradient was non-finite. */
  refusedUpdates: number;
  /** Updates the optimizer refused because parameters or state would have become non-finite. */
  divergedUpdates: number;
}

export class Trainer<S extends StreamState = StreamState> {
  readonly options: ResolvedTrainerOptions;
  readonly optimizer: Optimizer;
  private readonly counters: TrainerStats = {
    steps: 0, learns: 0, gradEvents: 0, updates: 0, refusedInputs: 0, refusedTargets: 0,
    nonFiniteLosses: 0, discardedWindows: 0, refusedUpdates: 0, divergedUpdates: 0,
  };
  private events = 0;
  private poisoned = false;
  /** grad may hold gradient (not applied or discarded yet). */
  private dirty = false;
  private pool: GradientPool | null = null;
  /** The buffer this trainer holds while its window is open (shared gradient only). */
  private held: Float64Array | null = null;
  private status: ApplyStatus | null = null;
  /**
   * Called before each optimizer update (a window complete at a gradient event, or flush()),
   * while the weights are still those the window's gradient was computed with. A caller that
   * defers work reading the weights (a model group's batched steps) does it here. Returning
   * true drops the window instead of applying it (grad zeroed, counted in discardedWindows):
   * the callee has set the weights itself (a deferred rollback).
   */
  beforeUpdate: (() => boolean) | null = null;

  constructor(readonly learner: Learner<S>, opts: TrainerOptions = {}) {
    this.options = parseTrainerOptions(opts);
    this.optimizer = createOptimizer(this.options.optimizer, learner.params.length);
    if (learner.grad.length !== learner.params.length) {
      throw new LstmError(LSTM_ERR.CONFIG, `learner grad has length ${learner.grad.length}, params ${learner.params.length}`);
    }
  }

  /** The counters (a live read-only view). */
  get stats(): Readonly<TrainerStats> {
    return this.counters;
  }

  /** Gradient events accumulated in grad and not yet applied. */
  get pending(): number {
    return this.events;
  }

  /**
   * Lets the learner borrow `pool`'s buffer as its grad whenever its own gradient is clean (see
   * "Shared gradient" above). Only for trainers whose learner's grad nobody else writes between
   * this trainer's calls, other than through clearGradient(); a learner shared by a StreamBatch
   * keeps its own.
   */
  shareGradient(pool: GradientPool): void {
    if (pool.size !== this.learner.params.length) {
      throw new LstmError(LSTM_ERR.CONFIG, `gradient pool of ${pool.size}, params ${this.learner.params.length}`);
    }
    this.pool = pool;
    this.settle();
  }

  /** Zeroes the gradient and forgets any open window (after a rollback of the weights). */
  clearGradient(): void {
    this.borrow();
    this.learner.grad.fill(0);
    this.events = 0;
    this.dirty = false;
    this.settle();
  }

  /** Before a call: a clean learner uses the pool's current buffer (giving back one it held). */
  private borrow(): void {
    const pool = this.pool;
    if (pool === null || this.dirty) return;
    if (this.held !== null) {
      pool.release(this.held);
      this.held = null;
    }
    this.learner.grad = pool.current;
  }

  /** After a call: gradient left behind in the pool's buffer moves to one of this trainer's own. */
  private settle(): void {
    const pool = this.pool;
    if (pool === null) return;
    if (!this.dirty) this.borrow();
    else if (this.held === null) {
      if (this.learner.grad !== pool.current) {
        // Its own buffer (shareGradient on a trainer with an open window): it keeps it.
        this.held = this.learner.grad;
        return;
      }
      const held = pool.take();
      held.set(pool.current);
      pool.current.fill(0);
      this.held = this.learner.grad = held;
    }
  }

  /** The open accumulation window (a copy), or null when none is open: what a checkpoint keeps. */
  window(): TrainerWindow | null {
    if (!this.dirty && this.events === 0 && !this.poisoned) return null;
    return { grad: this.learner.grad.slice(), events: this.events, poisoned: this.poisoned };
  }

  /** Reopens a window saved by window() (on a freshly loaded model: its grad is replaced). LSTM_ERR_CONFIG for a grad of the wrong length. */
  restoreWindow(w: TrainerWindow): void {
    if (w.grad.length !== this.learner.params.length) throw new LstmError(LSTM_ERR.CONFIG, `window grad has ${w.grad.length} values, params ${this.learner.params.length}`);
    this.borrow();
    this.learner.grad.set(w.grad);
    this.events = w.events;
    this.poisoned = w.poisoned;
    this.dirty = true;
    this.settle();
  }

  /** Status of the last optimizer call, or null if none was made yet. */
  get lastApplyStatus(): ApplyStatus | null {
    return this.status;
  }

  /** learner.step(s, x), after refusing a non-finite or wrong-length x. Returns y(t). */
  step(s: S, x: ArrayLike<number>): Float64Array {
    try {
      checkVector('x', x, this.learner.inputs);
    } catch (e) {
      this.counters.refusedInputs++;
      throw e;
    }
    this.borrow();
    try {
      const y = this.learner.step(s, x);
      this.counters.steps++;
      // A step can run a backward pass left due by a step without learn().
      if (this.learner.gradReady(s)) this.dirty = true;
      return y;
    } catch (e) {
      if (!(e instanceof LstmError && UNCHANGED_ON_THROW.has(e.code))) this.dirty = true;
      throw e;
    } finally {
      this.settle();
    }
  }

  /**
   * step() of B distinct streams in one call: X holds B rows of inputs (stream-major), Y gets
   * B rows of outputs. The learner's stepMany() when it has one (batched matrix work), else its
   * step() of each stream in order; the same bits either way. X is refused as step() refuses x
   * (refusedInputs; nothing changed), repeated streams or a Y of the wrong length with
   * LSTM_ERR_CONFIG / LSTM_ERR_DIMENSION. Without a stepMany of its own, an error a learner's
   * step() throws for one stream (a full ring: LSTM_ERR_STATE) leaves the streams before it stepped.
   */
  stepMany(streams: readonly S[], X: ArrayLike<number>, Y: Float64Array): void {
    const B = streams.length;
    const { inputs, outputs } = this.learner;
    try {
      checkVector('X', X, B * inputs);
    } catch (e) {
      this.counters.refusedInputs++;
      throw e;
    }
    if (new Set(streams).size !== B) throw new LstmError(LSTM_ERR.CONFIG, 'stepMany() needs distinct streams', { streams: B });
    if (Y.length !== B * outputs) throw new LstmError(LSTM_ERR.DIMENSION, `Y must have length ${B * outputs}, got ${Y.length}`, { Y: Y.length });
    if (B === 0) return;
    this.borrow();
    let stepped = 0;
    try {
      const { learner } = this;
      if (learner.stepMany !== undefined) {
        learner.stepMany(streams, X, Y);
        stepped = B;
      } else {
        const xs = X instanceof Float64Array ? X : Float64Array.from(X);
        for (; stepped < B; stepped++) Y.set(learner.step(streams[stepped]!, xs.subarray(stepped * inputs, (stepped + 1) * inputs)), stepped * outputs);
      }
      for (const s of streams) if (learner.gradReady(s)) this.dirty = true;
    } catch (e) {
      if (!(e instanceof LstmError && UNCHANGED_ON_THROW.has(e.code))) this.dirty = true;
      throw e;
    } finally {
      this.counters.steps += stepped;
      this.settle();
    }
  }

  /**
   * learner.learn(s, target, weight), then the cadence: counts a gradient event if gradReady(s),
   * and applies the optimizer every `applyEvery` events. Returns the loss (possibly non-finite:
   * check it or stats.nonFiniteLosses; such a loss never reaches the weights).
   */
  learn(s: S, target: ArrayLike<number>, weight = 1): number {
    try {
      checkVector('target', target, this.learner.outputs);
      if (!Number.isFinite(weight)) throw new LstmError(LSTM_ERR.NON_FINITE, `weight is ${weight}`, { weight });
      if (weight < 0) throw new LstmError(LSTM_ERR.CONFIG, `weight must be >= 0, got ${weight}`, { weight });
    } catch (e) {
      this.counters.refusedTargets++;
      throw e;
    }
    this.borrow();
    try {
      return this.learnInner(s, target, weight);
    } finally {
      this.settle();
    }
  }

  private learnInner(s: S, target: ArrayLike<number>, weight: number): number {
    let loss: number;
    try {
      loss = this.learner.learn(s, target, weight);
    } catch (e) {
      // The contract's refusals change nothing; anything else may have left part of a gradient
      // in grad, so this window is never applied.
      if (!(e instanceof LstmError && UNCHANGED_ON_THROW.has(e.code))) this.poisoned = this.dirty = true;
      throw e;
    }
    this.counters.learns++;
    if (!Number.isFinite(loss)) {
      this.counters.nonFiniteLosses++;
      this.poisoned = true;
    }
    if (this.learner.gradReady(s)) {
      this.dirty = true;
      this.counters.gradEvents++;
      this.events++;
      if (this.poisoned) this.discard(true);
      else if (this.events >= this.options.applyEvery) this.applyWindow();
    }
    return loss;
  }

  /**
   * Applies a partial window now (e.g. at the end of an epoch or of a training run). Returns the
   * optimizer status, or null if nothing was pending or the window was discarded (poisoned, or
   * dropped by beforeUpdate).
   */
  flush(): ApplyStatus | null {
    this.borrow();
    try {
      return this.flushInner();
    } finally {
      this.settle();
    }
  }

  private flushInner(): ApplyStatus | null {
    if (this.poisoned) {
      // A delayed learner (tbptt) may not have emitted the poisoned gradient yet, so the poison
      // stays set and also covers its next gradient event.
      if (this.events > 0) this.discard(false);
      return null;
    }
    if (this.events === 0) return null;
    return this.applyWindow();
  }

  private applyWindow(): ApplyStatus | null {
    if (this.beforeUpdate !== null && this.beforeUpdate()) {
      this.discard(false);
      return null;
    }
    const { params, grad } = this.learner;
    const scale = this.options.reduce === 'mean' ? 1 / this.events : 1;
    const status = this.optimizer.apply(params, grad, scale);
    if (status === APPLY_STATUS.OK) this.counters.updates++;
    else if (status === APPLY_STATUS.NON_FINITE) this.counters.refusedUpdates++;
    else this.counters.divergedUpdates++;
    this.status = status;
    grad.fill(0);
    this.events = 0;
    this.dirty = false;
    return status;
  }

  private discard(clearPoison: boolean): void {
    this.learner.grad.fill(0);
    this.counters.discardedWindows++;
    this.events = 0;
    if (clearPoison) this.poisoned = false;
    // A delayed learner may still emit the poisoned gradient; until then grad is zero.
    this.dirty = false;
  }
}
