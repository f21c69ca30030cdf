// The learning step of one stream (DESIGN.md "The learning step"), free of any transport: the
// worker's actors, `carousel nab` and the tests all run exactly this. Per sample:
//   1. normalise x with the running per-feature statistics (then fold x into them);
//   2. if a forecast for this step exists, its error feeds the anomaly scorer;
//   3. online update: the error is the loss of the last output, weighted down when the scorer
//      finds the point anomalous, so the model does not learn the fault;
//   4. advance the model one step: its output is the forecast of the next sample (and, for a
//      horizon H > 1, the model is rolled forward on its own forecasts from a scratch copy).
// Guards (model-guard.ts): a non-finite sample is refused; raw values are saturated and
// normalised values clipped (±8σ by default) before the model sees them, outliers are kept out of
// the normaliser's statistics; a diverged model is rolled back to its last good weights.
// Not here: validation of the wire message (protocol), ordering and dedupe (the worker),
// persistence (the caller stores snapshot()).

import { createAnomalyScorer, type AnomalyScorer, type AnomalyScorerState } from '@carousel/anomaly';
import { createModel, loadModel, saveModel, type Model, type ModelBuild, type StreamState } from '@carousel/lstm';
import { WorkerError, WORKER_ERR } from './errors.ts';
import { InputGuard, ModelGuard, parseModelGuardOptions, type ModelGuardOptions, type ModelGuardState, type WeightKeeper } from './model-guard.ts';
import { createNormalizer, type Normalizer, type NormalizerState } from './normalizer.ts';
import { forecast, shareGradient } from './scratch.ts';
import { checkModelWeights, type StreamConfig } from './stream-config.ts';

/**
 * A stream's own model borrows the process's gradient (shareGradient below), so it is built
 * without single-stream wasm kernels of its own: their memory would hold an unused gradient per
 * stream (the per-stream memory figure of bench/results/worker-memory.md), and V8 caps the live
 * memories. It runs on the process's shared kernels for its shape instead ('shared': params and
 * gradient copied in and out per call, the same bits; @carousel/lstm workspace.ts kernelStageFor).
 * A group's shared model keeps its own gradient and its kernels.
 */
const PER_STREAM_BUILD: ModelBuild = Object.freeze({ kernels: 'shared' });

/** What scoring and learning a sample gives, before its step (prepare) and in its result. */
export interface SampleScore {
  /** RMS error of the last forecast for this sample, in the sample's units (NaN for the first). */
  error: number;
  /** Raw anomaly score and likelihood in [0, 1]. */
  score: number;
  likelihood: number;
  /** The point raised an alert (scorer flag: hysteresis and refractory applied). */
  flagged: boolean;
  /** Training weight used for this point (1, or anomalyWeight when anomalous). */
  weight: number;
  /** Loss of the online update (NaN when no update happened). */
  loss: number;
}

/** What one processed sample produces (the worker turns it into a Prediction). */
export interface StepResult extends SampleScore {
  seq: number;
  /** H forecasts, each D values, in the sample's units; forecast[0] is the next sample. */
  forecast: Float64Array[];
}

export interface StreamStats {
  samples: number;
  updates: number;
  /** Exponential moving average of the loss (α = 0.01). */
  lossEma: number;
  flagged: number;
  /** Samples or updates refused: non-finite input, a learn() that threw, and optimizer updates the Trainer refused or discarded. */
  refusedSteps: number;
  learningRate: number;
  /** Rollbacks to the last good weights after a divergence (ModelGuard). */
  rollbacks: number;
  /** Samples with a value saturated or clipped before the model saw it (InputGuard). */
  clippedInputs: number;
}

/** A sample through prepare(), waiting for the model's step (complete()). */
export interface PreparedSample extends SampleScore {
  seq: number;
  ts: number | undefined;
  clipped: boolean;
}

