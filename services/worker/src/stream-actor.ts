// The actor of one stream: its state (a StreamProcessor once the first sample fixed the
// dimension, the seq guard, the JetStream sequence applied, checkpoint bookkeeping) and the
// behaviour the ActorSystem runs. One sample turn: skip if its JetStream sequence is covered,
// decode + validate, seq guard, process, publish the Prediction (and Alert), checkpoint every N
// samples or T ms. Control turns (configure, reset, inspect, snapshot, delete) queue behind samples.
// Not here: consuming, leases, request subscriptions (worker.ts, partition.ts, requests.ts).

import type { ActorBehaviour } from '@carousel/actors';
import { DEFAULT_THRESHOLD } from '@carousel/anomaly';
import type { Transport } from '@carousel/bus';
import { isBusError, BUS_ERR } from '@carousel/bus';
import {
  PROTOCOL_VERSION, SeqGuard, decodeSample, encodeAlert, encodePrediction, encodeReject,
  type ControlReply, type ControlRequest, type ModelConfig, type Reject, type Subjects,
} from '@carousel/protocol';
import { periodicCheckpoint, retryAfterFailure, settledWrite, type CheckpointBudget } from './checkpoint-budget.ts';
import { CheckpointStore, type CheckpointBody, type Tombstone } from './checkpoint.ts';
import { WorkerError, WORKER_ERR } from './errors.ts';
import type { Logger } from './log.ts';
import { checkpointFailureLabels, pl, type WorkerMetrics } from './metrics.ts';
import { parseStreamConfig, withStreamPhase, type StreamConfig } from './stream-config.ts';
import { StreamProcessor, processorFor } from './stream-processor.ts';
import { warmProcessor, warmRef } from './warm-start.ts';

/** Messages of a stream actor. */
export type ActorMsg =
  | { readonly kind: 'sample'; readonly js: number; readonly gen: number; readonly data: Uint8Array; readonly contentType: string | undefined }
  | { readonly kind: 'control'; readonly req: Exclude<ControlRequest, { op: 'list' }> }
  /** Checkpoint now if anything is unsaved (partition release). */
  | { readonly kind: 'flush' }
  /** Nothing: activates the actor (infer on a passivated stream). */
  | { readonly kind: 'touch' }
  /**
   * A tombstone is about to be dropped while the checkpoint its delete meant to remove (revision
   * `rev`) is still stored: remove it now if the stream still holds it (no write since).
   */
  | { readonly kind: 'collect'; readonly rev: number };

export interface StreamActorState {
  readonly stream: string;
  readonly partition: number;
  /** Ownership generation of the partition this state was loaded under. */
  gen: number;
  cfgOver: ModelConfig | null;
  cfg: Readonly<StreamConfig>;
  proc: StreamProcessor | null;
  /** Model version: bumped on configure and reset. */
  mv: number;
  /** Samples learned since the last configure/reset. */
  n: number;
  /** JetStream sequence of the last message of this stream handled (applied, rejected or skipped). */
  js: number;
  /** Last accepted sample seq. */
  seq: number | null;
  readonly guard: SeqGuard;
  /** Forecast of the last sample (what infer answers without x). */
  forecast: Float64Array[] | null;
  errEma: number | null;
  score: number | null;
  /** KV revision of the checkpoint (0: none), its object if in the Object Store. */
  rev: number;
  obj: string | undefined;
  /** Samples applied since the last checkpoint; when it was written (ms). */
  pending: number;
  checkpointAt: number;
  /** Size of the last checkpoint written, bytes (what the next periodic one is charged). */
  checkpointBytes?: number;
  /** Checkpoint writes failed in a row, and no periodic attempt before checkpointRetryAt (ms). */
  checkpointFailures?: number;
  checkpointRetryAt?: number;
  /** Reply of the last control turn (read by ask). */
  reply: ControlReply | null;
}

