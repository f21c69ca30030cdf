// Carousel's NAB detector: one or more StreamProcessors (the worker's per-stream learning step)
// run over one series, each forecast error scored online, the members' scores voted into the one
// anomaly score NAB reads. Strictly online: the score of row t is computed from rows 0..t only,
// before row t+1 is seen; nothing is tuned per file. Not here: files, threads, NAB scoring
// (run-corpus.ts) or the LSTM and scorer themselves (@carousel/lstm, @carousel/anomaly).
//
//   M  members (processors)      H  a member's forecast horizon      D  model inputs (1 or 5)
//
// Per row t and member m:
//   1. e_h = (x_t - f_{t-1-h}[h]) / sd_{t-1}: the error of the forecast made h+1 rows ago for this
//      row, in units of the value's running standard deviation (statistics of rows before t);
//   2. each e_h feeds that member's own scorer for horizon h (@carousel/anomaly): raw score,
//      multi-window likelihood, log-likelihood; the member's score is the max over its horizons;
//   3. the processor learns x_t (protected: down-weighted when its own scorer finds x_t anomalous)
//      and forecasts rows t+1..t+H.
// The M member scores are voted (mean, median, min or max); an optional suppression then damps
// the score for a while after it has reached a level (one detection per anomaly is all NAB counts).

import { OnlineNormalizer, createAnomalyScorer, type AnomalyScore, type AnomalyScorer, type AnomalyScorerOptions } from '@carousel/anomaly';
import { readFileSync } from 'node:fs';
import { StreamProcessor } from '../stream-processor.ts';
import { parseStreamConfig, type StreamConfig } from '../stream-config.ts';

/**
 * What the detector writes as NAB's anomaly_score: the scorer's raw score, likelihood L, Numenta's
 * log-likelihood (log(1 - L + 1e-10) / log(1e-10), flat at 1 once 1 - L < 1e-10), or 'tail', the
 * same log scale floored at 1e-16 (-log10(1 - L) / 16), which keeps ranking the deep tail.
 */
export const NAB_OUTPUTS = ['raw', 'likelihood', 'logLikelihood', 'tail'] as const;
export type NabOutput = (typeof NAB_OUTPUTS)[number];
/** How the members' scores combine. */
export const NAB_VOTES = ['mean', 'median', 'min', 'max'] as const;
export type NabVote = (typeof NAB_VOTES)[number];

/** One member: a stream config (as the worker takes it; normalizerWindow may be "Infinity" in JSON). */
export type NabMemberConfig = Omit<Partial<StreamConfig>, 'normalizerWindow'> & { normalizerWindow?: number | 'Infinity' };

export interface NabDetectorConfig {
  /** Detector name in result paths (`<out>/<detector>/<category>/<detector>_<file>.csv`). */
  detector: string;
  /** Members, each a StreamProcessor with this config over the worker's defaults. */
  members: NabMemberConfig[];
  /** Feed time of day and day of week (sin/cos pairs) as four extra model inputs. */
  timeFeatures: boolean;
  /** Options of each member's own scorer of its value errors (one per horizon). */
  scorer: Partial<AnomalyScorerOptions>;
  /** The score written for NAB. */
  output: NabOutput;
  /** How the members' scores combine. */
  vote: NabVote;
  /** After the score reaches `level`, the next `points` rows score `factor` x their score (points 0: off). */
  suppress: { level: number; points: number; factor: number };
  /**
   * Range novelty (Numenta's NAB detector's "spatial anomaly"): a value beyond the running min/max
   * of the rows before it by more than this share of their range scores 1. 0: off.
   */
  spatialTolerance: number;
}

/** The corpus-wide configuration file, loaded by default (tuned once for the whole corpus). */
export const NAB_CONFIG_FILE = new URL('./nab-config.json', import.meta.url);

/** The committed configuration (nab-config.json), parsed. */
export function defaultNabConfig(): NabDetectorConfig {
  return parseNabConfig(JSON.parse(readFileSync(NAB_CONFIG_FILE, 'utf8')) as Partial<NabDetectorConfig>, BASE_CONFIG);
}

