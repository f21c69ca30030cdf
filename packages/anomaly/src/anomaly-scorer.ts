// The online anomaly scorer: per-feature forecast error -> raw score -> Numenta-style anomaly
// likelihood -> flag. Strictly online (a point is scored with statistics of the points before it),
// O(F + K) per point, no allocation per point. Not a detector of its own: it only judges errors.
//
//   F  features of the error vector         K  moving-average windows (options.windows)
//   W  longest window (raw-score ring size)
//
// Raw score. m = mean (or max) over features of e_i^2 / s_i^2, s_i^2 the running mean squared
// error of feature i; raw = 1 - exp(-m / (2 c^2)). Chosen over a rank against a running histogram
// because (1) it is O(F) with F numbers of state and exact to restore, no bins or range to choose;
// (2) it is measured about zero, so a forecast bias (a level shift the model has not learnt yet) is
// an error, as it should be; (3) the kernel width c sets how much headroom the raw score keeps above
// its stationary mean: a rank score is uniform (mean 0.5, sd 0.29), so one point can never stand out
// in a moving average of them, whereas with c = 5 a stationary Gaussian error scores 0.02 +- 0.03
// and a 10-sigma spike 0.86 (below saturation, raw ~ m / 2c^2, a scaled chi-square). The bound at 1
// keeps one enormous error from dominating the long-run statistics, and the variance update
// winsorises at errorClip sigmas so that it cannot blind the scorer for the next thousand points.
//
// Likelihood (Numenta's anomaly likelihood, Ahmad et al. 2017). For each window length w_k the
// moving average of the last w_k raw scores is compared with a long-run Gaussian of that same
// average (mean and variance under exponential forgetting 1/historicWindow, cumulative while
// younger): likelihood_k = 1 - Q(z_k). tail 'gaussian' is Numenta's z = (avg - mean) / sd. The
// default 'gamma' fits a Gamma by that same mean and variance and takes z by Wilson-Hilferty: the
// average of bounded squared errors is a skewed, chi-square-like variable, and over 10 seeds x 10k
// stationary Gaussian points the Gaussian tail raised 105 flags, the Gamma tail 2, both catching a
// 10-sigma spike at once and a 3-sigma level shift within 3 points. One-sided, unlike Numenta's: a
// window quieter than usual is not anomalous. Every average is folded into the long-run
// statistics, anomalous or not, as in Numenta's: a fault that keeps recurring becomes the norm
// after a few occurrences. likelihood = max_k; logLikelihood = log(Q + 1e-10) / log(1e-10), which
// is Numenta's log(1.0000000001 - L) / log(1 - 0.9999999999) computed from Q without the cancellation. During learningPeriod and until a window has folded in estimationSamples averages,
// the likelihood is 0.5.
//
// Flags. `anomalous` = likelihood >= threshold. `flagged` (raise an alert) = anomalous, armed and
// outside the refractory period; a flag disarms until the likelihood falls below rearmLikelihood
// (hysteresis) and starts a refractory period of `refractory` points.

import type { AnomalyScorerOptions } from './anomaly-options.ts';
import { parseAnomalyOptions } from './anomaly-options.ts';
import { ANOMALY_ERR, AnomalyError } from './errors.ts';
import { gaussianTail } from './gaussian.ts';

/** Offset of the log-likelihood scale: Numenta's 1.0000000001 - 1. */
export const LOG_LIKELIHOOD_EPSILON = 1e-10;
const LOG_EPSILON = Math.log(LOG_LIKELIHOOD_EPSILON);
/** Ceiling of the running error variance, so that e^2 / s^2 is never Infinity / Infinity. */
const MAX_ERROR_VARIANCE = 1e300;
const STATE_VERSION = 1;

/** The score of one point. The scorer owns this object and overwrites it on the next update. */
export interface AnomalyScore {
  /** Prediction error turned into [0, 1]. */
  readonly raw: number;
  /** Probability that the recent raw scores differ from the long-run ones, in [0, 1]; 0.5 while learning. */
  readonly likelihood: number;
  /** The likelihood on a log scale that spreads values near 1, in [0, 1]: 0.5 <=> 1 - 1e-5. */
  readonly logLikelihood: number;
  /** likelihood >= threshold (use it to skip or down-weight learning this point). */
  readonly anomalous: boolean;
  /** This point raises an alert: anomalous, armed (hysteresis) and outside the refractory period. */
  readonly flagged: boolean;
}

