// The per-stream configuration: the model a stream runs, its forecast horizon, normalisation and
// anomaly settings. Defaults come from the worker's config; the control API changes them per
// stream. Parsed, checked and frozen in one place (parseStreamConfig).

import type { AnomalyScorerOptions } from '@carousel/anomaly';
import { CELL_KINDS, LEARNER_KINDS, modelParamCount, resolveModelOptions, type CellKind, type LearnerKind, type ModelOptions } from '@carousel/lstm';
import { fnv1a32 } from '@carousel/protocol';
import { WorkerError, WORKER_ERR } from './errors.ts';

/** Forecast one step ahead by default. */
export const DEFAULT_HORIZON = 1;
/** Longest horizon a stream may ask for, in steps. */
export const MAX_HORIZON = 64;
/** Training weight of a point the scorer finds anomalous: it still counts, a tenth as much. */
export const DEFAULT_ANOMALY_WEIGHT = 0.1;
/** Likelihood from which a point counts as anomalous for training (protects the model). */
export const DEFAULT_PROTECT_LIKELIHOOD = 0.99;
/** Normaliser memory, in points (exponential forgetting); adapts to drift. */
export const DEFAULT_NORMALIZER_WINDOW = 10_000;

/**
 * Largest model a stream may ask for over the control API or the worker's config: memory cells or
 * units in all layers together, layers, and the TBPTT window (steps kept for the backward pass).
 * At these a per-stream model with Adam holds a few hundred MB and takes seconds to build, so one
 * configure request cannot exhaust a worker's memory or stall its other streams for long.
 */
export const MAX_STREAM_UNITS = 1024;
export const MAX_STREAM_LAYERS = 8;
export const MAX_STREAM_WINDOW = 1024;
/**
 * Largest number of weights (parameters) a stream's model may have at the stream's number of
 * features, which the limits above do not see: 1,024 units over 4,096 features (the protocol's
 * longest vector) are 25 M weights, ~800 MiB for a per-stream model with Adam, 2.4 s to build and
 * half a second a sample. 2^23 weights is 64 MiB of float64 parameters, a few hundred MB in all.
 */
export const MAX_STREAM_WEIGHTS = 2 ** 23;

/** The model part: everything of ModelOptions except the sizes, which the data decides. */
export type StreamModelOptions = Omit<ModelOptions, 'inputs' | 'outputs'>;

/** Default model of a stream: a vanilla LSTM (H=32), TBPTT(4,32), Adam 0.003 (picked on a sine-plus-noise sweep: see docs/worker.md). */
export const DEFAULT_STREAM_MODEL: StreamModelOptions = Object.freeze({
  cell: 'vanilla' as CellKind,
  hidden: 32,
  learner: 'tbptt' as LearnerKind,
  k1: 4,
  k2: 32,
  optimizer: Object.freeze({ kind: 'adam' as const, lr: 0.003, clipNorm: 1 }),
});

export interface StreamConfig {
  /** Model options (cell, hidden, learner, k1, k2, optimizer, seed...). Default DEFAULT_STREAM_MODEL. */
  model: StreamModelOptions;
  /** Forecast horizon H in steps (1 = next sample only). Default 1. */
  horizon: number;
  /** Normalise every feature online (running mean/variance) before the model sees it. Default true. */
  normalize: boolean;
  /** Normaliser memory in points; Infinity = cumulative. Default 10,000. */
  normalizerWindow: number;
  /** Anomaly scorer options (@carousel/anomaly). Default: its defaults. */
  anomaly: Partial<AnomalyScorerOptions>;
  /** Training weight of points at or above protectLikelihood, in [0, 1]. Default 0.1. */
  anomalyWeight: number;
  /** Likelihood from which a point is down-weighted for training. Default 0.99. */
  protectLikelihood: number;
}

export function defaultStreamConfig(): StreamConfig {
  return {
    model: DEFAULT_STREAM_MODEL,
    horizon: DEFAULT_HORIZON,
    normalize: true,
    normalizerWindow: DEFAULT_NORMALIZER_WINDOW,
    anomaly: {},
    anomalyWeight: DEFAULT_ANOMALY_WEIGHT,
    protectLikelihood: DEFAULT_PROTECT_LIKELIHOOD,
  };
}

/**
 * Merges `over` onto `base` (model options merge field by field), checks and freezes. WORKER_ERR_CONFIG
 * names the field. `limits: false` skips what is policy for new configs (the size limits, no bptt), for
 * a config read back from a checkpoint written before them: a stream restores as it ran.
 */
