// The actor of one model group (key `g.<group>`): one shared Model, and per member stream its own
// StreamProcessor (recurrent state, normaliser, scorer), seq guard and last forecast. Members'
// samples arrive in the partition's JetStream order through this one mailbox, so the shared
// weights evolve in an order that replay reproduces. The members' model steps are batched
// (group-steps.ts): a sample's turn learns and leaves its step waiting; the waiting steps run in
// one batch at a 'gstep' turn queued behind the samples already in the mailbox (or earlier: a
// weight update, a checkpoint, a control request, a full batch), bit-identical to one by one. The whole group - the model with every
// member's recurrent state, and every member's processor - is one fenced KV record
// (`group.<name>`), covering one JetStream sequence: the exactly-once argument of a stream holds
// for the group as a unit. Not here: routing (partition.ts), group config (groups.ts).

import { Packr } from 'msgpackr';
import type { ActorBehaviour } from '@carousel/actors';
import { DEFAULT_THRESHOLD } from '@carousel/anomaly';
import { BUS_ERR, isBusError } from '@carousel/bus';
import { createModel, loadModel, saveModel, type Model, type StreamState } from '@carousel/lstm';
import {
  PROTOCOL_VERSION, SeqGuard, decodeSample, encodeAlert, encodePrediction, encodeReject, type ControlReply, type Reject,
} from '@carousel/protocol';
import { WorkerError, WORKER_ERR } from './errors.ts';
import { groupKey, type GroupSpec } from './groups.ts';
import { periodicCheckpoint, settledWrite } from './checkpoint-budget.ts';
import { checkpointFailureLabels, pl } from './metrics.ts';
import { streamBehaviour, wireConfig, type ActorContext, type ActorMsg, type StreamActorState } from './stream-actor.ts';
import { checkModelWeights, type StreamConfig } from './stream-config.ts';
import { GroupSteps, type DueRollback, type GroupMember, type StepDone } from './group-steps.ts';
import { StreamProcessor, type ProcessorState, type StepResult } from './stream-processor.ts';
import { warmProcessor } from './warm-start.ts';

const packr = new Packr({ useRecords: false, moreTypes: true });
const now = (): number => performance.now();

/** A member's sample, routed to its group's actor. */
export interface GroupSampleMsg {
  readonly kind: 'gsample';
  readonly member: string;
  readonly js: number;
  readonly gen: number;
  readonly data: Uint8Array;
  readonly contentType: string | undefined;
}

/** Runs the group's waiting member steps (queued behind the samples in its mailbox). */
export interface GroupStepMsg {
  readonly kind: 'gstep';
}

export type WorkerMsg = ActorMsg | GroupSampleMsg | GroupStepMsg;

export type { GroupMember } from './group-steps.ts';

/** What a waiting step carries to its prediction. */
interface SampleTag {
  readonly seq: number;
  readonly ts: number | undefined;
  /** Time spent on the sample before prepare(), seconds. */
  readonly pre: number;
}

/** The model part of a group: what replay and the actor share. */
export interface GroupCore<T = unknown> {
  cfg: Readonly<StreamConfig>;
  /** The shared model; null before the first sample (dimension unknown) unless warm-started. */
  model: Model<StreamState> | null;
  readonly members: Map<string, GroupMember>;
  /** The members' waiting steps; null while there is no model. */
  steps: GroupSteps<T> | null;
  /** What a finished step reports to (the actor publishes; replay keeps the forecast). */
  readonly done: StepDone<T>;
  /** Told the size of each batch of steps (the actor's metric). */
  readonly batched?: (steps: number) => void;
  /** GroupSteps' minBatch (default MIN_GROUP_BATCH): smaller batches step one by one. */
  readonly minBatch?: number;
}

export interface GroupActorState extends GroupCore<SampleTag> {
  readonly kind: 'group';
  readonly group: string;
  readonly spec: GroupSpec;
  readonly partition: number;
  gen: number;
  /** A 'gstep' message is in the mailbox. */
  stepQueued: boolean;
  mv: number;
  /** Samples learned by the group. */
  n: number;
  /** JetStream sequence of the last message of the group handled. */
  js: number;
  rev: number;
  obj: string | undefined;
  pending: number;
  checkpointAt: number;
  /** Size of the last record written, bytes (what the next periodic one is charged). */
  checkpointBytes?: number;
  reply: ControlReply | null;
}

export type WorkerState = StreamActorState | GroupActorState;

