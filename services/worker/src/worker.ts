// The worker: connects (or takes an in-process transport), provisions the stream, buckets and
// object store, takes partition leases, runs one PartitionRunner per owned partition and one
// actor per stream, serves infer/control and /metrics. Lifecycle: start(), drain() (stop
// consuming, finish turns, checkpoint everything, release leases), close() (stop now).

import { ActorSystem, type ActorCounters } from '@carousel/actors';
import { NatsTransport, type Subscription, type Transport } from '@carousel/bus';
import { createSubjects, parseOptions as parseProtocolOptions, type Subjects } from '@carousel/protocol';
import { CheckpointBudget } from './checkpoint-budget.ts';
import { CheckpointStore } from './checkpoint.ts';
import { WorkerError, WORKER_ERR } from './errors.ts';
import { startMetricsServer, type MetricsServer } from '@carousel/metrics';
import { LeaseManager } from './leases.ts';
import { createLogger, type Logger } from './log.ts';
import { createWorkerMetrics, pl, type WorkerMetrics } from './metrics.ts';
import { parseWorkerOptions, type WorkerOptions, type WorkerOptionsInput } from './options.ts';
import { PartitionRunner } from './partition.ts';
import { serveRequests } from './requests.ts';
import { workerBehaviour, type WorkerMsg, type WorkerState } from './group-actor.ts';
import { groupKey, groupOfStream, groupSubjects, partitionOfKey, type GroupSubjects } from './groups.ts';

/** The restart delay after a partition's consumer failed: doubling from the first to the last. */
const CONSUMER_RESTART_MIN_MS = 100;
const CONSUMER_RESTART_MAX_MS = 30_000;
/** A consumer failure this long after the previous one starts the delay over. */
const CONSUMER_FAILURE_RESET_MS = 60_000;

/** Names of what the worker provisions, from the prefix. */
export function resourceNames(subjects: Subjects): { stream: string; state: string; leases: string; blobs: string } {
  const flat = subjects.prefix.replaceAll('.', '_');
  return { stream: subjects.jsStream, state: subjects.kvBucket, leases: `${flat}_leases`, blobs: subjects.blobsBucket };
}

/** Creates (or updates) the JetStream stream, the KV buckets and the object store. */
export async function provision(t: Transport, subjects: Subjects, o: Readonly<WorkerOptions>): Promise<{ state: import('@carousel/bus').KvStore; leases: import('@carousel/bus').KvStore; blobs: import('@carousel/bus').BlobStore }> {
  const n = resourceNames(subjects);
  // Streams' input (<prefix>.p.<n>.<stream>) and group members' (<prefix>.p.<n>.<group>.<stream>),
  // captured as one subject `<prefix>.p.>`: a partition's consumer filter `<prefix>.p.<n>.>` must
  // be a subset of a single stream subject (nats-server 2.9 refuses it otherwise, and the
  // partition then never consumes).
  await t.ensureStream({ name: n.stream, subjects: [`${subjects.prefix}.p.>`], duplicateWindowMs: o.duplicateWindowMs });
  const state = await t.ensureKv({ bucket: n.state, history: 1 });
  const leases = await t.ensureKv({ bucket: n.leases, history: 1, ttlMs: o.leaseTtlMs });
  const blobs = await t.ensureObjectStore({ bucket: n.blobs });
  return { state, leases, blobs };
}

const STARTING = 0;
const RUNNING = 1;
const DRAINING = 2;
const CLOSED = 3;

export class Worker {
  readonly options: Readonly<WorkerOptions>;
  readonly subjects: Subjects;
  readonly metrics: WorkerMetrics;
  readonly log: Logger;
  readonly groupSubjects: GroupSubjects;
  #state = STARTING;
  #transport: Transport | undefined;
  #ownsTransport = false;
  #actors: ActorSystem<string, WorkerMsg, WorkerState> | undefined;
  #leases: LeaseManager | undefined;
  #store: CheckpointStore | undefined;
  #http: MetricsServer | undefined;
  #subs: Subscription[] = [];
  readonly #runners = new Map<number, PartitionRunner>();
  #nextGen = 1;
  readonly #replaying = new Set<number>();
  /** Consumer failures per partition in a row (none for CONSUMER_FAILURE_RESET_MS), for the restart's backoff. */
  readonly #consumerFailures = new Map<number, { n: number; at: number }>();
  #connected = true;
  #recordTimer: NodeJS.Timeout | undefined;

