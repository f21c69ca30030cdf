// The wire messages of Carousel as TypeScript types. On the wire each is a plain msgpack (or JSON)
// map with the short keys documented on each field (docs/protocol.md has the full table). Vectors
// are decoded to Float64Array; encoders accept any ArrayLike<number>. This file holds types only:
// validation is validate.ts, bytes are codec.ts.

/** The protocol version this build writes; every message carries it as `v`. */
export const PROTOCOL_VERSION = 1;
/** Versions this build reads. */
export const SUPPORTED_VERSIONS: readonly number[] = Object.freeze([1]);

/** A vector of numbers. On the wire: an array of numbers, or a bin of little-endian float32. */
export type Vector = ArrayLike<number>;
/** One vector, or an H-step horizon as an array of vectors (all the same length). */
export type Forecast<V = Vector> = V | readonly V[];

/** One input step of a stream. Subject carousel.in.<stream>. */
export interface Sample<V = Vector> {
  /** `v` protocol version. */
  readonly v: number;
  /** `stream` stream id; optional on the wire when the subject names the stream. */
  readonly stream: string;
  /** `seq` producer sequence number, integer >= 0, strictly increasing per stream. */
  readonly seq: number;
  /** `ts` producer timestamp, milliseconds since the Unix epoch (optional). */
  readonly ts?: number;
  /** `x` feature vector. */
  readonly x: V;
  /** `y` target vector (optional; without it the model forecasts x itself). */
  readonly y?: V;
}

/** A forecast and score for one stream step. Subject carousel.out.<stream>. */
export interface Prediction<V = Vector> {
  /** `v` protocol version. */
  readonly v: number;
  /** `stream` stream id. */
  readonly stream: string;
  /** `seq` seq of the sample this prediction follows (clients de-duplicate on it). */
  readonly seq: number;
  /** `ts` timestamp of that sample, ms since the Unix epoch (optional). */
  readonly ts?: number;
  /** `f` forecast for the next step, or an H-step horizon. */
  readonly f: Forecast<V>;
  /** `x` the sample's values as received, in its units (optional): what the previous `f` forecast. */
  readonly x?: V;
  /** `err` error of the previous forecast against this sample; null when there was none. */
  readonly err: number | null;
  /** `score` anomaly score in [0, 1]; null while the scorer warms up. */
  readonly score: number | null;
  /** `lik` anomaly likelihood in [0, 1]; null while the scorer warms up. */
  readonly lik: number | null;
  /** `mv` model version: integer >= 0, bumped on configure/reset/restore. */
  readonly mv: number;
  /** `pt` processing time of this step in seconds (>= 0). */
  readonly pt: number;
  /** `lr` the model's current learning rate (optional; dashboards show it). */
  readonly lr?: number;
  /** `n` online updates the model has applied under this model version (optional). */
  readonly n?: number;
}

/** An anomaly event. Subject carousel.alert.<stream>. */
export interface Alert {
  /** `v` protocol version. */
  readonly v: number;
  /** `stream` stream id. */
  readonly stream: string;
  /** `seq` seq of the anomalous sample. */
  readonly seq: number;
  /** `ts` timestamp of that sample, ms since the Unix epoch (optional). */
  readonly ts?: number;
  /** `score` anomaly score in [0, 1]. */
  readonly score: number;
  /** `lik` anomaly likelihood in [0, 1]. */
  readonly lik: number;
  /** `thr` the likelihood threshold that was crossed, in [0, 1]. */
  readonly thr: number;
  /** `mv` model version. */
  readonly mv: number;
}

/** Refused input. Subject carousel.reject.<stream>; also the body of decode failures. */
export interface Reject {
  /** `v` protocol version. */
  readonly v: number;
  /** `stream` stream id; null when it could not be read. */
  readonly stream: string | null;
  /** `seq` seq of the refused message; null when it could not be read. */
  readonly seq: number | null;
  /** `code` stable error code: a PROTO_ERR_* code or another package's (e.g. LSTM_ERR_*). */
  readonly code: string;
  /** `msg` human-readable reason. */
  readonly msg: string;
}

/** Request-reply "predict now". Subject carousel.infer.<stream>. */
export interface InferRequest<V = Vector> {
  /** `v` protocol version. */
  readonly v: number;
  /** `stream` stream id; optional on the wire when the subject names the stream. */
  readonly stream: string;
  /** `x` optional input: forecast as if x were the next sample (the model does not learn from it). */
  readonly x?: V;
  /** `h` optional horizon in steps (>= 1); default one step. */
  readonly h?: number;
}

/** Successful answer to an InferRequest. */
export interface InferResult<V = Vector> {
  readonly v: number;
  /** `ok` true. */
  readonly ok: true;
  /** `stream` stream id. */
  readonly stream: string;
  /** `seq` seq of the last sample the model state reflects; null before the first sample. */
  readonly seq: number | null;
  /** `f` forecast: one vector (h = 1) or an array of h vectors. */
  readonly f: Forecast<V>;
  /** `mv` model version. */
  readonly mv: number;
  /** `pt` compute time in seconds. */
  readonly pt: number;
}

/** A failed request (infer or control): `ok` false with a stable code. */
export interface ReplyError {
  readonly v: number;
  /** `ok` false. */
  readonly ok: false;
  /** `stream` stream id; null when not about one stream. */
  readonly stream: string | null;
  /** `code` stable error code. */
  readonly code: string;
  /** `msg` human-readable reason. */
  readonly msg: string;
}