/** The persisted group: one record, one commit point. */
export interface GroupRecord {
  v: 1;
  group: string;
  mv: number;
  n: number;
  js: number;
  /** saveModel(model, {<member>: its recurrent state, ...}); null before the first sample. */
  model: Uint8Array | null;
  /** Each member's processor (its model field empty: the model is above) and last seq. */
  members: Record<string, { proc: ProcessorState; seq: number | null }>;
  /** A rollback due at the group's next update after a non-finite output (group-steps.ts). Absent: none. */
  due?: DueRollback | null;
}

/** KV key of a group's record; `group.` never collides with a stream id (no dot) or `part.<n>`. */
export function groupRecordKey(group: string): string {
  return `group.${group}`;
}

export function packGroupRecord(r: GroupRecord): Uint8Array {
  return packr.pack(r);
}

export function unpackGroupRecord(bytes: Uint8Array): GroupRecord {
  const r = packr.unpack(bytes) as GroupRecord;
  if (r === null || typeof r !== 'object' || r.v !== 1) throw new WorkerError(WORKER_ERR.CHECKPOINT, 'group record is not v1');
  return r;
}

/** The KV value of a group's record: its bytes inline (`b`) or the Object Store object holding them. */
type RecordEnvelope = { v: 1; b?: Uint8Array; obj?: string };

function recordObj(value: Uint8Array): string | undefined {
  return (packr.unpack(value) as RecordEnvelope | null)?.obj;
}

/** The group's record as a snapshot of the state (the model saved once, with every member's stream); no step may be waiting. */
export function groupRecord(state: GroupActorState): GroupRecord {
  const members: GroupRecord['members'] = {};
  for (const [name, m] of state.members) members[name] = { proc: m.proc.snapshot(), seq: m.seq };
  return { v: 1, group: state.group, mv: state.mv, n: state.n, js: state.js, model: groupModelBytes(state), members, due: state.steps?.due ?? null };
}

/** saveModel of the shared model with every member's recurrent state under its stream id; null without a model. */
export function groupModelBytes(g: Pick<GroupActorState, 'model' | 'members'>): Uint8Array | null {
  if (g.model === null) return null;
  const streams: Record<string, StreamState> = {};
  for (const [name, m] of g.members) streams[name] = m.proc.stream;
  return saveModel(g.model, streams);
}

/**
 * What a group that was never interrupted ends with: a fresh group fed `samples` once, in order
 * (tests and tools compare a worker's record against it). Samples a member's seq guard refuses
 * are skipped. The steps run one at a time unless `flushAfter(i)` says when (after the sample at
 * index i) the waiting ones run as a batch (batched from `minBatch` on): the bits are the same either way.
 */
export function replayGroup(
  cfg: Readonly<StreamConfig>,
  samples: Iterable<{ stream: string; seq: number; x: ArrayLike<number>; ts?: number }>,
  { flushAfter = () => true, minBatch }: { flushAfter?: (i: number) => boolean; minBatch?: number } = {},
): GroupCore {
  const g = groupCore(cfg, minBatch);
  let i = 0;
  for (const s of samples) {
    const m = g.members.get(s.stream) ?? addMember(g, s.stream, s.x.length);
    if (m.guard.accept(s.stream, s.seq).ok) {
      g.steps!.add(m, s.seq, s.x, s.ts, undefined);
      m.seq = s.seq;
    }
    if (flushAfter(i++)) g.steps!.flush();
  }
  g.steps?.flush();
  return g;
}

/** A group with no model and no members yet, whose finished steps keep their forecast (replay, tools). */
export function groupCore(cfg: Readonly<StreamConfig>, minBatch?: number): GroupCore {
  return { model: null, members: new Map(), cfg, steps: null, minBatch, done: (m, r) => { if (!(r instanceof Error)) m.forecast = r.forecast; } };
}

/** The model of a group: its steps (GroupSteps) set up around it. */
function attachModel<T>(g: GroupCore<T>, model: Model<StreamState>): void {
  g.model = model;
  g.steps = new GroupSteps(model, g.done, g.batched, g.minBatch);
}

/** Rebuilds model and members from a record into `g` (bit-exact: the inverse of groupRecord). */
export function restoreGroup<T>(g: GroupCore<T>, r: GroupRecord): void {
  if (r.model === null) return;
  const { model, streams } = loadModel(r.model);
  attachModel(g, model);
  for (const [name, m] of Object.entries(r.members)) {
    const proc = new StreamProcessor(g.cfg, m.proc.dims, m.proc, {}, { model, stream: streams[name], hooks: g.steps!.hooksFor(name), keeper: g.steps!.keeper });
    const guard = new SeqGuard();
    guard.restore(name, m.seq);
    g.members.set(name, { name, proc, guard, seq: m.seq, forecast: null });
  }
  g.steps!.due = r.due ?? null;
}

