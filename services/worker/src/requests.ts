// Request-reply on <prefix>.infer.* and <prefix>.ctl.* / <prefix>.ctl. Only the owner of a
// stream's partition answers a per-stream request (others stay silent, so the requester gets the
// owner's reply). Infer reads the actor's committed state with peek(): it does not queue behind
// the stream's mailbox. Control operations are asks: they run in order with the samples.
// `list` on the bare control subject is answered by every worker.

import type { ActorSystem } from '@carousel/actors';
import type { BusMsg, Subscription, Transport } from '@carousel/bus';
import {
  PROTOCOL_VERSION, decodeControlRequest, decodeInferRequest, encodeControlReply, encodeInferReply,
  type ControlReply, type InferReply, type Subjects,
} from '@carousel/protocol';
import { WORKER_ERR } from './errors.ts';
import type { Logger } from './log.ts';
import type { WorkerMetrics } from './metrics.ts';
import type { StreamProcessor } from './stream-processor.ts';
import { isGroupState, type WorkerMsg, type WorkerState } from './group-actor.ts';

export interface RequestDeps {
  readonly transport: Transport;
  readonly subjects: Subjects;
  readonly actors: ActorSystem<string, WorkerMsg, WorkerState>;
  readonly metrics: WorkerMetrics;
  readonly log: Logger;
  /** True when this worker owns the stream's partition now. */
  owns(stream: string): boolean;
  /** The actor key holding a stream: the stream id, or `g.<group>` for a model group's member (default: the id). */
  keyOf?(stream: string): string;
  /** Streams of owned partitions (seen or checkpointed) and the partitions, for `list`; rejects when the store cannot say. */
  listing(): Promise<{ streams: string[]; parts: number[] }>;
}

/** Subscribes infer and control; returns the subscriptions (closed on drain). */
export function serveRequests(deps: RequestDeps): Subscription[] {
  const { transport, subjects } = deps;
  return [
    transport.subscribe(subjects.all('infer'), { callback: (m) => void onInfer(deps, m) }),
    transport.subscribe(subjects.all('ctl'), { callback: (m) => void onControl(deps, m) }),
    transport.subscribe(subjects.ctl(), { callback: (m) => void onList(deps, m) }),
  ];
}

/** The code (the error's own, else WORKER_ERR_INTERNAL) and message (at most 512 characters) a reply carries for a caught error. */
function errorOf(e: unknown): { code: string; msg: string } {
  return { code: (e as { code?: string } | null)?.code ?? WORKER_ERR.INTERNAL, msg: String((e as Error | null)?.message).slice(0, 512) };
}

/**
 * Encodes and sends a reply. A reply the codec refuses (a bug: the worker built an invalid one)
 * is answered with `fallback` (an error reply carrying the encoder's message) and logged: it must
 * not reject the subscription's callback, which would end the process.
 */
function respond<R>(deps: RequestDeps, m: BusMsg, reply: R, encode: (r: R) => Uint8Array, fallback: (e: unknown) => R): void {
  if (m.reply === undefined) return;
  let bytes: Uint8Array;
  try {
    bytes = encode(reply);
  } catch (e) {
    deps.log.log('error', 'reply_not_encoded', { subject: m.subject, error: e });
    bytes = encode(fallback(e));
  }
  try {
    deps.transport.publish(m.reply, bytes);
  } catch (e) {
    deps.log.log('warn', 'reply_failed', { subject: m.subject, error: e });
  }
}

/** The error reply replacing a reply the codec refused. */
function unencodable(e: unknown): { code: string; msg: string } {
  return { code: WORKER_ERR.INTERNAL, msg: `reply not encodable: ${String((e as Error | null)?.message)}`.slice(0, 512) };
}

