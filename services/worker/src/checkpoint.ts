// Per-stream checkpoints in KV bucket <prefix>_state: one CheckpointEnvelope per stream id, the
// body inline (`b`) or, when over maxKvBytes, in the Object Store (`obj`, a new object per write,
// the previous one deleted after the KV points past it). Every write is create() (first) or
// update(expectedRevision), so a worker holding a stale revision fails: the fence.
// A write whose reply is lost (a timeout, a KV leader killed between its commit and its answer)
// may have landed: the next write then expects a stale revision and is refused as if fenced. The
// store keeps a hash of each write with an unknown outcome; when a refused write finds one of
// those in the key, it is this store's own and the write goes over it (see #write). Without that
// the actor would reload the landed, older state and lose what it applied since.
// Also the partition records `part.<n>` = {low}: every state-changing message of partition n up
// to JetStream sequence `low` is covered by its stream's checkpoint, so replay starts after low.
// Stream checkpoint reads and writes are bounded (maxInFlight): thousands of actors activating or
// passivating at once would otherwise ask for hundreds of MB of ~190 KB values at once, which
// nats-server answers by closing the connection as a slow consumer (its max_pending, 64 MB), and
// would queue lease renewals behind them on the socket. Reads go ahead of waiting writes: a read
// is an activation someone waits for (a sample's turn, an infer or control request), a write is a
// checkpoint of a stream that is leaving or has its state in memory. Behind a wave of 10,000 idle
// passivations an infer for a passivated stream used to wait for the whole wave (over 5 s in a
// bench run). A stream's own load never overtakes its own write: the actor system activates a key
// only once its passivation (and its checkpoint write) has finished. So that writes still move on
// under a storm of activations, every READ_STREAK-th slot in a row goes to the oldest write.

import { createHash } from 'node:crypto';
import { Packr } from 'msgpackr';
import { BUS_ERR, isBusError, type BlobStore, type KvStore } from '@carousel/bus';
import { PROTOCOL_VERSION, decodeCheckpoint, encodeCheckpoint, type CheckpointEnvelope, type ModelConfig } from '@carousel/protocol';
import { WorkerError, WORKER_ERR } from './errors.ts';
import type { ProcessorState } from './stream-processor.ts';

// moreTypes: typed arrays round-trip bit-exactly (without it msgpackr writes them as bins that do
// not come back as Float64Array); useRecords: false keeps the bytes plain msgpack.
const packr = new Packr({ useRecords: false, moreTypes: true });

/** The body of a stream checkpoint. */
export interface CheckpointBody {
  v: 1;
  /** The stream's config override as configured (merged over the worker's default on load). */
  cfg: ModelConfig | null;
  /** Samples learned since the last configure/reset. */
  n: number;
  /** The processor, or null before the stream's first sample (dimension not yet known). */
  proc: ProcessorState | null;
}

export interface LoadedCheckpoint {
  readonly envelope: CheckpointEnvelope;
  readonly body: CheckpointBody;
  /** KV revision: the expected revision of the next write. */
  readonly revision: number;
}

/** What a checkpoint's envelope says besides the body. */
export interface CheckpointMeta {
  stream: string;
  mv: number;
  js: number;
  seq: number | null;
}

export interface SavedCheckpoint {
  readonly revision: number;
  readonly obj: string | undefined;
  readonly bytes: number;
}

export function packBody(body: CheckpointBody): Uint8Array {
  return packr.pack(body);
}

export function unpackBody(bytes: Uint8Array): CheckpointBody {
  const body = packr.unpack(bytes) as CheckpointBody;
  if (body === null || typeof body !== 'object' || body.v !== 1) throw new WorkerError(WORKER_ERR.CHECKPOINT, 'checkpoint body is not v1');
  return body;
}

/** Stream checkpoint reads + writes in flight at once (each up to a KV value, ~190 KB for H=32). */
export const DEFAULT_CHECKPOINT_IO_IN_FLIGHT = 16;
/** Slots handed to waiting reads in a row while writes wait, at most; the next goes to a write. */
export const READ_STREAK = 4;