/** What the actor needs from its worker. */
export interface ActorContext {
  readonly transport: Transport;
  readonly subjects: Subjects;
  readonly store: CheckpointStore;
  readonly metrics: WorkerMetrics;
  readonly log: Logger;
  readonly defaults: Readonly<StreamConfig>;
  readonly checkpointEverySamples: number;
  readonly checkpointEveryMs: number;
  /** The byte budget of periodic checkpoints (checkpoint-budget.ts). */
  readonly budget: CheckpointBudget;
  partitionOf(stream: string): number;
  /** Current ownership generation of a partition; -1 when not owned. */
  genOf(partition: number): number;
  /** The fence: this worker may write checkpoints of the partition now. */
  canWrite(partition: number): boolean;
  /** A checkpoint (or a no-op message on a clean stream) now covers `js` of `stream`. */
  covered(partition: number, gen: number, stream: string, js: number): void;
  /** Queues a 'gstep' turn for `key` behind its mailbox (a model group's waiting steps); false if it could not be queued. */
  later(key: string): boolean;
  /** The tombstone of a deleted stream of an owned partition, while its partition keeps it. */
  tombstoneOf(stream: string): Tombstone | undefined;
  /** Writes and keeps a deleted stream's tombstone under generation `gen` of its partition; throws when it cannot. */
  bury(partition: number, gen: number, stream: string, t: Tombstone): Promise<void>;
}

const now = (): number => performance.now();

export function streamBehaviour(ctx: ActorContext): ActorBehaviour<string, ActorMsg, StreamActorState> {
  return {
    activate: (stream) => activateLoad(ctx, stream),
    turn: (state, msg) => turn(ctx, state, msg),
    passivate: async (_stream, state) => {
      if (state.pending > 0 && state.gen === ctx.genOf(state.partition)) {
        const saved = await checkpoint(ctx, state, 'passivate');
        // Samples applied since the last checkpoint are not replayed while this generation owns
        // the partition: dropping the state now would lose them. Keep the actor (the actor system
        // keeps a stream whose passivation failed and retries later). Once the generation has
        // changed (partition lost or restarted), the new one replays them from the partition record.
        if (!saved && state.gen === ctx.genOf(state.partition)) {
          throw new WorkerError(WORKER_ERR.CHECKPOINT, `passivation of ${state.stream} could not checkpoint; kept in memory`);
        }
      }
    },
    // Turns catch their own failures; a throw is a bug or a failed reload: keep the state.
    onFailure: () => 'resume',
  };
}

/**
 * Builds a stream's state from its checkpoint (or fresh), under the partition's current generation.
 * A deleted stream (its tombstone kept, and no checkpoint or still the one the delete removed)
 * starts fresh after the tombstone's sequence; its next write replaces that checkpoint and object.
 */
export async function load(ctx: ActorContext, stream: string): Promise<StreamActorState> {
  const partition = ctx.partitionOf(stream);
  const gen = ctx.genOf(partition);
  const stored = await ctx.store.load(stream);
  const gone = ctx.tombstoneOf(stream);
  const deleted = gone !== undefined && (stored === null || stored.revision === gone.rev);
  const c = deleted ? null : stored;
  const cfgOver = c?.body.cfg ?? null;
  const cfg = parseStreamConfig((cfgOver ?? {}) as Partial<StreamConfig>, ctx.defaults, { limits: false });
  const proc = c?.body.proc ? new StreamProcessor(cfg, c.body.proc.dims, c.body.proc) : null;
  const guard = new SeqGuard();
  const seq = c?.envelope.seq ?? null;
  guard.restore(stream, seq);
  return {
    stream, partition, gen, cfgOver, cfg, proc, guard, seq,
    mv: c?.envelope.mv ?? 0,
    n: c?.body.n ?? 0,
    js: deleted ? gone.js : (c?.envelope.js ?? 0),
    forecast: null, errEma: null, score: null,
    rev: stored?.revision ?? 0,
    obj: stored?.envelope.obj,
    pending: 0,
    checkpointAt: now(),
    reply: null,
  };
}

