// Partition leases in a KV bucket whose entries expire leaseTtl after their last write. Key
// `p.<n>` holds {owner, epoch} for partition n; key `w.<worker>` says a worker is alive, so every
// worker can count the live workers and aim for ceil(P / workers) partitions.
// Two independent loops:
// - renewal (every heartbeat, on its own timer): announces the worker and renews each held lease
//   with update(expectedRevision), at most one renewal in flight per lease. It never waits for the
//   rebalance loop, so a slow acquisition (loading a partition record, starting a consumer) or a
//   slow graceful release (flushing every stream) cannot make the worker miss its own renewals.
//   A renewal whose answer was lost (timeout) but that did land is recognised by the entry still
//   holding this worker's {owner, epoch}: the lease is kept. A lease whose entry is gone or names
//   someone else was taken over or expired: lost. Likewise a create whose answer was lost: the
//   next attempt finds this worker's id and that create's epoch in the entry and takes the lease.
// - rebalance (every heartbeat, one round at a time): releases partitions above the share and tries
//   create() on partitions while below it (create succeeds only on an absent or expired key).
// Fencing: canWrite(p) is true only while the last renewal succeeded and, by this process's
// monotonic clock, less than 0.9 * TTL has passed since that renewal was sent; the server drops
// the entry no earlier than TTL after it received it. Not here: what owning a partition means
// (worker.ts starts and stops consumers in the handlers).

import { isBusError, BUS_ERR, type KvStore, type KvWatch } from '@carousel/bus';
import type { Logger } from './log.ts';

/** What the lease manager asks of its owner. */
export interface LeaseHandlers {
  /** The partition is ours (lease created); start consuming it. */
  acquired(partition: number, epoch: number): Promise<void>;
  /** Give the partition up gracefully (stop consuming, checkpoint); the lease is deleted after. */
  release(partition: number): Promise<void>;
  /** The lease was lost (taken over or expired): stop at once, write nothing more. */
  lost(partition: number): void;
}

interface Held {
  revision: number;
  epoch: number;
  /** Monotonic ms until which writes are allowed. */
  validUntil: number;
  /** The last renewal attempt succeeded. */
  renewed: boolean;
  /** A renewal is in flight (never two at once: the second would hold a stale revision). */
  renewing: boolean;
}

/** Writes are allowed until this fraction of the TTL after the renewal was sent. */
const SAFETY = 0.9;

const enc = new TextEncoder();
const dec = new TextDecoder();

export class LeaseManager {
  readonly #held = new Map<number, Held>();
  /** Epochs of lease creates whose outcome is unknown (an error other than a revision conflict), by partition. */
  readonly #uncertainCreates = new Map<number, Set<number>>();
  /** Live workers seen through the watch: id -> monotonic ms of their last announcement. */
  readonly #workers = new Map<string, number>();
  #watch: KvWatch | undefined;
  #timer: NodeJS.Timeout | undefined;
  #renewTimer: NodeJS.Timeout | undefined;
  #announcing = false;
  #rebalancing = false;
  #ticking: Promise<void> = Promise.resolve();
  #acquiring = true;
  #closed = false;

