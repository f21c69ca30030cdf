// WorkerOptions: everything a worker is configured with, as named defaults. parseWorkerOptions()
// merges, checks and freezes once; nothing else reads raw options. Environment variables and
// flags are read only in main.ts, which passes the values here.

import { hostname } from 'node:os';
import { DEFAULT_MAX_RESTARTS, DEFAULT_RESTART_BACKOFF_MS } from '@carousel/actors';
import type { Transport } from '@carousel/bus';
import { WorkerError, WORKER_ERR } from './errors.ts';
import { parseGroups, type GroupInput, type GroupSpec } from './groups.ts';
import { parseStreamConfig, type StreamConfig } from './stream-config.ts';
import { checkStreamConfig } from './stream-processor.ts';

/** NATS server URL. */
export const DEFAULT_NATS_URL = 'nats://127.0.0.1:4222';
/** Subject prefix (DESIGN.md: configurable, `carousel` by default). */
export const DEFAULT_PREFIX = 'carousel';
/** Partition count P; must equal the nats-server mapping's partition(P,1). */
export const DEFAULT_PARTITIONS = 16;
/** A partition lease lapses this long after its last renewal, ms. */
export const DEFAULT_LEASE_TTL_MS = 10_000;
/** Lease renewal period, ms (at most a third of the TTL). */
export const DEFAULT_HEARTBEAT_MS = 2_000;
/** Checkpoint a stream after this many applied samples. */
export const DEFAULT_CHECKPOINT_EVERY_SAMPLES = 1_000;
/** ... or on the first sample this long after its last checkpoint, ms. */
export const DEFAULT_CHECKPOINT_EVERY_MS = 30_000;
/**
 * Bytes per second that periodic checkpoints may write (a token bucket holding at most one second's
 * worth); due checkpoints wait their turn beyond it. 8 MiB/s lets 1,000 streams of ~170 KB keep the
 * 30 s period; 10,000 streams then checkpoint about every 200 s. 0: no limit.
 */
export const DEFAULT_CHECKPOINT_BYTES_PER_SEC = 8 * 1024 * 1024;
/** Stream actors held in memory at once (least recently used idle ones passivate). */
export const DEFAULT_MAX_ACTIVE = 10_000;
/** An actor idle this long passivates to its checkpoint, ms. */
export const DEFAULT_IDLE_MS = 300_000;
/** Samples queued per stream actor; when full the partition consumer waits (backpressure, no loss). */
export const DEFAULT_MAX_MAILBOX = 1_024;
/** Checkpoints larger than this go to the Object Store, bytes (the KV value holds a pointer). */
export const DEFAULT_MAX_KV_CHECKPOINT_BYTES = 512 * 1024;
/** JetStream dedupe window for producer msg ids, ms. */
export const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;
/** Port of /metrics, /healthz, /readyz (0: any free port; null: no server). */
export const DEFAULT_METRICS_PORT = 9464;
/** Actor turns run back to back before the event loop may serve I/O (lease heartbeats, infer). */
export const DEFAULT_TURNS_PER_SLICE = 16;
/**
 * Time after which a slice of actor turns yields to I/O even before DEFAULT_TURNS_PER_SLICE turns,
 * ms: with heavy models (16 turns of an H = 128 model take 12-17 ms, bench/worker/turn-probe.ts) it bounds how long an infer or
 * a lease heartbeat waits behind other streams' turns.
 */
export const DEFAULT_SLICE_MS = 2;
/** Messages an ordered consumer fetches ahead. */
export const DEFAULT_CONSUMER_BATCH = 256;

const ID_RE = /^[A-Za-z0-9_-]{1,64}$/;

