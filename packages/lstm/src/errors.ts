// The one error class of @carousel/lstm, with a closed vocabulary of stable codes. The worker puts
// the code on the wire (Reject) and in metrics labels, so codes never change meaning.

export const LSTM_ERR = {
  /** A configuration field is missing, of the wrong type or out of range. */
  CONFIG: 'LSTM_ERR_CONFIG',
  /** An input or target vector has the wrong length. */
  DIMENSION: 'LSTM_ERR_DIMENSION',
  /** An input, target or loss is NaN or infinite; the step was refused and nothing changed. */
  NON_FINITE: 'LSTM_ERR_NON_FINITE',
  /** An update would have made a parameter non-finite; it was refused. */
  DIVERGED: 'LSTM_ERR_DIVERGED',
  /** A checkpoint or imported model cannot be read (bad bytes, version, names or shapes). */
  CHECKPOINT: 'LSTM_ERR_CHECKPOINT',
  /** A learner was combined with a cell or head it does not support. */
  UNSUPPORTED: 'LSTM_ERR_UNSUPPORTED',
  /** A method was called in a state that does not allow it (e.g. learn() before any step()). */
  STATE: 'LSTM_ERR_STATE',
} as const;

export type LstmErrorCode = (typeof LSTM_ERR)[keyof typeof LSTM_ERR];

export class LstmError extends Error {
  override readonly name = 'LstmError';
  constructor(
    readonly code: LstmErrorCode,
    message: string,
    /** The offending field or value, for the caller's log line. */
    readonly detail?: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Throws LSTM_ERR_CONFIG unless `v` is an integer in [min, max]. */
export function checkInt(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new LstmError(LSTM_ERR.CONFIG, `${name} must be an integer in [${min}, ${max}], got ${String(v)}`, { [name]: v });
  }
  return v;
}

/** Throws LSTM_ERR_CONFIG unless `v` is a finite number in [min, max]. */
export function checkNumber(name: string, v: unknown, min = -Infinity, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new LstmError(LSTM_ERR.CONFIG, `${name} must be a finite number in [${min}, ${max}], got ${String(v)}`, { [name]: v });
  }
  return v;
}

/** Throws LSTM_ERR_CONFIG unless `v` is one of `allowed`. */
export function checkEnum<T extends string>(name: string, v: unknown, allowed: readonly T[]): T {
  if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) {
    throw new LstmError(LSTM_ERR.CONFIG, `${name} must be one of ${allowed.join(', ')}, got ${String(v)}`, { [name]: v });
  }
  return v as T;
}

/** Throws LSTM_ERR_DIMENSION / LSTM_ERR_NON_FINITE unless `v` has length `n` and only finite numbers. */
export function checkVector(name: string, v: ArrayLike<number>, n: number): void {
  if (v.length !== n) {
    throw new LstmError(LSTM_ERR.DIMENSION, `${name} must have length ${n}, got ${v.length}`, { [name]: v.length });
  }
  for (let i = 0; i < n; i++) {
    if (!Number.isFinite(v[i])) {
      throw new LstmError(LSTM_ERR.NON_FINITE, `${name}[${i}] is ${v[i]}`, { index: i, value: v[i] });
    }
  }
}
