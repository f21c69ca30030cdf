// One owned partition: its ordered consumer (filter <prefix>.p.<n>.*, starting after the
// partition record's `low`), the dispatch of each message to its stream's actor, and the
// coverage bookkeeping that moves `low` forward. A stream is dirty from the first message handed
// to its actor that no checkpoint covers yet; low = (the smallest covered sequence of a dirty
// stream) or, when no stream is dirty, the last sequence dispatched. Replaying from low applies
// every message at most once because each actor skips what its own checkpoint covers.
// Backpressure: a full mailbox makes the consumer wait (nothing is dropped, order is kept).
// Consumer lag (the worker calls saveRecord every heartbeat, which reads it): the JetStream
// stream's last sequence minus the last sequence this partition's consumer delivered.
// Deleted streams: the runner holds the partition's tombstones (checkpoint.ts Tombstone, one KV
// record per partition), loaded when it is acquired, added to by `delete`, and drops each once the
// record's low has passed it. It alone writes that record (fenced by its revision), one write at a time.

import { ACTOR_ERR, type ActorSystem } from '@carousel/actors';
import type { StreamConsumer, Transport } from '@carousel/bus';
import { PROTO_ERR, PROTOCOL_VERSION, encodeReject, type Subjects } from '@carousel/protocol';
import type { CheckpointStore, Tombstone } from './checkpoint.ts';
import { WorkerError, WORKER_ERR } from './errors.ts';
import type { Logger } from './log.ts';
import { pl, type WorkerMetrics } from './metrics.ts';
import { isGroupState, type WorkerMsg, type WorkerState } from './group-actor.ts';
import { groupKey, groupOfKey, groupOfStream, type GroupSpec, type GroupSubjects } from './groups.ts';

export interface PartitionDeps {
  readonly transport: Transport;
  readonly subjects: Subjects;
  readonly actors: ActorSystem<string, WorkerMsg, WorkerState>;
  /** Model groups: members arrive on <prefix>.p.<n>.<group>.<stream> and go to the group's actor. */
  readonly groups: readonly GroupSpec[];
  readonly groupSubjects: GroupSubjects;
  readonly store: CheckpointStore;
  readonly metrics: WorkerMetrics;
  readonly log: Logger;
  readonly batch: number;
  canWrite(partition: number): boolean;
  /**
   * The consumer of generation `gen` ended on its own, with an error the bus does not retry (the
   * input stream missing, the connection closed for good) or without one: nothing consumes the
   * partition until the worker restarts it from its record.
   */
  failed?(partition: number, gen: number): void;
}

interface Coverage {
  /** Highest sequence dispatched to the stream's actor. */
  dispatched: number;
  /** Highest sequence its checkpoint (or a no-op) covers. */
  covered: number;
}

/** Tombstones kept per partition at most: a delete beyond it is refused until the record's low passes older ones. */
export const MAX_TOMBSTONES = 4_096; // at 128-character ids, ~700 KB of JSON: under NATS's 1 MB payload

export class PartitionRunner {
  readonly #streams = new Map<string, Coverage>();
  #tombstones: ReadonlyMap<string, Tombstone>;
  /** Revision of the partition's tombstone record (0: none yet); writes are chained, one at a time. */
  #goneRevision: number;
  #goneWrite: Promise<unknown> = Promise.resolve();
  /** Members of model groups seen (their messages go to the group's actor key). */
  readonly #members = new Set<string>();
  #position: number;
  #recordedLow: number;
  #recordRevision: number;
  #consumer: StreamConsumer | undefined;
  #loop: Promise<void> = Promise.resolve();
  #stopped = false;
  #saving: Promise<void> | undefined;
  #readingLag = false;

  constructor(
    private readonly deps: PartitionDeps,
    readonly partition: number,
    readonly gen: number,
    record: { low: number; revision: number },
    tombstones: { gone: ReadonlyMap<string, Tombstone>; revision: number } = { gone: new Map(), revision: 0 },
  ) {
    this.#tombstones = tombstones.gone;
    this.#goneRevision = tombstones.revision;
    this.#position = record.low;
    this.#recordedLow = record.low;
    this.#recordRevision = record.revision;
  }

  /** The actor keys this partition has dispatched to since it was acquired: streams and model groups (`g.<group>`). */
  keys(): string[] {
    return [...this.#streams.keys()];
  }

  /**
   * Streams seen in this partition since it was acquired (a model group's members, not the group's
   * key), without those deleted since their last message.
   */
  streams(): string[] {
    const out = [...this.#members];
    for (const [stream, c] of this.#streams) {
      if (groupOfKey(stream) !== null) continue;
      const gone = this.#tombstones.get(stream);
      if (gone === undefined || c.dispatched > gone.js) out.push(stream);
    }
    return out;
  }

  /** The tombstone of a deleted stream of this partition, while it is kept. */
  tombstone(stream: string): Tombstone | undefined {
    return this.#tombstones.get(stream);
  }

  /** Writes a deleted stream's tombstone into the partition's record (the fence allowing) and keeps it; throws when it cannot. */
  bury(stream: string, t: Tombstone): Promise<void> {
    return this.#rewrite((gone) => {
      if (!gone.has(stream) && gone.size >= MAX_TOMBSTONES) {
        throw new WorkerError(WORKER_ERR.CHECKPOINT, `partition ${this.partition} holds ${MAX_TOMBSTONES} deletes its checkpoints have not passed yet: ${stream} not deleted; retry later`);
      }
      gone.set(stream, t);
    });
  }