/**
 * Writes with an unknown outcome remembered per key, and in all, at most (the keys whose last failure
 * is oldest are dropped first). Any one of a key's failed writes may be the one that landed, the
 * first as well as the last: in a cluster test a KV leader election failed twenty periodic writes of
 * one stream in a row (BUS_ERR_NO_RESPONDERS), the first of them landed, and with sixteen remembered
 * its hash was gone, so the stream reloaded that landed state and lost the twenty samples applied
 * since. A key's list lasts until its outcome is known again (the next write that succeeds); at
 * 24 characters a hash, the total bound is ~10 MB.
 */
const UNCERTAIN_PER_KEY = 4096;
const UNCERTAIN_TOTAL = 262_144;
/** Times one write goes over a landed write of its own before it reports the revision conflict. */
const ADOPT_ROUNDS = 3;

export class CheckpointStore {
  readonly #io: Limiter;
  /** Keys with writes of unknown outcome since their last known one: digest128 of each value written. */
  readonly #uncertain = new Map<string, string[]>();
  #uncertainCount = 0;

  constructor(
    readonly kv: KvStore,
    readonly blobs: BlobStore,
    readonly maxKvBytes: number,
    maxInFlight = DEFAULT_CHECKPOINT_IO_IN_FLIGHT,
  ) {
    this.#io = new Limiter(maxInFlight);
  }

  /** Checkpoint reads and writes waiting for a slot (not yet sent). */
  get waiting(): number {
    return this.#io.waiting;
  }

  /** The stream's checkpoint, or null when it has none. Throws WORKER_ERR_CHECKPOINT when unreadable. */
  load(stream: string): Promise<LoadedCheckpoint | null> {
    return this.#io.run(() => this.#load(stream), true);
  }