/** A new member of the group: the shared model (created on the group's first sample), its own state. */
export function addMember<T>(g: GroupCore<T>, name: string, dims: number, guard = new SeqGuard()): GroupMember {
  if (g.model === null) {
    checkModelWeights(g.cfg.model, dims);
    attachModel(g, createModel({ ...g.cfg.model, inputs: dims, outputs: dims }));
  }
  const m: GroupMember = { name, proc: new StreamProcessor(g.cfg, dims, undefined, {}, { model: g.model!, hooks: g.steps!.hooksFor(name), keeper: g.steps!.keeper }), guard, seq: null, forecast: null };
  g.members.set(name, m);
  return m;
}

export function isGroupState(s: WorkerState): s is GroupActorState {
  return (s as GroupActorState).kind === 'group';
}

/** The worker's behaviour: keys `g.<group>` run a group actor, every other key a stream actor. */
export function workerBehaviour(ctx: ActorContext, groups: readonly GroupSpec[]): ActorBehaviour<string, WorkerMsg, WorkerState> {
  const stream = streamBehaviour(ctx);
  const specs = new Map(groups.map((g) => [groupKey(g.name), g]));
  return {
    activate: (key) => {
      const spec = specs.get(key);
      return spec === undefined ? stream.activate(key) : loadGroup(ctx, spec);
    },
    turn: (state, msg, key) => {
      if (!isGroupState(state)) return msg.kind === 'gsample' || msg.kind === 'gstep' ? state : stream.turn(state, msg, key);
      return groupTurn(ctx, state, msg);
    },
    passivate: async (key, state) => {
      if (!isGroupState(state)) return stream.passivate(key, state);
      state.steps?.flush();
      if (state.pending > 0 && state.gen === ctx.genOf(state.partition)) await checkpointGroup(ctx, state, 'passivate');
    },
    onFailure: () => 'resume',
  };
}

/** Loads the group's record, or starts it empty (or from its warm-start weights). */
export async function loadGroup(ctx: ActorContext, spec: GroupSpec): Promise<GroupActorState> {
  const key = groupKey(spec.name);
  const partition = ctx.partitionOf(key);
  const gen = ctx.genOf(partition);
  const entry = await ctx.store.kv.get(groupRecordKey(spec.name));
  let rec: GroupRecord | null = null;
  let obj: string | undefined;
  if (entry !== null && entry.value.length > 0) {
    const env = packr.unpack(entry.value) as RecordEnvelope;
    obj = env.obj;
    const bytes = env.b ?? (obj === undefined ? null : await ctx.store.blobs.get(obj));
    if (bytes === null) throw new WorkerError(WORKER_ERR.CHECKPOINT, `group ${spec.name}: record object ${obj} is missing`);
    rec = unpackGroupRecord(bytes);
  }
  const state: GroupActorState = {
    kind: 'group', group: spec.name, spec, partition, gen, cfg: spec.cfg, model: null, members: new Map(), steps: null, stepQueued: false,
    done: (m, r, tag, seconds) => finishSample(ctx, state, m, r, tag, tag.pre + seconds),
    batched: (steps) => ctx.metrics.groupBatchSteps.observe(pl(partition), steps), minBatch: spec.minBatch,
    mv: rec?.mv ?? 0, n: rec?.n ?? 0, js: rec?.js ?? 0,
    rev: entry?.revision ?? 0, obj, pending: 0, checkpointAt: now(), reply: null,
  };
  if (rec !== null) {
    restoreGroup(state, rec);
  } else if (spec.warm !== null) {
    // A warm start that fails (object missing, bad tensors) is logged and the group starts cold:
    // retrying forever would hold the whole partition.
    try {
      const w = await warmProcessor(ctx.store.blobs, spec.warm, {}, spec.cfg, null);
      state.cfg = w.cfg;
      attachModel(state, w.proc.model);
    } catch (e) {
      ctx.log.log('error', 'group_warm_start_failed', { group: spec.name, obj: spec.warm.obj, error: e });
    }
  }
  return state;
}

