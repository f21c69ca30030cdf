// The Transport contract: what Carousel needs from a message bus (core pub/sub, request-reply,
// JetStream append + ordered replay, KV with revision fencing, an object store, provisioning and
// health). NatsTransport and InProcTransport implement it; contract.ts checks both the same way.
// This file holds types only: no behaviour, no NATS types.

/** Message headers: one value per name. `Nats-Msg-Id` is set from `msgId` options, never by hand. */
export type MsgHeaders = Readonly<Record<string, string>>;

/** A core message as a subscriber or requester sees it. */
export interface BusMsg {
  /** The subject the message was published to (after any server subject mapping). */
  readonly subject: string;
  /** The payload; an empty array for an empty message. */
  readonly data: Uint8Array;
  /** Headers; empty when the message had none. */
  readonly headers: MsgHeaders;
  /** The reply subject of a request; publish the response there. Absent for plain publishes. */
  readonly reply?: string;
}

export interface PublishOptions {
  /** Extra headers. */
  headers?: MsgHeaders;
  /** Sets the `Nats-Msg-Id` header: a stream capturing the subject drops repeats within its dedupe window. */
  msgId?: string;
  /** A reply subject for the receiver. */
  reply?: string;
}

export interface SubscribeOptions {
  /** Queue group: each message goes to one member of the group (and to every non-grouped subscriber). */
  queue?: string;
  /**
   * Called for each message instead of buffering it for the async iterator. Must not throw; an
   * exception is reported as an `error` status and the subscription carries on.
   */
  callback?: (msg: BusMsg) => void;
  /**
   * Limit of messages buffered for the async iterator (default DEFAULT_MAX_PENDING_MSGS). Overflow
   * policy: the incoming message is dropped, `dropped` counts it and a `slowConsumer` status is sent.
   */
  maxPending?: number;
}

/** A live subscription. Iterate it (when no callback was given) to receive messages. */
export interface Subscription extends AsyncIterable<BusMsg> {
  /** The subject or pattern subscribed to. */
  readonly subject: string;
  /** The queue group, if any. */
  readonly queue: string | undefined;
  /** Messages delivered to this subscription so far (including dropped ones). */
  readonly received: number;
  /** Messages buffered and not yet taken by the iterator. */
  readonly pending: number;
  /** Messages dropped because `pending` had reached `maxPending`. */
  readonly dropped: number;
  /** Stops delivery now; the iterator ends and buffered messages are discarded. Idempotent. */
  close(): void;
  /** Stops new deliveries; the iterator ends after the buffered messages have been taken. */
  drain(): Promise<void>;
  /** Resolves when the subscription has ended (closed, drained or its transport closed). */
  closed(): Promise<void>;
}

export interface RequestOptions {
  /** Milliseconds to wait for the reply (default DEFAULT_REQUEST_TIMEOUT_MS); then BUS_ERR_TIMEOUT. */
  timeout?: number;
  /** Extra headers on the request. */
  headers?: MsgHeaders;
}

export interface JsPublishOptions {
  /** Sets `Nats-Msg-Id`: a repeat within the stream's dedupe window is acknowledged as a duplicate and not stored. */
  msgId?: string;
  /** Extra headers. */
  headers?: MsgHeaders;
  /** Milliseconds to wait for the stream's ack (default DEFAULT_REQUEST_TIMEOUT_MS). */
  timeout?: number;
}

/** A JetStream acknowledgement. */
export interface PubAck {
  /** The stream that stored the message. */
  readonly stream: string;
  /** Its stream sequence (for a duplicate, the sequence of the original). */
  readonly seq: number;
  /** True when the msg id was seen within the dedupe window and nothing was stored. */
  readonly duplicate: boolean;
}

export interface ConsumeOptions {
  /** Deliver messages with stream sequence > afterSeq (0: from the start of the stream). */
  afterSeq: number;
  /** Only messages whose subject matches this pattern (e.g. `carousel.p.3.*`, one partition). */
  filterSubject?: string;
  /** Messages fetched ahead of the iterator (default DEFAULT_CONSUMER_BATCH). */
  batch?: number;
}

/** A message replayed from a stream. */
export interface StreamMsg {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHeaders;
  /** Its sequence in the stream: strictly increasing along one consumer. */
  readonly streamSeq: number;
}

/** An ordered, unacknowledged consumer of one stream: replay from a sequence, then live. */
export interface StreamConsumer extends AsyncIterable<StreamMsg> {
  /** The stream consumed. */
  readonly stream: string;
  /** The stream sequence of the last message yielded (afterSeq before the first). */
  readonly lastSeq: number;
  /**
   * Messages matching the consumer's filter that it has yet to deliver: on NATS the server-side
   * consumer's num_pending (messages already fetched into the client but not yet yielded are not
   * counted), in process the exact count after lastSeq. null while there is no server-side
   * consumer to ask (starting, or being replaced). Throws a BusError if the server cannot answer.
   */
  pending(): Promise<number | null>;
  /** Stops the consumer; the iterator ends. Idempotent. */
  close(): Promise<void>;
}