/** What a member processor tells its model group (group-steps.ts) about the shared weights. */
export interface GroupHooks {
  /** A rollback of the shared weights is about to happen (after a diverged loss): finish the steps that read the old ones. */
  beforeRollback(): void;
  /**
   * A member's output was not finite: the shared model is to roll back later (group-steps.ts) to
   * the weights returned, which the member steps with now: those of a rollback already due, else
   * a copy of `good` (the member's last-good weights).
   */
  rollbackDue(good: Float32Array): Float32Array;
}

/** The persisted form of a processor (msgpack-able: numbers, strings, Uint8Array, Float64Array, records). */
export interface ProcessorState {
  v: 1;
  dims: number;
  seq: number;
  model: Uint8Array;
  normalizer: NormalizerState;
  scorer: AnomalyScorerState;
  lastForecast: Float64Array | null;
  stats: StreamStats;
  /** Guard streaks; absent in checkpoints written before the guards (read as zero). */
  guard?: ModelGuardState;
}

/**
 * A model shared by the processors of a model group (group-actor.ts): the weights and optimizer
 * are the group's, each member processor has its own recurrent `stream` (learner.newStream()),
 * normaliser, scorer and seq. A member's snapshot() then carries no model bytes: the group saves
 * the model once with every member's stream state (saveModel(model, {member: stream, ...})).
 */
export interface SharedModel {
  readonly model: Model<StreamState>;
  /** The group's side of the shared weights' rollbacks (group-steps.ts); none for a member stepped alone. */
  readonly hooks?: GroupHooks;
  /** The group's last-good copy of the shared weights (one per group); the member's own when absent. */
  readonly keeper?: WeightKeeper;
  /** The member's recurrent state (restored from the group's model record); fresh when absent. */
  readonly stream?: StreamState;
}

export class StreamProcessor {
  readonly dims: number;
  readonly model: Model<StreamState>;
  readonly stream: StreamState;
  private readonly normalizer: Normalizer;
  private readonly scorer: AnomalyScorer;
  private readonly xn: Float64Array; //  (D) normalised sample
  private readonly err: Float64Array; // (D) forecast error, normalised
  private readonly last: Float64Array; // (D) last forecast, normalised
  private hasForecast = false;
  private seq = -1;
  readonly stats: StreamStats;
  private readonly inputGuard: InputGuard;
  private readonly modelGuard: ModelGuard;
  private trainerRefusals = 0;
  /** True when the model is a group's (SharedModel): snapshot() then leaves the model out. */
  readonly shared: boolean;
  /** The group's hooks, null for a stream's own model (and a member without them). */
  private readonly group: GroupHooks | null;
  /** prepare()'s result, reused (valid until complete()). */
  private readonly prepared: PreparedSample = { seq: -1, ts: undefined, clipped: false, error: NaN, score: 0, likelihood: 0, flagged: false, weight: 1, loss: NaN };

