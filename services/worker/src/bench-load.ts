// The worker bench's load generator for the latency and infer phases: the producer and the
// prediction subscriber, and the infer client, in a process of their own, so that what they cost
// (JetStream publishes and their acks, prediction decodes, request-replies, the bench's
// bookkeeping and its garbage collections) is neither in the worker's process nor in the bench
// process, whose heap holds the kernel measurement's models. Both ends of the latency are still one process and one clock. It records every sample
// in typed arrays indexed by its place in the phase (no object per sample survives a GC), and
// reports its own GC pauses and event-loop delay over the phase, so that what the load generator
// itself lost is on the record beside the latency. Driven by BenchChild ('ready' once subscribed;
// `latency <json>` and `infer <json>` run a phase and answer with its records or figures; stdin
// EOF closes). Not a test, not used by the service.

import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';
import { BUS_ERR, isBusError, NatsTransport } from '@carousel/bus';
import { createSubjects, decodeInferReply, decodePrediction, encodeInferRequest, encodeSample, parseOptions, partitionOf } from '@carousel/protocol';
import { idleEchoSubject } from './bench-echo.ts';
import { wallNow } from './bench-hops.ts';

export interface LoadOptions {
  natsUrl: string;
  prefix: string;
  partitions: number;
  viaMapping: boolean;
  /** The bench's stream names: benchStreamName(run, i) for i < streams. */
  run: string;
  streams: number;
}

/** One latency phase: `total` samples at `rate` per second, stream i % streams in turn, seqs from `seqBase` (one per round). */
export interface LatencyPhase {
  rate: number;
  total: number;
  seqBase: number;
  /** Give up waiting for predictions this long after the last send (default 120 s). */
  drainMs?: number;
}

/** A phase's records, index i = sample i of the phase; ms on the wall-aligned clock (wallNow), 0 where it never came. */
export interface LatencyRecords {
  sent: number[];
  acked: number[];
  jsSeq: number[];
  received: number[];
  /** The load generator's own GC pauses and event-loop delay over the phase, ms. */
  gc: { count: number; totalMs: number; maxMs: number };
  loop: { p50: number; p99: number; max: number };
}

/** One infer phase: `warmup` untimed rounds, then `requests` timed ones; a round is an infer round trip and one to each floor. */
export interface InferPhase {
  requests: number;
  warmup: number;
}

/** One infer phase: round trips and their floors, seconds. */
export interface InferFigures {
  /** infer round trip, seconds. */
  inferP50: number;
  inferP99: number;
  /**
   * The floor under inferP50/P99: the same request-reply to an empty responder on its own
   * connection in the worker process (no model, no actor), seconds.
   */
  echoP50: number;
  echoP99: number;
  /**
   * The machine's floor: the same request-reply to an empty responder in a process of its own
   * that does nothing else (bench-echo.ts), timed beside the other two, seconds.
   */
  idleEchoP50: number;
  idleEchoP99: number;
  /** The worker's own time in the infer handler (the reply's `pt`, decode to reply encode), p50 / p99, seconds. */
  inferHandlerP50: number;
  inferHandlerP99: number;
}

/** Stream i of the bench run `run`. */
export const benchStreamName = (run: string, i: number): string => `b${run}-${i}`;

/** The features of sample `seq` of stream `s`: a smooth two-channel signal the model can learn. */
export const benchFeatures = (seq: number, s: number): number[] => [Math.sin(seq / 7 + s), Math.cos(seq / 11 + s)];

/** Where a producer publishes stream `name`'s samples: through the server's partition mapping, or straight to the partition. */
export const benchSubject = (prefix: string, partitions: number, viaMapping: boolean, name: string): string =>
  viaMapping ? `${prefix}.in.${name}` : `${prefix}.p.${partitionOf(name, partitions)}.${name}`;

/**
 * Publishes sample `seq` of stream `s` as a producer should: a msg id per sample, and a retry on
 * an ack timeout (the server dedupes). Resolves with its JetStream sequence.
 */
export async function publishSample(client: NatsTransport, subject: string, name: string, s: number, seq: number): Promise<number> {
  const data = encodeSample({ v: 1, stream: name, seq, x: benchFeatures(seq, s) });
  for (let attempt = 1; ; attempt++) {
    try {
      return (await client.jsPublish(subject, data, { msgId: `${name}-${seq}`, timeout: 10_000 })).seq;
    } catch (err) {
      if (!(isBusError(err) && err.code === BUS_ERR.TIMEOUT) || attempt === 5) throw err;
    }
  }
}