export type Retention = 'limits' | 'interest' | 'workqueue';
export type Storage = 'file' | 'memory';

/** What a stream must look like; `ensureStream` creates it or updates it to match. */
export interface StreamSpec {
  /** Stream name: letters, digits, `-` and `_`. */
  name: string;
  /** Subjects (patterns allowed) the stream captures. */
  subjects: string[];
  /** Retention policy (default 'limits'). */
  retention?: Retention;
  /** Discard messages older than this many milliseconds (default 0: no limit). */
  maxAgeMs?: number;
  /** Keep at most this many messages (default -1: no limit). */
  maxMsgs?: number;
  /** Keep at most this many bytes (default -1: no limit). */
  maxBytes?: number;
  /** Window in milliseconds within which a repeated msg id is dropped (default 120 000). */
  duplicateWindowMs?: number;
  /** Number of replicas in a cluster (default 1). */
  replicas?: number;
  /** Storage (default 'file'). */
  storage?: Storage;
}

/** The state of a stream. */
export interface StreamState {
  readonly name: string;
  /** Messages stored. */
  readonly messages: number;
  /** Sequence of the oldest stored message (0 when empty and never written). */
  readonly firstSeq: number;
  /** Sequence of the newest message ever stored (0 when never written). */
  readonly lastSeq: number;
}

/** What a KV bucket must look like; `ensureKv` creates it when missing. */
export interface KvSpec {
  /** Bucket name: letters, digits, `-` and `_`. */
  bucket: string;
  /** Revisions kept per key (default 1). */
  history?: number;
  /** Largest value in bytes (default -1: the server's max payload). */
  maxValueSize?: number;
  /** Entries expire this many milliseconds after their last write (default 0: never). */
  ttlMs?: number;
  /** Number of replicas in a cluster (default 1). */
  replicas?: number;
  /** Storage (default 'file'). */
  storage?: Storage;
}

export type KvOperation = 'PUT' | 'DEL' | 'PURGE';

/** One revision of a KV key. */
export interface KvEntry {
  readonly bucket: string;
  readonly key: string;
  /** The value; empty for DEL and PURGE. */
  readonly value: Uint8Array;
  /** The revision: increases with every write to the bucket; the fencing token for `update`. */
  readonly revision: number;
  readonly operation: KvOperation;
}

export interface KvWatchOptions {
  /** Key or key pattern (`*`, `>` wildcards on `.`-separated tokens); default all keys. */
  key?: string;
  /** Skip the current values and deliver only later changes (default false). */
  updatesOnly?: boolean;
}

/** A watch on a KV bucket: the current value of each matching key, then every change. */
export interface KvWatch extends AsyncIterable<KvEntry> {
  /** Stops the watch; the iterator ends. Idempotent. */
  close(): void;
}

/** A KV bucket. Keys are `.`-separated tokens of letters, digits, `-`, `_`, `/`, `=`. */
export interface KvStore {
  /** The bucket name. */
  readonly bucket: string;
  /** The latest entry of `key`, or null when it was never written, deleted or purged. */
  get(key: string): Promise<KvEntry | null>;
  /** Writes `value` unconditionally; resolves to the new revision. */
  put(key: string, value: Uint8Array): Promise<number>;
  /** Writes `value` only when `key` has no value (absent, deleted or purged); else BUS_ERR_REVISION. */
  create(key: string, value: Uint8Array): Promise<number>;
  /**
   * Writes `value` only when `expectedRevision` is the key's latest revision; else BUS_ERR_REVISION.
   * This is the fence: a writer holding a stale revision can no longer write.
   */
  update(key: string, value: Uint8Array, expectedRevision: number): Promise<number>;
  /**
   * Marks `key` deleted (a DEL entry with a new revision). Deleting a missing key is not an error.
   * With `expectedRevision`, only when that is the key's latest revision; else BUS_ERR_REVISION
   * (the fence, as for update).
   */
  delete(key: string, expectedRevision?: number): Promise<void>;
  /** Watches `opts.key` (default all keys). */
  watch(opts?: KvWatchOptions): KvWatch;
  /** The keys matching `pattern` (`*`, `>` wildcards; default all) whose latest entry is a value (not deleted or purged), values not read. */
  keys(pattern?: string): Promise<string[]>;
}

/** What an object store must look like; `ensureObjectStore` creates it when missing. */
export interface ObjectStoreSpec {
  /** Bucket name: letters, digits, `-` and `_`. */
  bucket: string;
  /** Number of replicas in a cluster (default 1). */
  replicas?: number;
  /** Storage (default 'file'). */
  storage?: Storage;
  /** Objects expire this many milliseconds after being written (default 0: never). */
  ttlMs?: number;
}