  /**
   * A fresh processor for D-dimensional samples; `state` restores a snapshot of the same config;
   * `guard` overrides the model guard's defaults (model-guard.ts); `shared` makes it a member of a
   * model group (state.model is then ignored: the group restores the model).
   */
  constructor(readonly config: Readonly<StreamConfig>, dims: number, state?: ProcessorState, guard: Partial<ModelGuardOptions> = {}, shared?: SharedModel) {
    if (!Number.isInteger(dims) || dims < 1) throw new WorkerError(WORKER_ERR.DIMENSION, `sample dimension must be a positive integer, got ${dims}`);
    this.dims = dims;
    this.shared = shared !== undefined;
    this.group = shared?.hooks ?? null;
    if (state?.v === 1 && state.dims !== dims) throw new WorkerError(WORKER_ERR.CHECKPOINT, `checkpoint is for ${state.dims} features, v${state.v}`);
    if (shared) {
      const o = shared.model.options;
      if (o.inputs !== dims || o.outputs !== dims) throw new WorkerError(WORKER_ERR.DIMENSION, `the group's model has ${o.inputs} inputs and ${o.outputs} outputs, the stream ${dims} features`);
      this.model = shared.model;
      this.stream = shared.stream ?? shared.model.learner.newStream();
    } else if (state) {
      if (state.v !== 1 || state.dims !== dims) throw new WorkerError(WORKER_ERR.CHECKPOINT, `checkpoint is for ${state.dims} features, v${state.v}`);
      const { model, streams } = loadModel(state.model, PER_STREAM_BUILD);
      this.model = model;
      this.stream = streams.main ?? model.learner.newStream();
    } else {
      checkModelWeights(config.model, dims);
      this.model = createModel({ ...config.model, inputs: dims, outputs: dims }, undefined, PER_STREAM_BUILD);
      this.stream = this.model.learner.newStream();
    }
    // A group's shared model keeps its own gradient: every member's learn() adds to it.
    if (!this.shared) shareGradient(this.model);
    this.normalizer = createNormalizer({ features: dims, window: config.normalizerWindow, enabled: config.normalize });
    this.scorer = createAnomalyScorer({ ...config.anomaly, features: dims });
    this.xn = new Float64Array(dims);
    this.err = new Float64Array(dims);
    this.last = new Float64Array(dims);
    this.stats = {
      samples: 0, updates: 0, lossEma: NaN, flagged: 0, refusedSteps: 0, learningRate: this.model.trainer.optimizer.lr, rollbacks: 0, clippedInputs: 0,
    };
    // Without normalisation the model sees sample units, where a ±8 bound means nothing: only
    // the saturation applies then.
    const guardOptions = parseModelGuardOptions(config.normalize ? guard : { inputClip: Infinity, statsClip: Infinity, ...guard });
    this.inputGuard = new InputGuard(guardOptions, dims);
    if (state) {
      this.normalizer.restore(state.normalizer);
      this.scorer.restore(state.scorer);
      if (state.lastForecast) {
        this.last.set(state.lastForecast);
        this.hasForecast = true;
      }
      this.seq = state.seq;
      Object.assign(this.stats, state.stats);
    }
    this.modelGuard = new ModelGuard(guardOptions, this.model, this.stats.samples, shared?.keeper);
    if (state) this.modelGuard.explodeStreak = state.guard?.explodeStreak ?? 0;
    this.trainerRefusals = refusals(this.model);
  }

  /** The keeper of the model's last-good weights (a model group's members share the group's). */
  get weightKeeper(): WeightKeeper {
    return this.modelGuard.keeper;
  }

  /** The seq of the last sample applied (-1 if none). */
  get lastSeq(): number {
    return this.seq;
  }

  /**
   * Applies one sample. Throws WorkerError DIMENSION for a wrong-length x, MODEL for a non-finite
   * value or when the model refuses the step; in all cases nothing of the stream changed.
   */
  process(seq: number, x: ArrayLike<number>, ts?: number): StepResult {
    const p = this.prepare(seq, x, ts);
    return this.complete(p, this.model.trainer.step(this.stream, this.xn));
  }