export interface WorkerOptions {
  /** NATS server URL(s), comma-separated allowed (default DEFAULT_NATS_URL). Ignored with `transport`. */
  natsUrl: string;
  /** NATS `.creds` file (default none). */
  credsFile?: string;
  /** NATS user / password or token (default none). */
  user?: string;
  pass?: string;
  token?: string;
  /** Prefix of the NATS reply inboxes (default none: the client's `_INBOX`); with secure.conf `_INBOX_worker`. */
  inboxPrefix?: string;
  /** Subject prefix (default DEFAULT_PREFIX). */
  prefix: string;
  /** Partition count P (default DEFAULT_PARTITIONS). */
  partitions: number;
  /** This worker's id, one token [A-Za-z0-9_-]{1,64}, unique among live workers (default host-pid-random). */
  workerId: string;
  /** Lease TTL, ms (default DEFAULT_LEASE_TTL_MS). The leases bucket keeps the TTL of whoever created it. */
  leaseTtlMs: number;
  /** Lease renewal period, ms (default DEFAULT_HEARTBEAT_MS; at most leaseTtlMs / 3). */
  heartbeatMs: number;
  /** Checkpoint every N applied samples (default DEFAULT_CHECKPOINT_EVERY_SAMPLES). */
  checkpointEverySamples: number;
  /** Checkpoint when this long has passed since the last one, ms (default DEFAULT_CHECKPOINT_EVERY_MS). */
  checkpointEveryMs: number;
  /** Byte budget of periodic checkpoints, bytes/s; 0 no limit (default DEFAULT_CHECKPOINT_BYTES_PER_SEC). */
  checkpointBytesPerSec: number;
  /** Actors in memory at once (default DEFAULT_MAX_ACTIVE). */
  maxActive: number;
  /** Idle passivation, ms; 0 disables (default DEFAULT_IDLE_MS). */
  idleMs: number;
  /** Mailbox bound per stream (default DEFAULT_MAX_MAILBOX). */
  maxMailbox: number;
  /** Checkpoints over this size go to the Object Store, bytes (default DEFAULT_MAX_KV_CHECKPOINT_BYTES). */
  maxKvCheckpointBytes: number;
  /** JetStream dedupe window, ms (default DEFAULT_DUPLICATE_WINDOW_MS). */
  duplicateWindowMs: number;
  /** Consumer prefetch, messages (default DEFAULT_CONSUMER_BATCH). */
  consumerBatch: number;
  /** Turns per scheduler slice (default DEFAULT_TURNS_PER_SLICE): bounds how long heartbeats and infer wait. */
  turnsPerSlice: number;
  /** Time bound of a scheduler slice, ms, 0 = turns only (default DEFAULT_SLICE_MS): a slice ends within one turn of it. */
  sliceMs: number;
  /**
   * Failed activations (a checkpoint that cannot be read) a stream's actor retries, with a backoff
   * doubling from restartBackoffMs up to 30 s, before it stops: its queued samples fail and the
   * partition is replayed from its record (default the actor system's, 10).
   */
  maxRestarts: number;
  /** The first of those retries' delays, ms (default 100). */
  restartBackoffMs: number;
  /** Stream config every stream starts from (merged over defaultStreamConfig()). */
  stream: Readonly<StreamConfig>;
  /**
   * Model groups (default none): streams matching a group's pattern share one model; they publish
   * on <prefix>.g.<group>.<stream> (docs/worker.md "Model groups"). Every worker of a deployment
   * must have the same groups.
   */
  groups: readonly GroupSpec[];
  /** /metrics, /healthz, /readyz port; 0 any free port; null none (default DEFAULT_METRICS_PORT). */
  metricsPort: number | null;
  /** In-process mode: use this transport instead of connecting to NATS (the caller owns it). */
  transport?: Transport;
  /** Write JSON log lines (default true); tests and benches turn it off. */
  log: boolean;
}