  async #load(stream: string): Promise<LoadedCheckpoint | null> {
    const entry = await this.kv.get(stream);
    if (entry === null || entry.value.length === 0) return null;
    const d = decodeCheckpoint(entry.value);
    if (!d.ok) throw new WorkerError(WORKER_ERR.CHECKPOINT, `checkpoint of ${stream}: ${d.reject.code} ${d.reject.msg}`);
    let bytes = d.value.b;
    if (bytes === undefined) {
      const blob = await this.blobs.get(d.value.obj!);
      if (blob === null) throw new WorkerError(WORKER_ERR.CHECKPOINT, `checkpoint object ${d.value.obj} of ${stream} is missing`);
      bytes = blob;
    }
    return { envelope: d.value, body: unpackBody(bytes), revision: entry.revision };
  }

  /**
   * Writes one checkpoint atomically (the KV entry is the commit point). `expectedRevision` 0
   * means the stream has none yet. Throws BusError BUS_ERR_REVISION when fenced.
   */
  save(meta: CheckpointMeta, body: CheckpointBody, expectedRevision: number, previousObj: string | undefined): Promise<SavedCheckpoint>;
  /**
   * The same with the body built once a write slot is free, so that waiting writes hold no
   * snapshot and thousands of passivations do not snapshot in one go; `body` returning null
   * (e.g. the fence no longer allows) writes nothing and resolves to null.
   */
  save(meta: CheckpointMeta, body: () => CheckpointBody | null, expectedRevision: number, previousObj: string | undefined): Promise<SavedCheckpoint | null>;
  save(meta: CheckpointMeta, body: CheckpointBody | (() => CheckpointBody | null), expectedRevision: number, previousObj: string | undefined): Promise<SavedCheckpoint | null> {
    return this.#io.run(async () => {
      const b = typeof body === 'function' ? body() : body;
      return b === null ? null : this.#save(meta, b, expectedRevision, previousObj);
    });
  }

  async #save(
    meta: CheckpointMeta,
    body: CheckpointBody,
    expectedRevision: number,
    previousObj: string | undefined,
  ): Promise<SavedCheckpoint> {
    const bytes = packBody(body);
    let obj: string | undefined;
    const envelope: CheckpointEnvelope = { v: PROTOCOL_VERSION, stream: meta.stream, mv: meta.mv, js: meta.js, seq: meta.seq, ...(bytes.length > this.maxKvBytes ? {} : { b: bytes }) };
    if (bytes.length > this.maxKvBytes) {
      obj = `${meta.stream}.${meta.js}.${Date.now().toString(36)}`;
      await this.blobs.put(obj, bytes);
      (envelope as { obj?: string }).obj = obj;
    }
    const revision = await this.writeReplacing(meta.stream, encodeCheckpoint(envelope), expectedRevision, obj, previousObj, (landed) => {
      const d = decodeCheckpoint(landed);
      return d.ok ? d.value.obj : undefined;
    });
    return { revision, obj, bytes: bytes.length };
  }

  /**
   * write() of a value that names Object Store object `obj` (or none), then deletes the objects
   * the key named before, other than `obj`: `previousObj`, and those of any landed write of this
   * store it went over (`objOf` reads a value's object). A failed delete leaves an orphan, no error.
   */
  async writeReplacing(
    key: string,
    value: Uint8Array,
    expectedRevision: number,
    obj: string | undefined,
    previousObj: string | undefined,
    objOf: (value: Uint8Array) => string | undefined,
  ): Promise<number> {
    const replaced = new Set([previousObj]);
    const revision = await this.write(key, value, expectedRevision, (landed) => replaced.add(objOf(landed)));
    for (const o of replaced) if (o !== undefined && o !== obj) await this.blobs.delete(o).catch(() => {});
    return revision;
  }

  /**
   * A fenced KV write: create() when `expectedRevision` is 0, else update(); resolves to the new
   * revision. Throws BUS_ERR_REVISION when the key moved on, unless what it holds is a write of
   * this store that failed with another error (its reply lost, yet it landed): then the write goes
   * over that one (`adopted` gets each landed value written over). Only the fence's holder writes,
   * so such a value is an older state of the same writer; another writer's value matches only if
   * it is byte-identical to one of this store's. The hashes are kept until the key's outcome is
   * known again: a failed read while checking keeps them for the next attempt.
   */
  async write(key: string, value: Uint8Array, expectedRevision: number, adopted?: (landed: Uint8Array) => void): Promise<number> {
    const put = (rev: number): Promise<number> => (rev === 0 ? this.kv.create(key, value) : this.kv.update(key, value, rev));
    let revision = expectedRevision;
    // A few rounds: a write of ours still in flight may land between our read and our put.
    for (let round = 0; ; round++) {
      try {
        const written = await put(revision);
        this.#forgetUncertain(key);
        return written;
      } catch (e) {
        if (!isBusError(e) || e.code !== BUS_ERR.REVISION) {
          this.#rememberUncertain(key, value);
          throw e;
        }
        const mine = this.#uncertain.get(key);
        if (mine === undefined || round === ADOPT_ROUNDS) throw e;
        const entry = await this.kv.get(key);
        if (entry === null || !mine.includes(digest128(entry.value))) {
          this.#forgetUncertain(key);
          throw e;
        }
        adopted?.(entry.value);
        revision = entry.revision;
      }
    }
  }

  #rememberUncertain(key: string, value: Uint8Array): void {
    const list = this.#uncertain.get(key) ?? [];
    this.#uncertain.delete(key); // re-inserted last: the map's order is the age of the last failure
    list.push(digest128(value));
    this.#uncertainCount++;
    if (list.length > UNCERTAIN_PER_KEY) {
      list.shift();
      this.#uncertainCount--;
    }
    this.#uncertain.set(key, list);
    while (this.#uncertainCount > UNCERTAIN_TOTAL && this.#uncertain.size > 1) this.#forgetUncertain(this.#uncertain.keys().next().value!);
  }

  #forgetUncertain(key: string): void {
    this.#uncertainCount -= this.#uncertain.get(key)?.length ?? 0;
    this.#uncertain.delete(key);
  }

  /**
   * Deletes the stream's checkpoint (`delete`): the KV entry only while it is at `expectedRevision`
   * (the fence; 0: the stream has none, nothing to delete), then its Object Store object, if any
   * (a failed object delete leaves an orphan, no error). Throws BUS_ERR_REVISION when the key moved on.
   */
  remove(stream: string, expectedRevision: number, obj: string | undefined): Promise<void> {
    return this.#io.run(async () => {
      if (expectedRevision > 0) await this.kv.delete(stream, expectedRevision);
      if (obj !== undefined) await this.blobs.delete(obj).catch(() => {});
    });
  }

  /**
   * A partition's tombstones (goneKey: one record per partition, read with a KV get like the
   * partition record, not a listing, which a KV leader election stalls) and the record's revision
   * (0: none yet).
   */
  async loadTombstones(partition: number): Promise<{ gone: Map<string, Tombstone>; revision: number }> {
    const entry = await this.kv.get(goneKey(partition));
    const gone = new Map<string, Tombstone>();
    if (entry === null || entry.value.length === 0) return { gone, revision: 0 };
    const v = JSON.parse(new TextDecoder().decode(entry.value)) as { streams?: Record<string, Partial<Tombstone>> };
    for (const [stream, t] of Object.entries(v.streams ?? {})) {
      if (typeof t.js === 'number' && typeof t.rev === 'number') gone.set(stream, { js: t.js, rev: t.rev });
    }
    return { gone, revision: entry.revision };
  }

  /** Writes a partition's tombstones, fenced like a checkpoint (`expectedRevision` 0: none yet); resolves to the new revision. */
  saveTombstones(partition: number, gone: ReadonlyMap<string, Tombstone>, expectedRevision: number): Promise<number> {
    return this.write(goneKey(partition), new TextEncoder().encode(JSON.stringify({ streams: Object.fromEntries(gone) })), expectedRevision);
  }

  /** The partition record: {low, revision}; low 0 and revision 0 when there is none. */
  async loadPartition(partition: number): Promise<{ low: number; revision: number }> {
    const entry = await this.kv.get(partKey(partition));
    if (entry === null || entry.value.length === 0) return { low: 0, revision: 0 };
    const v = JSON.parse(new TextDecoder().decode(entry.value)) as { low?: unknown };
    return { low: typeof v.low === 'number' && v.low >= 0 ? v.low : 0, revision: entry.revision };
  }

  /** Writes the partition record, fenced like a checkpoint; resolves to the new revision. */
  async savePartition(partition: number, low: number, expectedRevision: number): Promise<number> {
    return this.write(partKey(partition), new TextEncoder().encode(JSON.stringify({ low })), expectedRevision);
  }
}

