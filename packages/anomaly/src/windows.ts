// Anomaly windows (combined_windows.json) and their matching to the rows of one file, by row
// position, exactly as NAB's Sweeper.calcSweepScore walks the rows. It does not sort anything:
// timestamps are compared for equality in row order, so duplicate timestamps and a timestamp
// that goes backwards behave as they do in NAB. Weighting by a profile happens in sweeper.ts.
//
// Dimension letters: N rows of one file.

import { ANOMALY_ERR, AnomalyError } from './errors.ts';
import { DEFAULT_PROBATIONARY_PERCENT, probationaryLength, scaledSigmoid } from './sigmoid.ts';
import { parseNabTimestamp } from './timestamps.ts';

/** A window's first and last timestamp, in microseconds since the epoch (timestamps.ts). */
export type WindowLimits = readonly [start: number, end: number];

/** File path relative to the data folder ('realTraffic/speed_t4013.csv') -> its windows, in file order. */
export type CorpusWindows = ReadonlyMap<string, readonly WindowLimits[]>;

/** Row is in the probationary period: never scored. */
export const ROW_PROBATIONARY = -2;
/** Row is scorable and outside every window. */
export const ROW_OUTSIDE = -1;

/** Each row of one file, placed relative to the windows. */
export interface WindowRows {
  /**
   * [N] index into the file's window list of the window the row is in, or ROW_OUTSIDE, or
   * ROW_PROBATIONARY (which wins over a window, as in NAB).
   */
  readonly window: Int32Array;
  /**
   * [N] unweighted scaled-sigmoid value of a detection at this row: inside a window the
   * true-positive value (highest at the window's left edge), outside the false-positive value
   * relative to the preceding window (-1 before any window).
   */
  readonly unweighted: Float64Array;
}

/** Parses combined_windows.json content: `{ "<category>/<file>.csv": [[start, end], ...] }`. */
export function parseWindows(json: unknown, source = 'combined_windows.json'): Map<string, WindowLimits[]> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}: not an object`, source);
  }
  const out = new Map<string, WindowLimits[]>();
  for (const [file, list] of Object.entries(json as Record<string, unknown>)) {
    if (!Array.isArray(list)) throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}: '${file}' is not a list`, file);
    out.set(
      file,
      list.map((w: unknown) => {
        if (!Array.isArray(w) || w.length !== 2 || typeof w[0] !== 'string' || typeof w[1] !== 'string') {
          throw new AnomalyError(ANOMALY_ERR.PARSE, `${source}: '${file}' has a window that is not [start, end]`, { file, w });
        }
        return [parseNabTimestamp(w[0]), parseNabTimestamp(w[1])] as const;
      }),
    );
  }
  return out;
}

/**
 * Places every row relative to the windows, as NAB's calcSweepScore does:
 * - a window is entered at the first row (after the previous window was entered) whose timestamp
 *   equals its start; only the next window in list order is looked for;
 * - its right index is the FIRST row whose timestamp equals its end, its width is that index minus
 *   the first row with its start timestamp, plus one;
 * - a row in a window at index i gets scaledSigmoid(-(right - i + 1) / width);
 * - the window is left after the row whose timestamp equals its end;
 * - a row outside gets -1 before any window, else scaledSigmoid(|prevRight - i| / (prevWidth - 1)).
 * Throws ANOMALY_ERR_WINDOW where NAB would crash (end timestamp not in the file; a one-row window
 * followed by more rows divides by zero).
 */
export function matchWindows(
  timestamps: Float64Array, // [N] microseconds, in file order
  windows: readonly WindowLimits[],
  probationaryPercent = DEFAULT_PROBATIONARY_PERCENT,
  source = 'file',
): WindowRows {
  const n = timestamps.length;
  const window = new Int32Array(n); // [N]
  const unweighted = new Float64Array(n); // [N]
  const probation = probationaryLength(n, probationaryPercent);

  let next = 0; // index of the next window to look for
  let cur = -1; // window the walk is in, or -1
  let curRight = 0;
  let curWidth = 0;
  let prevRight = -1; // right index of the last window left, or -1
  let prevWidth = 0;

  for (let i = 0; i < n; i++) {
    const t = timestamps[i];
    if (next < windows.length && t === windows[next][0]) {
      cur = next++;
      curRight = firstRowOf(timestamps, windows[cur][1], source, 'end');
      curWidth = curRight - firstRowOf(timestamps, windows[cur][0], source, 'start') + 1;
    }

    if (cur >= 0) {
      unweighted[i] = scaledSigmoid(-(curRight - i + 1) / curWidth);
    } else if (prevRight < 0) {
      unweighted[i] = -1.0;
    } else {
      if (prevWidth - 1 === 0) {
        throw new AnomalyError(ANOMALY_ERR.WINDOW, `${source}: a one-row window is followed by rows (NAB divides by zero)`, { source, row: i });
      }
      unweighted[i] = scaledSigmoid(Math.abs(prevRight - i) / (prevWidth - 1));
    }

    window[i] = i < probation ? ROW_PROBATIONARY : cur >= 0 ? cur : ROW_OUTSIDE;

    if (cur >= 0 && t === windows[cur][1]) {
      prevRight = i;
      prevWidth = curWidth;
      cur = -1;
    }
  }
  return { window, unweighted };
}

/**
 * NAB's ground-truth label per row (labeler.py getLabels): 1 when start <= timestamp <= end for
 * some window, by value rather than by row walk. Used for the `label` column of result files.
 */
export function windowLabels(timestamps: Float64Array, windows: readonly WindowLimits[]): Uint8Array {
  const labels = new Uint8Array(timestamps.length); // [N]
  for (const [start, end] of windows) {
    for (let i = 0; i < timestamps.length; i++) {
      if (timestamps[i] >= start && timestamps[i] <= end) labels[i] = 1;
    }
  }
  return labels;
}

function firstRowOf(timestamps: Float64Array, t: number, source: string, which: string): number {
  const i = timestamps.indexOf(t);
  if (i < 0) throw new AnomalyError(ANOMALY_ERR.WINDOW, `${source}: window ${which} timestamp is not a row of the file`, { source, t });
  return i;
}
