// NatsTransport: the Transport contract over the `nats` v2 client. Core pub/sub and request-reply
// on the connection, JetStream publish and ordered consumers via jetstream(), provisioning via
// jetstreamManager(), KV and Object Store via js.views. Reconnects forever with capped backoff
// (reconnect.ts).
// It adds no behaviour of its own beyond buffering limits and error codes.

import { readFile } from 'node:fs/promises';
import {
  connect, ConsumerEvents, credsAuthenticator, DebugEvents, DiscardPolicy, Events, headers as natsHeaders, KvWatchInclude, RetentionPolicy,
  StorageType, nanos,
  type ConnectionOptions, type JetStreamClient, type JetStreamManager, type KV, type KvEntry as NatsKvEntry,
  type MsgHdrs, type NatsConnection, type ObjectStore, type StreamConfig,
} from 'nats';
import { BUS_ERR, BusError } from './errors.ts';
import { isNoMessageFound, mapErrors, toBusError } from './nats-errors.ts';
import { DEFAULT_CONSUMER_BATCH, DEFAULT_DUPLICATE_WINDOW_MS, parseNatsOptions, type NatsTransportOptions } from './options.ts';
import { ReconnectBackoff } from './reconnect.ts';
import { StatusHub } from './status.ts';
import { checkName, checkPattern, checkSubject } from './subject.ts';
import { QueuedSubscription } from './subscription.ts';
import type {
  BlobStore, BusMsg, ConsumeOptions, JsPublishOptions, KvEntry, KvSpec, KvStore, KvWatch, KvWatchOptions, MsgHeaders,
  ObjectInfo, ObjectStoreSpec, PubAck, PublishOptions, RequestOptions, Storage, StreamConsumer, StreamMsg, StreamSpec,
  StreamState, SubscribeOptions, Subscription, Transport, TransportStatus,
} from './transport.ts';

const STATE_OPEN = 0;
const STATE_DRAINING = 1;
const STATE_CLOSED = 2;

/** Ordered consumer pulls: a pull lasts this long, the server sends heartbeats this often while one waits. */
const CONSUME_EXPIRES_MS = 5_000;
const CONSUME_HEARTBEAT_MS = 1_000;
/** A consumer that delivers nothing this long while messages are pending for it is replaced. */
const CONSUME_STALL_MS = 5_000;
/**
 * A consumer create (and the stream check before it) waits at most this long. A cluster places
 * each new ordered consumer (R1) on one of the stream's peers, and it may pick a peer that was
 * killed but is not yet known to be down: that create never answers, and only a new one (placed
 * anew) succeeds. So a create that times out is retried at once, not after a growing backoff.
 */
const CONSUME_CREATE_TIMEOUT_MS = 2_000;
/** How long the server keeps an ordered consumer nobody pulls from (one orphaned by a lost create). */
const CONSUME_INACTIVE_MS = 60_000;
/** Backoff between attempts to recreate a consumer that failed. */
const CONSUME_RETRY_MIN_MS = 250;
const CONSUME_RETRY_MAX_MS = 5_000;

function toNatsHeaders(h: MsgHeaders | undefined, msgId?: string): MsgHdrs | undefined {
  if ((h === undefined || Object.keys(h).length === 0) && msgId === undefined) return undefined;
  const out = natsHeaders();
  for (const [k, v] of Object.entries(h ?? {})) out.set(k, v);
  if (msgId !== undefined) out.set('Nats-Msg-Id', msgId);
  return out;
}

function fromNatsHeaders(h: MsgHdrs | undefined): MsgHeaders {
  if (h === undefined) return {};
  const out: Record<string, string> = {};
  for (const k of h.keys()) out[k] = h.get(k);
  return out;
}

function storageOf(s: Storage | undefined): StorageType {
  return s === 'memory' ? StorageType.Memory : StorageType.File;
}

function kvEntry(e: NatsKvEntry): KvEntry {
  return { bucket: e.bucket, key: e.key, value: e.value, revision: e.revision, operation: e.operation };
}