export function defaultWorkerOptions(): WorkerOptions {
  return {
    natsUrl: DEFAULT_NATS_URL,
    prefix: DEFAULT_PREFIX,
    partitions: DEFAULT_PARTITIONS,
    workerId: `${hostname().replace(/[^A-Za-z0-9_-]/g, '-').slice(0, 32)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    leaseTtlMs: DEFAULT_LEASE_TTL_MS,
    heartbeatMs: DEFAULT_HEARTBEAT_MS,
    checkpointEverySamples: DEFAULT_CHECKPOINT_EVERY_SAMPLES,
    checkpointEveryMs: DEFAULT_CHECKPOINT_EVERY_MS,
    checkpointBytesPerSec: DEFAULT_CHECKPOINT_BYTES_PER_SEC,
    maxActive: DEFAULT_MAX_ACTIVE,
    idleMs: DEFAULT_IDLE_MS,
    maxMailbox: DEFAULT_MAX_MAILBOX,
    maxKvCheckpointBytes: DEFAULT_MAX_KV_CHECKPOINT_BYTES,
    duplicateWindowMs: DEFAULT_DUPLICATE_WINDOW_MS,
    consumerBatch: DEFAULT_CONSUMER_BATCH,
    turnsPerSlice: DEFAULT_TURNS_PER_SLICE,
    sliceMs: DEFAULT_SLICE_MS,
    maxRestarts: DEFAULT_MAX_RESTARTS,
    restartBackoffMs: DEFAULT_RESTART_BACKOFF_MS,
    stream: parseStreamConfig(),
    groups: [],
    metricsPort: DEFAULT_METRICS_PORT,
    log: true,
  };
}

/** Options as callers give them: any field, and the stream config as a partial override. */
export type WorkerOptionsInput = Partial<Omit<WorkerOptions, 'stream' | 'groups'>> & { stream?: Partial<StreamConfig>; groups?: readonly GroupInput[] };

/** Merges `opts` over the defaults, checks every field, freezes. Throws WORKER_ERR_CONFIG naming the field. */
export function parseWorkerOptions(opts: WorkerOptionsInput = {}): Readonly<WorkerOptions> {
  const { stream, groups, ...rest } = opts;
  const streamConfig = parseStreamConfig(stream ?? {});
  checkStreamConfig(streamConfig);
  const o: WorkerOptions = { ...defaultWorkerOptions(), ...dropUndefined(rest), stream: streamConfig, groups: parseGroups(groups, streamConfig) };
  if (typeof o.natsUrl !== 'string' || o.natsUrl.trim() === '') bad('natsUrl', o.natsUrl);
  if (typeof o.prefix !== 'string' || !/^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/.test(o.prefix)) bad('prefix', o.prefix);
  int('partitions', o.partitions, 1, 4096);
  if (typeof o.workerId !== 'string' || !ID_RE.test(o.workerId)) bad('workerId', o.workerId);
  int('leaseTtlMs', o.leaseTtlMs, 300, 3_600_000);
  int('heartbeatMs', o.heartbeatMs, 50, Math.floor(o.leaseTtlMs / 3));
  int('checkpointEverySamples', o.checkpointEverySamples, 1, 1e9);
  int('checkpointEveryMs', o.checkpointEveryMs, 1, 1e9);
  int('checkpointBytesPerSec', o.checkpointBytesPerSec, 0, 1e12);
  int('maxActive', o.maxActive, 1, 1e7);
  int('idleMs', o.idleMs, 0, 1e9);
  int('maxMailbox', o.maxMailbox, 1, 1e7);
  int('maxKvCheckpointBytes', o.maxKvCheckpointBytes, 1024, 64 * 1024 * 1024);
  int('duplicateWindowMs', o.duplicateWindowMs, 1000, 86_400_000);
  int('consumerBatch', o.consumerBatch, 1, 100_000);
  int('turnsPerSlice', o.turnsPerSlice, 1, 100_000);
  if (typeof o.sliceMs !== 'number' || !(o.sliceMs >= 0 && o.sliceMs <= 60_000)) bad('sliceMs', o.sliceMs, 'a number of ms in [0, 60000]');
  int('maxRestarts', o.maxRestarts, 0, 1000);
  int('restartBackoffMs', o.restartBackoffMs, 1, 30_000);
  if (o.metricsPort !== null) int('metricsPort', o.metricsPort, 0, 65535);
  if (typeof o.log !== 'boolean') bad('log', o.log);
  return Object.freeze(o);
}

function dropUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function int(name: string, v: unknown, min: number, max: number): void {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) bad(name, v, `an integer in [${min}, ${max}]`);
}

function bad(field: string, value: unknown, want = 'valid'): never {
  throw new WorkerError(WORKER_ERR.CONFIG, `option ${field} must be ${want}, got ${JSON.stringify(value)}`, { field, value });
}
