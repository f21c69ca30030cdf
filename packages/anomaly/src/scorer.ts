// NAB v1.1 corpus scoring: per profile, optimise one threshold over the whole corpus (sweeper.ts),
// score every file at that threshold (nab/scorer.py scoreDataSet), total, and normalise against
// the null and perfect detectors (nab/runner.py normalize). It reads no files; reader.ts does.

import { ANOMALY_ERR, AnomalyError } from './errors.ts';
import type { CostMatrix, Profiles } from './profiles.ts';
import { DEFAULT_PROBATIONARY_PERCENT } from './sigmoid.ts';
import { MAX_TP, bestThreshold, collectPoints, sweepThresholds } from './sweeper.ts';
import type { FileRows } from './sweeper.ts';
import { ROW_PROBATIONARY, matchWindows } from './windows.ts';
import type { CorpusWindows } from './windows.ts';

/** One detector's output for one file. */
export interface DetectorResults {
  /** [N] row timestamps in microseconds (timestamps.ts), in file order. */
  readonly timestamps: Float64Array;
  /** [N] anomaly score per row. */
  readonly scores: Float64Array;
}

export interface ScoreOptions {
  /** Share of each file's first rows never scored, capped at 5000 * it rows. Default 0.15. */
  readonly probationaryPercent?: number;
}

/** Counts of scorable rows (probationary rows excluded), as NAB reports them. */
export interface RowCounts {
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
}

/** One file scored at one threshold under one profile. */
export interface FileScore extends RowCounts {
  /** Path relative to the data folder, e.g. 'realTraffic/speed_t4013.csv'. */
  readonly file: string;
  /** Raw NAB score of the file. */
  readonly rawScore: number;
  /** Scorable rows: tp + tn + fp + fn. */
  readonly total: number;
}

/** One profile over the corpus. */
export interface ProfileScore extends RowCounts {
  /** The corpus-optimal threshold: rows with score >= threshold are detections. */
  readonly threshold: number;
  /** Sum of the per-file raw scores at `threshold` (NAB's 'Totals' row). */
  readonly rawScore: number;
  /** Raw score of the null detector (never detects): -fnWeight per scorable window. */
  readonly nullScore: number;
  /** Raw score of the perfect detector (detects each window at its first row): tpWeight per window. */
  readonly perfectScore: number;
  /** 100 * (rawScore - nullScore) / (perfectScore - nullScore). */
  readonly normalizedScore: number;
  /** Per-file results at `threshold`, in the order of the input map. */
  readonly files: readonly FileScore[];
}

export interface CorpusScore {
  /** Profile name -> its result, in the order of `profiles`. */
  readonly profiles: Readonly<Record<string, ProfileScore>>;
}

/**
 * Scores one detector over a corpus under every profile. `resultsByFile` keys are data-relative
 * paths ('<category>/<file>.csv'); every key must have an entry in `windows` (possibly empty).
 */
export function scoreCorpus(
  resultsByFile: ReadonlyMap<string, DetectorResults>,
  windows: CorpusWindows,
  profiles: Profiles,
  options: ScoreOptions = {},
): CorpusScore {
  const percent = options.probationaryPercent ?? DEFAULT_PROBATIONARY_PERCENT;
  if (!(percent >= 0 && percent <= 1)) {
    throw new AnomalyError(ANOMALY_ERR.INPUT, `probationaryPercent must be in [0, 1], got ${percent}`, { percent });
  }
  const names: string[] = [];
  const files: FileRows[] = [];
  let windowTotal = 0;
  for (const [file, results] of resultsByFile) {
    const limits = windows.get(file);
    if (limits === undefined) throw new AnomalyError(ANOMALY_ERR.INPUT, `no windows (labels) for ${file}`, file);
    if (results.timestamps.length !== results.scores.length) {
      throw new AnomalyError(ANOMALY_ERR.INPUT, `${file}: ${results.timestamps.length} timestamps but ${results.scores.length} scores`, file);
    }
    names.push(file);
    files.push({ scores: results.scores, rows: matchWindows(results.timestamps, limits, percent, file) });
    windowTotal += limits.length;
  }

  const points = collectPoints(files);
  const out: Record<string, ProfileScore> = {};
  for (const [profile, cost] of Object.entries(profiles)) {
    const { threshold } = bestThreshold(sweepThresholds(points, cost));
    const perFile = files.map((f, i) => scoreFile(names[i], f, cost, threshold));
    const nullScore = files.reduce((s, f, i) => s + scoreFile(names[i], f, cost, Infinity).rawScore, 0);
    const perfectScore = windowTotal * cost.tpWeight;
    const rawScore = perFile.reduce((s, f) => s + f.rawScore, 0);
    out[profile] = {
      threshold,
      rawScore,
      nullScore,
      perfectScore,
      normalizedScore: (100 * (rawScore - nullScore)) / (perfectScore - nullScore),
      tp: perFile.reduce((s, f) => s + f.tp, 0),
      tn: perFile.reduce((s, f) => s + f.tn, 0),
      fp: perFile.reduce((s, f) => s + f.fp, 0),
      fn: perFile.reduce((s, f) => s + f.fn, 0),
      files: perFile,
    };
  }
  return { profiles: out };
}

/**
 * Scores one file at a fixed threshold, as NAB's Sweeper.scoreDataSet does: each window scores
 * its earliest detection (or -fnWeight if none), each detection outside windows adds its weighted
 * false-positive value. Detections are rows with score >= threshold. (NAB returns no row, and then
 * fails, when the threshold is below every score of the file; here every row is then a detection.)
 */
export function scoreFile(file: string, f: FileRows, cost: CostMatrix, threshold: number): FileScore {
  const { scores, rows } = f;
  let windowCount = 0;
  for (let i = 0; i < scores.length; i++) if (rows.window[i] + 1 > windowCount) windowCount = rows.window[i] + 1;
  const parts = new Float64Array(windowCount).fill(Number.NaN); // [windows] NaN: no scorable row
  let fpSum = 0;
  let tp = 0;
  let tn = 0;
  let fp = 0;
  let fn = 0;
  for (let i = 0; i < scores.length; i++) {
    const w = rows.window[i];
    if (w === ROW_PROBATIONARY) continue;
    const detected = scores[i] >= threshold;
    if (w >= 0) {
      if (Number.isNaN(parts[w])) parts[w] = -cost.fnWeight;
      if (detected) {
        tp++;
        const v = (rows.unweighted[i] * cost.tpWeight) / MAX_TP;
        if (v > parts[w]) parts[w] = v;
      } else {
        fn++;
      }
    } else if (detected) {
      fp++;
      fpSum += rows.unweighted[i] * cost.fpWeight;
    } else {
      tn++;
    }
  }
  let rawScore = fpSum;
  for (let w = 0; w < windowCount; w++) if (!Number.isNaN(parts[w])) rawScore += parts[w];
  return { file, rawScore, tp, tn, fp, fn, total: tp + tn + fp + fn };
}