/** Fallback when a field is absent from a config: one default worker processor. */
const BASE_CONFIG: NabDetectorConfig = {
  detector: 'carousel',
  members: [{}],
  timeFeatures: false,
  scorer: {},
  output: 'logLikelihood',
  vote: 'mean',
  suppress: { level: 1, points: 0, factor: 0 },
  spatialTolerance: 0,
};

/** Merges `over` onto `base` (scorer and suppress merge field by field), checks it and freezes it. */
export function parseNabConfig(over: Partial<NabDetectorConfig>, base: NabDetectorConfig = defaultNabConfig()): Readonly<NabDetectorConfig> {
  if (over === null || typeof over !== 'object') throw new TypeError('NAB config must be an object');
  const c: NabDetectorConfig = {
    detector: over.detector ?? base.detector,
    members: over.members ?? base.members,
    timeFeatures: over.timeFeatures ?? base.timeFeatures,
    scorer: { ...base.scorer, ...(over.scorer ?? {}) },
    output: over.output ?? base.output,
    vote: over.vote ?? base.vote,
    suppress: { ...base.suppress, ...(over.suppress ?? {}) },
    spatialTolerance: over.spatialTolerance ?? base.spatialTolerance,
  };
  if (!(c.spatialTolerance >= 0)) throw new TypeError(`spatialTolerance must be >= 0, got ${c.spatialTolerance}`);
  if (!/^[A-Za-z0-9_-]+$/.test(c.detector)) throw new TypeError(`detector name must be [A-Za-z0-9_-]+, got '${c.detector}'`);
  if (!Array.isArray(c.members) || c.members.length === 0) throw new TypeError('members must be a non-empty array');
  if (!NAB_OUTPUTS.includes(c.output)) throw new TypeError(`output must be one of ${NAB_OUTPUTS.join(', ')}`);
  if (!NAB_VOTES.includes(c.vote)) throw new TypeError(`vote must be one of ${NAB_VOTES.join(', ')}`);
  const s = c.suppress;
  if (!(Number.isInteger(s.points) && s.points >= 0 && s.factor >= 0 && s.factor <= 1 && s.level >= 0)) throw new TypeError(`suppress is invalid: ${JSON.stringify(s)}`);
  for (const m of c.members) memberConfig(m); // throws WORKER_ERR_CONFIG on a bad member
  createAnomalyScorer(c.scorer); // throws ANOMALY_ERR_INPUT on a bad option
  return Object.freeze(c);
}

function memberConfig(m: NabMemberConfig): Readonly<StreamConfig> {
  const { normalizerWindow, ...rest } = m;
  const over: Partial<StreamConfig> = { ...rest };
  if (normalizerWindow !== undefined) over.normalizerWindow = normalizerWindow === 'Infinity' ? Infinity : normalizerWindow;
  return parseStreamConfig(over);
}

/** Time of day and day of week as two sin/cos pairs; `ts` in microseconds (timestamps.ts). */
export function timeFeatures(ts: number, out: Float64Array, offset: number): void {
  const days = ts / 86_400e6;
  const tod = 2 * Math.PI * (days - Math.floor(days));
  const dow = (2 * Math.PI * (((days + 3) % 7) + 7)) / 7; // 1970-01-01 was a Thursday: Monday = 0
  out[offset] = Math.sin(tod);
  out[offset + 1] = Math.cos(tod);
  out[offset + 2] = Math.sin(dow);
  out[offset + 3] = Math.cos(dow);
}

interface Member {
  readonly processor: StreamProcessor;
  readonly horizon: number;
  /** One scorer per horizon. [H] */
  readonly scorers: AnomalyScorer[];
  /** Running statistics of the value alone (the error's unit). */
  readonly value: OnlineNormalizer;
  /** hist[k][h]: the forecast made k+1 rows ago for h+1 rows ahead, value feature only. [H][H] */
  readonly hist: Float64Array[];
  /** Forecasts available so far (up to H). */
  filled: number;
}

/** One series' detector: push rows in order, read each row's score at once. */
export class NabDetector {
  readonly config: Readonly<NabDetectorConfig>;
  private readonly members: Member[];
  private readonly x: Float64Array; // [D] model input
  private readonly memberScores: Float64Array; // [M]
  private readonly err = new Float64Array(1);
  private quiet = 0;
  private seq = 0;
  private min = Infinity; // running range of the rows before this one
  private max = -Infinity;

