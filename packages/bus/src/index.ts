// Public entry of @carousel/bus: the Transport contract, its two implementations, errors, options.

export type {
  BlobStore, BusMsg, ConsumeOptions, JsPublishOptions, KvEntry, KvOperation, KvSpec, KvStore, KvWatch,
  KvWatchOptions, MsgHeaders, ObjectInfo, ObjectStoreSpec, PubAck, PublishOptions, RequestOptions, Retention,
  Storage, StreamConsumer, StreamMsg, StreamSpec, StreamState, SubscribeOptions, Subscription, Transport,
  TransportStatus,
} from './transport.ts';
export { BUS_ERR, BusError, isBusError, type BusErrorCode } from './errors.ts';
export {
  DEFAULT_CONSUMER_BATCH, DEFAULT_DUPLICATE_WINDOW_MS, DEFAULT_INBOX_PREFIX, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_MAX_PENDING_MSGS,
  DEFAULT_RECONNECT_MAX_MS, DEFAULT_RECONNECT_MIN_MS, DEFAULT_REQUEST_TIMEOUT_MS, defaultInProcOptions,
  defaultNatsOptions, parseInProcOptions, parseNatsOptions, type InProcTransportOptions, type NatsTransportOptions,
  type TlsOptions,
} from './options.ts';
export { InProcTransport, type InProcOptions } from './inproc-transport.ts';
export { compileMapping, partitionOf, type SubjectMapping } from './mapping.ts';
export { subjectMatches } from './subject.ts';
export { NatsTransport } from './nats-transport.ts';
