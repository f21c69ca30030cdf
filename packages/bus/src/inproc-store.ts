// KV buckets and object stores of InProcTransport. A KV bucket is a MemStream named KV_<bucket>
// capturing `$KV.<bucket>.>`, as in JetStream: the revision is the stream sequence, a delete is
// a marker message, a watch follows the stream. Object stores keep whole blobs in a Map.

import { BUS_ERR, BusError } from './errors.ts';
import type { BlobDir } from './mem-persist.ts';
import { MemFollower, type MemStream, type StoredMsg } from './mem-stream.ts';
import { checkPattern } from './subject.ts';
import type { BlobStore, KvEntry, KvOperation, KvStore, KvWatch, KvWatchOptions, ObjectInfo } from './transport.ts';

const KEY_RE = /^[-/=.\w]+$/;
const OP_HEADER = 'KV-Operation';
const EMPTY = new Uint8Array(0);

export function checkKey(key: string): string {
  if (typeof key !== 'string' || !KEY_RE.test(key) || key.startsWith('.') || key.endsWith('.') || key.includes('..')) {
    throw new BusError(BUS_ERR.INVALID_NAME, `invalid KV key '${String(key)}'`);
  }
  return key;
}

export class MemKv implements KvStore {
  readonly #prefix: string;

  constructor(
    readonly bucket: string,
    private readonly stream: MemStream,
    private readonly maxValueSize: number,
    /** Tracks watches so the transport can end them on close. */
    private readonly followers: Set<MemFollower>,
    private readonly guard: () => void,
  ) {
    this.#prefix = `$KV.${bucket}.`;
  }

  #entry(m: StoredMsg): KvEntry {
    return {
      bucket: this.bucket,
      key: m.subject.slice(this.#prefix.length),
      value: m.data,
      revision: m.seq,
      operation: (m.headers[OP_HEADER] as KvOperation | undefined) ?? 'PUT',
    };
  }

  #write(key: string, value: Uint8Array, op: KvOperation, expected?: number): number {
    this.guard();
    checkKey(key);
    if (this.maxValueSize >= 0 && value.length > this.maxValueSize) {
      throw new BusError(BUS_ERR.PAYLOAD_TOO_LARGE, `value of ${value.length} bytes over the bucket limit ${this.maxValueSize}`);
    }
    const headers: Record<string, string> = op === 'PUT' ? {} : { [OP_HEADER]: op };
    const opts = expected === undefined ? {} : { expectedLastSubjectSeq: expected };
    return this.stream.append(this.#prefix + key, value.slice(), headers, opts).seq;
  }

  async get(key: string): Promise<KvEntry | null> {
    this.guard();
    const m = this.stream.last(this.#prefix + checkKey(key));
    if (m === undefined) return null;
    const e = this.#entry(m);
    return e.operation === 'PUT' ? e : null;
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    return this.#write(key, value, 'PUT');
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    const m = this.stream.last(this.#prefix + checkKey(key));
    if (m !== undefined && (m.headers[OP_HEADER] ?? 'PUT') === 'PUT') {
      throw new BusError(BUS_ERR.REVISION, `key ${key} exists (revision ${m.seq})`);
    }
    return this.#write(key, value, 'PUT', m?.seq ?? 0);
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<number> {
    return this.#write(key, value, 'PUT', expectedRevision);
  }

  async delete(key: string, expectedRevision?: number): Promise<void> {
    this.#write(key, EMPTY, 'DEL', expectedRevision);
  }

  async keys(pattern = '>'): Promise<string[]> {
    this.guard();
    const full = this.#prefix + checkPattern(pattern);
    return this.stream.lastPerSubject(full).filter((m) => (m.headers[OP_HEADER] ?? 'PUT') === 'PUT').map((m) => m.subject.slice(this.#prefix.length));
  }

  watch(opts: KvWatchOptions = {}): KvWatch {
    this.guard();
    const pattern = this.#prefix + checkPattern(opts.key ?? '>');
    const initial = opts.updatesOnly === true ? [] : this.stream.lastPerSubject(pattern).filter((m) => (m.headers[OP_HEADER] ?? 'PUT') === 'PUT');
    const follower = new MemFollower(this.stream, this.stream.state().lastSeq, pattern);
    this.followers.add(follower);
    const followers = this.followers;
    const toEntry = (m: StoredMsg) => this.#entry(m);
    async function* entries(): AsyncGenerator<KvEntry> {
      try {
        for (const m of initial) {
          if (follower.isClosed) return;
          yield toEntry(m);
        }
        for await (const m of follower) yield toEntry(m);
      } finally {
        followers.delete(follower);
      }
    }
    const it = entries();
    return {
      close: () => follower.close(),
      [Symbol.asyncIterator]: () => it,
    };
  }
}

export class MemBlobStore implements BlobStore {
  #objects: Map<string, Uint8Array>;

  constructor(
    readonly bucket: string,
    private readonly guard: () => void,
    /** Where blobs persist, if anywhere (mem-persist.ts). */
    private readonly dir?: BlobDir,
  ) {
    this.#objects = dir?.loadAll() ?? new Map();
  }

  async put(name: string, data: Uint8Array): Promise<ObjectInfo> {
    this.guard();
    if (typeof name !== 'string' || name.length === 0) throw new BusError(BUS_ERR.INVALID_NAME, 'object name must be non-empty');
    this.#objects.set(name, data.slice());
    this.dir?.put(name, data);
    return { bucket: this.bucket, name, size: data.length };
  }

  async get(name: string): Promise<Uint8Array | null> {
    this.guard();
    const d = this.#objects.get(name);
    return d === undefined ? null : d.slice();
  }

  async delete(name: string): Promise<void> {
    this.guard();
    this.#objects.delete(name);
    this.dir?.delete(name);
  }
}