  constructor(
    private readonly kv: KvStore,
    private readonly o: { workerId: string; partitions: number; ttlMs: number; heartbeatMs: number },
    private readonly handlers: LeaseHandlers,
    private readonly log: Logger,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Starts watching workers, the renewals and the rebalance; the first rebalance runs after the watch's snapshot had a moment to arrive. */
  start(): void {
    this.#watch = this.kv.watch({ key: 'w.*' });
    void this.#watchWorkers(this.#watch);
    this.#announce();
    this.#renewTimer = setInterval(() => this.#renewAll(), this.o.heartbeatMs);
    this.#timer = setInterval(() => this.#schedule(), this.o.heartbeatMs);
    setTimeout(() => this.#schedule(), Math.min(200, this.o.heartbeatMs));
  }

  /** Partitions held now, ascending. */
  owned(): number[] {
    return [...this.#held.keys()].sort((a, b) => a - b);
  }

  owns(partition: number): boolean {
    return this.#held.has(partition);
  }

  /** The fence: true while this worker may write checkpoints for `partition`. */
  canWrite(partition: number): boolean {
    const h = this.#held.get(partition);
    return h !== undefined && h.renewed && this.now() < h.validUntil;
  }

  /** Live workers counted for the share, this one included. */
  liveWorkers(): number {
    const cutoff = this.now() - this.o.ttlMs;
    let n = 1;
    for (const [id, at] of this.#workers) if (id !== this.o.workerId && at > cutoff) n++;
    return n;
  }

  /** Stops acquiring, releases every partition (handlers.release, then delete; renewals go on meanwhile), stops heartbeats. */
  async drain(): Promise<void> {
    this.#acquiring = false;
    await this.#ticking;
    for (const p of this.owned()) await this.#release(p);
    this.close();
    await this.kv.delete(`w.${this.o.workerId}`).catch(() => {});
  }

  /** Stops heartbeats and the watch without releasing (leases then expire). */
  close(): void {
    this.#closed = true;
    clearInterval(this.#timer);
    clearInterval(this.#renewTimer);
    this.#watch?.close();
  }

  /** One rebalance round at a time: a round still running (a slow acquisition) is not queued behind. */
  #schedule(): void {
    if (this.#closed || this.#rebalancing) return;
    this.#rebalancing = true;
    this.#ticking = this.#ticking.then(() => this.#tick()).catch((e: unknown) => this.log.log('error', 'lease_tick_failed', { error: e })).finally(() => (this.#rebalancing = false));
  }

  async #tick(): Promise<void> {
    if (!this.#acquiring || this.#closed) return;
    const target = Math.ceil(this.o.partitions / this.liveWorkers());
    // Above the share: give the highest partitions back, gracefully.
    for (const p of this.owned().reverse().slice(0, Math.max(0, this.#held.size - target))) await this.#release(p);
    if (this.#held.size >= target) return;
    // Below the share: try to create absent or expired leases, starting at a worker-specific offset.
    const start = hashId(this.o.workerId) % this.o.partitions;
    for (let i = 0; i < this.o.partitions && this.#held.size < target && this.#acquiring; i++) {
      const p = (start + i) % this.o.partitions;
      if (!this.#held.has(p)) await this.#tryAcquire(p);
    }
  }

  async #tryAcquire(p: number): Promise<void> {
    const sentAt = this.now();
    const epoch = Date.now();
    let revision: number;
    let held: { revision: number; epoch: number; sentAt: number } | null;
    try {
      revision = await this.kv.create(leaseKey(p), this.#value(epoch));
      held = { revision, epoch, sentAt };
    } catch (e) {
      if (!(isBusError(e) && e.code === BUS_ERR.REVISION)) {
        this.log.log('warn', 'lease_create_failed', { partition: p, error: e });
        const epochs = this.#uncertainCreates.get(p) ?? new Set<number>();
        epochs.add(epoch);
        if (epochs.size > 8) epochs.delete(epochs.values().next().value!); // only recent creates can still be in the key
        this.#uncertainCreates.set(p, epochs);
        return;
      }
      held = await this.#adoptCreate(p);
      if (held === null) return;
    }
    this.#uncertainCreates.delete(p);
    this.#held.set(p, { revision: held.revision, epoch: held.epoch, validUntil: held.sentAt + SAFETY * this.o.ttlMs, renewed: true, renewing: false });
    this.log.log('info', 'lease_acquired', { partition: p, epoch: held.epoch, revision: held.revision, ...(held.epoch === epoch ? {} : { recovered: true }) });
    try {
      await this.handlers.acquired(p, held.epoch);
    } catch (e) {
      this.log.log('error', 'partition_start_failed', { partition: p, error: e });
      await this.#release(p);
    }
  }

  /** The renewal round: announce this worker, renew every held lease that has no renewal in flight. */
  #renewAll(): void {
    if (this.#closed) return;
    this.#announce();
    for (const [p, h] of this.#held) if (!h.renewing) void this.#renew(p, h);
  }

  #announce(): void {
    if (this.#announcing || this.#closed) return;
    this.#announcing = true;
    this.kv.put(`w.${this.o.workerId}`, enc.encode(JSON.stringify({ owner: this.o.workerId }))).catch(() => {}).finally(() => (this.#announcing = false));
  }

  async #renew(p: number, h: Held): Promise<void> {
    h.renewing = true;
    const sentAt = this.now();
    try {
      h.revision = await this.kv.update(leaseKey(p), this.#value(h.epoch), h.revision);
      this.#renewed(h, sentAt);
    } catch (e) {
      if (this.#held.get(p) !== h) return; // released meanwhile
      if (isBusError(e) && e.code === BUS_ERR.REVISION && (await this.#adopt(p, h))) return;
      if (this.#held.get(p) !== h) return;
      h.renewed = false;
      const fenced = isBusError(e) && (e.code === BUS_ERR.REVISION || e.code === BUS_ERR.NOT_FOUND);
      if (fenced || this.now() >= h.validUntil) {
        this.#held.delete(p);
        this.log.log('warn', 'lease_lost', { partition: p, error: e });
        this.handlers.lost(p);
      } else {
        this.log.log('warn', 'lease_renew_failed', { partition: p, error: e });
      }
    } finally {
      h.renewing = false;
    }
  }

  #renewed(h: Held, sentAt: number): void {
    h.renewed = true;
    h.validUntil = Math.max(h.validUntil, sentAt + SAFETY * this.o.ttlMs);
  }

  /**
   * After a revision conflict: an earlier renewal whose reply was lost may have landed. If the
   * entry still holds this worker's {owner, epoch} nobody else took the lease (a new owner writes
   * its own id, a re-acquisition a new epoch): adopt its revision and renew from it.
   */
  async #adopt(p: number, h: Held): Promise<boolean> {
    const renewed = await this.#renewOwnEntry(p, (epoch) => epoch === h.epoch && this.#held.get(p) === h);
    if (renewed === null) return false;
    h.revision = renewed.revision;
    this.#renewed(h, renewed.sentAt);
    this.log.log('info', 'lease_renewal_recovered', { partition: p, revision: h.revision });
    return true;
  }

  /**
   * After a create refused because the key exists: an earlier create of this worker whose reply
   * was lost may have landed. If the entry holds this worker's id and the epoch of such a create,
   * nobody else holds the lease: renew it at its revision and take it (without this the partition
   * would stay unowned until that entry expired, a whole TTL).
   */
  #adoptCreate(p: number): Promise<{ revision: number; epoch: number; sentAt: number } | null> {
    const epochs = this.#uncertainCreates.get(p);
    if (epochs === undefined) return Promise.resolve(null);
    return this.#renewOwnEntry(p, (epoch) => epochs.has(epoch) && !this.#held.has(p));
  }

  /**
   * Lease p's entry, when it holds this worker's id and an epoch `ours` accepts (a write of this
   * worker whose reply was lost but that landed), renewed at its revision; null otherwise or on
   * any failure.
   */
  async #renewOwnEntry(p: number, ours: (epoch: number) => boolean): Promise<{ revision: number; epoch: number; sentAt: number } | null> {
    try {
      const e = await this.kv.get(leaseKey(p));
      if (e === null || e.value.length === 0) return null;
      const v = readLease(e.value);
      if (v.owner !== this.o.workerId || !ours(v.epoch)) return null;
      const sentAt = this.now();
      const revision = await this.kv.update(leaseKey(p), this.#value(v.epoch), e.revision);
      return { revision, epoch: v.epoch, sentAt };
    } catch {
      return null;
    }
  }

  async #release(p: number): Promise<void> {
    try {
      await this.handlers.release(p);
    } catch (e) {
      this.log.log('error', 'partition_release_failed', { partition: p, error: e });
    }
    // Delete only while the lease is certainly still ours: never remove a successor's lease.
    const ours = this.canWrite(p);
    this.#held.delete(p);
    if (ours) await this.kv.delete(leaseKey(p)).catch(() => {});
    this.log.log('info', 'lease_released', { partition: p });
  }

  #value(epoch: number): Uint8Array {
    return enc.encode(JSON.stringify({ owner: this.o.workerId, epoch }));
  }

  async #watchWorkers(watch: KvWatch): Promise<void> {
    try {
      for await (const e of watch) {
        const id = e.key.slice(2);
        if (e.operation === 'PUT') this.#workers.set(id, this.now());
        else this.#workers.delete(id);
      }
    } catch (e) {
      if (!this.#closed) this.log.log('warn', 'worker_watch_ended', { error: e });
    }
  }
}

export function leaseKey(partition: number): string {
  return `p.${partition}`;
}

/** Decodes a lease value, for tools and tests. */
export function readLease(value: Uint8Array): { owner: string; epoch: number } {
  return JSON.parse(dec.decode(value)) as { owner: string; epoch: number };
}

function hashId(id: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) h = Math.imul(h ^ id.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
