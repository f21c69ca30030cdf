// Per-feature running mean and variance of a stream's samples, and the normalisation the worker
// applies before the model sees a sample. Welford's update, with optional exponential forgetting so
// that the scale follows drift. Not a scaler fitted offline, and not an outlier filter.
//
//   F  features per sample
//
// One update rule covers both modes: alpha_n = max(1/n, 1/window); d = x - mean; mean += alpha d;
// var = (1 - alpha)(var + alpha d^2). With alpha = 1/n this is exactly Welford's population
// variance; once n passes `window` it forgets exponentially with time constant `window` samples.

import { ANOMALY_ERR, AnomalyError } from './errors.ts';

/** Forgetting window in samples; Infinity keeps exact cumulative (Welford) statistics. */
export const DEFAULT_NORMALIZER_WINDOW = Infinity;
/** Samples before scaling starts; until then normalize() only centres (divides by 1). */
export const DEFAULT_NORMALIZER_WARMUP = 10;
/** Floor of the variance used for scaling, in the feature's units squared. */
export const DEFAULT_NORMALIZER_MIN_VARIANCE = 1e-12;
/** Bound on |normalised value|; Infinity disables. */
export const DEFAULT_NORMALIZER_CLIP = Infinity;

export interface OnlineNormalizerOptions {
  /** Features per sample (F). Required. */
  features: number;
  /** Forgetting window in samples (an integer >= 1), or Infinity for plain Welford. Default Infinity. */
  window: number;
  /** Samples seen before normalize() scales by the standard deviation. Default 10. */
  warmup: number;
  /** Variance floor for scaling (a constant feature then maps to 0, not NaN). Default 1e-12. */
  minVariance: number;
  /** normalize() clips its output to [-clip, clip] (denormalize() cannot undo a clip). Default Infinity. */
  clip: number;
}

/** A checkpoint of the normaliser: plain numbers and Float64Array copies. */
export interface OnlineNormalizerState {
  readonly version: number;
  readonly features: number;
  /** Samples folded in. */
  readonly count: number;
  /** [F] */
  readonly mean: Float64Array;
  /** [F] population variance (exponentially weighted once count > window) */
  readonly variance: Float64Array;
}

const STATE_VERSION = 1;

function bad(name: string, value: unknown, why: string): AnomalyError {
  return new AnomalyError(ANOMALY_ERR.INPUT, `option ${name} ${why}`, { option: name, value });
}

/** Merges `opts` over the defaults, checks (ANOMALY_ERR_INPUT) and freezes. */
export function parseNormalizerOptions(opts: Partial<OnlineNormalizerOptions> & { features: number }): Readonly<OnlineNormalizerOptions> {
  const o: OnlineNormalizerOptions = {
    window: DEFAULT_NORMALIZER_WINDOW,
    warmup: DEFAULT_NORMALIZER_WARMUP,
    minVariance: DEFAULT_NORMALIZER_MIN_VARIANCE,
    clip: DEFAULT_NORMALIZER_CLIP,
    ...opts,
  };
  for (const key of Object.keys(o)) if (!['features', 'window', 'warmup', 'minVariance', 'clip'].includes(key)) throw bad(key, (o as unknown as Record<string, unknown>)[key], 'is not a normaliser option');
  if (!Number.isInteger(o.features) || o.features < 1) throw bad('features', o.features, 'must be an integer >= 1');
  if (o.window !== Infinity && !(Number.isInteger(o.window) && o.window >= 1)) throw bad('window', o.window, 'must be an integer >= 1 or Infinity');
  if (!Number.isInteger(o.warmup) || o.warmup < 0) throw bad('warmup', o.warmup, 'must be an integer >= 0');
  if (typeof o.minVariance !== 'number' || !(o.minVariance > 0) || !Number.isFinite(o.minVariance)) throw bad('minVariance', o.minVariance, 'must be a positive finite number');
  if (typeof o.clip !== 'number' || !(o.clip > 0)) throw bad('clip', o.clip, 'must be a positive number or Infinity');
  return Object.freeze(o);
}

type Vec = Float64Array | readonly number[];

/** Running per-feature mean/variance. Methods allocate nothing; `out` buffers are the caller's. */
export class OnlineNormalizer {
  readonly options: Readonly<OnlineNormalizerOptions>;
  /** Samples folded in. */
  count = 0;
  /** [F] running mean (read-only to callers). */
  readonly mean: Float64Array;
  /** [F] running population variance (read-only to callers). */
  readonly variance: Float64Array;
  private readonly F: number;

