// The guards between hostile input and a stream's model (docs/reliability.md "Model protection").
// InputGuard bounds what the normaliser and the model see; ModelGuard keeps one last-good copy of
// the weights and rolls back to it when the model diverges. The Trainer's own guards (refused
// non-finite inputs, targets and updates) sit below both. Not here: the learning step itself
// (stream-processor.ts) and wire validation (@carousel/protocol).
//
// Dimension letters: D features, P parameters.

import { DEFAULT_NORMALIZER_WARMUP } from '@carousel/anomaly';
import { createModel, type Model, type StreamState } from '@carousel/lstm';

/** Normalised inputs (and targets) are clipped to ±this many standard deviations. */
export const DEFAULT_INPUT_CLIP = 8;
/** Raw values are saturated to ±this before the normaliser sees them, so its variance (a sum of squares) stays finite. */
export const DEFAULT_MAX_ABS_INPUT = 1e150;
/**
 * Values beyond ±this many σ are folded into the normaliser's statistics as if they were at the
 * bound (winsorised), so a burst of outliers moves the scale by at most a factor (1 + 15α) each,
 * while a real change of level or scale is still followed, geometrically.
 */
export const DEFAULT_STATS_CLIP = 4;
/** Samples between last-good copies of the weights (each taken after that many healthy samples). */
export const DEFAULT_SNAPSHOT_EVERY = 256;
/** A loss above explodeFactor × max(loss EMA, explodeFloor) is an exploding step. */
export const DEFAULT_EXPLODE_FACTOR = 1000;
/** Floor under the loss EMA in the explosion test, in normalised units. */
export const DEFAULT_EXPLODE_FLOOR = 1;
/** Consecutive exploding steps that trigger a rollback. */
export const DEFAULT_EXPLODE_STEPS = 4;

export interface ModelGuardOptions {
  /** Clip bound of normalised values, in σ; Infinity turns clipping off. Default DEFAULT_INPUT_CLIP (8). */
  inputClip: number;
  /** Saturation bound of raw values. Default DEFAULT_MAX_ABS_INPUT (1e150). */
  maxAbsInput: number;
  /** Winsorising bound of the normaliser's statistics, in σ. Default DEFAULT_STATS_CLIP (4). */
  statsClip: number;
  /** Samples between last-good snapshots. Default DEFAULT_SNAPSHOT_EVERY (256). */
  snapshotEvery: number;
  /** Default DEFAULT_EXPLODE_FACTOR (1000). */
  explodeFactor: number;
  /** Default DEFAULT_EXPLODE_FLOOR (1). */
  explodeFloor: number;
  /** Default DEFAULT_EXPLODE_STEPS (4). */
  explodeSteps: number;
}

export function defaultModelGuardOptions(): ModelGuardOptions {
  return {
    inputClip: DEFAULT_INPUT_CLIP, maxAbsInput: DEFAULT_MAX_ABS_INPUT, statsClip: DEFAULT_STATS_CLIP,
    snapshotEvery: DEFAULT_SNAPSHOT_EVERY, explodeFactor: DEFAULT_EXPLODE_FACTOR, explodeFloor: DEFAULT_EXPLODE_FLOOR,
    explodeSteps: DEFAULT_EXPLODE_STEPS,
  };
}

/** Merges over the defaults, checks (RangeError naming the field) and freezes. */
export function parseModelGuardOptions(o: Partial<ModelGuardOptions> = {}): Readonly<ModelGuardOptions> {
  const r = { ...defaultModelGuardOptions(), ...o };
  const positive = (k: keyof ModelGuardOptions, allowInf: boolean): void => {
    const v = r[k];
    if (typeof v !== 'number' || !(v > 0) || (!allowInf && !Number.isFinite(v))) throw new RangeError(`model guard option ${k} must be a positive number, got ${String(v)}`);
  };
  positive('inputClip', true);
  positive('statsClip', true);
  positive('maxAbsInput', false);
  positive('explodeFactor', false);
  positive('explodeFloor', false);
  for (const k of ['snapshotEvery', 'explodeSteps'] as const) {
    if (!Number.isInteger(r[k]) || r[k] < 1) throw new RangeError(`model guard option ${k} must be an integer >= 1, got ${String(r[k])}`);
  }
  return Object.freeze(r);
}

/** The part of the guards that a checkpoint carries so a restored stream continues bit-identically. */
export interface ModelGuardState {
  /** Exploding losses in a row (ModelGuard). */
  explodeStreak: number;
}

/** What the guards count; the processor adds these to its StreamStats. */
export interface GuardCounters {
  /** Samples with at least one normalised feature clipped (or a raw value saturated). */
  clippedInputs: number;
  /** Rollbacks to the last good weights. */
  rollbacks: number;
}

/**
 * Bounds a sample before the normaliser and the model see it. Per sample: saturate() the raw
 * values; after normalising, clip() them to ±inputClip; statsInput() then gives what to fold into
 * the normaliser: the saturated sample, with values beyond ±statsClip σ pulled in to the bound
 * once the normaliser is out of warm-up (before that its scale is 1 and means nothing).
 * Allocates nothing per sample.
 */
