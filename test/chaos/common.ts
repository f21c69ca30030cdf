// Shared pieces of the chaos and load suites: a continuous JetStream producer (per stream in
// order, msg ids, retry until acknowledged), a prediction recorder (arrival times, duplicates,
// latency from publish), worker RSS from /proc, a one-line JSON summary, and an exactness check
// against StreamProcessor recomputation.

import { readFile } from 'node:fs/promises';
import { expect } from 'vitest';
import type { Transport } from '@carousel/bus';
import { decodePrediction, encodeSample } from '@carousel/protocol';
import type { StreamConfig } from '@carousel/worker';
import { control, readCheckpoint, recompute, until, workload } from '../worker/helpers.ts';

export type Samples = ReturnType<typeof workload>;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface ProducerOptions {
  /** Samples per second per stream (0 or absent: as fast as acks allow). */
  ratePerStream?: number;
  /** Publishes in flight per stream (default 1: each waits for the previous ack, so a retry never reorders). */
  window?: number;
  /** Timeout per jsPublish, ms (default 2000). */
  timeoutMs?: number;
}

/**
 * Publishes the deterministic workload of each stream to carousel.in.<stream> with msg id
 * `<stream>-<seq>`, in order, until `stop()` or the samples run out. A failed publish is retried
 * (same msg id, so JetStream stores it at most once) until it is acknowledged.
 */
export class Producer {
  readonly data: Map<string, Samples>;
  /** Per stream: how many samples (seq 0..n-1) have been acknowledged. */
  readonly acked = new Map<string, number>();
  /** Per stream, per seq: performance.now() when first published. */
  readonly sentAt = new Map<string, number[]>();
  retries = 0;
  duplicates = 0;
  #stop = false;
  #loops: Promise<void>[] = [];
  #rate: number;

  constructor(private readonly t: Transport, streams: string[], perStream: number, private readonly o: ProducerOptions = {}) {
    this.data = new Map(streams.map((s, i) => [s, workload(s, perStream, (i % 7) + 1)]));
    for (const s of streams) {
      this.acked.set(s, 0);
      this.sentAt.set(s, []);
    }
    this.#rate = o.ratePerStream ?? 0;
  }

  /** Changes the rate per stream (0: unpaced). */
  setRate(ratePerStream: number): void {
    this.#rate = ratePerStream;
  }

  get totalAcked(): number {
    let n = 0;
    for (const v of this.acked.values()) n += v;
    return n;
  }

  start(): this {
    for (const s of this.data.keys()) this.#loops.push(this.#loop(s));
    return this;
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#loops);
  }

  /** Resolves when every stream has published all its samples (or stop()). */
  async done(): Promise<void> {
    await Promise.all(this.#loops);
  }

  async #publishOne(stream: string, i: number): Promise<void> {
    const s = this.data.get(stream)![i]!;
    const body = encodeSample({ v: 1, stream, seq: s.seq, ts: s.ts, x: s.x });
    const times = this.sentAt.get(stream)!;
    if (times[i] === undefined) times[i] = performance.now();
    for (;;) {
      try {
        const ack = await this.t.jsPublish(`carousel.in.${stream}`, body, { msgId: `${stream}-${s.seq}`, timeout: this.o.timeoutMs ?? 2000 });
        if (ack.duplicate) this.duplicates++;
        return;
      } catch {
        this.retries++;
        await sleep(100);
      }
    }
  }

  async #loop(stream: string): Promise<void> {
    const samples = this.data.get(stream)!;
    const window = this.o.window ?? 1;
    const inflight: Promise<void>[] = [];
    let start = performance.now();
    let sentSinceRate = 0;
    let rateAt = this.#rate;
    for (let i = 0; i < samples.length && !this.#stop; i++) {
      if (this.#rate !== rateAt) {
        rateAt = this.#rate;
        start = performance.now();
        sentSinceRate = 0;
      }
      if (rateAt > 0) {
        const due = start + (sentSinceRate * 1000) / rateAt;
        const wait = due - performance.now();
        if (wait > 1) await sleep(wait);
      }
      sentSinceRate++;
      inflight.push(this.#publishOne(stream, i).then(() => {
        this.acked.set(stream, Math.max(this.acked.get(stream)!, i + 1));
      }));
      if (inflight.length >= window) await inflight.shift();
      // Let timers run now and then: a paced stream whose next sample is already due (a rate
      // above what the acks return) would otherwise publish back to back without yielding.
      else if (i % 64 === 63) await sleep(0);
    }
    await Promise.all(inflight);
  }
}

