// InProcTransport: the Transport contract inside one process, for `carousel up` without a
// nats-server and for fast unit tests. Same semantics as NatsTransport where the contract states
// them: wildcards, queue groups, no-responders, stream sequences, msg-id dedupe, ordered replay,
// KV revisions and watch, object store, payload limit. Not persistent, not replicated.

import { join } from 'node:path';
import { BUS_ERR, BusError } from './errors.ts';
import { BlobDir, StreamLog } from './mem-persist.ts';
import { compileMapping, type SubjectMapping } from './mapping.ts';
import { MemFollower, MemStream, type MemStreamConfig } from './mem-stream.ts';
import { MemBlobStore, MemKv } from './inproc-store.ts';
import { DEFAULT_CONSUMER_BATCH, DEFAULT_DUPLICATE_WINDOW_MS, parseInProcOptions, type InProcTransportOptions } from './options.ts';
import { StatusHub } from './status.ts';
import { checkName, checkPattern, checkSubject, subjectMatches } from './subject.ts';
import { QueuedSubscription } from './subscription.ts';
import type {
  BlobStore, BusMsg, ConsumeOptions, JsPublishOptions, KvSpec, KvStore, MsgHeaders, ObjectStoreSpec, PubAck,
  PublishOptions, RequestOptions, StreamConsumer, StreamMsg, StreamSpec, StreamState, SubscribeOptions, Subscription,
  Transport, TransportStatus,
} from './transport.ts';

const STATE_OPEN = 0;
const STATE_DRAINING = 1;
const STATE_CLOSED = 2;

export interface InProcOptions extends InProcTransportOptions {
  /** Subject mappings applied on publish, as in a nats-server config (default none). */
  mappings: Record<string, string>;
  /**
   * Folder where streams, KV buckets and object stores persist (JSON-lines logs and blob files),
   * so a restarted process continues where it stopped (default none: memory only).
   */
  dataDir: string | null;
}

function withMsgId(headers: MsgHeaders | undefined, msgId: string | undefined): MsgHeaders {
  if (msgId === undefined) return headers ?? {};
  return { ...headers, 'Nats-Msg-Id': msgId };
}