export class InputGuard {
  private readonly raw: Float64Array; // (D) saturated sample
  private readonly z: Float64Array; // (D) normalised sample, winsorised
  private readonly stats: Float64Array; // (D) what the normaliser folds in
  private clipped = false;

  constructor(readonly options: Readonly<ModelGuardOptions>, dims: number) {
    this.raw = new Float64Array(dims);
    this.z = new Float64Array(dims);
    this.stats = new Float64Array(dims);
  }

  /** x saturated to ±maxAbsInput (a view owned by the guard). Sets the sample's clipped flag. */
  saturate(x: ArrayLike<number>): Float64Array {
    const m = this.options.maxAbsInput;
    this.clipped = false;
    for (let i = 0; i < this.raw.length; i++) {
      const v = x[i]!;
      if (v > m || v < -m) this.clipped = true;
      this.raw[i] = v > m ? m : v < -m ? -m : v;
    }
    return this.raw;
  }

  /** Clips normalised xn in place to ±inputClip. Returns true if this sample was clipped or saturated. */
  clip(xn: Float64Array): boolean {
    const c = this.options.inputClip;
    for (let i = 0; i < xn.length; i++) {
      const z = xn[i]!;
      if (z > c) { xn[i] = c; this.clipped = true; } else if (z < -c) { xn[i] = -c; this.clipped = true; }
    }
    return this.clipped;
  }

  /**
   * The values to fold into the normaliser for this sample, given its normalised (clipped) form
   * `xn` and `denormalize` (normalised -> sample units with the current statistics): the
   * saturated sample during warm-up (`samplesSeen` < the normaliser's warm-up) or when every
   * |xn| <= statsClip; otherwise xn winsorised to ±statsClip, in sample units.
   */
  statsInput(samplesSeen: number, xn: Float64Array, denormalize: (z: Float64Array, out: Float64Array) => void): Float64Array {
    if (samplesSeen < DEFAULT_NORMALIZER_WARMUP) return this.raw;
    const c = this.options.statsClip;
    let outlier = false;
    for (let i = 0; i < xn.length; i++) {
      const v = xn[i]!;
      if (v > c || v < -c) outlier = true;
      this.z[i] = v > c ? c : v < -c ? -c : v;
    }
    if (!outlier) return this.raw;
    denormalize(this.z, this.stats);
    // Features inside the bound keep their exact value (denormalising is not bit-exact).
    for (let i = 0; i < xn.length; i++) if (this.z[i] === xn[i]) this.stats[i] = this.raw[i]!;
    return this.stats;
  }
}

/**
 * The last-good copy of a model's weights (P float32s, no optimizer state) and the health of the
 * current interval. Every snapshotEvery ticks, if the interval was healthy (no exploding loss, no
 * rollback, every parameter finite within float32 at its end), the current weights become the
 * copy: the copy restored has been preceded by at least snapshotEvery healthy samples. One per
 * stream's own model; one per model group, shared by its members' ModelGuards (ticked once per
 * member sample, in sample order, so it runs on the group's samples).
 */
export class WeightKeeper {
  /** (P) the last-good weights, rounded to float32. */
  private readonly good: Float32Array;
  private takenAt: number;
  /** The clock (samples), the start of the current interval, and whether it has been healthy so far. */
  private clock: number;
  private since: number;
  private healthy = true;

  constructor(readonly options: Readonly<ModelGuardOptions>, private readonly model: Model<StreamState>, clock: number) {
    // Weights not all finite within float32's range (restored from a checkpoint of a model that
    // had diverged) are no last-good copy: the model's seeded initial weights are.
    const p = model.learner.params;
    this.good = Float32Array.from(allWithin(p, F32_MAX) ? p : createModel(model.options, undefined, { kernels: false }).learner.params);
    this.takenAt = clock;
    this.clock = clock;
    this.since = clock;
  }

  /** The last-good weights, rounded to float32 (a view: copy it to keep it). */
  get weights(): Float32Array {
    return this.good;
  }

  /** Clock at which the copy was taken. */
  get takenAtClock(): number {
    return this.takenAt;
  }

  /** The current interval is not healthy. */
  markUnhealthy(): void {
    this.healthy = false;
  }

  /** After a rollback to the copy: a new interval starts (at `clock`, default the keeper's own). */
  restart(clock = this.clock): void {
    this.clock = clock;
    this.since = clock;
    this.healthy = true;
  }

  /** Once per sample, after it was applied (`clock`: the samples now; default one more than before). */
  tick(clock = this.clock + 1): void {
    this.clock = clock;
    if (clock - this.since < this.options.snapshotEvery) return;
    if (this.healthy && allWithin(this.model.learner.params, F32_MAX)) {
      this.good.set(this.model.learner.params);
      this.takenAt = clock;
    }
    this.since = clock;
    this.healthy = true;
  }
}