/** Bus failures a reload waits out: a KV leader being elected, a reconnect. */
const TRANSIENT_LOAD_ERRORS: ReadonlySet<string> = new Set([BUS_ERR.TIMEOUT, BUS_ERR.NO_RESPONDERS, BUS_ERR.CONNECTION]);
const RELOAD_RETRY_MIN_MS = 50;
const RELOAD_RETRY_MAX_MS = 2_000;

/**
 * load() for a sample of generation `gen`. The sample must not be lost: while `gen` owns the
 * partition nothing replays it (its runner has dispatched it), so a transient bus failure is
 * waited out, holding the actor's turn (its mailbox fills and the partition's consumer waits).
 * Resolves null once `gen` no longer owns the partition: the next generation replays the sample
 * from the partition record, which no checkpoint of this stream has passed.
 */
async function reloadFor(ctx: ActorContext, stream: string, gen: number): Promise<StreamActorState | null> {
  const owned = (): boolean => ctx.genOf(ctx.partitionOf(stream)) === gen;
  for (let attempt = 0; ; attempt++) {
    if (!owned()) return null;
    try {
      return await load(ctx, stream);
    } catch (e) {
      if (!(isBusError(e) && TRANSIENT_LOAD_ERRORS.has(e.code))) throw e;
      if (attempt === 0) ctx.log.log('warn', 'reload_retrying', { stream, gen, error: e });
      await new Promise((r) => setTimeout(r, Math.min(RELOAD_RETRY_MAX_MS, RELOAD_RETRY_MIN_MS * 2 ** Math.min(attempt, 10))));
    }
  }
}

/**
 * Activation's load. While this worker owns the stream's partition, a transient bus failure is
 * waited out as in reloadFor(): an activation that failed too often would make the actor system
 * fail every message queued for the stream, samples the owning generation will not replay.
 */
async function activateLoad(ctx: ActorContext, stream: string): Promise<StreamActorState> {
  const gen = ctx.genOf(ctx.partitionOf(stream));
  if (gen < 0) return load(ctx, stream);
  const state = await reloadFor(ctx, stream, gen);
  // The partition changed hands while loading: what is queued is replayed by its next owner.
  return state ?? load(ctx, stream);
}

function turn(ctx: ActorContext, state: StreamActorState, msg: ActorMsg): StreamActorState | Promise<StreamActorState> {
  switch (msg.kind) {
    case 'sample':
      if (msg.gen !== state.gen) return reloadFor(ctx, state.stream, msg.gen).then((fresh) => (fresh === null ? state : sample(ctx, fresh, msg)));
      return sample(ctx, state, msg);
    case 'control':
      if (state.gen !== ctx.genOf(state.partition)) return load(ctx, state.stream).then((fresh) => control(ctx, fresh, msg.req));
      return control(ctx, state, msg.req);
    case 'flush':
      return state.pending > 0 && state.gen === ctx.genOf(state.partition) ? checkpoint(ctx, state, 'release').then(() => state) : state;
    case 'touch':
      return state;
    case 'collect':
      return collect(ctx, state, msg.rev);
  }
}

/** The 'collect' turn: the delete's removal of checkpoint `rev`, done now. Never throws: a failure leaves the tombstone to the next try. */
async function collect(ctx: ActorContext, state: StreamActorState, rev: number): Promise<StreamActorState> {
  if (state.rev !== rev || state.gen !== ctx.genOf(state.partition) || !ctx.canWrite(state.partition)) return state;
  try {
    await ctx.store.remove(state.stream, rev, state.obj);
    state.rev = 0;
    state.obj = undefined;
  } catch (e) {
    ctx.log.log('warn', 'checkpoint_remove_failed', { stream: state.stream, error: e });
  }
  return state;
}