export type InferReply<V = Vector> = InferResult<V> | ReplyError;

/** A value inside a model-config map. */
export type ConfigValue = number | string | boolean | null | readonly ConfigValue[] | { readonly [key: string]: ConfigValue };
/** Model configuration as a plain map; @carousel/lstm and the worker check its meaning. */
export type ModelConfig = { readonly [key: string]: ConfigValue };

/** Control operations, `op` on the wire. */
export const CONTROL_OPS = Object.freeze(['configure', 'reset', 'inspect', 'snapshot', 'list', 'delete'] as const);
export type ControlOp = (typeof CONTROL_OPS)[number];

/**
 * Control request. Subject carousel.ctl.<stream>, except `list`, which goes to the bare
 * carousel.ctl and is answered by every worker with the streams it owns (scatter-gather).
 */
export type ControlRequest =
  /** `cfg` the new model configuration; replaces the model (new `mv`). */
  | { readonly v: number; readonly op: 'configure'; readonly stream: string; readonly cfg: ModelConfig }
  /** Fresh weights and state under the current configuration (new `mv`). */
  | { readonly v: number; readonly op: 'reset'; readonly stream: string }
  | { readonly v: number; readonly op: 'inspect'; readonly stream: string }
  /** Write a checkpoint now. */
  | { readonly v: number; readonly op: 'snapshot'; readonly stream: string }
  | { readonly v: number; readonly op: 'list' }
  /**
   * Forget the stream: model, state, config override and checkpoint (new `mv`). It leaves `list`;
   * a later sample starts it anew under the worker's default config.
   */
  | { readonly v: number; readonly op: 'delete'; readonly stream: string };

/** What `inspect` reports about one stream (`info` on the wire). */
export interface StreamInfo {
  /** `seq` last accepted sample seq; null before the first. */
  readonly seq: number | null;
  /** `js` JetStream sequence of the last sample applied; null before the first. */
  readonly js: number | null;
  /** `n` samples learned since the last configure/reset. */
  readonly n: number;
  /** `mv` model version. */
  readonly mv: number;
  /** `cfg` model configuration in force. */
  readonly cfg: ModelConfig;
  /** `err` recent mean forecast error; null before the first. */
  readonly err: number | null;
  /** `score` last anomaly score; null while warming up. */
  readonly score: number | null;
}

export type ControlResult =
  /** `mv` the model version now in force. */
  | { readonly v: number; readonly ok: true; readonly op: 'configure' | 'reset' | 'delete'; readonly stream: string; readonly mv: number }
  /** `info` what the worker knows about the stream. */
  | { readonly v: number; readonly ok: true; readonly op: 'inspect'; readonly stream: string; readonly info: StreamInfo }
  /** The checkpoint written: model version `mv`, JetStream sequence `js` and sample `seq` it covers. */
  | { readonly v: number; readonly ok: true; readonly op: 'snapshot'; readonly stream: string; readonly mv: number; readonly js: number; readonly seq: number | null }
  /** `streams` the streams this worker owns; `parts` its partitions. */
  | { readonly v: number; readonly ok: true; readonly op: 'list'; readonly streams: readonly string[]; readonly parts: readonly number[] };

/** A failed control request keeps its `op`. */
export type ControlReply = ControlResult | (ReplyError & { readonly op: ControlOp });

/**
 * A per-stream checkpoint, as stored in KV bucket carousel_state under the stream id. Exactly one
 * of `b` (the bytes inline) and `obj` (an Object Store object name, when over the KV value limit).
 */
export interface CheckpointEnvelope {
  readonly v: number;
  /** `stream` stream id. */
  readonly stream: string;
  /** `mv` model version. */
  readonly mv: number;
  /** `js` JetStream sequence covered: replay resumes after it. */
  readonly js: number;
  /** `seq` last sample seq applied; null before the first. */
  readonly seq: number | null;
  /** `b` checkpoint bytes (msgpack bin; base64 string in JSON). */
  readonly b?: Uint8Array;
  /** `obj` Object Store object name holding the bytes. */
  readonly obj?: string;
}

/** Message kinds, for generic code (metrics labels, docs, tests). */
export const MESSAGE_KINDS = Object.freeze([
  'sample', 'prediction', 'alert', 'reject', 'inferRequest', 'inferReply', 'controlRequest', 'controlReply', 'checkpoint',
] as const);
export type MessageKind = (typeof MESSAGE_KINDS)[number];

/** Decoded message types, vectors as Float64Array. */
export interface MessageTypes {
  sample: Sample<Float64Array>;
  prediction: Prediction<Float64Array>;
  alert: Alert;
  reject: Reject;
  inferRequest: InferRequest<Float64Array>;
  inferReply: InferReply<Float64Array>;
  controlRequest: ControlRequest;
  controlReply: ControlReply;
  checkpoint: CheckpointEnvelope;
}

/** Message types as encoders accept them, vectors as any ArrayLike<number>. */
export interface EncodableTypes {
  sample: Sample;
  prediction: Prediction;
  alert: Alert;
  reject: Reject;
  inferRequest: InferRequest;
  inferReply: InferReply;
  controlRequest: ControlRequest;
  controlReply: ControlReply;
  checkpoint: CheckpointEnvelope;
}