  constructor(config: Readonly<NabDetectorConfig> = defaultNabConfig()) {
    this.config = config;
    const D = config.timeFeatures ? 5 : 1;
    this.x = new Float64Array(D);
    this.members = config.members.map((m) => {
      const sc = memberConfig(m);
      const H = sc.horizon;
      return {
        processor: new StreamProcessor(sc, D),
        horizon: H,
        scorers: Array.from({ length: H }, () => createAnomalyScorer({ ...config.scorer, features: 1 })),
        value: new OnlineNormalizer({ features: 1, window: sc.normalizerWindow }),
        hist: Array.from({ length: H }, () => new Float64Array(H)),
        filled: 0,
      };
    });
    this.memberScores = new Float64Array(this.members.length);
  }

  /** Scores the next row (value at time `ts`, microseconds) and then learns it. Returns the score in [0, 1]. */
  push(value: number, ts: number): number {
    const { x, members, memberScores, err, config } = this;
    x[0] = value;
    if (config.timeFeatures) timeFeatures(ts, x, 1);
    for (let m = 0; m < members.length; m++) {
      const mb = members[m];
      const sd = mb.value.scale(0);
      let s = 0;
      for (let h = 0; h < mb.horizon && h < mb.filled; h++) {
        err[0] = (value - mb.hist[h][h]) / sd;
        const r = mb.scorers[h].update(err);
        const v = outputOf(r, config.output);
        if (v > s) s = v;
      }
      memberScores[m] = s;
      const res = mb.processor.process(this.seq, x, ts);
      const last = mb.hist[mb.horizon - 1]; // recycle the oldest row of forecasts
      for (let k = mb.horizon - 1; k > 0; k--) mb.hist[k] = mb.hist[k - 1];
      mb.hist[0] = last;
      for (let h = 0; h < mb.horizon; h++) last[h] = res.forecast[h][0];
      if (mb.filled < mb.horizon) mb.filled++;
      mb.value.update(x.subarray(0, 1));
    }
    this.seq++;
    let score = vote(memberScores, config.vote);
    if (config.spatialTolerance > 0 && this.max > this.min) {
      const tol = config.spatialTolerance * (this.max - this.min);
      if (value > this.max + tol || value < this.min - tol) score = 1;
    }
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
    const sup = config.suppress;
    if (this.quiet > 0) {
      this.quiet--;
      score *= sup.factor;
    } else if (sup.points > 0 && score >= sup.level) {
      this.quiet = sup.points;
    }
    return score < 0 ? 0 : score > 1 ? 1 : score;
  }
}

/** Smallest upper-tail probability 'tail' tells apart: the resolution of 1 - L in doubles. */
const TAIL_FLOOR = 1e-16;

function outputOf(r: AnomalyScore, output: NabOutput): number {
  switch (output) {
    case 'raw':
      return r.raw;
    case 'likelihood':
      return r.likelihood;
    case 'logLikelihood':
      return r.logLikelihood;
    case 'tail':
      return -Math.log10(Math.max(1 - r.likelihood, TAIL_FLOOR)) / 16;
  }
}

function vote(s: Float64Array, how: NabVote): number {
  if (s.length === 1) return s[0];
  if (how === 'mean') return s.reduce((a, b) => a + b, 0) / s.length;
  if (how === 'min') return Math.min(...s);
  if (how === 'max') return Math.max(...s);
  const sorted = Float64Array.from(s).sort();
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Runs a fresh detector over one series: scores[i] is the score of row i. */
export function detectSeries(values: Float64Array, timestamps: Float64Array, config: Readonly<NabDetectorConfig> = defaultNabConfig(), onRow?: (i: number) => void): Float64Array {
  const d = new NabDetector(config);
  const out = new Float64Array(values.length); // [N]
  for (let i = 0; i < values.length; i++) {
    out[i] = d.push(values[i], timestamps[i]);
    if (onRow) onRow(i);
  }
  return out;
}