/** A checkpoint of the scorer: plain numbers and Float64Arrays (copies). */
export interface AnomalyScorerState {
  readonly version: number;
  /** F, checked on restore. */
  readonly features: number;
  /** options.windows, checked on restore. [K] */
  readonly windows: Float64Array;
  /** Points scored. */
  readonly count: number;
  /** The ts of the last update, NaN if none was given. */
  readonly lastTs: number;
  /** Running mean squared error per feature. [F] */
  readonly errorVariance: Float64Array;
  /** The last W raw scores since the learning period, circular. [W] */
  readonly ring: Float64Array;
  readonly ringPos: number;
  readonly ringFill: number;
  /** Sum of the last w_k raw scores. [K] */
  readonly windowSum: Float64Array;
  /** Averages folded into the long-run statistics. [K] */
  readonly scoreCount: Float64Array;
  /** Long-run mean of each window's average. [K] */
  readonly scoreMean: Float64Array;
  /** Long-run variance of each window's average. [K] */
  readonly scoreVariance: Float64Array;
  /** 1 while a flag may be raised, 0 after a flag until the likelihood falls below rearmLikelihood. */
  readonly armed: number;
  /** Points left in the refractory period. */
  readonly quiet: number;
}

export interface AnomalyScorer {
  /** The parsed, frozen options. */
  readonly options: Readonly<AnomalyScorerOptions>;
  /** Points scored so far. */
  readonly count: number;
  /**
   * Scores one forecast error (F values, normalised units) and then learns from it. `ts` is
   * recorded for checkpoints only; the scorer counts points, not time. Throws ANOMALY_ERR_INPUT on a
   * wrong length or a non-finite value, before any state changes.
   */
  update(error: Float64Array | readonly number[], ts?: number): AnomalyScore;
  /** A copy of the whole state. */
  snapshot(): AnomalyScorerState;
  /** Replaces the state with `rec` (checked first: ANOMALY_ERR_INPUT, state unchanged on error). */
  restore(rec: AnomalyScorerState): void;
  /** Back to the state of a new scorer. */
  reset(): void;
}

class Score implements AnomalyScore {
  raw = 0;
  likelihood = 0.5;
  logLikelihood = 0;
  anomalous = false;
  flagged = false;
}

class OnlineAnomalyScorer implements AnomalyScorer {
  readonly options: Readonly<AnomalyScorerOptions>;
  count = 0;
  private lastTs = NaN;
  private readonly F: number;
  private readonly K: number;
  private readonly W: number;
  private readonly win: Float64Array; // [K] window lengths
  private readonly errorVariance: Float64Array; // [F]
  private readonly ring: Float64Array; // [W]
  private ringPos = 0;
  private ringFill = 0;
  private readonly windowSum: Float64Array; // [K]
  private readonly scoreCount: Float64Array; // [K]
  private readonly scoreMean: Float64Array; // [K]
  private readonly scoreVariance: Float64Array; // [K]
  private armed = 1;
  private quiet = 0;
  private readonly out = new Score();
  private readonly kernelScale: number; // 1 / (2 c^2)
  private readonly clip2: number; // errorClip^2

  constructor(options: Readonly<AnomalyScorerOptions>) {
    this.options = options;
    this.F = options.features;
    this.K = options.windows.length;
    this.win = Float64Array.from(options.windows);
    this.W = Math.max(...options.windows);
    this.errorVariance = new Float64Array(this.F);
    this.ring = new Float64Array(this.W);
    this.windowSum = new Float64Array(this.K);
    this.scoreCount = new Float64Array(this.K);
    this.scoreMean = new Float64Array(this.K);
    this.scoreVariance = new Float64Array(this.K);
    this.kernelScale = 1 / (2 * options.kernelWidth * options.kernelWidth);
    this.clip2 = options.errorClip * options.errorClip;
    this.reset();
  }

  reset(): void {
    this.count = 0;
    this.lastTs = NaN;
    this.errorVariance.fill(this.options.initialErrorVariance);
    this.ring.fill(0);
    this.ringPos = 0;
    this.ringFill = 0;
    this.windowSum.fill(0);
    this.scoreCount.fill(0);
    this.scoreMean.fill(0);
    this.scoreVariance.fill(0);
    this.armed = 1;
    this.quiet = 0;
    const out = this.out;
    out.raw = 0;
    out.likelihood = 0.5;
    out.logLikelihood = logLikelihoodOf(0.5);
    out.anomalous = false;
    out.flagged = false;
  }

