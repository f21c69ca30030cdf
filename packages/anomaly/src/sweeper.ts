// NAB's threshold sweep (nab/sweeper.py calcScoreByThreshold + nab/optimizer.py): pool the
// scorable rows of every file, sort by anomaly score, lower the threshold one distinct score at a
// time and record the corpus score at each. The best threshold is the first maximum, i.e. the
// highest threshold among equal scores. Scoring one file at a fixed threshold lives in scorer.ts.
//
// Dimension letters: P scorable (non-probationary) rows of the whole corpus, W windows with at
// least one scorable row, T distinct thresholds (distinct scores + 1).

import type { CostMatrix } from './profiles.ts';
import { scaledSigmoid } from './sigmoid.ts';
import { ROW_PROBATIONARY } from './windows.ts';
import type { WindowRows } from './windows.ts';

/** NAB starts the sweep above every score: nothing detected, every window a false negative. */
export const SWEEP_START_THRESHOLD = 1.1;

/** The highest true-positive value, scaledSigmoid(-1); NAB divides TP values by it. */
export const MAX_TP = scaledSigmoid(-1.0);

/** One file's anomaly scores with its rows matched to windows. */
export interface FileRows {
  /** [N] the detector's anomaly score per row. */
  readonly scores: Float64Array;
  /** Rows placed relative to windows (windows.ts matchWindows). */
  readonly rows: WindowRows;
}

/** Scorable rows of a corpus, profile-independent, ready to sweep under any cost matrix. */
export interface SweepPoints {
  /** [P] anomaly score. */
  readonly score: Float64Array;
  /** [P] unweighted scaled-sigmoid value (windows.ts). */
  readonly unweighted: Float64Array;
  /** [P] corpus window id in 0..W-1 (numbered by first appearance in `order`), or -1 outside. */
  readonly window: Int32Array;
  /** [P] point indices by descending score (stable). */
  readonly order: Uint32Array;
  /** W: windows with at least one scorable row. */
  readonly windowCount: number;
}

/** The corpus score at every threshold of a sweep, highest threshold first. */
export interface ThresholdTable {
  /** [T] threshold: rows with score >= threshold are detections (first entry 1.1: none). */
  readonly threshold: Float64Array;
  /** [T] raw NAB score at that threshold. */
  readonly score: Float64Array;
  /** [T] counts of scorable rows at that threshold. */
  readonly tp: Int32Array;
  readonly tn: Int32Array;
  readonly fp: Int32Array;
  readonly fn: Int32Array;
}

/** The best row of a ThresholdTable. */
export interface ThresholdScore {
  readonly threshold: number;
  readonly score: number;
  readonly tp: number;
  readonly tn: number;
  readonly fp: number;
  readonly fn: number;
}

/** Pools the scorable rows of `files` (probationary rows dropped) and sorts them by score. */
export function collectPoints(files: readonly FileRows[]): SweepPoints {
  let p = 0;
  for (const f of files) for (let i = 0; i < f.scores.length; i++) if (f.rows.window[i] !== ROW_PROBATIONARY) p++;

  const score = new Float64Array(p); // [P]
  const unweighted = new Float64Array(p); // [P]
  const local = new Int32Array(p); // [P] file-local window + offset, or -1
  let k = 0;
  let offset = 0; // window ids of earlier files
  for (const f of files) {
    let fileWindows = 0;
    for (let i = 0; i < f.scores.length; i++) {
      const w = f.rows.window[i];
      if (w === ROW_PROBATIONARY) continue;
      score[k] = f.scores[i];
      unweighted[k] = f.rows.unweighted[i];
      local[k] = w >= 0 ? offset + w : -1;
      if (w + 1 > fileWindows) fileWindows = w + 1;
      k++;
    }
    offset += fileWindows;
  }

  const order = new Uint32Array(p); // [P]
  for (let i = 0; i < p; i++) order[i] = i;
  order.sort((a, b) => score[b] - score[a] || a - b);

  // Renumber windows by first appearance in sorted order: that is the order in which NAB's
  // scoreParts dict gets its keys, so the per-threshold sum adds the same terms in the same order.
  const renumber = new Int32Array(offset).fill(-1); // [windows of all files]
  let windowCount = 0;
  for (let j = 0; j < p; j++) {
    const w = local[order[j]];
    if (w >= 0 && renumber[w] < 0) renumber[w] = windowCount++;
  }
  const window = new Int32Array(p); // [P]
  for (let i = 0; i < p; i++) window[i] = local[i] >= 0 ? renumber[local[i]] : -1;

  return { score, unweighted, window, order, windowCount };
}

/** NAB's calcScoreByThreshold over pooled points: the corpus score at every distinct threshold. */
export function sweepThresholds(points: SweepPoints, cost: CostMatrix): ThresholdTable {
  const { score, unweighted, window, order, windowCount } = points;
  const p = score.length;
  let distinct = 0;
  for (let j = 0; j < p; j++) if (j === 0 || score[order[j]] !== score[order[j - 1]]) distinct++;
  if (p > 0 && score[order[0]] === SWEEP_START_THRESHOLD) distinct--;
  const t = distinct + 1;
  const table: ThresholdTable = {
    threshold: new Float64Array(t), // [T]
    score: new Float64Array(t), // [T]
    tp: new Int32Array(t), // [T]
    tn: new Int32Array(t), // [T]
    fp: new Int32Array(t), // [T]
    fn: new Int32Array(t), // [T]
  };

  const parts = new Float64Array(windowCount).fill(-cost.fnWeight); // [W] best value per window
  let fpSum = 0;
  let tn = 0;
  for (let i = 0; i < p; i++) if (window[i] < 0) tn++;
  let fn = p - tn;
  let tp = 0;
  let fp = 0;
  let row = 0;
  let cur = SWEEP_START_THRESHOLD;

  const record = (): void => {
    let total = fpSum; // NAB: sum(scoreParts.values()), 'fp' first, then windows in key order
    for (let w = 0; w < windowCount; w++) total += parts[w];
    table.threshold[row] = cur;
    table.score[row] = total;
    table.tp[row] = tp;
    table.tn[row] = tn;
    table.fp[row] = fp;
    table.fn[row] = fn;
    row++;
  };

  for (let j = 0; j < p; j++) {
    const k = order[j];
    if (score[k] !== cur) {
      record();
      cur = score[k];
    }
    const w = window[k];
    if (w >= 0) {
      tp++;
      fn--;
      const v = (unweighted[k] * cost.tpWeight) / MAX_TP;
      if (v > parts[w]) parts[w] = v;
    } else {
      fp++;
      tn--;
      fpSum += unweighted[k] * cost.fpWeight;
    }
  }
  record();
  return table;
}

/** The first row with the highest score (NAB sorts by score, stable, and takes the first). */
export function bestThreshold(table: ThresholdTable): ThresholdScore {
  let best = 0;
  for (let r = 1; r < table.score.length; r++) if (table.score[r] > table.score[best]) best = r;
  return {
    threshold: table.threshold[best],
    score: table.score[best],
    tp: table.tp[best],
    tn: table.tn[best],
    fp: table.fp[best],
    fn: table.fn[best],
  };
}