function groupTurn(ctx: ActorContext, state: GroupActorState, msg: WorkerMsg): GroupActorState | Promise<GroupActorState> {
  switch (msg.kind) {
    case 'gsample':
      if (msg.gen !== state.gen) return loadGroup(ctx, state.spec).then((fresh) => sample(ctx, fresh, msg));
      return sample(ctx, state, msg);
    case 'gstep':
      state.stepQueued = false;
      state.steps?.flush();
      return state;
    case 'control':
      if (state.gen !== ctx.genOf(state.partition)) return loadGroup(ctx, state.spec).then((fresh) => control(ctx, fresh, msg.req));
      state.steps?.flush();
      return control(ctx, state, msg.req);
    case 'flush':
      state.steps?.flush();
      return state.pending > 0 && state.gen === ctx.genOf(state.partition) ? checkpointGroup(ctx, state, 'release').then(() => state) : state;
    default:
      return state;
  }
}

function sample(ctx: ActorContext, state: GroupActorState, msg: GroupSampleMsg): GroupActorState | Promise<GroupActorState> {
  const { metrics } = ctx;
  const key = groupKey(state.group);
  if (msg.js <= state.js) {
    metrics.redeliveriesSkipped.inc();
    if (state.pending === 0) ctx.covered(state.partition, state.gen, key, msg.js);
    return state;
  }
  const t0 = now();
  const name = msg.member;
  if (!state.spec.match.test(name)) {
    return refuse(ctx, state, name, msg.js, { v: PROTOCOL_VERSION, stream: name, seq: null, code: WORKER_ERR.CONFIG, msg: `stream ${name} does not match group ${state.group}'s pattern ${state.spec.pattern}` });
  }
  const dims = state.model?.options.inputs;
  const d = decodeSample(msg.data, { contentType: msg.contentType, stream: name, dim: dims });
  if (!d.ok) return refuse(ctx, state, name, msg.js, d.reject);
  const s = d.value;
  let m = state.members.get(name);
  const guard = m?.guard ?? new SeqGuard();
  const prevSeq = m?.seq ?? null;
  const verdict = guard.accept(name, s.seq);
  if (!verdict.ok) return refuse(ctx, state, name, msg.js, verdict.reject);
  try {
    m ??= addMember(state, name, s.x.length, guard);
    state.steps!.add(m, s.seq, s.x, s.ts, { seq: s.seq, ts: s.ts, pre: (now() - t0) / 1000 });
  } catch (e) {
    guard.restore(name, prevSeq);
    const code = e instanceof WorkerError ? e.code : WORKER_ERR.INTERNAL;
    return refuse(ctx, state, name, msg.js, { v: PROTOCOL_VERSION, stream: name, seq: s.seq, code, msg: String((e as Error).message).slice(0, 512) });
  }
  m.seq = s.seq;
  state.js = msg.js;
  state.n++;
  state.pending++;
  const charge = periodicCheckpoint(ctx, state);
  if (charge !== null) {
    state.steps!.flush();
    return checkpointGroup(ctx, state, 'periodic', charge).then(() => state);
  }
  // The step waits for the samples already in the mailbox: a 'gstep' turn queued behind them
  // runs the batch (at once when it cannot be queued).
  if (state.steps!.size > 0 && !state.stepQueued) {
    if (ctx.later(groupKey(state.group))) state.stepQueued = true;
    else state.steps!.flush();
  }
  return state;
}

/** A member's step is done: its prediction (or a Reject if the step threw), alert and metrics. */
function finishSample(ctx: ActorContext, state: GroupActorState, m: GroupMember, r: StepResult | Error, tag: SampleTag, pt: number): void {
  const { metrics } = ctx;
  const name = m.name;
  const labels = pl(state.partition);
  if (r instanceof Error) {
    const code = r instanceof WorkerError ? r.code : WORKER_ERR.INTERNAL;
    metrics.rejects.inc({ ...labels, code });
    emit(ctx, ctx.subjects.reject(name), () => encodeReject({ v: PROTOCOL_VERSION, stream: name, seq: tag.seq, code, msg: String(r.message).slice(0, 512) }));
    return;
  }
  m.forecast = r.forecast;
  const warm = Number.isFinite(r.error);
  emit(ctx, ctx.subjects.out(name), () => encodePrediction({
    v: PROTOCOL_VERSION, stream: name, seq: tag.seq, ts: tag.ts, f: r.forecast.length === 1 ? r.forecast[0]! : r.forecast,
    err: warm ? r.error : null, score: warm ? clamp01(r.score) : null, lik: warm ? clamp01(r.likelihood) : null, mv: state.mv, pt,
  }));
  metrics.predictions.inc(labels);
  metrics.samples.inc(labels);
  if (r.flagged) {
    emit(ctx, ctx.subjects.alert(name), () => encodeAlert({
      v: PROTOCOL_VERSION, stream: name, seq: tag.seq, ts: tag.ts, score: clamp01(r.score), lik: clamp01(r.likelihood),
      thr: state.cfg.anomaly.threshold ?? DEFAULT_THRESHOLD, mv: state.mv,
    }));
    metrics.alerts.inc(labels);
  }
  metrics.stepSeconds.observe(labels, pt);
}

