// Writes a detector's output for one data file in NAB's result format, so NAB (or scorer.ts) can
// score it: `timestamp,value,anomaly_score,label`, at `<dir>/<detector>/<category>/<detector>_<file>.csv`.

import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ANOMALY_ERR, AnomalyError } from './errors.ts';
import { formatNabTimestamp } from './timestamps.ts';

/** One file's rows to write. All arrays have the same length N. */
export interface NabResultRows {
  /** [N] microseconds since the epoch (timestamps.ts). */
  readonly timestamps: Float64Array;
  /** [N] the metric's value. */
  readonly values: Float64Array;
  /** [N] the detector's anomaly score, in [0, 1]. */
  readonly scores: Float64Array;
  /** [N] ground-truth label, 1 inside a window (windows.ts windowLabels), else 0. */
  readonly labels: Uint8Array;
}

/** The CSV text of a result file. Numbers are written in shortest round-trip form. */
export function formatNabResults(rows: NabResultRows): string {
  const n = rows.timestamps.length;
  if (rows.values.length !== n || rows.scores.length !== n || rows.labels.length !== n) {
    throw new AnomalyError(ANOMALY_ERR.INPUT, 'timestamps, values, scores and labels differ in length', {
      n, values: rows.values.length, scores: rows.scores.length, labels: rows.labels.length,
    });
  }
  const lines = ['timestamp,value,anomaly_score,label'];
  for (let i = 0; i < n; i++) {
    lines.push(`${formatNabTimestamp(rows.timestamps[i])},${rows.values[i]},${rows.scores[i]},${rows.labels[i]}`);
  }
  return lines.join('\n') + '\n';
}

/** NAB's path for a result file: `<resultsDir>/<detector>/<category>/<detector>_<file>.csv`. */
export function resultFilePath(resultsDir: string, detector: string, dataPath: string): string {
  const [category, file, ...rest] = dataPath.split('/');
  if (!category || !file || rest.length > 0) {
    throw new AnomalyError(ANOMALY_ERR.INPUT, `data path must be '<category>/<file>.csv', got '${dataPath}'`, dataPath);
  }
  return path.join(resultsDir, detector, category, `${detector}_${file}`);
}

/** Writes one result file (creating folders) and returns its path. */
export async function writeNabResults(resultsDir: string, detector: string, dataPath: string, rows: NabResultRows): Promise<string> {
  const file = resultFilePath(resultsDir, detector, dataPath);
  const text = formatNabResults(rows);
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, text, 'utf8');
  } catch (err) {
    throw new AnomalyError(ANOMALY_ERR.IO, `cannot write ${file}`, file, { cause: err });
  }
  return file;
}