  constructor(opts: WorkerOptionsInput = {}) {
    this.options = parseWorkerOptions(opts);
    this.subjects = createSubjects(parseProtocolOptions({ prefix: this.options.prefix, partitions: this.options.partitions }));
    this.metrics = createWorkerMetrics();
    this.log = createLogger(this.options.workerId, this.options.log);
    this.groupSubjects = groupSubjects(this.options.prefix, this.options.partitions);
  }

  /** The actor that holds a stream: its own, or its model group's (`g.<group>`). */
  #keyOf(stream: string): string {
    const g = groupOfStream(this.options.groups, stream);
    return g === undefined ? stream : groupKey(g.name);
  }

  /** The /metrics port, once started (null without a server). */
  get metricsPort(): number | null {
    return this.#http?.port ?? null;
  }

  /** Partitions owned now. */
  partitions(): number[] {
    return this.#leases?.owned() ?? [];
  }

  /** The actor runtime's gauges and counters (zeros before start). */
  actorCounters(): ActorCounters {
    return this.#actors?.counters() ?? { active: 0, waiting: 0, keys: 0, queued: 0, inFlight: 0, mailboxDepthMax: 0, turnsTotal: 0, activatedTotal: 0, passivatedTotal: 0, overflowTotal: 0, failuresTotal: 0, restartsTotal: 0 };
  }

  get ready(): boolean {
    return this.#state === RUNNING;
  }

  async start(): Promise<void> {
    const o = this.options;
    if (o.transport !== undefined) {
      this.#transport = o.transport;
    } else {
      this.#transport = await NatsTransport.connect({
        servers: o.natsUrl.split(',').map((s) => s.trim()),
        name: `carousel-worker-${o.workerId}`,
        ...(o.credsFile === undefined ? {} : { credsFile: o.credsFile }),
        ...(o.user === undefined ? {} : { user: o.user, pass: o.pass }),
        ...(o.token === undefined ? {} : { token: o.token }),
        ...(o.inboxPrefix === undefined ? {} : { inboxPrefix: o.inboxPrefix }),
      });
      this.#ownsTransport = true;
    }
    const t = this.#transport;
    void this.#watchTransport(t);
    const { state, leases, blobs } = await provision(t, this.subjects, o);
    const store = (this.#store = new CheckpointStore(state, blobs, o.maxKvCheckpointBytes));
    const actors = (this.#actors = new ActorSystem<string, WorkerMsg, WorkerState>(
      workerBehaviour({
        transport: t, subjects: this.subjects, store, metrics: this.metrics, log: this.log, defaults: o.stream,
        checkpointEverySamples: o.checkpointEverySamples, checkpointEveryMs: o.checkpointEveryMs,
        budget: new CheckpointBudget(o.checkpointBytesPerSec),
        partitionOf: (key) => partitionOfKey(key, o.partitions),
        genOf: (p) => this.#runners.get(p)?.gen ?? -1,
        canWrite: (p) => this.#leases?.canWrite(p) ?? false,
        covered: (p, gen, s, js) => {
          const r = this.#runners.get(p);
          if (r !== undefined && r.gen === gen) r.covered(s, js);
        },
        tombstoneOf: (s) => this.#runners.get(partitionOfKey(s, o.partitions))?.tombstone(s),
        bury: async (p, gen, s, t) => {
          const r = this.#runners.get(p);
          if (r === undefined || r.gen !== gen) throw new WorkerError(WORKER_ERR.CHECKPOINT, `partition ${p} is not held: ${s} not deleted`);
          await r.bury(s, t);
        },
        later: (key) => this.#actors?.tell(key, { kind: 'gstep' }) === null,
      }, o.groups),
      {
        maxActive: o.maxActive, idleMs: o.idleMs, maxMailbox: o.maxMailbox, turnsPerSlice: o.turnsPerSlice, sliceMs: o.sliceMs,
        maxRestarts: o.maxRestarts, restartBackoffMs: o.restartBackoffMs,
      },
    ));
    actors.status().subscribe((s) => {
      this.metrics.actorEvents.inc({ type: s.type });
      if (s.type === 'passivated') this.metrics.passivated.inc(pl(partitionOfKey(s.key, o.partitions)));
      if (s.type === 'turnFailed' || s.type === 'stopped' || s.type === 'passivateFailed') this.log.log('warn', `actor_${s.type}`, { stream: s.key, error: s.error });
      // A sample that was not applied (failed reload, actor stopped) must not be lost: replay the
      // partition from its record (the stream is still uncovered there) under a new generation.
      if ((s.type === 'turnFailed' && (s.message.kind === 'sample' || s.message.kind === 'gsample' || s.message.kind === 'gstep')) || s.type === 'stopped') this.#replay(partitionOfKey(s.key, o.partitions));
    });
    this.#subs = serveRequests({
      transport: t, subjects: this.subjects, actors, metrics: this.metrics, log: this.log,
      owns: (s) => this.#runners.has(partitionOfKey(this.#keyOf(s), o.partitions)),
      keyOf: (s) => this.#keyOf(s),
      listing: () => this.#listing(),
    });
    await t.flush();
    this.#leases = new LeaseManager(leases, { workerId: o.workerId, partitions: o.partitions, ttlMs: o.leaseTtlMs, heartbeatMs: o.heartbeatMs }, {
      acquired: (p) => this.#acquired(p),
      release: (p) => this.#release(p),
      lost: (p) => this.#lost(p),
    }, this.log);
    this.#leases.start();
    this.#recordTimer = setInterval(() => {
      this.#refreshGauges();
      for (const r of this.#runners.values()) void r.saveRecord();
    }, o.heartbeatMs);
    if (o.metricsPort !== null) {
      this.#http = await startMetricsServer({
        port: o.metricsPort, host: '0.0.0.0', registry: this.metrics.registry, ready: () => this.ready,
        health: () => ({ status: this.#connected ? 'ok' : 'degraded', partitions: this.partitions().length }),
      });
    }
    this.#state = RUNNING;
    this.log.log('info', 'worker_started', { transport: t.kind, partitions: o.partitions, metricsPort: this.metricsPort, prefix: o.prefix });
  }

  /**
   * `list`: the owned partitions and their streams, those seen since each partition was acquired
   * and those with a checkpoint (a one-token key of the state bucket: a stream id has no dot, the
   * partition and group records have one). A model group's members appear once seen.
   */
  async #listing(): Promise<{ streams: string[]; parts: number[] }> {
    const parts = [...this.#runners.keys()].sort((a, b) => a - b);
    const owned = new Set(parts);
    const seen = [...this.#runners.values()].flatMap((r) => r.streams());
    const n = this.options.partitions;
    const stored = (await this.#store!.kv.keys('*')).filter((k) => owned.has(partitionOfKey(k, n)));
    return { streams: [...new Set([...seen, ...stored])].sort(), parts };
  }

  /**
   * A partition's consumer ended on its own: restart the partition from its record (#replay) after
   * a delay that doubles while it keeps failing (100 ms up to 30 s), so a partition is never left
   * without a consumer and a lasting fault (the input stream deleted) does not spin.
   */
  #consumerFailed(p: number, gen: number): void {
    if (this.#runners.get(p)?.gen !== gen || this.#state !== RUNNING) return;
    const now = Date.now();
    const last = this.#consumerFailures.get(p);
    const n = last !== undefined && now - last.at < CONSUMER_FAILURE_RESET_MS ? last.n + 1 : 1;
    this.#consumerFailures.set(p, { n, at: now });
    const delay = Math.min(CONSUMER_RESTART_MAX_MS, CONSUMER_RESTART_MIN_MS * 2 ** (n - 1));
    setTimeout(() => {
      if (this.#runners.get(p)?.gen === gen) this.#replay(p);
    }, delay).unref();
  }

  /** Restarts a partition's consumer from its persisted record under a new generation (once at a time). */
  #replay(p: number): void {
    const old = this.#runners.get(p);
    if (old === undefined || this.#replaying.has(p) || this.#state !== RUNNING) return;
    this.#replaying.add(p);
    this.log.log('warn', 'partition_replay', { partition: p, gen: old.gen });
    void (async () => {
      try {
        await old.stop();
        if (this.#runners.get(p) !== old) return; // released or lost meanwhile
        this.#runners.delete(p);
        // Retry while the lease is ours: a partition we hold must have a consumer.
        for (let attempt = 1; this.#state === RUNNING && this.#leases?.owns(p) === true; attempt++) {
          try {
            await this.#acquired(p);
            break;
          } catch (e) {
            this.log.log('error', 'partition_replay_failed', { partition: p, attempt, error: e });
            await new Promise((r) => setTimeout(r, Math.min(5000, 250 * attempt)));
          }
        }
      } finally {
        this.#replaying.delete(p);
      }
    })();
  }

  async #acquired(p: number): Promise<void> {
    if (this.#state >= DRAINING) throw new Error('draining');
    const record = await this.#store!.loadPartition(p);
    const tombstones = await this.#store!.loadTombstones(p);
    const runner = new PartitionRunner({
      transport: this.#transport!, subjects: this.subjects, actors: this.#actors!, store: this.#store!, metrics: this.metrics, log: this.log,
      groups: this.options.groups, groupSubjects: this.groupSubjects,
      batch: this.options.consumerBatch, canWrite: (q) => this.#leases?.canWrite(q) ?? false,
      failed: (q, gen) => this.#consumerFailed(q, gen),
    }, p, this.#nextGen++, record, tombstones);
    this.#runners.set(p, runner);
    runner.start();
    this.metrics.leaseChanges.inc(pl(p));
    this.metrics.partitionsOwned.set(this.#runners.size);
    this.log.log('info', 'partition_started', { partition: p, after: record.low, gen: runner.gen });
  }

  /** Graceful: stop consuming, let the streams' queued turns finish and checkpoint, record low. */
  async #release(p: number): Promise<void> {
    const runner = this.#runners.get(p);
    if (runner === undefined) return;
    await runner.stop();
    if (this.#state < DRAINING) {
      await Promise.all(runner.keys().map((s) => this.#actors!.ask(s, { kind: 'flush' }).catch(() => undefined)));
    }
    await runner.saveRecord();
    this.#runners.delete(p);
    this.metrics.leaseChanges.inc(pl(p));
    this.metrics.partitionsOwned.set(this.#runners.size);
  }

  #lost(p: number): void {
    const runner = this.#runners.get(p);
    this.#runners.delete(p);
    void runner?.stop();
    this.metrics.leaseChanges.inc(pl(p));
    this.metrics.partitionsOwned.set(this.#runners.size);
  }

  #refreshGauges(): void {
    const c = this.#actors?.counters();
    if (c === undefined) return;
    this.metrics.activeActors.set(c.active);
    this.metrics.mailboxQueued.set(c.queued);
  }

  async #watchTransport(t: Transport): Promise<void> {
    for await (const s of t.status()) {
      if (s.type === 'disconnect' || s.type === 'reconnect') {
        this.#connected = s.type === 'reconnect';
        this.log.log('warn', `transport_${s.type}`, { server: s.server });
      }
      else if (s.type === 'error') this.log.log('warn', 'transport_error', { error: s.error });
    }
  }

  /**
   * SIGTERM path: stop consuming every partition, finish in-flight turns and passivate (checkpoint)
   * every actor, write the partition records, release the leases, close the transport.
   */
  async drain(): Promise<void> {
    if (this.#state >= DRAINING) return;
    this.#state = DRAINING;
    this.log.log('info', 'worker_draining', { partitions: this.partitions() });
    for (const s of this.#subs) s.close();
    await Promise.all([...this.#runners.values()].map((r) => r.stop()));
    await this.#actors?.drain();
    await this.#leases?.drain(); // release(): records written while the leases are still held
    clearInterval(this.#recordTimer);
    await this.#shutdown();
    this.log.log('info', 'worker_drained', {});
  }

  /** Stops now: nothing is checkpointed, leases expire on their own. */
  async close(): Promise<void> {
    if (this.#state === CLOSED) return;
    for (const s of this.#subs) s.close(); // on a transport it does not own, a closed worker must not answer (list did)
    this.#leases?.close();
    clearInterval(this.#recordTimer);
    for (const r of this.#runners.values()) await r.stop();
    this.#runners.clear();
    await this.#actors?.close();
    await this.#shutdown();
  }

  async #shutdown(): Promise<void> {
    this.#state = CLOSED;
    await this.#http?.close();
    if (this.#ownsTransport) await this.#transport?.close();
  }
}
