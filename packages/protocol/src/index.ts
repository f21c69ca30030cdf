// Public entry of @carousel/protocol: wire types, codec, validation limits, subjects, partitioning
// and the seq guard. Everything public is listed here by name.

export { PROTO_ERR, PROTO_ERR_CODES, ProtocolError, isProtocolError } from './errors.ts';
export type { ProtocolErrorCode } from './errors.ts';

export {
  DEFAULT_MAX_CHECKPOINT_BYTES, DEFAULT_MAX_DEPTH, DEFAULT_MAX_HORIZON, DEFAULT_MAX_LIST_LENGTH, DEFAULT_MAX_PAYLOAD_BYTES,
  DEFAULT_MAX_STRING_LENGTH, DEFAULT_MAX_VECTOR_LENGTH, DEFAULT_OPTIONS, DEFAULT_PARTITIONS, DEFAULT_PREFIX, defaultOptions, parseOptions,
} from './options.ts';
export type { ProtocolOptions } from './options.ts';

export { CONTROL_OPS, MESSAGE_KINDS, PROTOCOL_VERSION, SUPPORTED_VERSIONS } from './messages.ts';
export type {
  Alert, CheckpointEnvelope, ConfigValue, ControlOp, ControlReply, ControlRequest, ControlResult, EncodableTypes, Forecast,
  InferReply, InferRequest, InferResult, MessageKind, MessageTypes, ModelConfig, Prediction, Reject, ReplyError, Sample,
  StreamInfo, Vector,
} from './messages.ts';

export {
  CONTENT_TYPE_JSON, CONTENT_TYPE_MSGPACK, contentTypeOf, decode, decodeAlert, decodeCheckpoint, decodeControlReply,
  decodeControlRequest, decodeInferReply, decodeInferRequest, decodePrediction, decodeReject, decodeSample, encode, encodeAlert, encodeChecked,
  encodeCheckpoint, encodeControlReply, encodeControlRequest, encodeInferReply, encodeInferRequest, encodePrediction,
  encodeReject, encodeSample, formatOf,
} from './codec.ts';
export type { BodyFormat, DecodeOptions, DecodeResult, EncodeOptions } from './codec.ts';

export { f32Bytes, f32Vector } from './vectors.ts';
export type { VectorEncoding } from './vectors.ts';

export { ERROR_CODE_PATTERN, STREAM_ID_PATTERN, isStreamId } from './validate.ts';

export { STREAM_SUBJECT_KINDS, createSubjects } from './subjects.ts';
export type { ParsedSubject, StreamSubjectKind, Subjects } from './subjects.ts';

export { FNV1A_OFFSET, FNV1A_PRIME, fnv1a32, fnv1a32Bytes, partitionOf } from './partition.ts';

export { SeqGuard } from './seq-guard.ts';
export type { SeqVerdict } from './seq-guard.ts';

export { EXAMPLES } from './examples.ts';
export type { Example } from './examples.ts';
