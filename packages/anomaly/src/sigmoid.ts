// NAB's scaled sigmoid (nab/sweeper.py scaledSigmoid) and the probationary length
// (Sweeper._getProbationaryLength). Pure scalar functions; the row walk lives in windows.ts.

/** NAB's default share of each file that is never scored (`probationPercent`). */
export const DEFAULT_PROBATIONARY_PERCENT = 0.15;

/** NAB caps the probationary period at probationPercent * 5000 rows (750 rows at 15%). */
export const PROBATIONARY_ROW_CAP = 5000;

/** Standard logistic function. */
export function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

/**
 * NAB's scaled sigmoid of a relative position: -1 (left edge of a window) -> 0.98661,
 * 0 (right edge) -> 0, 1 (one window-width past it) -> -0.98661; positions above 3 -> -1.
 */
export function scaledSigmoid(relativePosition: number): number {
  if (relativePosition > 3.0) return -1.0;
  return 2 * sigmoid(-5 * relativePosition) - 1.0;
}

/**
 * Rows at the start of a file that are never scored: min(floor(p * rows), p * 5000). Note the cap
 * is p * 5000 (750 rows at p = 0.15), not 5000: that is what NAB's code does.
 */
export function probationaryLength(numRows: number, percent = DEFAULT_PROBATIONARY_PERCENT): number {
  return Math.min(Math.floor(percent * numRows), percent * PROBATIONARY_ROW_CAP);
}