/** Metadata of a stored object. */
export interface ObjectInfo {
  readonly bucket: string;
  readonly name: string;
  /** Size in bytes. */
  readonly size: number;
}

/** An object store bucket for blobs larger than a KV value may be (checkpoints). */
export interface BlobStore {
  /** The bucket name. */
  readonly bucket: string;
  /** Stores `data` under `name`, replacing any previous object of that name. */
  put(name: string, data: Uint8Array): Promise<ObjectInfo>;
  /** The object's bytes, or null when there is no such object. */
  get(name: string): Promise<Uint8Array | null>;
  /** Deletes the object; deleting a missing object is not an error. */
  delete(name: string): Promise<void>;
}

/** Health events, each mapped to one metric by the caller. */
export type TransportStatus =
  /** The connection to `server` was lost; the transport is reconnecting. */
  | { readonly type: 'disconnect'; readonly server: string }
  /** The connection is back (to `server`); subscriptions have been restored. */
  | { readonly type: 'reconnect'; readonly server: string }
  /** A subscription dropped a message because its pending buffer was full. */
  | { readonly type: 'slowConsumer'; readonly subject: string; readonly dropped: number }
  /** An asynchronous error not tied to a call (server error, throwing callback). */
  | { readonly type: 'error'; readonly error: Error }
  /** The transport has closed; no more events follow. */
  | { readonly type: 'closed' };

/** Carousel's message bus. Lifecycle: created started (or by `connect`), then `drain()` or `close()`. */
export interface Transport extends AsyncDisposable {
  /** 'nats' or 'inproc', for logs and the `carousel up` banner. */
  readonly kind: 'nats' | 'inproc';

  /** Publishes a core message (fire and forget). Throws BUS_ERR_CLOSED after close, BUS_ERR_PAYLOAD_TOO_LARGE over max payload. */
  publish(subject: string, data: Uint8Array, opts?: PublishOptions): void;
  /** Subscribes to a subject or pattern (`*` one token, `>` one or more trailing tokens). */
  subscribe(subject: string, opts?: SubscribeOptions): Subscription;
  /** Sends a request and resolves to the first reply; BUS_ERR_NO_RESPONDERS when nobody listens, BUS_ERR_TIMEOUT. */
  request(subject: string, data: Uint8Array, opts?: RequestOptions): Promise<BusMsg>;
  /** Resolves when everything published so far has reached the server (and subscriptions are registered). */
  flush(): Promise<void>;

  /** Publishes to a stream and waits for its ack; BUS_ERR_NO_STREAM when no stream captures `subject`. */
  jsPublish(subject: string, data: Uint8Array, opts?: JsPublishOptions): Promise<PubAck>;
  /** An ordered consumer of `stream` starting after `opts.afterSeq`. BUS_ERR_NOT_FOUND (on iteration) when the stream does not exist. */
  consume(stream: string, opts: ConsumeOptions): StreamConsumer;
  /** The state of a stream; BUS_ERR_NOT_FOUND when it does not exist. */
  streamState(stream: string): Promise<StreamState>;
  /**
   * The newest message `stream` still stores on a subject matching `subject` (wildcards allowed),
   * or null when it stores none; BUS_ERR_NOT_FOUND when the stream does not exist.
   */
  lastMessage(stream: string, subject: string): Promise<StreamMsg | null>;

  /** Creates the stream, or updates it to `spec` when it exists. */
  ensureStream(spec: StreamSpec): Promise<void>;
  /** Deletes a stream and its messages; BUS_ERR_NOT_FOUND when it does not exist. */
  deleteStream(name: string): Promise<void>;
  /** Opens the KV bucket, creating it per `spec` when missing. */
  ensureKv(spec: KvSpec): Promise<KvStore>;
  /** Opens an existing KV bucket; BUS_ERR_NOT_FOUND when missing. */
  kv(bucket: string): Promise<KvStore>;
  /** Opens the object store, creating it per `spec` when missing. */
  ensureObjectStore(spec: ObjectStoreSpec): Promise<BlobStore>;
  /** Opens an existing object store; BUS_ERR_NOT_FOUND when missing. */
  objectStore(bucket: string): Promise<BlobStore>;

  /** Health events from now on, until the transport closes. Each call is an independent listener. */
  status(): AsyncIterable<TransportStatus>;
  /** Stops new deliveries, lets subscriptions finish their buffers, flushes, then closes. */
  drain(): Promise<void>;
  /** Closes now: subscriptions and consumers end, pending calls fail with BUS_ERR_CLOSED. Idempotent. */
  close(): Promise<void>;
  /** Resolves when the transport has closed (with the error that closed it, if any). */
  closed(): Promise<void | Error>;
}
