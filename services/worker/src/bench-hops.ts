// Bench only: where publish -> prediction latency goes, hop by hop. The bench's worker process
// runs on a transport wrapped by tapTransport: while recording it notes the time each consumer
// message is yielded to the worker (by JetStream sequence) and each prediction is published (its
// bytes, decoded later), off the hot path's own code. The producer notes send, ack (with the
// JetStream sequence) and receipt. Both sides use the wall-aligned high-resolution clock
// (performance.timeOrigin + performance.now()), so hops between processes are comparable.
// Not here: the bench's phases (bench.ts); nothing in the worker reads this.

import { PerformanceObserver, monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';
import type { StreamConsumer, StreamMsg, Transport } from '@carousel/bus';
import { decodePrediction } from '@carousel/protocol';

/** ms on a clock shared by the processes of one machine. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** What the worker side records while `on`: hops, event-loop delay and GC pauses of its process. */
export class HopRecorder {
  #on = false;
  /** JetStream sequence -> ms the consumer yielded it. */
  readonly delivered = new Map<number, number>();
  /** Predictions published: bytes and ms. */
  readonly published: { data: Uint8Array; at: number }[] = [];
  #loop: IntervalHistogram | undefined;
  #gc: number[] = [];
  readonly #gcObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) this.#gc.push(e.duration);
  });

  get on(): boolean {
    return this.#on;
  }

  start(): void {
    this.#on = true;
    this.#loop = monitorEventLoopDelay({ resolution: 1 });
    this.#loop.enable();
    this.#gc = [];
    this.#gcObserver.observe({ entryTypes: ['gc'] });
  }

  /** The recorded hops as plain arrays, keyed `stream/seq` for predictions; stops and clears the record. */
  take(): WorkerHops {
    this.#on = false;
    this.#loop?.disable();
    this.#gcObserver.disconnect();
    const l = this.#loop;
    const loop = l === undefined ? { p50: NaN, p99: NaN, max: NaN } : { p50: l.percentile(50) / 1e6, p99: l.percentile(99) / 1e6, max: l.max / 1e6 };
    const gc = { count: this.#gc.length, totalMs: this.#gc.reduce((a, b) => a + b, 0), maxMs: this.#gc.reduce((a, b) => Math.max(a, b), 0) };
    const pub: WorkerHops['pub'] = [];
    for (const p of this.published) {
      const d = decodePrediction(p.data);
      if (d.ok) pub.push([`${d.value.stream}/${d.value.seq}`, p.at, d.value.pt * 1000]);
    }
    const out: WorkerHops = { deliv: [...this.delivered], pub, loop, gc };
    this.delivered.clear();
    this.published.length = 0;
    return out;
  }
}

export interface WorkerHops {
  /** [JetStream sequence, ms yielded by the consumer]. */
  deliv: [number, number][];
  /** [`stream/seq`, ms published, turn's processing time in ms]. */
  pub: [string, number, number][];
  /** The worker's event-loop delay while recording, ms (resolution 1 ms). */
  loop: { p50: number; p99: number; max: number };
  /** GC pauses of the worker process while recording. */
  gc: { count: number; totalMs: number; maxMs: number };
}

/** The transport, with consumer yields and prediction publishes (subjects starting `outPrefix`) noted while `rec.on`. */
export function tapTransport(t: Transport, rec: HopRecorder, outPrefix: string): Transport {
  // The wrappers and bound methods are made once, not on every property read: the proxy sits on
  // the worker's hot path in every phase, and the throughput phase should pay only the check.
  const publish = (subject: string, data: Uint8Array, opts?: Parameters<Transport['publish']>[2]): void => {
    t.publish(subject, data, opts);
    if (rec.on && subject.startsWith(outPrefix)) rec.published.push({ data, at: wallNow() });
  };
  const consume = (stream: string, opts: Parameters<Transport['consume']>[1]): StreamConsumer => tapConsumer(t.consume(stream, opts), rec);
  const bound = new Map<PropertyKey, unknown>([['publish', publish], ['consume', consume]]);
  return new Proxy(t, {
    get(target, prop) {
      const cached = bound.get(prop);
      if (cached !== undefined) return cached;
      const v = Reflect.get(target, prop, target) as unknown;
      if (typeof v !== 'function') return v;
      const fn = (v as (...a: unknown[]) => unknown).bind(target);
      bound.set(prop, fn);
      return fn;
    },
  });
}

function tapConsumer(c: StreamConsumer, rec: HopRecorder): StreamConsumer {
  // The consumer's own iterator, its next() passed through: while not recording, a message costs the
  // worker one call and one check more (an async generator around it cost two promise hops a message,
  // in every phase). While recording, a `then` notes the time.
  const tapped = (): AsyncIterator<StreamMsg> => {
    const inner = c[Symbol.asyncIterator]();
    const note = (r: IteratorResult<StreamMsg>): IteratorResult<StreamMsg> => {
      if (!r.done) rec.delivered.set(r.value.streamSeq, wallNow());
      return r;
    };
    return {
      next: () => (rec.on ? inner.next().then(note) : inner.next()),
      return: (v?: unknown) => inner.return?.(v) ?? Promise.resolve({ done: true, value: undefined }),
    };
  };
  let it: AsyncIterator<StreamMsg> | undefined;
  return {
    stream: c.stream,
    get lastSeq() {
      return c.lastSeq;
    },
    pending: () => c.pending(),
    close: () => c.close(),
    [Symbol.asyncIterator]: () => (it ??= tapped()),
  };
}

