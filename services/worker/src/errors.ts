// The worker's error family. Codes are stable: they go on the wire in Reject and control replies
// and label the rejects metric. Protocol and model errors keep their own codes (PROTO_ERR_*,
// LSTM_ERR_*); these are the worker's own.

export const WORKER_ERR = {
  /** A stream or worker configuration value is invalid. */
  CONFIG: 'WORKER_ERR_CONFIG',
  /** A sample's dimension differs from the stream's model. */
  DIMENSION: 'WORKER_ERR_DIMENSION',
  /** The stream's mailbox is full; the sample was not accepted (it will be redelivered). */
  OVERLOADED: 'WORKER_ERR_OVERLOADED',
  /** A checkpoint could not be written or read. */
  CHECKPOINT: 'WORKER_ERR_CHECKPOINT',
  /** This worker no longer holds the partition's lease. */
  LEASE_LOST: 'WORKER_ERR_LEASE_LOST',
  /** The stream is unknown to this worker. */
  UNKNOWN_STREAM: 'WORKER_ERR_UNKNOWN_STREAM',
  /** The model refused a step (non-finite value or divergence); the model is unchanged. */
  MODEL: 'WORKER_ERR_MODEL',
  /** An unexpected internal failure; the sample was rejected and the stream goes on. */
  INTERNAL: 'WORKER_ERR_INTERNAL',
} as const;

export type WorkerErrorCode = (typeof WORKER_ERR)[keyof typeof WORKER_ERR];

export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  constructor(
    readonly code: WorkerErrorCode,
    message: string,
    readonly detail?: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}