function sample(ctx: ActorContext, state: StreamActorState, msg: Extract<ActorMsg, { kind: 'sample' }>): StreamActorState | Promise<StreamActorState> {
  const { metrics } = ctx;
  if (msg.js <= state.js) {
    metrics.redeliveriesSkipped.inc(); // a redelivery the checkpoint already covers: no effect, no reply
    if (state.pending === 0) ctx.covered(state.partition, state.gen, state.stream, msg.js);
    return state;
  }
  const t0 = now();
  const stream = state.stream;
  const d = decodeSample(msg.data, { contentType: msg.contentType, stream, dim: state.proc?.dims });
  if (!d.ok) return refuse(ctx, state, msg.js, d.reject);
  const s = d.value;
  const prevSeq = state.seq;
  const verdict = state.guard.accept(stream, s.seq);
  if (!verdict.ok) return refuse(ctx, state, msg.js, verdict.reject);
  let proc: StreamProcessor;
  let r;
  try {
    // The first sample builds the model at its number of features, which may refuse it (a model too big at that size).
    proc = state.proc ?? new StreamProcessor(withStreamPhase(state.cfg, stream), s.x.length);
    r = proc.process(s.seq, s.x, s.ts);
  } catch (e) {
    state.guard.restore(stream, prevSeq);
    const code = e instanceof WorkerError ? e.code : WORKER_ERR.INTERNAL;
    return refuse(ctx, state, msg.js, { v: PROTOCOL_VERSION, stream, seq: s.seq, code, msg: String((e as Error).message).slice(0, 512) });
  }
  state.proc = proc;
  state.seq = s.seq;
  state.js = msg.js;
  state.n++;
  state.pending++;
  state.forecast = r.forecast;
  const warm = Number.isFinite(r.error);
  if (warm) state.errEma = state.errEma === null ? r.error : 0.99 * state.errEma + 0.01 * r.error;
  state.score = warm ? r.score : null;
  const pt = (now() - t0) / 1000;
  const subjects = ctx.subjects;
  emit(ctx, subjects.out(stream), () => encodePrediction({
    v: PROTOCOL_VERSION, stream, seq: s.seq, ts: s.ts, f: r.forecast.length === 1 ? r.forecast[0]! : r.forecast, x: s.x,
    err: warm ? r.error : null, score: warm ? clamp01(r.score) : null, lik: warm ? clamp01(r.likelihood) : null, mv: state.mv, pt,
    ...(state.proc ? { lr: state.proc.stats.learningRate, n: state.proc.stats.updates } : {}),
  }));
  const labels = pl(state.partition);
  metrics.predictions.inc(labels);
  metrics.samples.inc(labels);
  if (s.ts !== undefined) metrics.endToEndSeconds.observe(labels, Math.max(0, Date.now() - s.ts) / 1000);
  if (r.flagged) {
    emit(ctx, subjects.alert(stream), () => encodeAlert({
      v: PROTOCOL_VERSION, stream, seq: s.seq, ts: s.ts, score: clamp01(r.score), lik: clamp01(r.likelihood),
      thr: state.cfg.anomaly.threshold ?? DEFAULT_THRESHOLD, mv: state.mv,
    }));
    metrics.alerts.inc(labels);
  }
  metrics.stepSeconds.observe(labels, pt);
  const charge = periodicCheckpoint(ctx, state);
  if (charge !== null) return checkpoint(ctx, state, 'periodic', charge).then(() => state);
  return state;
}

function refuse(ctx: ActorContext, state: StreamActorState, js: number, reject: Reject): StreamActorState {
  ctx.metrics.rejects.inc({ ...pl(state.partition), code: reject.code });
  if (reject.code === WORKER_ERR.MODEL) ctx.metrics.modelRefused.inc(pl(state.partition));
  emit(ctx, ctx.subjects.reject(state.stream), () => encodeReject({ ...reject, stream: state.stream }));
  state.js = js;
  // Nothing of the model changed: if nothing is unsaved either, this message is covered as is.
  if (state.pending === 0) ctx.covered(state.partition, state.gen, state.stream, js);
  return state;
}

/**
 * Writes the stream's checkpoint if the fence allows. Never throws: failures are counted and logged.
 * `charged`: what the budget was charged for it up front (periodic ones); the bytes written are settled.
 */
