// benchWorker: figures for `npm run bench` (a colleague wires it into the bench table). Runs a
// Worker in this process against `natsUrl` under a fresh subject prefix (publishing straight to
// the partition subjects, so no server mapping is needed), and measures:
//   samplesPerSecond   replay of a pre-published backlog, first to last prediction;
//   p50 / p99          publish -> prediction latency (s) at half that rate;
//   inferP99           infer round trip (s), sequential requests over the streams;
//   bytesPerActiveStream / bytesPerPassivatedStream  heap per stream with every actor active,
//                      then after idle passivation (run node with --expose-gc for stable figures);
//   checkpointBytes    mean checkpoint size of one stream.
// Not a test: it asserts nothing. Run directly: node --import tsx services/worker/src/bench.ts [natsUrl]

import { pathToFileURL } from 'node:url';
import { NatsTransport } from '@carousel/bus';
import { createSubjects, decodePrediction, encodeInferRequest, encodeSample, parseOptions, partitionOf } from '@carousel/protocol';
import type { StreamConfig } from './stream-config.ts';
import { Worker } from './worker.ts';

export interface BenchWorkerOptions {
  streams: number;
  samplesPerStream: number;
  natsUrl: string;
  /** Stream config of every stream (default: the worker's default model). */
  stream?: Partial<StreamConfig>;
  /** Partitions (default 16). */
  partitions?: number;
}

export interface BenchWorkerResult {
  samplesPerSecond: number;
  /** publish -> prediction, seconds. */
  p50: number;
  p99: number;
  /** infer round trip, seconds. */
  inferP99: number;
  bytesPerActiveStream: number;
  bytesPerPassivatedStream: number;
  checkpointBytes: number;
}

const IDLE_MS = 1500;

export async function benchWorker(o: BenchWorkerOptions): Promise<BenchWorkerResult> {
  const P = o.partitions ?? 16;
  const prefix = `bench${Date.now().toString(36)}`;
  const subjects = createSubjects(parseOptions({ prefix, partitions: P }));
  const names = Array.from({ length: o.streams }, (_, i) => `s${i}`);
  const client = await NatsTransport.connect({ servers: [o.natsUrl], name: 'carousel-bench' });
  const worker = new Worker({
    transport: client, prefix, partitions: P, metricsPort: null, log: false, workerId: `bench-${process.pid}`,
    idleMs: IDLE_MS, checkpointEveryMs: 3_600_000, ...(o.stream === undefined ? {} : { stream: o.stream }),
  });
  const arrived = new Map<string, number>();
  let predictions = 0;
  let lastAt = 0;
  let firstAt = 0;
  client.subscribe(`${prefix}.out.*`, { callback: (m) => {
    const now = performance.now();
    const d = decodePrediction(m.data);
    if (!d.ok) return;
    if (predictions++ === 0) firstAt = now;
    lastAt = now;
    arrived.set(`${d.value.stream}/${d.value.seq}`, now);
  } });
  const x = (i: number, s: number): number[] => [Math.sin(i / 7 + s), Math.cos(i / 11 + s)];
  const send = (name: string, s: number, seq: number): Promise<unknown> =>
    client.jsPublish(`${prefix}.p.${partitionOf(name, P)}.${name}`, encodeSample({ v: 1, stream: name, seq, x: x(seq, s) }));
  try {
    // 1. Throughput: a pre-published backlog, replayed.
    await worker.start(); // provisions the stream before anything is published
    await until(() => worker.partitions().length === P);
    gc();
    const heap0 = process.memoryUsage().heapUsed;
    const half = Math.floor(o.samplesPerStream / 2);
    const acks: Promise<unknown>[] = [];
    for (let seq = 0; seq < half; seq++) {
      for (let s = 0; s < names.length; s++) acks.push(send(names[s]!, s, seq));
      if (acks.length >= 512) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);
    await until(() => predictions >= half * names.length);
    const samplesPerSecond = ((half * names.length - 1) / (lastAt - firstAt)) * 1000;
    arrived.clear(); // the bench's own bookkeeping is not the worker's memory
    gc();
    const heapActive = process.memoryUsage().heapUsed;

    // 2. Latency at half the measured rate.
    const gapMs = 1000 / (samplesPerSecond / 2);
    const sentAt = new Map<string, number>();
    let next = performance.now();
    for (let seq = half; seq < o.samplesPerStream; seq++) {
      for (let s = 0; s < names.length; s++) {
        next += gapMs;
        const wait = next - performance.now();
        if (wait > 1) await sleep(wait);
        sentAt.set(`${names[s]}/${seq}`, performance.now());
        void send(names[s]!, s, seq);
      }
    }
    await until(() => predictions >= o.samplesPerStream * names.length);
    const lat = [...sentAt].map(([k, t]) => (arrived.get(k)! - t) / 1000).sort((a, b) => a - b);

    // 3. Infer round trips.
    const inf: number[] = [];
    for (let i = 0; i < 200; i++) {
      const name = names[i % names.length]!;
      const t0 = performance.now();
      await client.request(subjects.infer(name), encodeInferRequest({ v: 1, stream: name, x: x(i, 0) }));
      inf.push((performance.now() - t0) / 1000);
    }
    inf.sort((a, b) => a - b);

    // 4. Memory after idle passivation (each actor checkpointed and left memory).
    await until(() => worker.actorCounters().active === 0);
    arrived.clear();
    sentAt.clear();
    gc();
    const heapPassivated = process.memoryUsage().heapUsed;
    const ckpt = await client.kv(subjects.kvBucket).then((kv) => kv.get(names[0]!));
    await worker.drain();
    return {
      samplesPerSecond,
      p50: quantile(lat, 0.5),
      p99: quantile(lat, 0.99),
      inferP99: quantile(inf, 0.99),
      bytesPerActiveStream: Math.max(0, heapActive - heap0) / names.length,
      bytesPerPassivatedStream: Math.max(0, heapPassivated - heap0) / names.length,
      checkpointBytes: ckpt?.value.length ?? 0,
    };
  } finally {
    await worker.close();
    await client.deleteStream(subjects.jsStream).catch(() => {});
    await client.close();
  }
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

async function until(cond: () => boolean, timeoutMs = 300_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error('bench timed out');
    await sleep(10);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const r = await benchWorker({ streams: 100, samplesPerStream: 200, natsUrl: process.argv[2] ?? 'nats://127.0.0.1:4222' });
  console.log(JSON.stringify(r, null, 2));
}
