// Options of the online anomaly scorer: one interface, the DEFAULT_* constants with their units,
// and parseAnomalyOptions(), which merges, checks and freezes them. Nothing here runs per point.

import { ANOMALY_ERR, AnomalyError } from './errors.ts';

/** Forecast-error features scored per point (F). */
export const DEFAULT_FEATURES = 1;
/** Kernel width, in running error standard deviations: an error of this size scores 1 - e^-0.5 = 0.39. */
export const DEFAULT_KERNEL_WIDTH = 5;
/** Memory of the running error variance, in points (exponential forgetting 1/N after warm-up). */
export const DEFAULT_ERROR_WINDOW = 1000;
/** Prior error variance, normalised units squared; it counts as one observation. */
export const DEFAULT_INITIAL_ERROR_VARIANCE = 1;
/** Floor of the error variance, normalised units squared: errors below 1% of the signal's spread are noise. */
export const DEFAULT_MIN_ERROR_VARIANCE = 1e-4;
/** Errors beyond this many running standard deviations count as this many when the variance is updated. */
export const DEFAULT_ERROR_CLIP = 3;
/** Points whose raw scores never reach the likelihood statistics (the model is still learning); Numenta: 288. */
export const DEFAULT_LEARNING_PERIOD = 288;
/** Averages a window folds into its long-run statistics before it reports a likelihood; Numenta: 100. */
export const DEFAULT_ESTIMATION_SAMPLES = 100;
/** Memory of the long-run mean/variance of averaged raw scores, in points; Numenta's historic window: 8640. */
export const DEFAULT_HISTORIC_WINDOW = 8640;
/** Short moving-average windows of raw scores, in points; the likelihood is the largest over them. */
export const DEFAULT_WINDOWS: readonly number[] = Object.freeze([5, 20]);
/**
 * Floor of the long-run variance of averaged raw scores. Numenta's 0.0003 suits HTM scores, which
 * are mostly exactly 0; ours have a stationary variance near 8e-4 / w, so the floor sits far below.
 */
export const DEFAULT_MIN_SCORE_VARIANCE = 1e-7;
/** Tail model of the long-run distribution of averaged raw scores (see anomaly-scorer.ts). */
export const DEFAULT_TAIL: AnomalyScorerOptions['tail'] = 'gamma';
/** A point is anomalous when its likelihood reaches this (1 - 1e-5; log-likelihood 0.5). */
export const DEFAULT_THRESHOLD = 1 - 1e-5;
/** Hysteresis: after a flag, no new flag until the likelihood has fallen below this. */
export const DEFAULT_REARM_LIKELIHOOD = 0.99;
/** Refractory period: after a flag, the next this-many points cannot flag. */
export const DEFAULT_REFRACTORY = 30;
/** Longest moving-average window accepted, in points (the raw-score ring holds this many). */
export const MAX_WINDOW = 65536;

export interface AnomalyScorerOptions {
  /** Features per error vector (F). Default DEFAULT_FEATURES. */
  features: number;
  /** Raw score = 1 - exp(-m / (2 c^2)), m the standardised squared error, c this width. Default 5. */
  kernelWidth: number;
  /** How per-feature standardised squared errors combine into m: their mean or their max. Default 'mean'. */
  combine: 'mean' | 'max';
  /** Error-variance memory in points; Infinity keeps a cumulative average. Default 1000. */
  errorWindow: number;
  /** Prior error variance (normalised units squared), weighted as one observation. Default 1. */
  initialErrorVariance: number;
  /** Error-variance floor (normalised units squared). Default 1e-4. */
  minErrorVariance: number;
  /** Winsorising bound in standard deviations for the variance update; Infinity disables. Default 3. */
  errorClip: number;
  /** Points at the start whose raw scores are not used for the likelihood. Default 288. */
  learningPeriod: number;
  /** Averages per window before that window reports a likelihood (until then 0.5). Default 100. */
  estimationSamples: number;
  /** Memory of the long-run Gaussian of averaged raw scores, in points; Infinity = cumulative. Default 8640. */
  historicWindow: number;
  /** Short moving-average window lengths in points (several = multi-time-scale, max likelihood). Default [5, 20]. */
  windows: readonly number[];
  /** Floor of the long-run variance of averaged raw scores. Default 1e-7. */
  minScoreVariance: number;
  /**
   * Tail of the long-run distribution: 'gaussian' is Numenta's Q((x - mean) / sd); 'gamma' fits a
   * Gamma by the same mean and variance and takes its tail through the Wilson-Hilferty cube root.
   * Default 'gamma'.
   */
  tail: 'gamma' | 'gaussian';
  /** Likelihood at or above which a point is anomalous (and may flag). Default 1 - 1e-5. */
  threshold: number;
  /** Hysteresis: re-arm flagging once the likelihood drops below this; must not exceed threshold. Default 0.99. */
  rearmLikelihood: number;
  /** Points after a flag during which no new flag is raised. Default 30. */
  refractory: number;
}