  constructor(opts: Partial<OnlineNormalizerOptions> & { features: number }) {
    this.options = parseNormalizerOptions(opts);
    this.F = this.options.features;
    this.mean = new Float64Array(this.F);
    this.variance = new Float64Array(this.F);
  }

  /** The scale normalize() divides by for feature i: 1 during warm-up, else sqrt(max(var, minVariance)). */
  scale(i: number): number {
    if (this.count < this.options.warmup) return 1;
    const v = this.variance[i];
    return Math.sqrt(v > this.options.minVariance ? v : this.options.minVariance);
  }

  /**
   * out[i] = (x[i] - mean[i]) / scale(i), clipped; with the statistics of the samples before x,
   * so call it before update(x). Throws ANOMALY_ERR_INPUT on a wrong length or non-finite value.
   */
  normalize(x: Vec, out: Float64Array): Float64Array {
    this.check(x, 'x');
    this.checkOut(out);
    const clip = this.options.clip;
    for (let i = 0; i < this.F; i++) {
      const z = (x[i] - this.mean[i]) / this.scale(i);
      out[i] = z > clip ? clip : z < -clip ? -clip : z;
    }
    return out;
  }

  /** out[i] = z[i] * scale(i) + mean[i]: a normalised forecast back in the feature's units. */
  denormalize(z: Vec, out: Float64Array): Float64Array {
    this.check(z, 'z');
    this.checkOut(out);
    for (let i = 0; i < this.F; i++) out[i] = z[i] * this.scale(i) + this.mean[i];
    return out;
  }

  /** Folds x into the statistics. Checks every value before changing any. */
  update(x: Vec): void {
    this.check(x, 'x');
    const n = this.count + 1;
    const alpha = Math.max(1 / n, 1 / this.options.window);
    for (let i = 0; i < this.F; i++) {
      const d = x[i] - this.mean[i];
      this.mean[i] += alpha * d;
      this.variance[i] = (1 - alpha) * (this.variance[i] + alpha * d * d);
    }
    this.count = n;
  }

  /** Forgets everything. */
  reset(): void {
    this.count = 0;
    this.mean.fill(0);
    this.variance.fill(0);
  }

  snapshot(): OnlineNormalizerState {
    return { version: STATE_VERSION, features: this.F, count: this.count, mean: this.mean.slice(), variance: this.variance.slice() };
  }

  /** Replaces the state with `rec`, checked first (ANOMALY_ERR_INPUT, state unchanged on error). */
  restore(rec: OnlineNormalizerState): void {
    const fail = (field: string, why: string, value?: unknown): AnomalyError =>
      new AnomalyError(ANOMALY_ERR.INPUT, `normaliser state: ${field} ${why}`, { field, value });
    if (rec === null || typeof rec !== 'object') throw fail('record', 'is not an object');
    if (rec.version !== STATE_VERSION) throw fail('version', `must be ${STATE_VERSION}`, rec.version);
    if (rec.features !== this.F) throw fail('features', `must be ${this.F}`, rec.features);
    if (!Number.isSafeInteger(rec.count) || rec.count < 0) throw fail('count', 'must be an integer >= 0', rec.count);
    for (const field of ['mean', 'variance'] as const) {
      const a = rec[field];
      if (!(a instanceof Float64Array) || a.length !== this.F) throw fail(field, `must be a Float64Array of ${this.F}`);
      for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i]) || (field === 'variance' && a[i] < 0)) throw fail(field, `has a bad value at ${i}`, a[i]);
    }
    this.count = rec.count;
    this.mean.set(rec.mean);
    this.variance.set(rec.variance);
  }

  private check(x: Vec, name: string): void {
    if (x.length !== this.F) throw new AnomalyError(ANOMALY_ERR.INPUT, `${name} has ${x.length} values, expected ${this.F}`, { length: x.length });
    for (let i = 0; i < this.F; i++) if (!Number.isFinite(x[i])) throw new AnomalyError(ANOMALY_ERR.INPUT, `${name}[${i}] is not finite`, { index: i, value: x[i] });
  }

  private checkOut(out: Float64Array): void {
    if (out.length !== this.F) throw new AnomalyError(ANOMALY_ERR.INPUT, `out has ${out.length} values, expected ${this.F}`, { length: out.length });
  }
}