export function checkpoint(ctx: ActorContext, state: StreamActorState, reason: string, charged = 0): Promise<boolean> {
  return settledWrite(ctx.budget, charged, () => writeCheckpoint(ctx, state, reason));
}

/** checkpoint()'s write: the bytes written, 0 when it failed. */
async function writeCheckpoint(ctx: ActorContext, state: StreamActorState, reason: string): Promise<number> {
  const { metrics } = ctx;
  const allowed = (): boolean => ctx.canWrite(state.partition) && state.gen === ctx.genOf(state.partition);
  if (!allowed()) {
    metrics.checkpointFailures.inc(checkpointFailureLabels(state.partition));
    return 0;
  }
  const js = state.js;
  const t0 = now();
  try {
    // Snapshot once the store has a write slot (it bounds checkpoint I/O), checking the fence again then.
    const body = (): CheckpointBody | null => (allowed() ? { v: 1, cfg: state.cfgOver, n: state.n, proc: state.proc?.snapshot() ?? null } : null);
    const saved = await ctx.store.save({ stream: state.stream, mv: state.mv, js, seq: state.seq }, body, state.rev, state.obj);
    if (saved === null) {
      metrics.checkpointFailures.inc(checkpointFailureLabels(state.partition));
      return 0;
    }
    state.rev = saved.revision;
    state.obj = saved.obj;
    state.pending = 0;
    state.checkpointAt = now();
    state.checkpointBytes = saved.bytes;
    state.checkpointFailures = 0;
    state.checkpointRetryAt = undefined;
    metrics.checkpointsWritten.inc({ store: saved.obj === undefined ? 'kv' : 'object' });
    metrics.checkpointBytes.observe(pl(state.partition), saved.bytes);
    metrics.checkpointSeconds.observe(pl(state.partition), (now() - t0) / 1000);
    ctx.covered(state.partition, state.gen, state.stream, js);
    return saved.bytes;
  } catch (e) {
    const fenced = isBusError(e) && e.code === BUS_ERR.REVISION;
    metrics.checkpointFailures.inc(checkpointFailureLabels(state.partition, e));
    ctx.log.log('warn', 'checkpoint_failed', { stream: state.stream, reason, fenced, error: e });
    if (fenced) state.gen = -1; // someone else wrote it: reload before the next message
    state.checkpointFailures = (state.checkpointFailures ?? 0) + 1;
    state.checkpointRetryAt = retryAfterFailure(state.checkpointFailures, now());
    return 0;
  }
}