  update(error: Float64Array | readonly number[], ts?: number): AnomalyScore {
    const F = this.F;
    const o = this.options;
    if (error.length !== F) throw new AnomalyError(ANOMALY_ERR.INPUT, `error has ${error.length} values, expected ${F}`, { length: error.length });
    for (let i = 0; i < F; i++) {
      if (!Number.isFinite(error[i])) throw new AnomalyError(ANOMALY_ERR.INPUT, `error[${i}] is not finite`, { index: i, value: error[i] });
    }
    this.count++;
    if (ts !== undefined) this.lastTs = ts;

    // raw score, with the variance of the points before this one; then learn the variance
    const alphaE = Math.max(1 / (this.count + 1), 1 / o.errorWindow); // the prior is one observation
    const ev = this.errorVariance;
    let m = 0;
    for (let i = 0; i < F; i++) {
      const s2 = ev[i];
      const z2 = (error[i] * error[i]) / s2; // may be Infinity for a huge error, never NaN
      if (o.combine === 'max') m = z2 > m ? z2 : m;
      else m += z2;
      const zc = z2 < this.clip2 ? z2 : this.clip2;
      const next = s2 + alphaE * (zc * s2 - s2);
      ev[i] = next < o.minErrorVariance ? o.minErrorVariance : next > MAX_ERROR_VARIANCE ? MAX_ERROR_VARIANCE : next;
    }
    if (o.combine === 'mean') m /= F;
    const raw = -Math.expm1(-m * this.kernelScale); // in [0, 1]
    const out = this.out;
    out.raw = raw;

    let q = 0.5; // smallest upper-tail probability over the windows
    if (this.count > o.learningPeriod) q = this.learnLikelihood(raw);
    out.likelihood = 1 - q;
    out.logLikelihood = logLikelihoodOf(q);

    // flags: hysteresis first, then threshold, arming and refractory period
    const anomalous = out.likelihood >= o.threshold;
    if (this.armed === 0 && out.likelihood < o.rearmLikelihood) this.armed = 1;
    const flagged = anomalous && this.armed === 1 && this.quiet === 0;
    if (flagged) {
      this.armed = 0;
      this.quiet = o.refractory;
    } else if (this.quiet > 0) {
      this.quiet--;
    }
    out.anomalous = anomalous;
    out.flagged = flagged;
    return out;
  }

  /** Pushes `raw` into the windows, returns min_k Q_k (0.5 while estimating), then learns the averages. */
  private learnLikelihood(raw: number): number {
    const { K, W, win, ring, windowSum, scoreCount, scoreMean, scoreVariance } = this;
    const o = this.options;
    for (let k = 0; k < K; k++) {
      const w = win[k];
      const old = this.ringFill >= w ? ring[(this.ringPos - w + W) % W] : 0; // read before the write below
      windowSum[k] += raw - old;
    }
    ring[this.ringPos] = raw;
    this.ringPos = (this.ringPos + 1) % W;
    if (this.ringFill < W) this.ringFill++;
    if (this.ringPos === 0) this.resum(); // once per W points: cancel the running sums' rounding drift

    let q = 2; // no window has reported yet
    for (let k = 0; k < K; k++) {
      const w = win[k];
      if (this.ringFill < w) continue; // a window starts its statistics once full
      let avg = windowSum[k] / w;
      avg = avg < 0 ? 0 : avg > 1 ? 1 : avg;
      const n = scoreCount[k];
      if (n >= o.estimationSamples) {
        const v = scoreVariance[k] < o.minScoreVariance ? o.minScoreVariance : scoreVariance[k];
        const z = o.tail === 'gamma' ? gammaZ(avg, scoreMean[k], v) : (avg - scoreMean[k]) / Math.sqrt(v);
        const qk = gaussianTail(z);
        if (qk < q) q = qk;
      }
      // exponentially weighted mean/variance (West 1979), cumulative while younger than the window
      const alpha = Math.max(1 / (n + 1), 1 / o.historicWindow);
      const d = avg - scoreMean[k];
      scoreMean[k] += alpha * d;
      scoreVariance[k] = (1 - alpha) * (scoreVariance[k] + alpha * d * d);
      scoreCount[k] = n + 1;
    }
    return q > 1 ? 0.5 : q;
  }

  /** Recomputes each window sum from the ring (O(W K), once every W points). */
  private resum(): void {
    const { K, W, win, ring, windowSum } = this;
    for (let k = 0; k < K; k++) {
      const w = Math.min(win[k], this.ringFill);
      let s = 0;
      for (let j = 1; j <= w; j++) s += ring[(this.ringPos - j + W) % W];
      windowSum[k] = s;
    }
  }

  snapshot(): AnomalyScorerState {
    return {
      version: STATE_VERSION,
      features: this.F,
      windows: this.win.slice(),
      count: this.count,
      lastTs: this.lastTs,
      errorVariance: this.errorVariance.slice(),
      ring: this.ring.slice(),
      ringPos: this.ringPos,
      ringFill: this.ringFill,
      windowSum: this.windowSum.slice(),
      scoreCount: this.scoreCount.slice(),
      scoreMean: this.scoreMean.slice(),
      scoreVariance: this.scoreVariance.slice(),
      armed: this.armed,
      quiet: this.quiet,
    };
  }

