// Replay of one stream for one resuming client: reads the prediction history (JetStream stream
// CAROUSEL_OUT, filtered to carousel.out.<stream>) from its start, sends what is newer than the
// client's seq, and meanwhile holds the live messages of that stream. It ends when the history
// reaches the first held message (contiguous seqs), when the history goes quiet for replayIdleMs
// after it delivered something while nothing is held, or when too many live messages are held;
// then the held ones are sent. The quiet rule never ends a replay that holds live messages or that
// has not yet read anything: the history consumer takes a while to start (longer under load), and
// ending then would send the held messages, raise the stream's seq high-water mark above the part
// of the history not yet read and lose it for good. Such a replay waits for the history up to
// replayStallMs of silence instead. The connection's per-stream seq high-water mark drops every
// overlap, so the client sees no duplicate and, while the history covers the outage, no gap.

import { decodePrediction } from '@carousel/protocol';
import type { StreamConsumer } from '@carousel/bus';
import type { GatewayContext } from './context.ts';
import { GW_ERR } from './errors.ts';
import { predictionFrame } from './frames.ts';
import type { OutFrame } from './frames.ts';

/** What a replay needs from its connection. */
export interface ReplayTarget {
  /** Sends `f` unless its seq is not above the stream's high-water mark. Returns whether it was sent. */
  emit(f: OutFrame): boolean;
  /** Sends an error frame. */
  notify(code: string, message: string, extra?: Record<string, unknown>): void;
  /** The replay has ended (whatever the reason). */
  replayEnded(r: Replay): void;
}

export class Replay {
  /** Live messages of the stream that arrived while replaying, in order. */
  held: OutFrame[] = [];
  /** Messages sent from the history. */
  sent = 0;
  #done = false;
  #started = false;
  /** A history message has arrived. */
  #read = false;
  #progressAt = 0;
  #consumer: StreamConsumer | undefined;
  #idle: NodeJS.Timeout | undefined;

  constructor(
    private readonly ctx: GatewayContext,
    private readonly target: ReplayTarget,
    readonly stream: string,
    /** The last seq the client has seen. */
    readonly from: number,
  ) {}

  get done(): boolean {
    return this.#done;
  }

  get started(): boolean {
    return this.#started;
  }

  /** Starts reading the history; runs until one of the end conditions. Holds live messages from construction. */
  start(): void {
    if (this.#started || this.#done) return;
    this.#started = true;
    this.ctx.metrics.replays.inc();
    this.#armIdle();
    void this.#run().catch((err: unknown) => {
      this.ctx.log.warn('replay failed', { stream: this.stream, error: err });
      this.target.notify(GW_ERR.RESUME_GAP, `replay of ${this.stream} failed; continuing live`, { stream: this.stream });
      this.finish();
    });
  }

  /** Holds a live message; ends the replay early when too many are held. */
  hold(f: OutFrame): void {
    this.held.push(f);
    if (this.held.length >= this.ctx.options.maxHeldMessages) {
      this.target.notify(GW_ERR.RESUME_GAP, `replay of ${this.stream} fell behind live; continuing live`, { stream: this.stream });
      this.finish();
    }
  }

  /** Ends the replay: stops the consumer and sends the held messages. Idempotent. */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#idle);
    void this.#consumer?.close().catch(() => undefined);
    this.target.replayEnded(this);
    const held = this.held;
    this.held = [];
    for (const f of held) this.target.emit(f);
  }

  /** Ends without sending what is held (the connection is closing). */
  cancel(): void {
    this.held = [];
    this.finish();
  }

  /**
   * (Re)arms the end-of-history timer, on start and on every history message: replayIdleMs when
   * the history delivered something and no live message is held (a quiet stream whose history is
   * read), otherwise replayStallMs (the history consumer is starting, or held live messages wait
   * for the history to reach them).
   */
  #armIdle(): void {
    this.#progressAt = performance.now();
    this.#schedule(this.#quiet() ? this.ctx.options.replayIdleMs : this.#stallMs());
  }

  #quiet(): boolean {
    return this.#read && this.held.length === 0;
  }

  #stallMs(): number {
    return Math.max(this.ctx.options.replayIdleMs, this.ctx.options.replayStallMs);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#idle);
    this.#idle = setTimeout(() => this.#onIdle(), ms);
  }

  #onIdle(): void {
    if (this.#done) return;
    if (this.#quiet()) return this.finish();
    // Live messages arrived since the timer was armed: wait for the history up to replayStallMs.
    const left = this.#progressAt + this.#stallMs() - performance.now();
    if (left > 1) return this.#schedule(left);
    if (this.held.length > 0) {
      this.target.notify(GW_ERR.RESUME_GAP, `history of ${this.stream} stalled; continuing live`, { stream: this.stream });
    }
    this.finish();
  }

  async #run(): Promise<void> {
    const { ctx, stream } = this;
    const consumer = ctx.transport.consume(ctx.options.historyStream, { afterSeq: 0, filterSubject: ctx.subjects.out(stream) });
    this.#consumer = consumer;
    if (this.#done) {
      await consumer.close();
      return;
    }
    let first = true;
    for await (const m of consumer) {
      if (this.#done) break;
      this.#read = true;
      this.#armIdle();
      const r = decodePrediction(m.data, { contentType: m.headers['Content-Type'] ?? null, stream });
      if (!r.ok) continue;
      const f = predictionFrame(r.value, performance.now());
      if (first && f.seq > this.from + 1) {
        this.target.notify(GW_ERR.RESUME_GAP, `history of ${stream} starts at seq ${f.seq}, after ${this.from + 1}`, { stream, from: this.from, first: f.seq });
      }
      first = false;
      if (this.target.emit(f)) {
        this.sent++;
        ctx.metrics.replayMessages.inc();
      }
      if (this.held.length > 0 && this.held[0]!.seq <= f.seq + 1) break; // caught up with live
    }
    this.finish();
  }
}
