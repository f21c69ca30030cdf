// ProtocolOptions: the subject prefix, the partition count and every decoding limit, with named
// defaults. parseOptions() merges, checks and freezes once; the codec and subject builders only
// ever read a frozen ProtocolOptions. Not read from the environment: services do that in their
// entry point and pass the values here.

import { PROTO_ERR, ProtocolError } from './errors.ts';

/** Subject prefix: `carousel.in.<stream>` etc. */
export const DEFAULT_PREFIX = 'carousel';
/** Number of partitions P in `carousel.p.<partition>.<stream>` (nats-server `partition(P,1)`). */
export const DEFAULT_PARTITIONS = 8;
/** Largest message body accepted, in bytes. Matches nats-server's default max_payload (1 MiB). */
export const DEFAULT_MAX_PAYLOAD_BYTES = 1024 * 1024;
/** Largest checkpoint envelope accepted, in bytes (checkpoints over the KV limit go to Object Store). */
export const DEFAULT_MAX_CHECKPOINT_BYTES = 64 * 1024 * 1024;
/** Longest feature, target or forecast vector, in elements. */
export const DEFAULT_MAX_VECTOR_LENGTH = 4096;
/** Most forecast steps in one horizon (Prediction.f / InferReply.f as an array of vectors). */
export const DEFAULT_MAX_HORIZON = 256;
/** Deepest nesting of arrays/maps in any body (a Sample needs 2; model configs a few more). */
export const DEFAULT_MAX_DEPTH = 8;
/** Longest string (error messages, config strings), in UTF-16 code units. */
export const DEFAULT_MAX_STRING_LENGTH = 1024;
/** Most entries in a list that is not a vector (stream lists, config maps and arrays). */
export const DEFAULT_MAX_LIST_LENGTH = 10_000;

export interface ProtocolOptions {
  /** Subject prefix: one or more dot-separated tokens `[A-Za-z0-9_-]+`. Default DEFAULT_PREFIX. */
  readonly prefix: string;
  /** Partition count P, integer in [1, 65536]. Default DEFAULT_PARTITIONS. */
  readonly partitions: number;
  /** Body size limit in bytes for every message but checkpoints. Default DEFAULT_MAX_PAYLOAD_BYTES. */
  readonly maxPayloadBytes: number;
  /** Body size limit in bytes for checkpoint envelopes. Default DEFAULT_MAX_CHECKPOINT_BYTES. */
  readonly maxCheckpointBytes: number;
  /** Vector length limit in elements. Default DEFAULT_MAX_VECTOR_LENGTH. */
  readonly maxVectorLength: number;
  /** Horizon limit in steps. Default DEFAULT_MAX_HORIZON. */
  readonly maxHorizon: number;
  /** Nesting depth limit (top-level map = 1). Default DEFAULT_MAX_DEPTH. */
  readonly maxDepth: number;
  /** String length limit. Default DEFAULT_MAX_STRING_LENGTH. */
  readonly maxStringLength: number;
  /** Non-vector list / map size limit. Default DEFAULT_MAX_LIST_LENGTH. */
  readonly maxListLength: number;
}

export function defaultOptions(): ProtocolOptions {
  return {
    prefix: DEFAULT_PREFIX,
    partitions: DEFAULT_PARTITIONS,
    maxPayloadBytes: DEFAULT_MAX_PAYLOAD_BYTES,
    maxCheckpointBytes: DEFAULT_MAX_CHECKPOINT_BYTES,
    maxVectorLength: DEFAULT_MAX_VECTOR_LENGTH,
    maxHorizon: DEFAULT_MAX_HORIZON,
    maxDepth: DEFAULT_MAX_DEPTH,
    maxStringLength: DEFAULT_MAX_STRING_LENGTH,
    maxListLength: DEFAULT_MAX_LIST_LENGTH,
  };
}

const PREFIX_RE = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Merges `opts` over the defaults, checks every field and returns a frozen ProtocolOptions. */
export function parseOptions(opts: Partial<ProtocolOptions> = {}): ProtocolOptions {
  if (opts === null || typeof opts !== 'object') {
    throw new ProtocolError(PROTO_ERR.OPTIONS, 'options must be an object', opts);
  }
  const o = { ...defaultOptions(), ...opts };
  for (const key of Object.keys(o)) {
    if (!(key in DEFAULTS)) throw new ProtocolError(PROTO_ERR.OPTIONS, `unknown option ${key}`, key);
  }
  if (typeof o.prefix !== 'string' || o.prefix.length > 256 || !PREFIX_RE.test(o.prefix)) {
    throw new ProtocolError(PROTO_ERR.OPTIONS, `prefix must be dot-separated tokens [A-Za-z0-9_-]+, got ${String(o.prefix)}`, o.prefix);
  }
  int('partitions', o.partitions, 1, 65536);
  int('maxPayloadBytes', o.maxPayloadBytes, 16, 2 ** 31);
  int('maxCheckpointBytes', o.maxCheckpointBytes, 16, 2 ** 31);
  int('maxVectorLength', o.maxVectorLength, 1, 2 ** 24);
  int('maxHorizon', o.maxHorizon, 1, 2 ** 16);
  int('maxDepth', o.maxDepth, 3, 64);
  int('maxStringLength', o.maxStringLength, 16, 2 ** 24);
  int('maxListLength', o.maxListLength, 1, 2 ** 24);
  return Object.freeze(o);
}

const DEFAULTS: ProtocolOptions = Object.freeze(defaultOptions());

/** The frozen defaults, used when a caller passes no options. */
export const DEFAULT_OPTIONS: ProtocolOptions = parseOptions();

function int(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ProtocolError(PROTO_ERR.OPTIONS, `${name} must be an integer in [${min}, ${max}], got ${String(v)}`, { [name]: v });
  }
}
