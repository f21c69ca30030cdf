// The client SDK's error class and closed code vocabulary. Server-side refusals keep the gateway's
// GW_ERR_* code (the wire carries it); failures of the SDK itself use CLIENT_ERR_*.

export const CLIENT_ERR = {
  /** The subscriber or producer was closed. */
  CLOSED: 'CLIENT_ERR_CLOSED',
  /** Bad options or arguments (a caller bug). */
  OPTIONS: 'CLIENT_ERR_OPTIONS',
  /** The server refused authentication and the token cannot change (static string): no reconnect. */
  AUTH: 'CLIENT_ERR_AUTH',
  /** A frame from the server could not be decoded. */
  DECODE: 'CLIENT_ERR_DECODE',
  /** An infer request was answered with an error, or its reply could not be decoded. */
  INFER: 'CLIENT_ERR_INFER',
  /** Publishing a sample failed after its retries. */
  PUBLISH: 'CLIENT_ERR_PUBLISH',
} as const;

export type ClientErrorCode = (typeof CLIENT_ERR)[keyof typeof CLIENT_ERR];

export class ClientError extends Error {
  override readonly name = 'ClientError';
  constructor(
    /** A CLIENT_ERR_* code, or the server's GW_ERR_* / worker code it reports. */
    readonly code: string,
    message: string,
    /** Extra fields of the server's error frame, if any. */
    readonly detail?: Readonly<Record<string, unknown>>,
  ) {
    super(`${code}: ${message}`);
  }
}

export function isClientError(e: unknown): e is ClientError {
  return e instanceof ClientError;
}
