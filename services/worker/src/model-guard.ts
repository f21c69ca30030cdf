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
 * Keeps the weights of a model recoverable, in one copy of the parameters (P floats, no optimizer
 * state). Every snapshotEvery samples, if the model was healthy through the whole interval (no
 * exploding loss, no rollback, every parameter finite at its end), the current weights become the
 * last-good copy: the copy restored has been preceded by at least snapshotEvery healthy samples.
 * Divergence is any of: a parameter non-finite after an update, a non-finite output, or
 * explodeSteps losses in a row above explodeFactor × max(loss EMA, explodeFloor). A rollback
 * restores the last-good weights, resets the optimizer's state (its moments and step count belong
 * to the weights that diverged), zeroes the pending gradient and resets the recurrent state (state
 * from a different set of weights means nothing). Memory: one copy of the parameters, whatever the
 * stream length. The copy is kept in single precision (half the bytes of the weights): a rollback
 * is rare and restores the last-good weights rounded to float32, which is still a healthy model;
 * weights beyond float32's range are not healthy enough to be copied.
 */
export class ModelGuard {
  explodeStreak = 0;
  /** (P) the last-good weights, rounded to float32. */
  private readonly good: Float32Array;
  private takenAt: number;
  /** Start of the current interval, samples; and whether it has been healthy so far. */
  private since: number;
  private healthy = true;
  private lastUpdates: number;

  constructor(readonly options: Readonly<ModelGuardOptions>, private readonly model: Model<StreamState>, samples: number) {
    // Weights not all finite within float32's range (restored from a checkpoint of a model that
    // had diverged) are no last-good copy: the model's seeded initial weights are.
    const p = model.learner.params;
    this.good = Float32Array.from(allWithin(p, F32_MAX) ? p : createModel(model.options, undefined, { kernels: false }).learner.params);
    this.takenAt = samples;
    this.since = samples;
    this.lastUpdates = model.trainer.stats.updates;
  }

  /** Sample count at which the last-good copy was taken. */
  get goodAt(): number {
    return this.takenAt;
  }

  /**
   * After an online update that returned `loss` (lossEma: the EMA before this loss). True when
   * the model has diverged and the caller must roll back.
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
    if (exploding) this.healthy = false;
    return this.explodeStreak >= this.options.explodeSteps;
  }

  /** True when the output of a step is not all finite: the caller must roll back. */
  badOutput(y: ArrayLike<number>): boolean {
    return !allFinite(y);
  }

  /** Restores the last-good weights, resets the optimizer, zeroes grad and resets `stream`. */
  rollback(stream: StreamState, samples: number): void {
    const { learner, trainer } = this.model;
    learner.params.set(this.good);
    trainer.optimizer.reset();
    trainer.clearGradient();
    learner.reset(stream);
    this.explodeStreak = 0;
    this.lastUpdates = trainer.stats.updates;
    // The interval that ended in a divergence proves nothing: a new one starts from the restored weights.
    this.since = samples;
    this.healthy = true;
  }

  /**
   * A step of `stream` from a zero state with the last-good weights (or `good`), leaving the model's weights
   * as they are: a model group's member whose output was not finite, when other members' steps
   * with the current weights may already have been taken (group-steps.ts). The shared weights go
   * back at the group's next update (to a copy of goodWeights). This interval does not count as healthy.
   * Returns the output (a view owned by the stream).
   */
  stepWithGoodWeights(stream: StreamState, x: Float64Array, good: Float32Array = this.good): Float64Array {
    const { learner, trainer } = this.model;
    const current = learner.params.slice();
    learner.reset(stream);
    learner.params.set(good);
    this.healthy = false;
    try {
      return trainer.step(stream, x);
    } finally {
      learner.params.set(current);
    }
  }

  /** The last-good weights, rounded to float32 (a view: copy it to keep it). */
  get goodWeights(): Float32Array {
    return this.good;
  }

  /** Call once per sample, after it was applied. Takes the last-good copy every snapshotEvery samples while healthy. */
  tick(samples: number): void {
    if (this.explodeStreak > 0) this.healthy = false;
    if (samples - this.since < this.options.snapshotEvery) return;
    if (this.healthy && allWithin(this.model.learner.params, F32_MAX)) {
      this.good.set(this.model.learner.params);
      this.takenAt = samples;
    }
    this.since = samples;
    this.healthy = true;
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