function refuse(ctx: ActorContext, state: GroupActorState, member: string, js: number, reject: Reject): GroupActorState {
  ctx.metrics.rejects.inc({ ...pl(state.partition), code: reject.code });
  emit(ctx, ctx.subjects.reject(member), () => encodeReject({ ...reject, stream: member }));
  state.js = js;
  if (state.pending === 0) ctx.covered(state.partition, state.gen, groupKey(state.group), js);
  return state;
}

/**
 * Writes the group's record (fenced: lease + KV revision). Never throws. `charged`: what the
 * checkpoint budget was charged for it up front (periodic ones); the bytes written are settled.
 */
export function checkpointGroup(ctx: ActorContext, state: GroupActorState, reason: string, charged = 0): Promise<boolean> {
  return settledWrite(ctx.budget, charged, () => writeGroupRecord(ctx, state, reason));
}

/** checkpointGroup()'s write: the bytes written, 0 when it failed. */
async function writeGroupRecord(ctx: ActorContext, state: GroupActorState, reason: string): Promise<number> {
  const { metrics } = ctx;
  if (!ctx.canWrite(state.partition) || state.gen !== ctx.genOf(state.partition)) {
    metrics.checkpointFailures.inc(checkpointFailureLabels(state.partition));
    return 0;
  }
  const js = state.js;
  const t0 = now();
  try {
    const bytes = packGroupRecord(groupRecord(state));
    let obj: string | undefined;
    if (bytes.length > ctx.store.maxKvBytes) {
      obj = `${groupRecordKey(state.group)}.${js}.${Date.now().toString(36)}`;
      await ctx.store.blobs.put(obj, bytes);
    }
    const value = packr.pack((obj === undefined ? { v: 1, b: bytes } : { v: 1, obj }) satisfies RecordEnvelope);
    const key = groupRecordKey(state.group);
    state.rev = await ctx.store.writeReplacing(key, value, state.rev, obj, state.obj, recordObj);
    state.obj = obj;
    state.pending = 0;
    state.checkpointAt = now();
    state.checkpointBytes = bytes.length;
    metrics.checkpointsWritten.inc({ store: obj === undefined ? 'kv' : 'object' });
    metrics.checkpointBytes.observe(pl(state.partition), bytes.length);
    metrics.checkpointSeconds.observe(pl(state.partition), (now() - t0) / 1000);
    ctx.covered(state.partition, state.gen, groupKey(state.group), js);
    return bytes.length;
  } catch (e) {
    const fenced = isBusError(e) && e.code === BUS_ERR.REVISION;
    metrics.checkpointFailures.inc(checkpointFailureLabels(state.partition, e));
    ctx.log.log('warn', 'checkpoint_failed', { group: state.group, reason, fenced, error: e });
    if (fenced) state.gen = -1;
    return 0;
  }
}

/** Control on a member's subject: inspect (the member) and snapshot (the whole group). */
async function control(ctx: ActorContext, state: GroupActorState, req: Extract<ActorMsg, { kind: 'control' }>['req']): Promise<GroupActorState> {
  const stream = req.stream;
  const base = { v: PROTOCOL_VERSION, stream };
  ctx.metrics.controlRequests.inc({ op: req.op });
  const m = state.members.get(stream);
  switch (req.op) {
    case 'inspect':
      state.reply = {
        ...base, ok: true, op: 'inspect',
        info: { seq: m?.seq ?? null, js: state.js === 0 ? null : state.js, n: m?.proc.stats.samples ?? 0, mv: state.mv, cfg: wireConfig(state.cfg), err: null, score: null },
      };
      break;
    case 'snapshot': {
      state.pending++;
      const ok = await checkpointGroup(ctx, state, 'snapshot');
      state.reply = ok
        ? { ...base, ok: true, op: 'snapshot', mv: state.mv, js: state.js, seq: m?.seq ?? null }
        : { ...base, ok: false, op: 'snapshot', code: WORKER_ERR.CHECKPOINT, msg: 'checkpoint not written (lease or store)' };
      break;
    }
    default:
      state.reply = { ...base, ok: false, op: req.op, code: WORKER_ERR.CONFIG, msg: `stream ${stream} is in model group ${state.group}: the group is configured in the worker's options (groups), not per stream` };
  }
  return state;
}

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