  restore(rec: AnomalyScorerState): void {
    checkState(rec, this.F, this.win, this.W);
    this.count = rec.count;
    this.lastTs = rec.lastTs;
    this.errorVariance.set(rec.errorVariance);
    this.ring.set(rec.ring);
    this.ringPos = rec.ringPos;
    this.ringFill = rec.ringFill;
    this.windowSum.set(rec.windowSum);
    this.scoreCount.set(rec.scoreCount);
    this.scoreMean.set(rec.scoreMean);
    this.scoreVariance.set(rec.scoreVariance);
    this.armed = rec.armed;
    this.quiet = rec.quiet;
  }
}

/**
 * The standard-normal deviate of x under a Gamma with this mean and variance (shape k = mean^2 / v):
 * Wilson-Hilferty, (x / mean)^(1/3) ~ N(1 - 1/(9k), 1/(9k)). Falls back to the Gaussian deviate when
 * the mean is (numerically) zero and the Gamma is undefined.
 */
function gammaZ(x: number, mean: number, v: number): number {
  // Only the upper tail is anomalous: an average at or below the mean is never surprising. For a
  // small Gamma shape (a near-perfect forecaster: mean and variance both at the floor) the
  // Wilson-Hilferty transform sent an average of 0 to a huge positive deviate, scoring flat streams
  // as certain anomalies; below the mean the Gaussian deviate (<= 0) is used instead.
  if (x <= mean || mean < 1e-12) return (x - mean) / Math.sqrt(v);
  const a = v / (9 * mean * mean); // 1 / (9 k), k = mean^2 / v the Gamma shape
  return (Math.cbrt(x / mean) - (1 - a)) / Math.sqrt(a);
}

function logLikelihoodOf(q: number): number {
  const l = Math.log(q + LOG_LIKELIHOOD_EPSILON) / LOG_EPSILON;
  return l < 0 ? 0 : l > 1 ? 1 : l;
}

function stateError(field: string, why: string, value?: unknown): AnomalyError {
  return new AnomalyError(ANOMALY_ERR.INPUT, `scorer state: ${field} ${why}`, { field, value });
}

function checkArray(rec: AnomalyScorerState, field: keyof AnomalyScorerState, length: number): void {
  const a = rec[field];
  if (!(a instanceof Float64Array) || a.length !== length) throw stateError(field, `must be a Float64Array of ${length}`);
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) throw stateError(field, `has a non-finite value at ${i}`, a[i]);
}

function checkInt(rec: AnomalyScorerState, field: keyof AnomalyScorerState, min: number, max: number): void {
  const v = rec[field];
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw stateError(field, `must be an integer in [${min}, ${max}]`, v);
}

function checkState(rec: AnomalyScorerState, F: number, win: Float64Array, W: number): void {
  if (rec === null || typeof rec !== 'object') throw stateError('record', 'is not an object');
  if (rec.version !== STATE_VERSION) throw stateError('version', `must be ${STATE_VERSION}`, rec.version);
  if (rec.features !== F) throw stateError('features', `must be ${F} (the scorer's options)`, rec.features);
  checkArray(rec, 'windows', win.length);
  for (let k = 0; k < win.length; k++) if (rec.windows[k] !== win[k]) throw stateError('windows', "differ from the scorer's options", rec.windows);
  const K = win.length;
  checkInt(rec, 'count', 0, Number.MAX_SAFE_INTEGER);
  if (typeof rec.lastTs !== 'number') throw stateError('lastTs', 'must be a number (NaN for none)', rec.lastTs);
  checkArray(rec, 'errorVariance', F);
  checkArray(rec, 'ring', W);
  checkInt(rec, 'ringPos', 0, W - 1);
  checkInt(rec, 'ringFill', 0, W);
  checkArray(rec, 'windowSum', K);
  checkArray(rec, 'scoreCount', K);
  checkArray(rec, 'scoreMean', K);
  checkArray(rec, 'scoreVariance', K);
  checkInt(rec, 'armed', 0, 1);
  checkInt(rec, 'quiet', 0, Number.MAX_SAFE_INTEGER);
}

/** A scorer with `opts` merged over the defaults (parseAnomalyOptions: checked, frozen). */
export function createAnomalyScorer(opts: Partial<AnomalyScorerOptions> = {}): AnomalyScorer {
  return new OnlineAnomalyScorer(parseAnomalyOptions(opts));
}