/**
 * Keeps a stream's model recoverable: divergence detection for the stream, and rollback to the
 * last-good weights of its WeightKeeper (its own, or its model group's). Divergence is any of: a
 * parameter non-finite after an update, a non-finite output, or explodeSteps losses in a row
 * above explodeFactor × max(loss EMA, explodeFloor). A rollback restores the last-good weights,
 * resets the optimizer's state (its moments and step count belong to the weights that diverged),
 * zeroes the pending gradient and resets the recurrent state (state from a different set of
 * weights means nothing). Memory: one copy of the parameters per keeper, whatever the stream
 * length: per stream for a stream's own model, per group for a group's. The copy is kept in single
 * precision (half the bytes of the weights): a rollback is rare and restores the last-good weights
 * rounded to float32, which is still a healthy model; weights beyond float32's range are not
 * healthy enough to be copied.
 */
export class ModelGuard {
  explodeStreak = 0;
  private lastUpdates: number;
  /** The keeper of the last-good weights. */
  readonly keeper: WeightKeeper;
  /** The keeper is a model group's (ticked on the group's samples). */
  private readonly sharedKeeper: boolean;

  constructor(readonly options: Readonly<ModelGuardOptions>, private readonly model: Model<StreamState>, samples: number, keeper?: WeightKeeper) {
    this.sharedKeeper = keeper !== undefined;
    this.keeper = keeper ?? new WeightKeeper(options, model, samples);
    this.lastUpdates = model.trainer.stats.updates;
  }

  /** Sample count (the keeper's clock) at which the last-good copy was taken. */
  get goodAt(): number {
    return this.keeper.takenAtClock;
  }

  /**
   * After an online update that returned `loss` (lossEma: the EMA before this loss). True when
   * the model has diverged and the caller must roll back. An exploding loss makes the interval
   * unhealthy at this sample's tick.
   */
  diverged(loss: number, lossEma: number): boolean {
    const { trainer, learner } = this.model;
    if (trainer.stats.updates !== this.lastUpdates || !Number.isFinite(loss)) {
      this.lastUpdates = trainer.stats.updates;
      if (!allFinite(learner.params)) return true;
    }
    const ema = Number.isFinite(lossEma) ? lossEma : 0;
    const exploding = !Number.isFinite(loss) || loss > this.options.explodeFactor * Math.max(ema, this.options.explodeFloor);
    this.explodeStreak = exploding ? this.explodeStreak + 1 : 0;
    return this.explodeStreak >= this.options.explodeSteps;
  }

  /** True when the output of a step is not all finite: the caller must roll back. */
  badOutput(y: ArrayLike<number>): boolean {
    return !allFinite(y);
  }

  /** Restores the last-good weights, resets the optimizer, zeroes grad and resets `stream`. */
  rollback(stream: StreamState, samples: number): void {
    const { learner, trainer } = this.model;
    learner.params.set(this.keeper.weights);
    trainer.optimizer.reset();
    trainer.clearGradient();
    learner.reset(stream);
    this.explodeStreak = 0;
    this.lastUpdates = trainer.stats.updates;
    // The interval that ended in a divergence proves nothing: a new one starts from the restored weights.
    this.keeper.restart(this.sharedKeeper ? undefined : samples);
  }

  /**
   * A step of `stream` from a zero state with the weights `good`, leaving the model's weights as
   * they are: a model group's member whose output was not finite, when other members' steps with
   * the current weights may already have been taken (group-steps.ts: `good` is the rollback the
   * group has due, to goodWeights or an earlier copy). This interval does not count as healthy.
   * Returns the output (a view owned by the stream).
   */
  stepWithGoodWeights(stream: StreamState, x: Float64Array, good: Float32Array): Float64Array {
    const { learner, trainer } = this.model;
    const current = learner.params.slice();
    learner.reset(stream);
    learner.params.set(good);
    this.keeper.markUnhealthy();
    try {
      return trainer.step(stream, x);
    } finally {
      learner.params.set(current);
    }
  }

  /** The last-good weights, rounded to float32 (a view: copy it to keep it). */
  get goodWeights(): Float32Array {
    return this.keeper.weights;
  }

  /**
   * Call once per sample, after it was applied: an exploding loss of this sample makes the
   * interval unhealthy, then the keeper ticks (on `samples` for a stream's own keeper, on its own
   * count for a group's).
   */
  tick(samples: number): void {
    if (this.explodeStreak > 0) this.keeper.markUnhealthy();
    this.keeper.tick(this.sharedKeeper ? undefined : samples);
  }
}

/** The largest finite float32. */
const F32_MAX = 3.4028234663852886e38;

/** Every value finite and within ±bound. */
function allWithin(v: ArrayLike<number>, bound: number): boolean {
  for (let i = 0; i < v.length; i++) if (!(Math.abs(v[i]) <= bound)) return false;
  return true;
}

function allFinite(v: ArrayLike<number>): boolean {
  for (let i = 0; i < v.length; i++) if (!Number.isFinite(v[i])) return false;
  return true;
}