/** The connection options for the `nats` client, from our frozen options; `backoff` paces reconnects. */
async function connectionOptions(o: Readonly<NatsTransportOptions>, backoff: ReconnectBackoff): Promise<ConnectionOptions> {
  const co: ConnectionOptions = {
    servers: [...o.servers],
    name: o.name,
    // Replies, JetStream acks and consumer deliveries all arrive under this prefix (options.ts).
    inboxPrefix: o.inboxPrefix,
    maxReconnectAttempts: -1,
    waitOnFirstConnect: false,
    timeout: o.requestTimeoutMs,
    // nats.js asks for this on every pass of its dial loop (also passes that only sleep), so it
    // must not advance the backoff itself: #watchStatus advances it once per dial. See reconnect.ts.
    reconnectDelayHandler: () => backoff.delay(),
    noAsyncTraces: !o.asyncTraces,
  };
  if (o.user !== undefined) {
    co.user = o.user;
    co.pass = o.pass;
  }
  if (o.token !== undefined) co.token = o.token;
  if (o.credsFile !== undefined) co.authenticator = credsAuthenticator(await readFile(o.credsFile));
  if (o.tls !== undefined) co.tls = { ...o.tls };
  return co;
}

export class NatsTransport implements Transport {
  readonly kind = 'nats' as const;
  #state = STATE_OPEN;
  #subs = new Set<QueuedSubscription>();
  #consumers = new Set<{ close(): Promise<void> }>();
  /** Restarts every ordered consumer after a reconnect (see consume()). */
  readonly #reconnectHooks = new Set<() => void>();
  #watches = new Set<KvWatch>();
  #status = new StatusHub();
  #jsm: JetStreamManager | undefined;
  #jsmCreate: JetStreamManager | undefined;
  readonly #js: JetStreamClient;
  /** For consumer creates, with the shorter timeout (CONSUME_CREATE_TIMEOUT_MS). */
  readonly #jsCreate: JetStreamClient;
  readonly #done: Promise<void | Error>;

  private constructor(
    readonly nc: NatsConnection,
    private readonly opts: Readonly<NatsTransportOptions>,
    private readonly backoff: ReconnectBackoff,
  ) {
    this.#js = nc.jetstream({ timeout: opts.requestTimeoutMs });
    this.#jsCreate = nc.jetstream({ timeout: this.#createTimeoutMs() });
    void this.#watchStatus();
    this.#done = nc.closed().then((err) => {
      this.#state = STATE_CLOSED;
      for (const s of [...this.#subs]) s.close();
      for (const w of [...this.#watches]) w.close();
      if (err !== undefined) this.#status.emit({ type: 'error', error: toBusError(err, 'connection closed') });
      this.#status.close();
      return err ?? undefined;
    });
  }

  /** Connects to `opts.servers` (the first connection must succeed; later losses reconnect forever). */
  static async connect(options: Partial<NatsTransportOptions> = {}): Promise<NatsTransport> {
    const opts = parseNatsOptions(options);
    const backoff = new ReconnectBackoff(opts.reconnectMinMs, opts.reconnectMaxMs);
    const co = await connectionOptions(opts, backoff);
    const nc = await mapErrors(`connect to ${opts.servers.join(',')}`, () => connect(co));
    return new NatsTransport(nc, opts, backoff);
  }

  async #watchStatus(): Promise<void> {
    for await (const s of this.nc.status()) {
      const server = String(s.data);
      let ev: TransportStatus | undefined;
      if (s.type === DebugEvents.Reconnecting) this.backoff.attempted();
      else if (s.type === Events.Disconnect) ev = { type: 'disconnect', server };
      else if (s.type === Events.Reconnect) {
        this.backoff.reset();
        for (const restart of [...this.#reconnectHooks]) restart();
        ev = { type: 'reconnect', server };
      } else if (s.type === Events.Error) {
        // For a permissions violation nats.js sends the code as data and the denied operation and
        // subject separately; keep both in the message, it is all the caller learns of the denial.
        const denied = s.permissionContext;
        const what = denied === undefined ? 'connection error' : `permission denied for ${denied.operation} on ${denied.subject}`;
        ev = { type: 'error', error: toBusError(s.data, what) };
      }
      if (ev !== undefined) this.#status.emit(ev);
    }
  }

  #guard(): void {
    if (this.#state !== STATE_OPEN || this.nc.isClosed()) throw new BusError(BUS_ERR.CLOSED, 'transport is closed or draining');
  }

  #createTimeoutMs(): number {
    return Math.min(this.opts.requestTimeoutMs, CONSUME_CREATE_TIMEOUT_MS);
  }

  async #createManager(): Promise<JetStreamManager> {
    this.#jsmCreate ??= await mapErrors('jetstream manager', () => this.nc.jetstreamManager({ timeout: this.#createTimeoutMs() }));
    return this.#jsmCreate;
  }

  async #manager(): Promise<JetStreamManager> {
    this.#jsm ??= await mapErrors('jetstream manager', () => this.nc.jetstreamManager({ timeout: this.opts.requestTimeoutMs }));
    return this.#jsm;
  }

