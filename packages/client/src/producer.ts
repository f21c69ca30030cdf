// Producer: publishes Samples (msgpack) to <prefix>.in.<stream> (a model group's members to
// <prefix>.g.<group>.<stream>) and asks for forecasts over
// request-reply on <prefix>.infer.<stream>. Each sample carries the message id `<stream>:<seq>`,
// so a publish retried after a lost ack is dropped by the CAROUSEL_IN stream's dedupe window, not
// applied twice. Works with any transport that has publish/jsPublish/request (@carousel/bus's
// Transport fits); the SDK does not import the bus, so browser bundles stay free of NATS.

import { createSubjects, decodeInferReply, encodeInferRequest, encodeSample, parseOptions } from '@carousel/protocol';
import type { InferResult, Subjects, Vector } from '@carousel/protocol';
import { CLIENT_ERR, ClientError } from './errors.ts';

/** What the producer needs from a message bus. */
export interface ProducerTransport {
  /** Fire-and-forget publish; `msgId` becomes the Nats-Msg-Id header. */
  publish(subject: string, data: Uint8Array, opts?: { msgId?: string }): void;
  /** Publish acknowledged by the stream that captures the subject. */
  jsPublish(subject: string, data: Uint8Array, opts?: { msgId?: string; timeout?: number }): Promise<{ duplicate: boolean; seq: number }>;
  /** Request-reply. */
  request(subject: string, data: Uint8Array, opts?: { timeout?: number }): Promise<{ data: Uint8Array }>;
}

/** Default attempts of an acknowledged publish (first try included). */
export const DEFAULT_PUBLISH_ATTEMPTS = 3;
/** Default ack / infer timeout, ms. */
export const DEFAULT_PRODUCER_TIMEOUT_MS = 2_000;

export interface ProducerOptions {
  /** Subject prefix (default 'carousel'). */
  prefix?: string;
  /** Wait for the JetStream ack and retry with the same message id (default true); false publishes fire-and-forget. */
  ack?: boolean;
  /** See DEFAULT_PUBLISH_ATTEMPTS. */
  attempts?: number;
  /** See DEFAULT_PRODUCER_TIMEOUT_MS. */
  timeoutMs?: number;
  /** Clock for default seqs and `ts`, ms (default Date.now). */
  now?: () => number;
}

export interface SampleInput {
  /** Feature vector. */
  x: Vector;
  /** Target vector (optional). */
  y?: Vector;
  /** Seq, strictly increasing per stream (default: last + 1, starting from the clock in µs so restarts stay increasing). */
  seq?: number;
  /** Timestamp, ms since the epoch (default now). */
  ts?: number;
}

export interface PublishResult {
  readonly seq: number;
  /** True when the stream had already stored this message id (a retried publish). */
  readonly duplicate: boolean;
}

export class Producer {
  readonly #t: ProducerTransport;
  readonly #subjects: Subjects;
  readonly #ack: boolean;
  readonly #attempts: number;
  readonly #timeout: number;
  readonly #now: () => number;
  readonly #last = new Map<string, number>();

  constructor(transport: ProducerTransport, opts: ProducerOptions = {}) {
    this.#t = transport;
    this.#subjects = createSubjects(parseOptions({ prefix: opts.prefix ?? 'carousel' }));
    this.#ack = opts.ack ?? true;
    this.#attempts = opts.attempts ?? DEFAULT_PUBLISH_ATTEMPTS;
    this.#timeout = opts.timeoutMs ?? DEFAULT_PRODUCER_TIMEOUT_MS;
    this.#now = opts.now ?? Date.now;
    if (!Number.isInteger(this.#attempts) || this.#attempts < 1) throw new ClientError(CLIENT_ERR.OPTIONS, 'attempts must be a positive integer');
  }

  /**
   * Publishes one sample of `stream`; with `group`, as a member of that model group (on
   * <prefix>.g.<group>.<stream>, where the worker takes a group's members). Throws ProtocolError
   * for a bad sample or id, CLIENT_ERR_PUBLISH when every attempt failed.
   */
  async publish(stream: string, sample: SampleInput, opts: { group?: string } = {}): Promise<PublishResult> {
    const last = this.#last.get(stream);
    const seq = sample.seq ?? (last === undefined ? this.#now() * 1000 : last + 1);
    const body = encodeSample({ v: 1, stream, seq, ts: sample.ts ?? this.#now(), x: sample.x, ...(sample.y === undefined ? {} : { y: sample.y }) });
    const subject = opts.group === undefined ? this.#subjects.in(stream) : this.#subjects.groupIn(opts.group, stream);
    const msgId = `${stream}:${seq}`;
    this.#last.set(stream, Math.max(seq, last ?? -1));
    if (!this.#ack) {
      this.#t.publish(subject, body, { msgId });
      return { seq, duplicate: false };
    }
    let lastErr: unknown;
    for (let i = 0; i < this.#attempts; i++) {
      try {
        const ack = await this.#t.jsPublish(subject, body, { msgId, timeout: this.#timeout });
        return { seq, duplicate: ack.duplicate };
      } catch (err) {
        lastErr = err;
      }
    }
    throw new ClientError(CLIENT_ERR.PUBLISH, `publish of ${msgId} failed after ${this.#attempts} attempts: ${lastErr instanceof Error ? lastErr.message : String(lastErr)}`);
  }

  /** Asks the stream's worker for a forecast now (optionally as if `x` were the next sample, `h` steps ahead). */
  async infer(stream: string, x?: Vector, opts: { h?: number; timeoutMs?: number } = {}): Promise<InferResult<Float64Array>> {
    const req = encodeInferRequest({ v: 1, stream, ...(x === undefined ? {} : { x }), ...(opts.h === undefined ? {} : { h: opts.h }) });
    const msg = await this.#t.request(this.#subjects.infer(stream), req, { timeout: opts.timeoutMs ?? this.#timeout });
    const r = decodeInferReply(msg.data, { stream });
    if (!r.ok) throw new ClientError(CLIENT_ERR.INFER, `undecodable infer reply: ${r.reject.msg}`, { code: r.reject.code });
    if (!r.value.ok) throw new ClientError(r.value.code, r.value.msg);
    return r.value;
  }
}