/** Records every prediction on carousel.out.>: arrival times, duplicates (same stream and seq), latency. */
export class PredictionRecorder {
  /** Arrival time (performance.now) of every prediction, in order. */
  readonly arrivals: number[] = [];
  /** Per stream: seqs seen. */
  readonly seen = new Map<string, Set<number>>();
  readonly perStreamArrivals = new Map<string, number[]>();
  /** [arrival, latency ms from first publish] for predictions whose sample the producer timed. */
  readonly latencies: Array<[number, number]> = [];
  repeats = 0;
  total = 0;

  constructor(t: Transport, private readonly producer?: Producer) {
    t.subscribe('carousel.out.>', {
      callback: (m) => {
        const now = performance.now();
        const d = decodePrediction(m.data);
        if (!d.ok) return;
        const { stream, seq } = d.value;
        this.total++;
        this.arrivals.push(now);
        let set = this.seen.get(stream);
        if (set === undefined) this.seen.set(stream, (set = new Set()));
        if (set.has(seq)) this.repeats++;
        else {
          set.add(seq);
          const sent = this.producer?.sentAt.get(stream)?.[seq];
          if (sent !== undefined) this.latencies.push([now, now - sent]);
        }
        let a = this.perStreamArrivals.get(stream);
        if (a === undefined) this.perStreamArrivals.set(stream, (a = []));
        a.push(now);
      },
    });
  }

  /** Last arrival before `t` of a stream in `streams` (or any), and the first after. */
  gapAround(t: number, streams?: Iterable<string>): { before: number; after: number; gapMs: number } {
    const lists = streams === undefined ? [this.arrivals] : [...streams].map((s) => this.perStreamArrivals.get(s) ?? []);
    let before = -Infinity;
    let after = Infinity;
    for (const l of lists) {
      for (const a of l) {
        if (a <= t && a > before) before = a;
        if (a > t && a < after) after = a;
      }
    }
    return { before, after, gapMs: after - before };
  }
}

/** Percentile (nearest rank) of `xs`. */
export function percentile(xs: number[], q: number): number {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))]!;
}

/** VmRSS of a process in bytes (from /proc/<pid>/status). */
export async function rssBytes(pid: number): Promise<number> {
  const s = await readFile(`/proc/${pid}/status`, 'utf8');
  const m = /VmRSS:\s+(\d+)\s+kB/.exec(s);
  if (m === null) throw new Error(`no VmRSS for ${pid}`);
  return Number(m[1]) * 1024;
}

/** Prints the test's one-line JSON summary (what was injected, checked, measured). */
export function summary(test: string, fields: Record<string, unknown>): void {
  console.log(JSON.stringify({ summary: test, ...fields }));
}

export const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/**
 * Every stream of the producer: its owner reports the last acknowledged seq, and a fresh snapshot
 * holds exactly that many samples with weights bit-identical to StreamProcessor fed each
 * acknowledged sample once.
 */
export async function expectExactlyOnce(t: Transport, producer: Producer, timeoutMs = 60_000, config?: Partial<StreamConfig>): Promise<{ streams: number; samples: number }> {
  let total = 0;
  for (const [stream, samples] of producer.data) {
    const n = producer.acked.get(stream)!;
    if (n === 0) continue;
    await until(`${stream} at seq ${n - 1}`, async () => {
      const r = await control(t, stream, 'inspect', 1500);
      return r.ok && r.op === 'inspect' && r.info.seq === n - 1;
    }, timeoutMs, 100);
    const snap = await until(`${stream} snapshot`, async () => {
      const r = await control(t, stream, 'snapshot', 3000);
      return r.ok ? r : undefined;
    }, 20_000, 200);
    expect(snap.ok).toBe(true);
    const { body, seq } = await readCheckpoint(t, stream);
    const want = recompute(stream, samples.slice(0, n), config);
    expect(seq, `${stream}: checkpoint seq`).toBe(n - 1);
    expect(body.proc!.stats.samples, `${stream}: samples applied`).toBe(want.samples);
    expect(Buffer.from(body.proc!.model).equals(Buffer.from(want.model)), `${stream}: weights bit-identical`).toBe(true);
    total += n;
  }
  return { streams: producer.data.size, samples: total };
}
