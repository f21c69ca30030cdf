// The one error class of @carousel/anomaly, with a closed vocabulary of stable codes. Codes never
// change meaning: callers, logs and metrics match on them.

export const ANOMALY_ERR = {
  /** A file or directory could not be read or written. */
  IO: 'ANOMALY_ERR_IO',
  /** A CSV, JSON or timestamp could not be parsed, or a required column is missing. */
  PARSE: 'ANOMALY_ERR_PARSE',
  /** A profile (cost matrix) is missing a weight or has a non-finite one. */
  PROFILE: 'ANOMALY_ERR_PROFILE',
  /** An anomaly window cannot be matched to the rows of its file (NAB would crash here too). */
  WINDOW: 'ANOMALY_ERR_WINDOW',
  /** Inputs disagree: lengths differ, a file has no labels, an option is out of range. */
  INPUT: 'ANOMALY_ERR_INPUT',
} as const;

export type AnomalyErrorCode = (typeof ANOMALY_ERR)[keyof typeof ANOMALY_ERR];

export class AnomalyError extends Error {
  override readonly name = 'AnomalyError';
  constructor(
    readonly code: AnomalyErrorCode,
    message: string,
    /** The offending file, field or value, for the caller's log line. */
    readonly detail?: unknown,
    options?: { cause?: unknown },
  ) {
    super(`${code}: ${message}`, options);
  }
}