async function serve(o: LoadOptions): Promise<void> {
  const client = await NatsTransport.connect({ servers: [o.natsUrl], name: 'carousel-bench-load' });
  const names = Array.from({ length: o.streams }, (_, i) => benchStreamName(o.run, i));
  const subjects = names.map((n) => benchSubject(o.prefix, o.partitions, o.viaMapping, n));
  const index = new Map(names.map((n, i) => [n, i]));
  const N = names.length;

  const run = async (p: LatencyPhase): Promise<LatencyRecords> => {
    const sent = new Float64Array(p.total);
    const acked = new Float64Array(p.total);
    const jsSeq = new Float64Array(p.total);
    const rec = { seqBase: p.seqBase, total: p.total, received: new Float64Array(p.total), count: 0 };
    // Subscribed for the phase only: outside it nats-server need not deliver predictions here too.
    const sub = client.subscribe(`${o.prefix}.out.*`, { callback: (m) => {
      const d = decodePrediction(m.data);
      if (!d.ok) return;
      const s = index.get(d.value.stream);
      const i = (d.value.seq - rec.seqBase) * N + (s ?? -1);
      if (s === undefined || i < 0 || i >= rec.total || rec.received[i] !== 0) return;
      rec.received[i] = wallNow();
      rec.count++;
    } });
    await client.flush();
    const gcs: number[] = [];
    const gcObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) gcs.push(e.duration);
    });
    gcObserver.observe({ entryTypes: ['gc'] });
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const t0 = performance.now();
    for (let i = 0; i < p.total; i++) {
      const s = i % N;
      const wait = t0 + (i * 1000) / p.rate - performance.now();
      if (wait > 1) await sleep(wait);
      sent[i] = wallNow();
      // A publish that fails for good leaves acked[i] 0 and its prediction missing, which the bench reports.
      publishSample(client, subjects[s]!, names[s]!, s, p.seqBase + Math.floor(i / N)).then((js) => {
        acked[i] = wallNow();
        jsSeq[i] = js;
      }, () => undefined);
    }
    const deadline = performance.now() + (p.drainMs ?? 120_000);
    while (rec.count < p.total && performance.now() < deadline) await sleep(5);
    sub.close();
    loop.disable();
    gcObserver.disconnect();
    return {
      sent: [...sent], acked: [...acked], jsSeq: [...jsSeq], received: [...rec.received],
      gc: { count: gcs.length, totalMs: gcs.reduce((a, b) => a + b, 0), maxMs: gcs.reduce((a, b) => Math.max(a, b), 0) },
      loop: { p50: loop.percentile(50) / 1e6, p99: loop.percentile(99) / 1e6, max: loop.max / 1e6 },
    };
  };

  const subjectsOf = createSubjects(parseOptions({ prefix: o.prefix, partitions: o.partitions }));
  const infer = async (p: InferPhase): Promise<InferFigures> => {
    const inf: number[] = [];
    const echo: number[] = [];
    const idle: number[] = [];
    const handler: number[] = [];
    // Side by side: each infer round trip is followed by one to the empty responder in the worker
    // process and one to the idle echo process, so both floors are measured under the same conditions.
    for (let i = -p.warmup; i < p.requests; i++) {
      const name = names[((i + p.warmup) * 7919) % N]!;
      let t = performance.now();
      const r = await client.request(subjectsOf.infer(name), encodeInferRequest({ v: 1, stream: name, x: benchFeatures(i, 0) }), { timeout: 5000 });
      const tInfer = (performance.now() - t) / 1000;
      t = performance.now();
      await client.request(`${o.prefix}.benchecho`, new Uint8Array(8), { timeout: 5000 });
      const tEcho = (performance.now() - t) / 1000;
      t = performance.now();
      await client.request(idleEchoSubject(o.prefix), new Uint8Array(8), { timeout: 5000 });
      const tIdle = (performance.now() - t) / 1000;
      if (i < 0) continue;
      inf.push(tInfer);
      echo.push(tEcho);
      idle.push(tIdle);
      const reply = decodeInferReply(r.data);
      if (reply.ok && reply.value.ok) handler.push(reply.value.pt);
    }
    for (const a of [inf, echo, idle, handler]) a.sort((x, y) => x - y);
    return {
      inferP50: quantile(inf, 0.5), inferP99: quantile(inf, 0.99),
      echoP50: quantile(echo, 0.5), echoP99: quantile(echo, 0.99),
      idleEchoP50: quantile(idle, 0.5), idleEchoP99: quantile(idle, 0.99),
      inferHandlerP50: quantile(handler, 0.5), inferHandlerP99: quantile(handler, 0.99),
    };
  };

  const out = (s: string): void => void process.stdout.write(s + '\n');
  out('ready');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const sp = line.indexOf(' ');
    const cmd = sp < 0 ? line : line.slice(0, sp);
    const fail = (err: unknown): void => out(JSON.stringify({ error: String(err) }));
    if (cmd === 'latency') run(JSON.parse(line.slice(sp + 1)) as LatencyPhase).then((r) => out(JSON.stringify(r)), fail);
    else if (cmd === 'infer') infer(JSON.parse(line.slice(sp + 1)) as InferPhase).then((r) => out(JSON.stringify(r)), fail);
    else out(JSON.stringify({ error: `unknown command ${cmd}` }));
  });
  await new Promise<void>((r) => rl.once('close', r));
  await client.close();
  process.exit(0);
}

/** The q-quantile of an ascending array (NaN when empty). */
export function quantile(sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(JSON.parse(process.argv[i + 1]!) as LoadOptions);
}
