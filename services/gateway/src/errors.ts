// The gateway's closed vocabulary of stable error codes and WebSocket close codes. Codes travel on
// the wire in {type:'error', code} frames and label metrics, so a code never changes meaning.
// GatewayError is thrown only for caller bugs (bad options); client mistakes become error frames.

export const GW_ERR = {
  /** A frame is not one JSON/msgpack object of a known `type` with well-formed fields. */
  BAD_FRAME: 'GW_ERR_BAD_FRAME',
  /** A message other than `auth` arrived before authentication. The socket is closed (4001). */
  AUTH_REQUIRED: 'GW_ERR_AUTH_REQUIRED',
  /** The token is unknown, malformed, badly signed or lacks a valid `streams` claim (4001). */
  AUTH: 'GW_ERR_AUTH',
  /** The token's `exp` has passed, at auth time or while connected (4001). */
  TOKEN_EXPIRED: 'GW_ERR_TOKEN_EXPIRED',
  /** No `auth` message within authTimeoutMs of connecting (4001). */
  AUTH_TIMEOUT: 'GW_ERR_AUTH_TIMEOUT',
  /** Too many failed auth attempts from this remote address (4029). */
  RATE_LIMITED: 'GW_ERR_RATE_LIMITED',
  /** A subscription pattern is malformed. */
  PATTERN: 'GW_ERR_PATTERN',
  /** A pattern or resumed stream is outside the token's `streams` scope. */
  SCOPE: 'GW_ERR_SCOPE',
  /** More subscriptions (or patterns) than maxSubscriptions / maxPatterns allow. */
  SUB_LIMIT: 'GW_ERR_SUB_LIMIT',
  /** A subscribe reuses a live id, or an unsubscribe names an unknown one. */
  SUB_ID: 'GW_ERR_SUB_ID',
  /** A resume names a stream no current subscription matches. */
  NOT_SUBSCRIBED: 'GW_ERR_NOT_SUBSCRIBED',
  /** Resume asked for, but the gateway keeps no prediction history. Delivery continues live. */
  NO_HISTORY: 'GW_ERR_NO_HISTORY',
  /** The history did not reach back to the requested seq (or resumes were over the limit): a gap. */
  RESUME_GAP: 'GW_ERR_RESUME_GAP',
  /** The client stayed over the hard send-queue limit past the grace period (4008). */
  SLOW_CONSUMER: 'GW_ERR_SLOW_CONSUMER',
  /** The gateway is at maxClients (1013). */
  TOO_MANY_CLIENTS: 'GW_ERR_TOO_MANY_CLIENTS',
  /** The gateway is shutting down (1001). */
  SHUTDOWN: 'GW_ERR_SHUTDOWN',
  /** A GatewayOptions field is missing, of the wrong type or out of range (thrown, never on the wire). */
  OPTIONS: 'GW_ERR_OPTIONS',
} as const;

export type GatewayErrorCode = (typeof GW_ERR)[keyof typeof GW_ERR];

/** Every code, for tests, docs and metric label pre-registration. */
export const GW_ERR_CODES: readonly GatewayErrorCode[] = Object.freeze(Object.values(GW_ERR));

/** WebSocket close codes the gateway uses. 4000-4999 are application codes (RFC 6455 7.4.2). */
export const CLOSE = {
  /** Normal closure (client asked). */
  NORMAL: 1000,
  /** The gateway is draining (SIGTERM); reconnect elsewhere or later. */
  GOING_AWAY: 1001,
  /** A frame over maxPayloadBytes (sent by ws itself). */
  TOO_BIG: 1009,
  /** maxClients reached: try again later. */
  TRY_AGAIN_LATER: 1013,
  /** Authentication failed, timed out or expired. */
  UNAUTHORIZED: 4001,
  /** The client could not keep up: over the hard send limit past the grace period. */
  SLOW_CONSUMER: 4008,
  /** Too many failed auth attempts from this address. */
  RATE_LIMITED: 4029,
} as const;

export class GatewayError extends Error {
  override readonly name = 'GatewayError';
  constructor(readonly code: GatewayErrorCode, message: string) {
    super(`${code}: ${message}`);
  }
}

/** True for a GatewayError. */
export function isGatewayError(e: unknown): e is GatewayError {
  return e instanceof GatewayError;
}