async function onInfer(deps: RequestDeps, m: BusMsg): Promise<void> {
  const parsed = deps.subjects.parse(m.subject);
  if (parsed === null || parsed.kind !== 'infer' || !deps.owns(parsed.stream)) return;
  const stream = parsed.stream;
  const t0 = performance.now();
  const fail = (code: string, msg: string): InferReply => ({ v: PROTOCOL_VERSION, ok: false, stream, code, msg });
  let reply: InferReply;
  const d = decodeInferRequest(m.data, { stream, contentType: m.headers['Content-Type'] });
  if (!d.ok) {
    reply = fail(d.reject.code, d.reject.msg);
  } else {
    const key = deps.keyOf?.(stream) ?? stream;
    let held = deps.actors.peek(key);
    if (held === undefined) held = await deps.actors.ask(key, { kind: 'touch' }).catch(() => undefined);
    const state = held === undefined ? undefined : memberView(held, stream);
    const proc = state?.proc ?? null;
    if (state === undefined || proc === null) {
      reply = fail(WORKER_ERR.UNKNOWN_STREAM, `stream ${stream} has no model yet (no sample since it started or was reset)`);
    } else {
      try {
        const f = d.value.x === undefined ? state.forecast : proc.infer(d.value.x);
        const h = d.value.h ?? 1;
        if (f === null) reply = fail(WORKER_ERR.UNKNOWN_STREAM, 'no forecast yet');
        else if (h > f.length) reply = fail(WORKER_ERR.CONFIG, `horizon ${h} is over the stream's configured horizon ${f.length}`);
        else reply = { v: PROTOCOL_VERSION, ok: true, stream, seq: state.seq, f: h === 1 ? f[0]! : f.slice(0, h), mv: state.mv, pt: (performance.now() - t0) / 1000 };
      } catch (e) {
        const { code, msg } = errorOf(e);
        reply = fail(code, msg);
      }
    }
  }
  deps.metrics.inferSeconds.observe((performance.now() - t0) / 1000);
  respond(deps, m, reply, encodeInferReply, (e) => ({ v: PROTOCOL_VERSION, ok: false as const, stream, ...unencodable(e) }));
}

async function onControl(deps: RequestDeps, m: BusMsg): Promise<void> {
  const parsed = deps.subjects.parse(m.subject);
  if (parsed === null || parsed.kind !== 'ctl' || parsed.stream === null || !deps.owns(parsed.stream)) return;
  const stream = parsed.stream;
  const d = decodeControlRequest(m.data, { stream, contentType: m.headers['Content-Type'] });
  let reply: ControlReply;
  if (!d.ok) {
    reply = { v: PROTOCOL_VERSION, ok: false, op: 'inspect', stream, code: d.reject.code, msg: d.reject.msg };
  } else if (d.value.op === 'list') {
    onList(deps, m);
    return;
  } else {
    const req = d.value;
    try {
      reply = (await deps.actors.ask(deps.keyOf?.(stream) ?? stream, { kind: 'control', req }, (s) => s.reply))!;
    } catch (e) {
      reply = { v: PROTOCOL_VERSION, ok: false, op: req.op, stream, ...errorOf(e) };
    }
  }
  respond(deps, m, reply, encodeControlReply, (e) => ({ v: PROTOCOL_VERSION, ok: false as const, op: reply.op, stream, ...unencodable(e) }));
}

/** What infer reads of a stream: its own actor's state, or its member entry in its group's. */
function memberView(s: WorkerState, stream: string): { proc: StreamProcessor | null; forecast: Float64Array[] | null; seq: number | null; mv: number } {
  if (!isGroupState(s)) return s;
  const m = s.members.get(stream);
  return { proc: m?.proc ?? null, forecast: m?.forecast ?? null, seq: m?.seq ?? null, mv: s.mv };
}

async function onList(deps: RequestDeps, m: BusMsg): Promise<void> {
  deps.metrics.controlRequests.inc({ op: 'list' });
  let reply: ControlReply;
  try {
    const { streams, parts } = await deps.listing();
    reply = { v: PROTOCOL_VERSION, ok: true, op: 'list', streams, parts };
  } catch (e) {
    // Not a partial list: the checkpointed streams could not be read, so say so.
    reply = { v: PROTOCOL_VERSION, ok: false, op: 'list', stream: null, ...errorOf(e) };
  }
  respond(deps, m, reply, encodeControlReply, (e) => ({ v: PROTOCOL_VERSION, ok: false as const, op: 'list' as const, stream: null, ...unencodable(e) }));
}