  /**
   * The first part of process(): everything before the model's step (normalising, scoring the
   * last forecast, the online update, a rollback after a diverged loss). The step itself takes
   * `stepInput` and its output goes to complete(), with no other call on this processor in
   * between; a model group steps its members batched this way (group-steps.ts). The result is
   * the processor's own object, valid until complete(). Throws as process() does.
   */
  prepare(seq: number, x: ArrayLike<number>, ts?: number): PreparedSample {
    const D = this.dims;
    if (x.length !== D) throw new WorkerError(WORKER_ERR.DIMENSION, `sample has ${x.length} features, the stream's model has ${D}`, { expected: D, got: x.length });
    for (let i = 0; i < D; i++) {
      if (!Number.isFinite(x[i])) {
        this.stats.refusedSteps++;
        throw new WorkerError(WORKER_ERR.MODEL, `x[${i}] is ${x[i]}: refused before the model`, { index: i });
      }
    }
    const { xn, err, last, model, stream, inputGuard, modelGuard } = this;
    const xs = inputGuard.saturate(x);
    this.normalizer.normalize(xs, xn);
    const clipped = inputGuard.clip(xn);
    // One object per processor, reused: a processor has at most one sample between prepare() and complete().
    const p = this.prepared;
    p.seq = seq;
    p.ts = ts;
    p.clipped = clipped;
    p.error = NaN;
    p.score = 0;
    p.likelihood = 0;
    p.flagged = false;
    p.weight = 1;
    p.loss = NaN;
    if (this.hasForecast) {
      let se = 0;
      for (let i = 0; i < D; i++) {
        err[i] = xn[i]! - last[i]!;
        const e = this.normalizer.scale(i) * err[i]!;
        se += e * e;
      }
      p.error = Math.sqrt(se / D);
      const s = this.scorer.update(err, ts);
      p.score = s.raw;
      p.likelihood = s.likelihood;
      p.flagged = s.flagged;
      p.weight = p.likelihood >= this.config.protectLikelihood ? this.config.anomalyWeight : 1;
      try {
        p.loss = model.trainer.learn(stream, xn, p.weight);
      } catch (e) {
        this.stats.refusedSteps++;
        throw new WorkerError(WORKER_ERR.MODEL, `model refused the update: ${(e as Error).message}`, e);
      }
      const diverged = modelGuard.diverged(p.loss, this.stats.lossEma);
      // An exploding loss is kept out of the EMA it is measured against.
      if (Number.isFinite(p.loss) && modelGuard.explodeStreak === 0 && !diverged) {
        this.stats.updates++;
        this.stats.lossEma = Number.isNaN(this.stats.lossEma) ? p.loss : 0.99 * this.stats.lossEma + 0.01 * p.loss;
      }
      if (diverged) {
        this.group?.beforeRollback();
        this.rollback();
      }
    }
    // Read here, not in complete(): in a group, other members' updates come between the two.
    const r = refusals(model);
    this.stats.refusedSteps += r - this.trainerRefusals;
    this.trainerRefusals = r;
    return p;
  }

  /** The input of the model step between prepare() and complete(): the normalised sample (a view). */
  get stepInput(): Float64Array {
    return this.xn;
  }

  /**
   * The rest of process() after the model's step gave `y` for prepare()'s sample. A non-finite y
   * rolls the model back to its last good weights and steps again (a stream's own model); in a
   * model group, where other members' steps may already have been taken in the same batch, the
   * member steps again from a zero state with the weights the group will roll back to, later
   * (group-steps.ts), so the result does not depend on how the members were batched.
   */
  complete(p: PreparedSample, y: Float64Array): StepResult {
    const { last, model, stream, inputGuard, modelGuard, xn } = this;
    if (modelGuard.badOutput(y)) {
      this.stats.rollbacks++;
      if (this.group === null) {
        modelGuard.rollback(stream, this.stats.samples);
        y = model.trainer.step(stream, xn);
      } else {
        y = modelGuard.stepWithGoodWeights(stream, xn, this.group.rollbackDue(modelGuard.goodWeights));
      }
    }
    last.set(y);
    this.hasForecast = true;
    const n = this.normalizer;
    this.normalizer.update(inputGuard.statsInput(this.stats.samples, xn, (z, out) => n.denormalize(z, out)));
    this.seq = p.seq;
    this.stats.samples++;
    if (p.clipped) this.stats.clippedInputs++;
    modelGuard.tick(this.stats.samples);
    if (p.flagged) this.stats.flagged++;
    this.stats.learningRate = model.trainer.optimizer.lr;
    const { error, score, likelihood, flagged, weight, loss } = p;
    return { seq: p.seq, forecast: this.rollout(y), error, score, likelihood, flagged, weight, loss };
  }