export function defaultAnomalyOptions(): AnomalyScorerOptions {
  return {
    features: DEFAULT_FEATURES,
    kernelWidth: DEFAULT_KERNEL_WIDTH,
    combine: 'mean',
    errorWindow: DEFAULT_ERROR_WINDOW,
    initialErrorVariance: DEFAULT_INITIAL_ERROR_VARIANCE,
    minErrorVariance: DEFAULT_MIN_ERROR_VARIANCE,
    errorClip: DEFAULT_ERROR_CLIP,
    learningPeriod: DEFAULT_LEARNING_PERIOD,
    estimationSamples: DEFAULT_ESTIMATION_SAMPLES,
    historicWindow: DEFAULT_HISTORIC_WINDOW,
    windows: DEFAULT_WINDOWS,
    minScoreVariance: DEFAULT_MIN_SCORE_VARIANCE,
    tail: DEFAULT_TAIL,
    threshold: DEFAULT_THRESHOLD,
    rearmLikelihood: DEFAULT_REARM_LIKELIHOOD,
    refractory: DEFAULT_REFRACTORY,
  };
}

function bad(name: string, value: unknown, why: string): AnomalyError {
  return new AnomalyError(ANOMALY_ERR.INPUT, `option ${name} ${why}`, { option: name, value });
}

function int(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(name, v, `must be an integer in [${min}, ${max}]`);
  return v;
}

function positive(name: string, v: unknown, allowInfinity: boolean): number {
  if (typeof v !== 'number' || !(v > 0) || (!allowInfinity && !Number.isFinite(v))) {
    throw bad(name, v, allowInfinity ? 'must be a positive number or Infinity' : 'must be a positive finite number');
  }
  return v;
}

function memory(name: string, v: unknown): number {
  if (v === Infinity) return v;
  return int(name, v, 1);
}

/** Merges `opts` over the defaults, checks every field (ANOMALY_ERR_INPUT, detail names it) and freezes. */
export function parseAnomalyOptions(opts: Partial<AnomalyScorerOptions> = {}): Readonly<AnomalyScorerOptions> {
  const defaults = defaultAnomalyOptions();
  for (const key of Object.keys(opts)) if (!(key in defaults)) throw bad(key, (opts as Record<string, unknown>)[key], 'is not an anomaly scorer option');
  const o = { ...defaults, ...opts };
  if (o.combine !== 'mean' && o.combine !== 'max') throw bad('combine', o.combine, "must be 'mean' or 'max'");
  if (o.tail !== 'gamma' && o.tail !== 'gaussian') throw bad('tail', o.tail, "must be 'gamma' or 'gaussian'");
  if (!Array.isArray(o.windows) || o.windows.length === 0) throw bad('windows', o.windows, 'must be a non-empty array');
  const windows = Object.freeze(o.windows.map((w, i) => int(`windows[${i}]`, w, 1, MAX_WINDOW)));
  const threshold = o.threshold;
  if (typeof threshold !== 'number' || !(threshold > 0 && threshold <= 1)) throw bad('threshold', threshold, 'must be in (0, 1]');
  const rearm = o.rearmLikelihood;
  if (typeof rearm !== 'number' || !(rearm >= 0 && rearm <= threshold)) throw bad('rearmLikelihood', rearm, 'must be in [0, threshold]');
  return Object.freeze({
    features: int('features', o.features, 1),
    kernelWidth: positive('kernelWidth', o.kernelWidth, false),
    combine: o.combine,
    errorWindow: memory('errorWindow', o.errorWindow),
    initialErrorVariance: positive('initialErrorVariance', o.initialErrorVariance, false),
    minErrorVariance: positive('minErrorVariance', o.minErrorVariance, false),
    errorClip: positive('errorClip', o.errorClip, true),
    learningPeriod: int('learningPeriod', o.learningPeriod, 0),
    estimationSamples: int('estimationSamples', o.estimationSamples, 1),
    historicWindow: memory('historicWindow', o.historicWindow),
    windows,
    minScoreVariance: positive('minScoreVariance', o.minScoreVariance, false),
    tail: o.tail,
    threshold,
    rearmLikelihood: rearm,
    refractory: int('refractory', o.refractory, 0),
  });
}
