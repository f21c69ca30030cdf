// The one error class of @carousel/protocol, with a closed vocabulary of stable codes. The codes go
// on the wire in Reject messages and into metric labels, so a code never changes meaning.
// Decoders do not throw these: they return them inside a Reject (see codec.ts). Builders and
// encoders throw them, because a bad argument there is the caller's bug.

export const PROTO_ERR = {
  /** The bytes are not one well-formed msgpack or JSON value (or an unsupported content type). */
  DECODE: 'PROTO_ERR_DECODE',
  /** `v` is missing or names a protocol version this build does not speak. */
  VERSION: 'PROTO_ERR_VERSION',
  /** A field is missing, unknown, of the wrong type or out of range. */
  SCHEMA: 'PROTO_ERR_SCHEMA',
  /** A stream id is not one token `[A-Za-z0-9_-]{1,128}`, or body and subject disagree. */
  STREAM_ID: 'PROTO_ERR_STREAM_ID',
  /** A number is NaN or infinite. */
  NON_FINITE: 'PROTO_ERR_NON_FINITE',
  /** A vector does not have the declared dimension (or horizon steps differ in length). */
  DIMENSION: 'PROTO_ERR_DIMENSION',
  /** Payload, vector, horizon, string, list or nesting depth over its limit (options.ts). */
  TOO_LARGE: 'PROTO_ERR_TOO_LARGE',
  /** A sample seq is not greater than the last accepted one for its stream (replay, reorder). */
  SEQ: 'PROTO_ERR_SEQ',
  /** A subject is not one of the Carousel subjects, or a prefix/partition is malformed. */
  SUBJECT: 'PROTO_ERR_SUBJECT',
  /** A ProtocolOptions field is of the wrong type or out of range. */
  OPTIONS: 'PROTO_ERR_OPTIONS',
} as const;

export type ProtocolErrorCode = (typeof PROTO_ERR)[keyof typeof PROTO_ERR];

/** Every code, for tests and metric label pre-registration. */
export const PROTO_ERR_CODES: readonly ProtocolErrorCode[] = Object.freeze(Object.values(PROTO_ERR));

export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** The message without the code prefix: what a Reject carries in `msg`. */
  readonly reason: string;
  constructor(
    readonly code: ProtocolErrorCode,
    message: string,
    /** The offending field or value, for the caller's log line (never put on the wire). */
    readonly detail?: unknown,
  ) {
    super(`${code}: ${message}`);
    this.reason = message;
  }
}

/** True for a ProtocolError. */
export function isProtocolError(e: unknown): e is ProtocolError {
  return e instanceof ProtocolError;
}