  /** After a diverged loss: the model back to its last good weights (modelGuard.rollback). */
  private rollback(): void {
    this.modelGuard.rollback(this.stream, this.stats.samples);
    this.stats.rollbacks++;
  }

  /** The forecast for input x from the current state, without changing it (control loops: infer). */
  infer(x: ArrayLike<number>): Float64Array[] {
    if (x.length !== this.dims) throw new WorkerError(WORKER_ERR.DIMENSION, `input has ${x.length} features, the stream's model has ${this.dims}`);
    for (let i = 0; i < this.dims; i++) if (!Number.isFinite(x[i])) throw new WorkerError(WORKER_ERR.MODEL, `x[${i}] is ${x[i]}`, { index: i });
    const xn = new Float64Array(this.dims);
    const g = new InputGuard(this.inputGuard.options, this.dims);
    this.normalizer.normalize(g.saturate(x), xn);
    g.clip(xn);
    return forecast(this.model, this.stream, (scratch) => this.rollout(this.model.learner.step(scratch, xn), scratch));
  }

  /**
   * Forecasts in sample units: y, then H-1 more steps of the model fed its own output, on
   * `scratch` (a copy of the stream; the shared one of scratch.ts when not given).
   */
  private rollout(y: Float64Array, scratch?: StreamState): Float64Array[] {
    const H = this.config.horizon;
    if (H > 1 && scratch === undefined) return forecast(this.model, this.stream, (s) => this.rollout(y, s));
    const out: Float64Array[] = [this.denorm(y)];
    if (H === 1) return out;
    let cur = Float64Array.from(y);
    for (let h = 1; h < H; h++) {
      cur = Float64Array.from(this.model.learner.step(scratch!, cur));
      out.push(this.denorm(cur));
    }
    return out;
  }

  private denorm(y: ArrayLike<number>): Float64Array {
    const out = new Float64Array(this.dims);
    this.normalizer.denormalize(y, out);
    return out;
  }

  /** Zeroes the recurrent state, keeps the weights and statistics (a sequence boundary). */
  resetState(): void {
    this.model.learner.reset(this.stream);
    this.hasForecast = false;
  }

  /** Everything needed to continue bit-identically after a restart. */
  snapshot(): ProcessorState {
    return {
      v: 1,
      dims: this.dims,
      seq: this.seq,
      model: this.shared ? new Uint8Array(0) : saveModel(this.model, { main: this.stream }),
      normalizer: this.normalizer.snapshot(),
      scorer: this.scorer.snapshot(),
      lastForecast: this.hasForecast ? this.last.slice() : null,
      stats: { ...this.stats },
      guard: { explodeStreak: this.modelGuard.explodeStreak },
    };
  }
}

/** Optimizer updates the Trainer refused (non-finite gradient, diverging update) or discarded (poisoned window). */
function refusals(m: Model<StreamState>): number {
  const s = m.trainer.stats;
  return s.refusedUpdates + s.divergedUpdates + s.discardedWindows;
}

/**
 * A processor for `cfg` at `dims` features (restoring `state` when given), where the config is the
 * caller's to answer for: an error building its model or scorer (a hidden size, learning rate or
 * anomaly option the model refuses) is WORKER_ERR_CONFIG with the model's own message, not an
 * internal failure. The worker's own errors (dimension, checkpoint) pass through.
 */
export function processorFor(cfg: Readonly<StreamConfig>, dims: number, state?: ProcessorState): StreamProcessor {
  try {
    return new StreamProcessor(cfg, dims, state);
  } catch (e) {
    if (e instanceof WorkerError) throw e;
    throw new WorkerError(WORKER_ERR.CONFIG, `the stream config does not build a model: ${(e as Error).message}`, { field: 'model' });
  }
}

/** Throws WORKER_ERR_CONFIG unless `cfg` builds (at one feature): what the worker's options and the control API accept. */
export function checkStreamConfig(cfg: Readonly<StreamConfig>): void {
  processorFor(cfg, 1);
}