  #sync<T>(what: string, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      throw toBusError(err, what);
    }
  }

  publish(subject: string, data: Uint8Array, opts: PublishOptions = {}): void {
    this.#guard();
    checkSubject(subject);
    this.#sync(`publish ${subject}`, () =>
      this.nc.publish(subject, data, { headers: toNatsHeaders(opts.headers, opts.msgId), reply: opts.reply }),
    );
  }

  subscribe(subject: string, opts: SubscribeOptions = {}): Subscription {
    this.#guard();
    checkPattern(subject);
    // Assigned once below, but read by the onStop closure created before it: it cannot be a const.
    // eslint-disable-next-line prefer-const
    let natsSub: ReturnType<NatsConnection['subscribe']> | undefined;
    const sub: QueuedSubscription = new QueuedSubscription(subject, opts.queue, opts.maxPending ?? this.opts.maxPendingMsgs, opts.callback, {
      onStop: () => {
        this.#subs.delete(sub);
        if (!this.nc.isClosed()) natsSub?.unsubscribe();
      },
      emit: (e) => this.#status.emit(e),
    });
    natsSub = this.#sync(`subscribe ${subject}`, () =>
      this.nc.subscribe(subject, {
        queue: opts.queue,
        callback: (err, m) => {
          if (err !== null) {
            this.#status.emit({ type: 'error', error: toBusError(err, `subscription ${subject}`) });
            // nats.js closes a subscription the server refused; end ours too, or its iterator
            // would wait forever for messages that cannot come.
            if (err.isPermissionError()) sub.close();
            return;
          }
          const msg: BusMsg = m.reply === undefined || m.reply === ''
            ? { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers) }
            : { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers), reply: m.reply };
          sub.deliver(msg);
        },
      }),
    );
    this.#subs.add(sub);
    return sub;
  }

  async request(subject: string, data: Uint8Array, opts: RequestOptions = {}): Promise<BusMsg> {
    this.#guard();
    checkSubject(subject);
    const m = await mapErrors(`request ${subject}`, () =>
      this.nc.request(subject, data, { timeout: opts.timeout ?? this.opts.requestTimeoutMs, headers: toNatsHeaders(opts.headers) }),
    );
    return { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.headers) };
  }

  async flush(): Promise<void> {
    this.#guard();
    await mapErrors('flush', () => this.nc.flush());
  }

  async jsPublish(subject: string, data: Uint8Array, opts: JsPublishOptions = {}): Promise<PubAck> {
    this.#guard();
    checkSubject(subject);
    const ack = await mapErrors(
      `jetstream publish ${subject}`,
      () => this.#js.publish(subject, data, { msgID: opts.msgId, headers: toNatsHeaders(opts.headers), timeout: opts.timeout ?? this.opts.requestTimeoutMs }),
      'jetstream',
    );
    return { stream: ack.stream, seq: ack.seq, duplicate: ack.duplicate };
  }

  consume(stream: string, opts: ConsumeOptions): StreamConsumer {
    this.#guard();
    checkName('stream', stream);
    if (opts.filterSubject !== undefined) checkPattern(opts.filterSubject);
    const js = this.#jsCreate;
    const nc = this.nc;
    const manager = () => this.#createManager();
    const consumers = this.#consumers;
    const reconnectHooks = this.#reconnectHooks;
    let lastSeq = opts.afterSeq;
    let closed = false;
    // Ends the current nats.js ordered consumer: closing stops for good, a restart makes the loop
    // below create a new one after lastSeq.
    let stop: (() => void) | undefined;
    let restart = false;
    let wake: (() => void) | undefined;
    let iterator: AsyncGenerator<StreamMsg> | undefined;
    /** The nats.js consumer now consuming (undefined while starting or being replaced). */
    let current: { info(cached?: boolean): Promise<{ num_pending: number }> } | undefined;
    const restartNow = () => {
      restart = true;
      stop?.();
      wake?.();
    };
    const handle = {
      stream,
      get lastSeq() {
        return lastSeq;
      },
      pending: async (): Promise<number | null> => {
        const c = current;
        if (c === undefined || closed) return null;
        return (await mapErrors(`consumer info on ${stream}`, () => c.info())).num_pending;
      },
      close: async () => {
        closed = true;
        consumers.delete(handle);
        reconnectHooks.delete(restartNow);
        stop?.();
        wake?.();
      },
      // One underlying consumer however often the iterator is asked for.
      [Symbol.asyncIterator]: () => (iterator ??= messages()),
    };
    const sleep = (ms: number) => new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        wake = undefined;
        resolve();
      }, ms);
      wake = () => {
        clearTimeout(t);
        wake = undefined;
        resolve();
      };
    });
    /** One nats.js ordered consumer starting after lastSeq, or an error. */
    async function start() {
      // Ordered consumers retry a missing stream forever; check it exists first.
      await mapErrors(`stream ${stream}`, async () => (await manager()).streams.info(stream));
      const consumer = await mapErrors(`ordered consumer on ${stream}`, () =>
        js.consumers.get(stream, {
          opt_start_seq: lastSeq + 1,
          inactive_threshold: CONSUME_INACTIVE_MS,
          ...(opts.filterSubject === undefined ? {} : { filterSubjects: opts.filterSubject }),
        }),
      );
      // Its first consumer create is retried up to 30 times, `expires` apart, before consume()
      // settles: while a cluster node is down that can hold this loop for minutes. Fail at once
      // instead; the loop below retries (a fresh stream check and consumer) with a short backoff.
      if ('maxInitialReset' in consumer) (consumer as { maxInitialReset: number }).maxInitialReset = 0;
      const iter = await mapErrors(`consume ${stream}`, () => consumer.consume({
        max_messages: opts.batch ?? DEFAULT_CONSUMER_BATCH, expires: CONSUME_EXPIRES_MS, idle_heartbeat: CONSUME_HEARTBEAT_MS,
      }));
      return { iter, consumer };
    }
    // Watchdog: a consumer that yields nothing for CONSUME_STALL_MS while the server says it has
    // messages pending for it (or cannot say: its consumer is gone) is replaced. Losing the
    // cluster node that hosted it can leave the nats.js ordered consumer waiting without an error
    // or a missed-heartbeat event (seen in the 3-node chaos test after the stream leader's kill).
    let progressAt = Date.now();
    let waiting = false;
    const watch = (consumer: { info(cached?: boolean): Promise<{ num_pending: number; num_ack_pending: number }> }) => {
      const timer = setInterval(() => {
        if (closed || restart || waiting || Date.now() - progressAt < CONSUME_STALL_MS) return;
        consumer.info().then(
          (ci) => {
            if (ci.num_pending > 0 && !waiting && Date.now() - progressAt >= CONSUME_STALL_MS) restartNow();
          },
          () => {
            if (!closed) restartNow();
          },
        );
      }, CONSUME_STALL_MS / 2);
      return () => clearInterval(timer);
    };
    // The nats.js ordered consumer recovers from a sequence gap and from a consumer it is told was
    // deleted, but not from losing the server that hosts it (its consumer is R1, in memory: a
    // killed cluster node or a restarted single server takes it along). Missed heartbeats then
    // only start consumer-info polls (every `expires`) on the lost consumer; after a reconnect the
    // heartbeat monitor stays off until such a poll succeeds. Either way it can stall for good
    // without an error. So this loop replaces it with a new ordered consumer, after the last
    // sequence it yielded, on missed heartbeats, on a reconnect and when it ends with an error;
    // only a missing stream, a closed connection or close() end the loop.
    async function* messages(): AsyncGenerator<StreamMsg> {
      reconnectHooks.add(restartNow);
      let failures = 0;
      try {
        while (!closed) {
          restart = false;
          let iter: Awaited<ReturnType<typeof start>>['iter'];
          let unwatch: () => void;
          try {
            const started = await start();
            iter = started.iter;
            progressAt = Date.now();
            waiting = false;
            unwatch = watch(started.consumer);
            current = started.consumer;
          } catch (err) {
            const e = toBusError(err, `consume ${stream}`);
            if (closed || e.code === BUS_ERR.NOT_FOUND || e.code === BUS_ERR.CLOSED || nc.isClosed()) throw e;
            // A timeout has already waited; another create may be placed on a live peer.
            await sleep(e.code === BUS_ERR.TIMEOUT ? CONSUME_RETRY_MIN_MS : Math.min(CONSUME_RETRY_MAX_MS, CONSUME_RETRY_MIN_MS * 2 ** Math.min(failures++, 10)));
            continue;
          }
          stop = () => iter.stop();
          if (closed || restart) iter.stop();
          void (async () => {
            for await (const s of await iter.status()) {
              if (s.type === ConsumerEvents.HeartbeatsMissed || s.type === ConsumerEvents.ConsumerDeleted) {
                restartNow();
                break;
              }
            }
          })().catch(() => {});
          const backoff = () => sleep(Math.min(CONSUME_RETRY_MAX_MS, CONSUME_RETRY_MIN_MS * 2 ** Math.min(failures++, 10)));
          try {
            for await (const jm of iter) {
              progressAt = Date.now();
              if (jm.seq <= lastSeq) continue; // never again what was yielded (a restart overlaps nothing, but be sure)
              failures = 0;
              lastSeq = jm.seq;
              waiting = true; // the reader is slow (backpressure), not the consumer
              yield { subject: jm.subject, data: jm.data, headers: fromNatsHeaders(jm.headers), streamSeq: jm.seq };
              waiting = false;
              progressAt = Date.now();
              if (closed || restart) break;
            }
          } catch (err) {
            if (closed) return;
            if (nc.isClosed()) throw toBusError(err, `consume ${stream}`);
            await backoff();
            continue;
          } finally {
            unwatch();
            stop = undefined;
            current = undefined;
            iter.stop();
          }
          if (nc.isClosed()) return;
          // It ended without being asked to: not in a tight loop.
          if (!closed && !restart) await backoff();
        }
      } finally {
        reconnectHooks.delete(restartNow);
      }
    }
    consumers.add(handle);
    return handle;
  }

  async streamState(stream: string): Promise<StreamState> {
    this.#guard();
    checkName('stream', stream);
    const info = await mapErrors(`stream ${stream}`, async () => (await this.#manager()).streams.info(stream));
    return { name: stream, messages: info.state.messages, firstSeq: info.state.first_seq, lastSeq: info.state.last_seq };
  }

  async lastMessage(stream: string, subject: string): Promise<StreamMsg | null> {
    this.#guard();
    checkName('stream', stream);
    checkPattern(subject);
    const jsm = await mapErrors(`stream ${stream}`, () => this.#manager());
    try {
      const m = await jsm.streams.getMessage(stream, { last_by_subj: subject });
      return { subject: m.subject, data: m.data, headers: fromNatsHeaders(m.header), streamSeq: m.seq };
    } catch (err) {
      if (isNoMessageFound(err)) return null;
      throw toBusError(err, `stream ${stream}: last message on ${subject}`, 'jetstream');
    }
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    this.#guard();
    checkName('stream', spec.name);
    if (!Array.isArray(spec.subjects) || spec.subjects.length === 0) throw new BusError(BUS_ERR.CONFIG, 'a stream needs subjects');
    spec.subjects.forEach(checkPattern);
    const retention = { limits: RetentionPolicy.Limits, interest: RetentionPolicy.Interest, workqueue: RetentionPolicy.Workqueue }[spec.retention ?? 'limits'];
    const config: Partial<StreamConfig> = {
      name: spec.name,
      subjects: [...spec.subjects],
      retention,
      max_age: nanos(spec.maxAgeMs ?? 0),
      max_msgs: spec.maxMsgs ?? -1,
      max_bytes: spec.maxBytes ?? -1,
      duplicate_window: nanos(spec.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS),
      num_replicas: spec.replicas ?? 1,
      storage: storageOf(spec.storage),
      discard: DiscardPolicy.Old,
    };
    const jsm = await this.#manager();
    await mapErrors(`ensure stream ${spec.name}`, async () => {
      const existing = await jsm.streams.info(spec.name).then((i) => i, (err) => {
        if (toBusError(err, '').code === BUS_ERR.NOT_FOUND) return undefined;
        throw err;
      });
      // Storage cannot change on update; everything else the spec names can. Replicas the spec
      // does not name stay as they are: a caller without a replicas setting (the worker) must not
      // scale an operator's replicas-3 stream down to 1.
      if (existing !== undefined) {
        const num_replicas = spec.replicas ?? existing.config.num_replicas;
        await jsm.streams.update(spec.name, { ...config, num_replicas, storage: undefined } as Partial<StreamConfig>);
      } else await jsm.streams.add(config);
    });
  }

  async deleteStream(name: string): Promise<void> {
    this.#guard();
    checkName('stream', name);
    await mapErrors(`delete stream ${name}`, async () => (await this.#manager()).streams.delete(name));
  }

  async ensureKv(spec: KvSpec): Promise<KvStore> {
    this.#guard();
    checkName('bucket', spec.bucket);
    const kv = await mapErrors(`ensure KV ${spec.bucket}`, () =>
      this.#js.views.kv(spec.bucket, {
        history: spec.history ?? 1,
        maxValueSize: spec.maxValueSize ?? -1,
        ttl: spec.ttlMs ?? 0,
        replicas: spec.replicas ?? 1,
        storage: storageOf(spec.storage),
      }),
    );
    return this.#kvStore(spec.bucket, kv);
  }

  async kv(bucket: string): Promise<KvStore> {
    this.#guard();
    checkName('bucket', bucket);
    await mapErrors(`KV ${bucket}`, async () => (await this.#manager()).streams.info(`KV_${bucket}`));
    const kv = await mapErrors(`KV ${bucket}`, () => this.#js.views.kv(bucket, { bindOnly: true }));
    return this.#kvStore(bucket, kv);
  }

  #kvStore(bucket: string, kv: KV): KvStore {
    const guard = () => this.#guard();
    const watches = this.#watches;
    return {
      bucket,
      get: async (key) => {
        guard();
        const e = await mapErrors(`KV get ${bucket}/${key}`, () => kv.get(key));
        return e === null || e.operation !== 'PUT' ? null : kvEntry(e);
      },
      put: (key, value) => {
        guard();
        return mapErrors(`KV put ${bucket}/${key}`, () => kv.put(key, value));
      },
      create: (key, value) => {
        guard();
        return mapErrors(`KV create ${bucket}/${key}`, () => kv.create(key, value));
      },
      update: (key, value, expectedRevision) => {
        guard();
        return mapErrors(`KV update ${bucket}/${key}`, () => kv.update(key, value, expectedRevision));
      },
      delete: async (key, expectedRevision) => {
        guard();
        await mapErrors(`KV delete ${bucket}/${key}`, () => kv.delete(key, expectedRevision === undefined ? undefined : { previousSeq: expectedRevision }));
      },
      keys: async (pattern = '>') => {
        guard();
        return mapErrors(`KV keys ${bucket}/${pattern}`, async () => {
          const out: string[] = [];
          for await (const k of await kv.keys(pattern)) out.push(k); // nats.js skips keys whose latest entry is a DEL or PURGE
          return out;
        });
      },
      watch: (opts: KvWatchOptions = {}) => {
        guard();
        let stopped = false;
        let natsWatch: { stop(): void } | undefined;
        const started = mapErrors(`KV watch ${bucket}`, () =>
          kv.watch({ key: opts.key ?? '>', include: opts.updatesOnly === true ? KvWatchInclude.UpdatesOnly : KvWatchInclude.LastValue }),
        );
        let entries: AsyncGenerator<KvEntry> | undefined;
        async function* follow(): AsyncGenerator<KvEntry> {
          const it = await started;
          natsWatch = it;
          if (stopped) return;
          for await (const e of it) yield kvEntry(e);
        }
        const w: KvWatch = {
          close: () => {
            stopped = true;
            watches.delete(w);
            natsWatch?.stop();
            void started.then((it) => it.stop(), () => {});
          },
          [Symbol.asyncIterator]: () => (entries ??= follow()),
        };
        watches.add(w);
        return w;
      },
    };
  }

  async ensureObjectStore(spec: ObjectStoreSpec): Promise<BlobStore> {
    this.#guard();
    checkName('bucket', spec.bucket);
    const os = await mapErrors(`ensure object store ${spec.bucket}`, () =>
      this.#js.views.os(spec.bucket, { replicas: spec.replicas ?? 1, storage: storageOf(spec.storage), ttl: nanos(spec.ttlMs ?? 0) }),
    );
    return this.#blobStore(spec.bucket, os);
  }

  async objectStore(bucket: string): Promise<BlobStore> {
    this.#guard();
    checkName('bucket', bucket);
    await mapErrors(`object store ${bucket}`, async () => (await this.#manager()).streams.info(`OBJ_${bucket}`));
    const os = await mapErrors(`object store ${bucket}`, () => this.#js.views.os(bucket));
    return this.#blobStore(bucket, os);
  }

  #blobStore(bucket: string, os: ObjectStore): BlobStore {
    const guard = () => this.#guard();
    return {
      bucket,
      put: async (name, data): Promise<ObjectInfo> => {
        guard();
        const info = await mapErrors(`object put ${bucket}/${name}`, () => os.putBlob({ name }, data));
        return { bucket, name, size: info.size };
      },
      get: async (name) => {
        guard();
        return mapErrors(`object get ${bucket}/${name}`, () => os.getBlob(name));
      },
      delete: async (name) => {
        guard();
        await mapErrors(`object delete ${bucket}/${name}`, () => os.delete(name));
      },
    };
  }

  status(): AsyncIterable<TransportStatus> {
    return this.#status.listen();
  }

  async drain(): Promise<void> {
    if (this.#state !== STATE_OPEN) {
      await this.#done;
      return;
    }
    this.#state = STATE_DRAINING;
    for (const c of [...this.#consumers]) await c.close();
    for (const w of [...this.#watches]) w.close();
    // nats drains every subscription (pending callbacks run), flushes, then closes.
    await mapErrors('drain', () => this.nc.drain());
    await Promise.all([...this.#subs].map((s) => s.drain()));
    await this.#done;
  }

  async close(): Promise<void> {
    if (this.#state === STATE_CLOSED) return;
    this.#state = STATE_CLOSED;
    for (const c of [...this.#consumers]) await c.close();
    for (const w of [...this.#watches]) w.close();
    for (const s of [...this.#subs]) s.close();
    if (!this.nc.isClosed()) await this.nc.close();
    await this.#done;
  }

  closed(): Promise<void | Error> {
    return this.#done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