async function control(ctx: ActorContext, state: StreamActorState, req: Extract<ActorMsg, { kind: 'control' }>['req']): Promise<StreamActorState> {
  const stream = state.stream;
  const base = { v: PROTOCOL_VERSION, stream };
  ctx.metrics.controlRequests.inc({ op: req.op });
  try {
    switch (req.op) {
      case 'configure': {
        const { warm, rest } = warmRef(req.cfg);
        if (warm !== null) {
          const w = await warmProcessor(ctx.store.blobs, warm, rest, ctx.defaults, state.proc?.dims ?? null);
          state.proc = w.proc;
          state.n = 0;
          state.cfg = w.cfg;
          // Persist the shape the weights fixed, not the pointer: a checkpoint restores the weights.
          state.cfgOver = { ...rest, model: wireConfig(w.cfg).model! };
        } else {
          const cfg = parseStreamConfig(rest as Partial<StreamConfig>, ctx.defaults);
          const sameModel = JSON.stringify(cfg.model) === JSON.stringify(state.cfg.model);
          const proc = state.proc;
          // Built before anything changes, also for a stream with no samples yet (at one feature,
          // then dropped): a config whose model does not build is refused, not left to fail every sample.
          const next = proc !== null && sameModel ? processorFor(cfg, proc.dims, proc.snapshot()) : processorFor(withStreamPhase(cfg, stream), proc?.dims ?? 1);
          state.proc = proc === null ? null : next;
          if (!sameModel) state.n = 0;
          state.cfg = cfg;
          state.cfgOver = rest;
        }
        state.mv++;
        state.pending++;
        await checkpoint(ctx, state, 'configure');
        state.reply = { ...base, ok: true, op: 'configure', mv: state.mv };
        break;
      }
      case 'reset':
        // Fresh weights and state, built by the next sample at that sample's dimension: the same
        // weights a rebuild now would have at the old one (the same config, seed and phase), and
        // the way a stream changes its number of features.
        forgetModel(state);
        state.pending++;
        await checkpoint(ctx, state, 'reset');
        state.reply = { ...base, ok: true, op: 'reset', mv: state.mv };
        break;
      case 'delete': {
        // The tombstone first: until the checkpoint is gone, a reload finds it by its revision
        // and starts the stream anew all the same (load). Samples after it start a new stream.
        const { partition, gen, rev, obj, js } = state;
        const failed = (what: string, e: unknown): WorkerError =>
          e instanceof WorkerError ? e : new WorkerError(WORKER_ERR.CHECKPOINT, `${stream}: ${what}: ${(e as Error).message}; retry the delete`);
        // Nothing applied and nothing stored (a stream never seen): nothing to mark.
        if (js > 0 || rev > 0) {
          await ctx.bury(partition, gen, stream, { js, rev }).catch((e: unknown) => {
            throw failed('tombstone not written', e);
          });
        }
        forgetModel(state);
        state.cfgOver = null;
        state.cfg = parseStreamConfig({}, ctx.defaults, { limits: false });
        state.seq = null;
        state.guard.restore(stream, null);
        state.pending = 0;
        try {
          await ctx.store.remove(stream, rev, obj);
        } catch (e) {
          state.gen = -1; // did the delete land? Reload (checkpoint and tombstone) before the next message.
          throw failed('checkpoint not deleted', e);
        }
        state.rev = 0;
        state.obj = undefined;
        ctx.covered(partition, gen, stream, js);
        ctx.log.log('info', 'stream_deleted', { stream, partition, js, mv: state.mv });
        state.reply = { ...base, ok: true, op: 'delete', mv: state.mv };
        break;
      }
      case 'inspect':
        state.reply = {
          ...base, ok: true, op: 'inspect',
          info: { seq: state.seq, js: state.js === 0 ? null : state.js, n: state.n, mv: state.mv, cfg: wireConfig(state.cfg), err: state.errEma, score: state.score },
        };
        break;
      case 'snapshot': {
        state.pending++;
        const ok = await checkpoint(ctx, state, 'snapshot');
        state.reply = ok
          ? { ...base, ok: true, op: 'snapshot', mv: state.mv, js: state.js, seq: state.seq }
          : { ...base, ok: false, op: 'snapshot', code: WORKER_ERR.CHECKPOINT, msg: 'checkpoint not written (lease or store)' };
        break;
      }
    }
  } catch (e) {
    const code = e instanceof WorkerError ? e.code : WORKER_ERR.INTERNAL;
    state.reply = { ...base, ok: false, op: req.op, code, msg: String((e as Error).message).slice(0, 512) };
  }
  return state;
}

/** What reset and delete both drop: the model (the next sample builds one), its counters and scores; a new model version. */
function forgetModel(state: StreamActorState): void {
  state.proc = null;
  state.n = 0;
  state.mv++;
  state.forecast = null;
  state.errEma = null;
  state.score = null;
}

/** A StreamConfig as a plain map (undefined dropped, Infinity as null). */
export function wireConfig(cfg: Readonly<StreamConfig>): ModelConfig {
  return JSON.parse(JSON.stringify(cfg)) as ModelConfig;
}

/** Publishes without letting a transport error fail the turn (the state change already happened). */
function emit(ctx: ActorContext, subject: string, bytes: () => Uint8Array): void {
  try {
    ctx.transport.publish(subject, bytes());
  } catch (e) {
    ctx.log.log('warn', 'publish_failed', { subject, error: e });
  }
}

function clamp01(v: number): number {
  return Number.isFinite(v) ? Math.min(1, Math.max(0, v)) : 0;
}