export class InProcTransport implements Transport {
  readonly kind = 'inproc' as const;
  readonly #opts: Readonly<InProcTransportOptions>;
  readonly #mappings: SubjectMapping[];
  #state = STATE_OPEN;
  #subs = new Set<QueuedSubscription>();
  #rr = new Map<string, number>();
  #streams = new Map<string, MemStream>();
  #blobs = new Map<string, MemBlobStore>();
  #kvLimits = new Map<string, number>();
  #followers = new Set<MemFollower>();
  #status = new StatusHub();
  #inbox = 0;
  readonly #dataDir: string | null;
  #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(opts: Partial<InProcOptions> = {}) {
    const { mappings = {}, dataDir = null, ...rest } = opts;
    this.#opts = parseInProcOptions(rest);
    this.#dataDir = dataDir;
    this.#mappings = Object.entries(mappings).map(([src, dst]) => compileMapping(src, dst));
    this.#done = new Promise((r) => (this.#resolveDone = r));
  }

  #newStream(config: MemStreamConfig): MemStream {
    const s = new MemStream(config, this.#opts.now);
    if (this.#dataDir !== null) s.attachLog(new StreamLog(join(this.#dataDir, 'streams', `${config.name}.jsonl`)));
    return s;
  }

  #guard = (): void => {
    if (this.#state === STATE_CLOSED) throw new BusError(BUS_ERR.CLOSED, 'transport is closed');
  };

  #guardOpen(): void {
    if (this.#state !== STATE_OPEN) throw new BusError(BUS_ERR.CLOSED, 'transport is closed or draining');
  }

  #checkPayload(data: Uint8Array): void {
    if (data.length > this.#opts.maxPayloadBytes) {
      throw new BusError(BUS_ERR.PAYLOAD_TOO_LARGE, `payload of ${data.length} bytes over max payload ${this.#opts.maxPayloadBytes}`);
    }
  }

  #map(subject: string): string {
    for (const m of this.#mappings) {
      const to = m(subject);
      if (to !== undefined) return to;
    }
    return subject;
  }

  /** Routes one message: one delivery per plain subscriber, one per queue group (round robin). */
  #route(msg: BusMsg): number {
    const groups = new Map<string, QueuedSubscription[]>();
    let delivered = 0;
    for (const s of this.#subs) {
      if (!subjectMatches(s.subject, msg.subject)) continue;
      if (s.queue === undefined) {
        s.deliver(msg);
        delivered++;
      } else {
        let g = groups.get(s.queue);
        if (g === undefined) groups.set(s.queue, (g = []));
        g.push(s);
      }
    }
    for (const [queue, members] of groups) {
      const key = `${queue}\u0000${msg.subject}`;
      const n = this.#rr.get(key) ?? 0;
      this.#rr.set(key, n + 1);
      members[n % members.length]!.deliver(msg);
      delivered++;
    }
    return delivered;
  }

  #capture(subject: string, data: Uint8Array, headers: MsgHeaders, msgId: string | undefined): PubAck | undefined {
    for (const s of this.#streams.values()) {
      if (s.captures(subject)) return s.append(subject, data, headers, msgId === undefined ? {} : { msgId });
    }
    return undefined;
  }

  publish(subject: string, data: Uint8Array, opts: PublishOptions = {}): void {
    this.#guardOpen();
    checkSubject(subject);
    this.#checkPayload(data);
    const to = this.#map(subject);
    const headers = withMsgId(opts.headers, opts.msgId);
    const msg: BusMsg = opts.reply === undefined ? { subject: to, data: data.slice(), headers } : { subject: to, data: data.slice(), headers, reply: opts.reply };
    this.#capture(to, msg.data, headers, opts.msgId);
    this.#route(msg);
  }

  subscribe(subject: string, opts: SubscribeOptions = {}): Subscription {
    this.#guardOpen();
    checkPattern(subject);
    const sub: QueuedSubscription = new QueuedSubscription(subject, opts.queue, opts.maxPending ?? this.#opts.maxPendingMsgs, opts.callback, {
      onStop: () => this.#subs.delete(sub),
      emit: (e) => this.#status.emit(e),
    });
    this.#subs.add(sub);
    return sub;
  }

  async request(subject: string, data: Uint8Array, opts: RequestOptions = {}): Promise<BusMsg> {
    this.#guardOpen();
    checkSubject(subject);
    this.#checkPayload(data);
    const inbox = `_INBOX.inproc.${++this.#inbox}`;
    const timeout = opts.timeout ?? this.#opts.requestTimeoutMs;
    return new Promise<BusMsg>((resolve, reject) => {
      const timer = setTimeout(() => {
        sub.close();
        reject(new BusError(BUS_ERR.TIMEOUT, `request on ${subject} timed out after ${timeout} ms`));
      }, timeout);
      const sub = this.subscribe(inbox, {
        callback: (m) => {
          clearTimeout(timer);
          sub.close();
          resolve(m);
        },
      });
      const to = this.#map(subject);
      const headers = opts.headers ?? {};
      this.#capture(to, data, headers, undefined);
      if (this.#route({ subject: to, data: data.slice(), headers, reply: inbox }) === 0) {
        clearTimeout(timer);
        sub.close();
        reject(new BusError(BUS_ERR.NO_RESPONDERS, `no responders on ${subject}`));
      }
    });
  }

  async flush(): Promise<void> {
    this.#guard();
    // Deliveries are synchronous; let callbacks scheduled by them run.
    await new Promise((r) => setImmediate(r));
  }

  async jsPublish(subject: string, data: Uint8Array, opts: JsPublishOptions = {}): Promise<PubAck> {
    this.#guardOpen();
    checkSubject(subject);
    this.#checkPayload(data);
    const to = this.#map(subject);
    const headers = withMsgId(opts.headers, opts.msgId);
    const copy = data.slice();
    const ack = this.#capture(to, copy, headers, opts.msgId);
    if (ack === undefined) throw new BusError(BUS_ERR.NO_STREAM, `no stream captures ${to}`);
    if (!ack.duplicate) this.#route({ subject: to, data: copy, headers });
    return ack;
  }

  #stream(name: string): MemStream {
    const s = this.#streams.get(name);
    if (s === undefined) throw new BusError(BUS_ERR.NOT_FOUND, `stream ${name} not found`);
    return s;
  }

  consume(stream: string, opts: ConsumeOptions): StreamConsumer {
    this.#guardOpen();
    checkName('stream', stream);
    if (opts.filterSubject !== undefined) checkPattern(opts.filterSubject);
    void (opts.batch ?? DEFAULT_CONSUMER_BATCH); // nothing to fetch ahead in process
    const followers = this.#followers;
    const streams = this.#streams;
    let follower: MemFollower | undefined;
    let closed = false;
    let lastSeq = opts.afterSeq;
    async function* messages(): AsyncGenerator<StreamMsg> {
      const s = streams.get(stream);
      if (s === undefined) throw new BusError(BUS_ERR.NOT_FOUND, `stream ${stream} not found`);
      if (closed) return;
      follower = new MemFollower(s, opts.afterSeq, opts.filterSubject);
      followers.add(follower);
      try {
        for await (const m of follower) {
          lastSeq = m.seq;
          yield { subject: m.subject, data: m.data, headers: m.headers, streamSeq: m.seq };
        }
      } finally {
        followers.delete(follower);
      }
    }
    const it = messages();
    return {
      stream,
      get lastSeq() {
        return lastSeq;
      },
      pending: async () => {
        const s = streams.get(stream);
        // From where the follower has looked: past it, nothing the filter matches is left behind.
        return s === undefined || closed ? null : s.countAfter(Math.max(lastSeq, follower?.clearTo ?? lastSeq), opts.filterSubject);
      },
      close: async () => {
        closed = true;
        follower?.close();
      },
      [Symbol.asyncIterator]: () => it,
    };
  }

  async streamState(stream: string): Promise<StreamState> {
    this.#guard();
    return this.#stream(stream).state();
  }

  async lastMessage(stream: string, subject: string): Promise<StreamMsg | null> {
    this.#guard();
    checkPattern(subject);
    const m = this.#stream(stream).lastPerSubject(subject).at(-1);
    return m === undefined ? null : { subject: m.subject, data: m.data, headers: m.headers, streamSeq: m.seq };
  }

  async ensureStream(spec: StreamSpec): Promise<void> {
    this.#guard();
    checkName('stream', spec.name);
    if (!Array.isArray(spec.subjects) || spec.subjects.length === 0) throw new BusError(BUS_ERR.CONFIG, 'a stream needs subjects');
    spec.subjects.forEach(checkPattern);
    const config = {
      name: spec.name,
      subjects: [...spec.subjects],
      maxAgeMs: spec.maxAgeMs ?? 0,
      maxMsgs: spec.maxMsgs ?? -1,
      maxBytes: spec.maxBytes ?? -1,
      duplicateWindowMs: spec.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS,
      maxMsgsPerSubject: -1,
    };
    const s = this.#streams.get(spec.name);
    if (s === undefined) this.#streams.set(spec.name, this.#newStream(config));
    else s.config = config;
  }

  async deleteStream(name: string): Promise<void> {
    this.#guard();
    this.#stream(name).delete();
    this.#streams.delete(name);
  }

  async ensureKv(spec: KvSpec): Promise<KvStore> {
    this.#guard();
    checkName('bucket', spec.bucket);
    const name = `KV_${spec.bucket}`;
    if (!this.#streams.has(name)) {
      const config = {
        name,
        subjects: [`$KV.${spec.bucket}.>`],
        maxAgeMs: spec.ttlMs ?? 0,
        maxMsgs: -1,
        maxBytes: -1,
        duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
        maxMsgsPerSubject: spec.history ?? 1,
      };
      this.#streams.set(name, this.#newStream(config));
      this.#kvLimits.set(spec.bucket, spec.maxValueSize ?? -1);
    }
    return this.kv(spec.bucket);
  }

  async kv(bucket: string): Promise<KvStore> {
    this.#guard();
    checkName('bucket', bucket);
    const s = this.#streams.get(`KV_${bucket}`);
    if (s === undefined) throw new BusError(BUS_ERR.NOT_FOUND, `KV bucket ${bucket} not found`);
    const limit = this.#kvLimits.get(bucket) ?? -1;
    return new MemKv(bucket, s, limit >= 0 ? Math.min(limit, this.#opts.maxPayloadBytes) : this.#opts.maxPayloadBytes, this.#followers, this.#guard);
  }

  async ensureObjectStore(spec: ObjectStoreSpec): Promise<BlobStore> {
    this.#guard();
    checkName('bucket', spec.bucket);
    if (!this.#blobs.has(spec.bucket)) {
      const dir = this.#dataDir === null ? undefined : new BlobDir(join(this.#dataDir, 'objects', spec.bucket));
      this.#blobs.set(spec.bucket, new MemBlobStore(spec.bucket, this.#guard, dir));
    }
    return this.#blobs.get(spec.bucket)!;
  }

  async objectStore(bucket: string): Promise<BlobStore> {
    this.#guard();
    const b = this.#blobs.get(checkName('bucket', bucket));
    if (b === undefined) throw new BusError(BUS_ERR.NOT_FOUND, `object store ${bucket} not found`);
    return b;
  }

  status(): AsyncIterable<TransportStatus> {
    return this.#status.listen();
  }

  async drain(): Promise<void> {
    if (this.#state !== STATE_OPEN) return this.#done;
    this.#state = STATE_DRAINING;
    await Promise.all([...this.#subs].map((s) => s.drain()));
    await this.close();
  }

  async close(): Promise<void> {
    if (this.#state === STATE_CLOSED) return;
    this.#state = STATE_CLOSED;
    for (const s of [...this.#subs]) s.close();
    for (const f of [...this.#followers]) f.close();
    this.#status.close();
    this.#resolveDone();
  }

  closed(): Promise<void | Error> {
    return this.#done;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
