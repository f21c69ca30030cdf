// The one error class of @carousel/tasks, with a closed vocabulary of stable codes.
// Generators throw only on bad parameters; predicates throw only on mismatched arguments.

export const TASK_ERR = {
  /** A generator or config parameter is missing, not an integer, or out of range. */
  PARAM: 'TASK_ERR_PARAM',
  /** isCorrect() was given a sequence from a different task than the experiment's. */
  TASK_MISMATCH: 'TASK_ERR_TASK_MISMATCH',
  /** isCorrect() was given outputs of the wrong count or width. */
  OUTPUTS: 'TASK_ERR_OUTPUTS',
  /** A set could not be filled with distinct strings within the draw budget. */
  EXHAUSTED: 'TASK_ERR_EXHAUSTED',
  /** A trial checkpoint is unreadable or belongs to another trial or configuration. */
  CHECKPOINT: 'TASK_ERR_CHECKPOINT',
} as const;

export type TaskErrorCode = (typeof TASK_ERR)[keyof typeof TASK_ERR];

export class TaskError extends Error {
  override readonly name = 'TaskError';
  constructor(
    readonly code: TaskErrorCode,
    message: string,
    /** The offending field or value, for the caller's log line. */
    readonly detail?: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Throws TASK_ERR_PARAM unless `v` is an integer in [min, max]. */
export function checkInt(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new TaskError(TASK_ERR.PARAM, `${name} must be an integer in [${min}, ${max}]`, v);
  }
  return v;
}