  /**
   * Writes the tombstone record as `change` makes it from the one kept (after any write in flight),
   * and keeps it once written. Throws, keeping the old one, when the fence refuses or the write fails.
   */
  #rewrite(change: (gone: Map<string, Tombstone>) => void): Promise<void> {
    const run = this.#goneWrite.then(async () => {
      if (!this.deps.canWrite(this.partition)) throw new WorkerError(WORKER_ERR.CHECKPOINT, `partition ${this.partition} is not held`);
      const next = new Map(this.#tombstones);
      change(next);
      this.#goneRevision = await this.deps.store.saveTombstones(this.partition, next, this.#goneRevision);
      this.#tombstones = next;
    });
    this.#goneWrite = run.catch(() => {});
    return run;
  }

  /** Every state-changing message up to low is covered by a checkpoint. */
  low(): number {
    let low = this.#position;
    for (const c of this.#streams.values()) if (c.dispatched > c.covered && c.covered < low) low = c.covered;
    return low;
  }

  start(): void {
    const { transport, subjects, batch } = this.deps;
    this.#consumer = transport.consume(subjects.jsStream, { afterSeq: this.#recordedLow, filterSubject: this.deps.groupSubjects.filter(this.partition), batch });
    this.#loop = this.#run(this.#consumer).then(
      () => {
        if (this.#stopped) return;
        this.deps.log.log('error', 'consumer_failed', { partition: this.partition, error: 'the consumer ended' });
        this.deps.failed?.(this.partition, this.gen);
      },
      (e: unknown) => {
        if (this.#stopped) return;
        this.deps.log.log('error', 'consumer_failed', { partition: this.partition, error: e });
        this.deps.failed?.(this.partition, this.gen);
      },
    );
  }

  /** Stops consuming; resolves when no more messages will be dispatched. */
  async stop(): Promise<void> {
    this.#stopped = true;
    await this.#consumer?.close();
    await this.#loop;
    this.deps.metrics.consumerLag.remove(pl(this.partition));
  }

  /** Sets the consumer lag gauge: the messages of this partition its consumer has yet to deliver. At most one read at a time; never throws. */
  async readLag(): Promise<void> {
    const consumer = this.#consumer;
    if (consumer === undefined || this.#stopped || this.#readingLag) return;
    this.#readingLag = true;
    try {
      const pending = await consumer.pending();
      if (pending !== null && !this.#stopped) this.deps.metrics.consumerLag.set(pl(this.partition), pending);
    } catch (e) {
      this.deps.log.log('warn', 'consumer_lag_failed', { partition: this.partition, error: e });
    } finally {
      this.#readingLag = false;
    }
  }

  /** From the stream actor: its checkpoint covers `js`. */
  covered(stream: string, js: number): void {
    const c = this.#streams.get(stream);
    if (c !== undefined && js > c.covered) c.covered = js;
  }

  /**
   * Writes the partition record if low moved and the fence allows (one write at a time), drops the
   * tombstones it has passed, and reads the lag. Never throws.
   */
  async saveRecord(): Promise<void> {
    void this.readLag();
    while (this.#saving !== undefined) await this.#saving;
    this.#saving = this.#save().then(() => this.#collect());
    await this.#saving;
    this.#saving = undefined;
  }

  /**
   * Drops the tombstones at or below the recorded low: no replay reaches their samples any more.
   * A tombstone replaced meanwhile (the stream deleted again) stays. A delete whose checkpoint
   * removal did not land (the stream still holds that revision) is finished first, by the stream's
   * actor (it owns the revision its next write expects).
   */
  async #collect(): Promise<void> {
    const passed: [string, Tombstone][] = [];
    for (const [stream, t] of this.#tombstones) {
      if (t.js > this.#recordedLow || !this.deps.canWrite(this.partition)) continue;
      try {
        if (t.rev > 0 && (await this.deps.store.kv.get(stream))?.revision === t.rev) {
          // The actor answers with the revision it holds after the turn: still t.rev, not removed.
          const left = await this.deps.actors.ask(stream, { kind: 'collect', rev: t.rev }, (st) => (isGroupState(st) ? undefined : st.rev));
          if (left === t.rev) continue; // next time
        }
        passed.push([stream, t]);
      } catch (e) {
        this.deps.log.log('warn', 'tombstone_collect_failed', { partition: this.partition, stream, error: e });
      }
    }
    if (passed.length === 0) return;
    try {
      // Only those still the same (a newer delete of a stream meanwhile keeps its own).
      await this.#rewrite((gone) => {
        for (const [stream, t] of passed) if (gone.get(stream) === t) gone.delete(stream);
      });
    } catch (e) {
      this.deps.log.log('warn', 'tombstone_drop_failed', { partition: this.partition, error: e });
      return;
    }
    for (const [stream, t] of passed) {
      if (this.#tombstones.has(stream)) continue;
      // Out of the list for good, unless a message of it came after the delete.
      const c = this.#streams.get(stream);
      if (c !== undefined && c.dispatched <= t.js) this.#streams.delete(stream);
    }
  }

  async #save(): Promise<void> {
    const low = this.low();
    if (low <= this.#recordedLow || !this.deps.canWrite(this.partition)) return;
    try {
      this.#recordRevision = await this.deps.store.savePartition(this.partition, low, this.#recordRevision);
      this.#recordedLow = low;
    } catch (e) {
      this.deps.log.log('warn', 'partition_record_failed', { partition: this.partition, error: e });
    }
  }

  async #run(consumer: StreamConsumer): Promise<void> {
    const { subjects, actors, groups, groupSubjects } = this.deps;
    for await (const m of consumer) {
      if (this.#stopped) break;
      const parsed = subjects.parse(m.subject);
      const member = parsed === null ? groupSubjects.parse(m.subject) : null;
      const contentType = m.headers['Content-Type'] ?? m.headers['content-type'];
      let stream: string;
      let msg: WorkerMsg;
      if (member !== null && groups.some((g) => g.name === member.group)) {
        stream = groupKey(member.group); // the group's actor: every member in one mailbox, in order
        this.#members.add(member.stream);
        msg = { kind: 'gsample', member: member.stream, js: m.streamSeq, gen: this.gen, data: m.data, contentType };
      } else if (parsed !== null && parsed.kind === 'p' && groupOfStream(groups, parsed.stream) === undefined) {
        stream = parsed.stream;
        msg = { kind: 'sample', js: m.streamSeq, gen: this.gen, data: m.data, contentType };
      } else {
        const g = parsed?.kind === 'p' ? groupOfStream(groups, parsed.stream) : undefined;
        if (member !== null) this.#refuse(member.stream, WORKER_ERR.CONFIG, `model group ${member.group} is not configured on this worker`);
        else if (g !== undefined && parsed?.kind === 'p') this.#refuse(parsed.stream, WORKER_ERR.CONFIG, `stream ${parsed.stream} is a member of model group ${g.name}: publish on ${groupSubjects.in(g.name, parsed.stream)}`);
        else this.#badSubject(m.subject);
        this.#position = m.streamSeq;
        continue;
      }
      let code = actors.tell(stream, msg);
      while (code === ACTOR_ERR.MAILBOX_FULL || code === ACTOR_ERR.AT_CAPACITY) {
        await new Promise((r) => setTimeout(r, 2));
        if (this.#stopped) return;
        code = actors.tell(stream, msg);
      }
      if (code !== null) return; // the actor system closed (drain): stop here, replay resumes later
      let c = this.#streams.get(stream);
      if (c === undefined) this.#streams.set(stream, (c = { dispatched: m.streamSeq, covered: m.streamSeq - 1 }));
      c.dispatched = m.streamSeq;
      this.#position = m.streamSeq;
    }
  }

  /** A message no actor takes (an unconfigured group, a group member on its own subject): a Reject, no state. */
  #refuse(stream: string, code: string, msg: string): void {
    const { metrics, transport, subjects } = this.deps;
    metrics.rejects.inc({ partition: String(this.partition), code });
    try {
      transport.publish(subjects.reject(stream), encodeReject({ v: PROTOCOL_VERSION, stream, seq: null, code, msg }));
    } catch (e) {
      this.deps.log.log('warn', 'publish_failed', { stream, error: e });
    }
  }

  /** A message whose subject names no valid stream: rejected on <prefix>.reject._ (no actor, no state). */
  #badSubject(subject: string): void {
    const { metrics, transport, subjects } = this.deps;
    metrics.rejects.inc({ partition: String(this.partition), code: PROTO_ERR.STREAM_ID });
    try {
      transport.publish(`${subjects.prefix}.reject._`, encodeReject({
        v: PROTOCOL_VERSION, stream: null, seq: null, code: PROTO_ERR.STREAM_ID, msg: `subject ${subject.slice(0, 200)} does not name a valid stream`,
      }));
    } catch (e) {
      this.deps.log.log('warn', 'publish_failed', { subject, error: e });
    }
  }
}
