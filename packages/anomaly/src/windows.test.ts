import { describe, expect, it } from 'vitest';
import { ANOMALY_ERR } from './errors.ts';
import { scaledSigmoid } from './sigmoid.ts';
import { parseNabTimestamp } from './timestamps.ts';
import { ROW_OUTSIDE, ROW_PROBATIONARY, matchWindows, parseWindows, windowLabels } from './windows.ts';

const ts = (...t: number[]): Float64Array => Float64Array.from(t);
const range = (n: number): Float64Array => Float64Array.from({ length: n }, (_, i) => i);

describe('matchWindows', () => {
  it('places rows of a plain file in, before and after a window', () => {
    const { window, unweighted } = matchWindows(range(20), [[5, 9]], 0);
    expect(Array.from(window.slice(3, 12))).toEqual([-1, -1, 0, 0, 0, 0, 0, -1, -1]);
    expect(unweighted[4]).toBe(-1); // before any window
    expect(unweighted[5]).toBe(scaledSigmoid(-1)); // left edge: -(9-5+1)/5
    expect(unweighted[9]).toBe(scaledSigmoid(-0.2)); // right edge: -(9-9+1)/5
    expect(unweighted[10]).toBe(scaledSigmoid(0.25)); // |9-10| / (5-1)
    expect(unweighted[19]).toBe(scaledSigmoid(2.5));
  });

  it('leaves a window at the first row with its end timestamp when that timestamp is duplicated', () => {
    //              row: 0  1  2  3  4  5  6  7  8
    const t = ts(0, 1, 2, 2, 3, 4, 5, 5, 6);
    const { window, unweighted } = matchWindows(t, [[2, 5]], 0);
    expect(Array.from(window)).toEqual([-1, -1, 0, 0, 0, 0, 0, ROW_OUTSIDE, -1]);
    // right index = first row with t=5 (6), width = 6 - 2 + 1 = 5
    expect(unweighted[2]).toBe(scaledSigmoid(-1));
    expect(unweighted[3]).toBe(scaledSigmoid(-4 / 5)); // second t=2 row scores by its own position
    expect(unweighted[7]).toBe(scaledSigmoid(1 / 4)); // the second t=5 row is a false-positive row
  });

  it('enters a window only once although its start timestamp repeats', () => {
    const { window } = matchWindows(ts(0, 1, 1, 2, 3, 1, 4), [[1, 2], [4, 4]], 0);
    expect(Array.from(window)).toEqual([-1, 0, 0, 0, -1, -1, 1]);
  });

  it('matches by row position when a timestamp goes backwards', () => {
    // row 4 (t=5) lies between the window's start and end rows: NAB counts it in the window,
    // although by value it is before the window.
    const t = ts(0, 10, 20, 30, 5, 40, 50);
    const { window, unweighted } = matchWindows(t, [[20, 40]], 0);
    expect(Array.from(window)).toEqual([-1, -1, 0, 0, 0, 0, -1]);
    expect(unweighted[4]).toBe(scaledSigmoid(-2 / 4));
    expect(Array.from(windowLabels(t, [[20, 40]]))).toEqual([0, 0, 1, 1, 0, 1, 0]);
  });

  it('marks the first 15% of rows probationary, even inside a window', () => {
    const { window } = matchWindows(range(20), [[2, 5]], 0.15);
    expect(Array.from(window.slice(0, 6))).toEqual([ROW_PROBATIONARY, ROW_PROBATIONARY, ROW_PROBATIONARY, 0, 0, 0]);
  });

  it('never enters a later window while an earlier one in the list was not found', () => {
    const { window } = matchWindows(range(10), [[42, 43], [2, 3]], 0);
    expect(Array.from(window).every((w) => w === ROW_OUTSIDE)).toBe(true);
  });

  it('refuses what NAB cannot score: a missing end timestamp, a one-row window followed by rows', () => {
    expect(() => matchWindows(range(10), [[2, 42]], 0)).toThrow(ANOMALY_ERR.WINDOW);
    expect(() => matchWindows(range(10), [[2, 2]], 0)).toThrow(ANOMALY_ERR.WINDOW);
    expect(matchWindows(range(3), [[2, 2]], 0).window[2]).toBe(0);
  });
});

describe('parseWindows', () => {
  it('reads label timestamps with microseconds as the same instants as data timestamps', () => {
    const w = parseWindows({
      'realTraffic/speed_t4013.csv': [['2015-09-17 00:00:00.000000', '2015-09-17 17:45:00.000000']],
      'artificialNoAnomaly/art_flatline.csv': [],
    });
    expect(w.get('realTraffic/speed_t4013.csv')).toEqual([
      [parseNabTimestamp('2015-09-17 00:00:00'), parseNabTimestamp('2015-09-17 17:45:00')],
    ]);
    expect(w.get('artificialNoAnomaly/art_flatline.csv')).toEqual([]);
  });

  it('rejects a window that is not a [start, end] pair of strings', () => {
    expect(() => parseWindows({ 'a/b.csv': [['2015-09-17 00:00:00']] })).toThrow(ANOMALY_ERR.PARSE);
    expect(() => parseWindows({ 'a/b.csv': 'x' })).toThrow(ANOMALY_ERR.PARSE);
    expect(() => parseWindows([])).toThrow(ANOMALY_ERR.PARSE);
  });
});