/** One sample as the producer saw it: ms sent, ms acked (JetStream sequence), ms its prediction arrived. */
export interface ProducerHop {
  key: string;
  sent: number;
  acked?: number;
  jsSeq?: number;
  received?: number;
}

/** Per-hop latency quantiles, ms, and the mean share of each hop in the slowest 1% end to end. */
export interface HopSummary {
  samples: number;
  /** The producer's pacing: the longest gap between two sends, ms, and the most sends in any 50 ms (vs the rate's share). */
  sendGapMaxMs: number;
  sendsPer50msMax: number;
  sendsPer50msExpected: number;
  loop: WorkerHops['loop'];
  gc: WorkerHops['gc'];
  hops: Record<HopName, { p50: number; p99: number; tailMean: number }>;
}

export const HOP_NAMES = ['ack', 'toConsumer', 'mailbox', 'turn', 'toSubscriber', 'endToEnd'] as const;
export type HopName = (typeof HOP_NAMES)[number];

/**
 * ack: send -> JetStream ack at the producer; toConsumer: send -> the worker's consumer yields it;
 * mailbox: yield -> turn start (publish time minus the turn's processing time); turn: processing;
 * toSubscriber: prediction publish -> receipt; endToEnd: send -> receipt.
 */
export function summarizeHops(producer: readonly ProducerHop[], worker: WorkerHops): HopSummary {
  const deliv = new Map(worker.deliv);
  const pub = new Map(worker.pub.map(([k, at, pt]) => [k, { at, pt }]));
  const rows: Record<HopName, number>[] = [];
  for (const p of producer) {
    if (p.acked === undefined || p.jsSeq === undefined || p.received === undefined) continue;
    const d = deliv.get(p.jsSeq);
    const w = pub.get(p.key);
    if (d === undefined || w === undefined) continue;
    const turnStart = w.at - w.pt;
    rows.push({
      ack: p.acked - p.sent, toConsumer: d - p.sent, mailbox: turnStart - d, turn: w.pt,
      toSubscriber: p.received - w.at, endToEnd: p.received - p.sent,
    });
  }
  const tail = [...rows].sort((a, b) => a.endToEnd - b.endToEnd).slice(Math.floor(rows.length * 0.99));
  const hops = Object.fromEntries(HOP_NAMES.map((h) => {
    const v = rows.map((r) => r[h]).sort((a, b) => a - b);
    const q = (x: number): number => (v.length === 0 ? NaN : v[Math.min(v.length - 1, Math.floor(x * v.length))]!);
    return [h, { p50: q(0.5), p99: q(0.99), tailMean: tail.length === 0 ? NaN : tail.reduce((a, r) => a + r[h], 0) / tail.length }];
  })) as HopSummary['hops'];
  let sendGapMaxMs = 0;
  let sendsPer50msMax = 0;
  for (let i = 1, j = 0; i < producer.length; i++) {
    sendGapMaxMs = Math.max(sendGapMaxMs, producer[i]!.sent - producer[i - 1]!.sent);
    while (producer[i]!.sent - producer[j]!.sent > 50) j++;
    sendsPer50msMax = Math.max(sendsPer50msMax, i - j + 1);
  }
  const span = producer.length < 2 ? NaN : producer.at(-1)!.sent - producer[0]!.sent;
  return { samples: rows.length, hops, loop: worker.loop, gc: worker.gc, sendGapMaxMs, sendsPer50msMax, sendsPer50msExpected: (producer.length / span) * 50 };
}

/** One line per hop, for the bench's console. */
export function formatHops(s: HopSummary): string {
  return `hops over ${s.samples} samples (ms: p50 / p99 / mean in the slowest 1%): ` +
    HOP_NAMES.map((h) => `${h} ${s.hops[h].p50.toFixed(2)} / ${s.hops[h].p99.toFixed(2)} / ${s.hops[h].tailMean.toFixed(2)}`).join('; ') +
    `; producer: longest gap between sends ${s.sendGapMaxMs.toFixed(1)} ms, most sends in 50 ms ${s.sendsPer50msMax} (paced: ${s.sendsPer50msExpected.toFixed(0)})` +
    `; worker event-loop delay p50 ${s.loop.p50.toFixed(1)} / p99 ${s.loop.p99.toFixed(1)} / max ${s.loop.max.toFixed(1)} ms; GC ${s.gc.count} pauses, ${s.gc.totalMs.toFixed(0)} ms in all, longest ${s.gc.maxMs.toFixed(1)} ms`;
}
