// The one error class of @carousel/bus, with a closed vocabulary of stable codes. Both transports
// throw the same codes for the same situations, so callers (and the contract suite) never look at
// a NATS-specific error.

export const BUS_ERR = {
  /** A request, JetStream publish or other round trip did not complete within its timeout. */
  TIMEOUT: 'BUS_ERR_TIMEOUT',
  /** A request found no subscriber on its subject. */
  NO_RESPONDERS: 'BUS_ERR_NO_RESPONDERS',
  /** A KV update carried an expected revision that is not the key's latest (fencing), or a create found the key present. */
  REVISION: 'BUS_ERR_REVISION',
  /** The transport, subscription or consumer was closed (or is draining) before the call. */
  CLOSED: 'BUS_ERR_CLOSED',
  /** The stream, bucket, key or object does not exist. */
  NOT_FOUND: 'BUS_ERR_NOT_FOUND',
  /** A subject, stream, bucket or key name is not valid. */
  INVALID_NAME: 'BUS_ERR_INVALID_NAME',
  /** An option or argument is missing, of the wrong type or out of range. */
  CONFIG: 'BUS_ERR_CONFIG',
  /** A payload exceeds the server's (or bucket's) size limit. */
  PAYLOAD_TOO_LARGE: 'BUS_ERR_PAYLOAD_TOO_LARGE',
  /** A JetStream publish matched no stream. */
  NO_STREAM: 'BUS_ERR_NO_STREAM',
  /** The connection to the server could not be made or was lost for good. */
  CONNECTION: 'BUS_ERR_CONNECTION',
  /** The server refused the operation (permissions, JetStream disabled, conflicting config). */
  SERVER: 'BUS_ERR_SERVER',
} as const;

export type BusErrorCode = (typeof BUS_ERR)[keyof typeof BUS_ERR];

export class BusError extends Error {
  override readonly name = 'BusError';
  constructor(
    readonly code: BusErrorCode,
    message: string,
    /** The underlying error (a NatsError for NatsTransport), for the caller's log line. */
    override readonly cause?: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}

/** True when `err` is a BusError, optionally with the given code. */
export function isBusError(err: unknown, code?: BusErrorCode): err is BusError {
  return err instanceof BusError && (code === undefined || err.code === code);
}