export function parseStreamConfig(over: Partial<StreamConfig> = {}, base: StreamConfig = defaultStreamConfig(), opts: { limits?: boolean } = {}): Readonly<StreamConfig> {
  if (over === null || typeof over !== 'object') throw new WorkerError(WORKER_ERR.CONFIG, 'stream config must be an object');
  const model = { ...base.model, ...(over.model ?? {}) };
  if (model.cell !== undefined && !CELL_KINDS.includes(model.cell)) bad('model.cell', model.cell);
  if (model.learner !== undefined && !LEARNER_KINDS.includes(model.learner)) bad('model.learner', model.learner);
  // Whole-sequence BPTT keeps every step until the sequence ends (LSTM_ERR_STATE past its maxLength);
  // a stream does not end, so it would learn 1,024 samples and then refuse every one after.
  if (opts.limits !== false && model.learner === 'bptt') throw new WorkerError(WORKER_ERR.CONFIG, 'model.learner bptt needs sequences that end, and a stream does not: use tbptt with k1 and k2 (a window), or rtrl97', { field: 'model.learner' });
  if (opts.limits !== false) checkModelSize(model);
  const c: StreamConfig = {
    model: Object.freeze(model),
    horizon: over.horizon ?? base.horizon,
    normalize: over.normalize ?? base.normalize,
    normalizerWindow: over.normalizerWindow ?? base.normalizerWindow,
    anomaly: Object.freeze({ ...base.anomaly, ...(over.anomaly ?? {}) }),
    anomalyWeight: over.anomalyWeight ?? base.anomalyWeight,
    protectLikelihood: over.protectLikelihood ?? base.protectLikelihood,
  };
  if (!Number.isInteger(c.horizon) || c.horizon < 1 || c.horizon > MAX_HORIZON) bad('horizon', c.horizon);
  if (typeof c.normalize !== 'boolean') bad('normalize', c.normalize);
  if (!(c.normalizerWindow === Infinity || (Number.isFinite(c.normalizerWindow) && c.normalizerWindow >= 2))) bad('normalizerWindow', c.normalizerWindow);
  if (!(c.anomalyWeight >= 0 && c.anomalyWeight <= 1)) bad('anomalyWeight', c.anomalyWeight);
  if (!(c.protectLikelihood >= 0 && c.protectLikelihood <= 1)) bad('protectLikelihood', c.protectLikelihood);
  return Object.freeze(c);
}

/**
 * `cfg` with a TBPTT phase for this stream when its model learns by TBPTT with k1 > 1 and sets no
 * phase itself: a hash of the stream id modulo k1. The first backward pass then comes after
 * k1 − phase samples and the later ones every k1, so streams started together (a fleet of metrics
 * sampled on one clock) run their backward passes on different samples, about a k1-th of them on
 * each, instead of all on every k1-th (each such round then costs many times the others: a
 * backward pass over the window is ~40× a forward step at the default model). docs/worker.md,
 * "Staggered backward passes". The hash is mixed (murmur3's finaliser) so that the phase does not
 * follow the partition (fnv1a32 modulo the partition count).
 */
export function withStreamPhase(cfg: Readonly<StreamConfig>, stream: string): Readonly<StreamConfig> {
  const m = cfg.model;
  if (m.phase !== undefined || typeof m.k1 !== 'number' || !Number.isInteger(m.k1) || m.k1 < 2) return cfg;
  let learner: LearnerKind;
  try {
    learner = resolveModelOptions({ ...m, inputs: 1, outputs: 1 }).learner;
  } catch {
    return cfg; // the model's own error is reported where it is built
  }
  if (learner !== 'tbptt') return cfg;
  return Object.freeze({ ...cfg, model: Object.freeze({ ...m, phase: mix32(fnv1a32(stream)) % m.k1 }) });
}

/** murmur3's 32-bit finaliser: every output bit depends on every input bit. */
function mix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * Refuses a model that would have more than MAX_STREAM_WEIGHTS weights at `dims` features
 * (WORKER_ERR_CONFIG), counted from its layout: nothing of its size is allocated. Options the LSTM
 * refuses throw its error, as building them would.
 */
export function checkModelWeights(model: StreamModelOptions, dims: number): void {
  const n = modelParamCount({ ...model, inputs: dims, outputs: dims });
  if (n > MAX_STREAM_WEIGHTS) tooBig('model.hidden', `${n.toLocaleString('en-US')} weights at ${dims} features`, `${MAX_STREAM_WEIGHTS.toLocaleString('en-US')} weights`);
}

/** Refuses a model over MAX_STREAM_UNITS / _LAYERS / _WINDOW before anything is allocated; the LSTM checks the rest as it builds. */
function checkModelSize(model: StreamModelOptions): void {
  const layers = typeof model.hidden === 'number' ? [model.hidden] : Array.isArray(model.hidden) ? (model.hidden as readonly unknown[]) : [];
  if (layers.length > MAX_STREAM_LAYERS) tooBig('model.hidden', `${layers.length} layers`, `${MAX_STREAM_LAYERS} layers`);
  const perCell = typeof model.lstm97?.cellsPerBlock === 'number' ? model.lstm97.cellsPerBlock : 1;
  const units = layers.reduce<number>((n, h) => n + (typeof h === 'number' && Number.isFinite(h) ? h : 0), 0) * perCell;
  if (units > MAX_STREAM_UNITS) tooBig('model.hidden', `${units} units`, `${MAX_STREAM_UNITS} units`);
  if (typeof model.k2 === 'number' && model.k2 > MAX_STREAM_WINDOW) tooBig('model.k2', `a window of ${model.k2} steps`, `${MAX_STREAM_WINDOW} steps`);
}

function tooBig(field: string, what: string, limit: string): never {
  throw new WorkerError(WORKER_ERR.CONFIG, `${field} asks for ${what}, over the ${limit} a stream may have`, { field });
}

function bad(field: string, value: unknown): never {
  throw new WorkerError(WORKER_ERR.CONFIG, `${field} is invalid: ${JSON.stringify(value)}`, { field, value });
}
