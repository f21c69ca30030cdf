// The gateway's WebSocket messages as the SDK sees them (docs/websocket.md is the reference).

/** JSON text frames (the default). */
export const SUBPROTOCOL_JSON = 'carousel.json.v1';
/** msgpack binary frames. */
export const SUBPROTOCOL_MSGPACK = 'carousel.msgpack.v1';

export type WireFormat = 'json' | 'msgpack';

/** A forecast and score for one stream step (carousel.out.<stream>). */
export interface PredictionMessage {
  readonly type: 'prediction';
  readonly stream: string;
  readonly seq: number;
  readonly ts?: number;
  /** Forecast: one vector, or an H-step horizon of vectors. */
  readonly f: number[] | number[][];
  /** The sample as received, in its units (what the previous forecast forecast); absent from older workers. */
  readonly x?: number[];
  readonly err: number | null;
  readonly score: number | null;
  readonly lik: number | null;
  readonly mv: number;
  readonly pt: number;
  /** The model's current learning rate; absent from older workers. */
  readonly lr?: number;
  /** Online updates the model has applied under this model version; absent from older workers. */
  readonly n?: number;
}

/** An anomaly event (carousel.alert.<stream>). */
export interface AlertMessage {
  readonly type: 'alert';
  readonly stream: string;
  readonly seq: number;
  readonly ts?: number;
  readonly score: number;
  readonly lik: number;
  readonly thr: number;
  readonly mv: number;
}

/** The server's answer to auth. */
export interface AuthenticatedMessage {
  readonly type: 'authenticated';
  /** Stream patterns the token grants. */
  readonly streams: string[];
  /** Token expiry, ms since the epoch; null when it does not expire. */
  readonly expiresAt: number | null;
  readonly heartbeatMs: number;
  readonly maxSubscriptions: number;
  /** True when the gateway keeps history, so reconnects resume without gaps. */
  readonly history: boolean;
}

export interface ErrorMessage {
  readonly type: 'error';
  /** Stable GW_ERR_* code. */
  readonly code: string;
  readonly message: string;
  /** The subscription id the error is about, if any. */
  readonly id?: string | number;
  readonly [extra: string]: unknown;
}

export type ServerMessage =
  | PredictionMessage
  | AlertMessage
  | AuthenticatedMessage
  | ErrorMessage
  | { readonly type: 'subscribed'; readonly id: string | number; readonly patterns: string[] }
  | { readonly type: 'unsubscribed'; readonly id: string | number }
  | { readonly type: 'pong'; readonly id?: string | number };