/** A value's digest as remembered: sha-256 cut to 128 bits (collisions are not a concern at this count), base64. */
function digest128(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest().subarray(0, 16).toString('base64');
}

/**
 * At most `max` calls in flight; the rest wait, reads (`read`) before writes, each kind in arrival
 * order, except that after READ_STREAK slots in a row went to reads while a write waited, the
 * next slot goes to the oldest write.
 */
class Limiter {
  #running = 0;
  readonly #reads: (() => void)[] = [];
  readonly #writes: (() => void)[] = [];
  /** Slots handed to reads in a row while a write was waiting. */
  #streak = 0;

  constructor(private readonly max: number) {
    if (!Number.isInteger(max) || max < 1) throw new WorkerError(WORKER_ERR.CONFIG, `checkpoint maxInFlight must be a positive integer, got ${max}`);
  }

  get waiting(): number {
    return this.#reads.length + this.#writes.length;
  }

  async run<T>(fn: () => Promise<T>, read = false): Promise<T> {
    if (this.#running >= this.max) await new Promise<void>((r) => (read ? this.#reads : this.#writes).push(r));
    else this.#running++;
    try {
      return await fn();
    } finally {
      const next = this.#next();
      if (next === undefined) this.#running--;
      else next(); // the slot passes to the next caller as is
    }
  }

  #next(): (() => void) | undefined {
    if (this.#reads.length > 0 && (this.#writes.length === 0 || this.#streak < READ_STREAK)) {
      if (this.#writes.length > 0) this.#streak++;
      return this.#reads.shift();
    }
    this.#streak = 0;
    return this.#writes.shift();
  }
}

/**
 * A deleted stream's tombstone (in its partition's record `gone.<partition>`): the JetStream
 * sequence `js` up to which its samples were applied before the delete, and the revision `rev` of
 * the checkpoint the delete removed (0: none). While a replay could still deliver samples up to
 * `js` (the partition record's low below it), a load of the stream finds no checkpoint, or that
 * same revision if the delete's KV write did not land, and starts the stream anew after `js`: the
 * deleted samples are not learned again. Written before the checkpoint is removed; dropped once the
 * record's low passes `js`.
 */
export interface Tombstone {
  readonly js: number;
  readonly rev: number;
}

/** The key of a partition's tombstones; like partKey, two tokens, so never a stream's key. */
export function goneKey(partition: number): string {
  return `gone.${partition}`;
}

/** Partition records sit beside stream checkpoints; a stream id has no dot, so they never collide. */
export function partKey(partition: number): string {
  return `part.${partition}`;
}
