// benchWorker: figures for `npm run bench` (bench/worker). One Worker runs in a child process
// (`node --expose-gc <WORKER_NODE_FLAGS> --import tsx <this file> --serve`: the flags a deployed
// worker runs with), so the worker's event loop and heap are its own; this process is the producer
// and the prediction subscriber, and reads both clocks itself:
//   samplesPerSecond   a backlog published as fast as JetStream acks it, drained by the worker:
//                      first to last prediction of the phase (after an untimed warm-up: activation
//                      and then steadyStateSamples() per stream, so the TBPTT window is full and the
//                      per-sample cost is the steady state's, as in the latency phase after it;
//                      activation is not in the figure);
//   p50 / p99          publish -> prediction latency (s) at half that rate (paced, each stream in turn);
//   inferP99           infer request-reply round trip (s), sequential, with no other load, after
//                      INFER_WARMUP untimed rounds;
//   bytesPerActiveStream / bytesPerPassivatedStream  (heapUsed + external) of the worker process
//                      after gc(), minus the same before the first stream, per stream: with every
//                      actor active, then after idle passivation;
//   checkpointBytes    size of one stream's checkpoint in KV.
// Producers publish to <prefix>.in.<stream> when `viaMapping` (the server's partition mapping, as in
// infra/nats/single.conf), else straight to <prefix>.p.<partition>.<stream>. Not a test: asserts nothing.
// Run directly: node --import tsx services/worker/src/bench.ts [natsUrl]   (no mapping needed)
// CAROUSEL_BENCH_CPU_PROF=<dir> profiles the worker process (--cpu-prof); CAROUSEL_BENCH_HOPS_DUMP=<file>
// writes the latency phase's raw hop records.

import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { BenchChild } from './bench-child.ts';
import { idleEchoSubject, type EchoOptions } from './bench-echo.ts';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUS_ERR, isBusError, NatsTransport } from '@carousel/bus';
import { createSubjects, decodeInferReply, decodePrediction, encodeInferRequest, encodeSample, parseOptions, partitionOf } from '@carousel/protocol';
import { HopRecorder, summarizeHops, tapTransport, wallNow, type HopSummary, type ProducerHop, type WorkerHops } from './bench-hops.ts';
import { parseStreamConfig, type StreamConfig } from './stream-config.ts';
import { WORKER_NODE_FLAGS } from './node-flags.ts';
import { Worker } from './worker.ts';

export interface BenchWorkerOptions {
  streams: number;
  /** Samples per stream in the throughput backlog (the warm-up samples are extra). */
  samplesPerStream: number;
  /** Untimed samples per stream before the throughput phase (default steadyStateSamples(stream)). */
  warmSamples?: number;
  natsUrl: string;
  /** Stream config of every stream (default: the worker's default model, H=32 TBPTT(4,32) Adam). */
  stream?: Partial<StreamConfig>;
  /** Partitions (default 16; must match the server mapping when viaMapping). */
  partitions?: number;
  /** Subject prefix (default 'carousel', the one the mapping in infra/nats/single.conf uses). */
  prefix?: string;
  /** Publish to <prefix>.in.<stream> and let the server map to partitions (default false). */
  viaMapping?: boolean;
  /** Seconds of paced publishing in the latency phase (default 5). */
  latencySeconds?: number;
  /**
   * The latency phase's offered rate, samples/s (default half the throughput phase's rate). Set
   * it to compare two workers at the same load (bench/worker/ceiling-probe.ts).
   */
  latencyRate?: number;
  /** Worker idle passivation, ms (default 15,000; must exceed a stream's gap in the latency phase). */
  idleMs?: number;
  /** Infer round trips timed (default 1,000). */
  inferRequests?: number;
  /**
   * Untimed infer rounds (an infer round trip and one to each floor) before the timed ones
   * (default INFER_WARMUP, 3,000): until the request path is compiled a round trip times the
   * compilation, not a control loop that has been running.
   */
  inferWarmup?: number;
  /** Worker checkpointEveryMs (default: the worker's own, 30 s). */
  checkpointEveryMs?: number;
  /** Worker checkpointBytesPerSec (default: the worker's own, 8 MiB/s; 0: no budget). */
  checkpointBytesPerSec?: number;
  /**
   * Also run the infer phase with the path's processes under real-time scheduling (SCHED_FIFO,
   * every thread: this process, the worker, the idle echo, and `pids`, e.g. nats-server), after
   * the default-scheduled one; reverted after. Needs chrt and CAP_SYS_NICE.
   */
  realtime?: { pids: readonly number[] };
  /** Progress lines (phase starts and ends), e.g. console.log; default none. */
  progress?: (line: string) => void;
  /** Node/V8 flags of the worker process (default WORKER_NODE_FLAGS, as deployed; [] for node's defaults). */
  nodeFlags?: readonly string[];
}

export interface BenchWorkerResult extends InferFigures {
  samplesPerSecond: number;
  /** publish -> prediction, seconds. */
  p50: number;
  p99: number;
  /** Samples timed in the latency phase, and the rate they were offered at (per second). */
  latencySamples: number;
  latencyRate: number;
  bytesPerActiveStream: number;
  bytesPerPassivatedStream: number;
  /** Worker process RSS growth per active stream (information: includes allocator slack). */
  rssPerActiveStream: number;
  checkpointBytes: number;
  /** Actors passivated during the timed phases (should be 0: else idleMs is too short). */
  passivatedWhileTimed: number;
  /** Checkpoints the worker wrote during the throughput and latency phases (its own schedule). */
  checkpointsWhileTimed: number;
  /** Samples during those phases that found a periodic checkpoint due and the byte budget spent. */
  deferralsWhileTimed: number;
  /** nats-server's peak resident memory over the run, bytes (set by the bench section, which owns the server). */
  natsPeakRssBytes?: number;
  /** Throughput phase: samples per second of the worker process's own CPU time (user + system), i.e. with a core to itself. */
  samplesPerCpuSecond: number;
  /** Throughput phase: the worker process's CPU time over the phase's wall time (1 = one core throughout). */
  workerCpuShare: number;
  /** Throughput phase: time the producer took to publish (and have acked) the backlog over the time to its last prediction. */
  producerShare: number;
  /** The latency phase hop by hop (bench-hops.ts). */
  hops: HopSummary;
  /** The infer phase again under SCHED_FIFO (option `realtime`), or why it was not run. */
  realtime?: InferFigures | { unavailable: string };
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

/**
 * Puts every thread of each process under SCHED_FIFO (priority 20) or back to SCHED_OTHER, with
 * util-linux `chrt`. Returns null, or why it could not (no chrt, no CAP_SYS_NICE): the figures
 * are then not taken.
 */
function setRealtime(pids: readonly number[], on: boolean): string | null {
  for (const pid of pids) {
    try {
      execFileSync('chrt', on ? ['-a', '-f', '-p', '20', String(pid)] : ['-a', '-o', '-p', '0', String(pid)], { stdio: 'pipe' });
    } catch (err) {
      return `chrt ${on ? '-f' : '-o'} on pid ${pid}: ${(err as Error).message.split('\n')[0]}`;
    }
  }
  return null;
}

interface Mem {
  heapUsed: number;
  external: number;
  rss: number;
}

interface Counters {
  active: number;
  passivatedTotal: number;
  /** Checkpoints written (carousel_worker_checkpoints_total). */
  checkpoints: number;
  /** Periodic checkpoints put off by the byte budget (carousel_worker_checkpoint_deferrals_total). */
  deferrals: number;
  /** CPU time (user + system) of the worker process so far, µs. */
  cpuMicros: number;
}

const DEFAULT_IDLE_MS = 15_000;
/**
 * Untimed infer rounds before each infer phase's timed ones. Until the request path is compiled
 * (the client's code, nats-server's, and each responder's handler, which sees one request in
 * three) a round trip times the compilation, not what a control loop that has been running sees.
 * Until session 21 none: on the 2-core test machine the infer p99 was then 2.4-3.8 ms and the
 * floors' 1.8-3.3 ms, against 1.0-2.4 ms and 0.6-1.4 ms after 3,000 rounds (3 pairs of
 * `npx tsx bench/worker/infer-probe.ts`).
 */
export const INFER_WARMUP = 3000;

/**
 * Samples after which a stream costs what it will cost from then on: TBPTT(k1, k2) backpropagates
 * over min(n, k2) steps every k1, so until the window is full each update is cheaper.
 */
export function steadyStateSamples(stream: Partial<StreamConfig> = {}): number {
  const m = parseStreamConfig(stream).model as { learner?: string; k1?: number; k2?: number };
  return m.learner === 'tbptt' ? (m.k2 ?? 0) + (m.k1 ?? 1) : 1;
}
const THIS_FILE = fileURLToPath(import.meta.url);
const ECHO_FILE = fileURLToPath(new URL('./bench-echo.ts', import.meta.url));
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export async function benchWorker(o: BenchWorkerOptions): Promise<BenchWorkerResult> {
  const P = o.partitions ?? 16;
  const prefix = o.prefix ?? 'carousel';
  const idleMs = o.idleMs ?? DEFAULT_IDLE_MS;
  const subjects = createSubjects(parseOptions({ prefix, partitions: P }));
  const run = Date.now().toString(36);
  const names = Array.from({ length: o.streams }, (_, i) => `b${run}-${i}`);
  const tStart = performance.now();
  const phase = (what: string): void => o.progress?.(`    [${((performance.now() - tStart) / 1000).toFixed(1)} s] ${what}`);
  const child = await WorkerChild.start({
    natsUrl: o.natsUrl, prefix, partitions: P, idleMs, ...(o.stream === undefined ? {} : { stream: o.stream }),
    ...(o.checkpointEveryMs === undefined ? {} : { checkpointEveryMs: o.checkpointEveryMs }),
    ...(o.checkpointBytesPerSec === undefined ? {} : { checkpointBytesPerSec: o.checkpointBytesPerSec }),
  }, o.nodeFlags ?? WORKER_NODE_FLAGS);
  const idleEcho = await BenchChild.start(ECHO_FILE, REPO_ROOT, { natsUrl: o.natsUrl, prefix } satisfies EchoOptions);
  const client = await NatsTransport.connect({ servers: [o.natsUrl], name: 'carousel-bench-producer' });
  let predictions = 0;
  let firstAt = 0;
  let lastAt = 0;
  let timing: Map<string, ProducerHop> | null = null;
  const latencies: number[] = [];
  let rtOn: number[] = [];
  client.subscribe(`${prefix}.out.*`, { callback: (m) => {
    const now = performance.now();
    if (predictions++ === 0) firstAt = now;
    lastAt = now;
    if (timing === null) return;
    const d = decodePrediction(m.data);
    if (!d.ok) return;
    const h = timing.get(`${d.value.stream}/${d.value.seq}`);
    if (h === undefined || h.received !== undefined) return;
    h.received = wallNow();
    latencies.push((h.received - h.sent) / 1000);
  } });
  const x = (i: number, s: number): number[] => [Math.sin(i / 7 + s), Math.cos(i / 11 + s)];
  const subjectOf = (name: string): string => (o.viaMapping === true ? `${prefix}.in.${name}` : `${prefix}.p.${partitionOf(name, P)}.${name}`);
  // As a producer should: a msg id per sample, and a retry on an ack timeout (the server dedupes).
  const send = async (s: number, seq: number): Promise<number> => {
    const name = names[s]!;
    const data = encodeSample({ v: 1, stream: name, seq, x: x(seq, s) });
    for (let attempt = 1; ; attempt++) {
      try {
        return (await client.jsPublish(subjectOf(name), data, { msgId: `${name}-${seq}`, timeout: 10_000 })).seq;
      } catch (err) {
        if (!(isBusError(err) && err.code === BUS_ERR.TIMEOUT) || attempt === 5) throw err;
      }
    }
  };
  // Every stream is fed in lockstep, as a fleet sampled on one clock is. Until 2026-11-23 (session
  // 12) the producer ran stream s (s mod k1) samples ahead, so that about 1 in k1 streams was at a
  // TBPTT update step at any moment; the worker now gives each stream's model a phase of its own
  // (withStreamPhase), which does that for any producer.
  /** Publishes seqs [from, to) of every stream, seq by seq across the streams. */
  const publishAll = async (from: number, to: number): Promise<void> => {
    const acks: Promise<number>[] = [];
    for (let seq = from; seq < to; seq++) {
      for (let s = 0; s < names.length; s++) acks.push(send(s, seq));
      if (acks.length >= 512) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);
  };
  try {
    const mem0 = await child.mem();
    // 0. Warm-up: one sample per stream activates every actor (KV lookup, model allocation); then
    //    enough samples that every stream's per-sample cost is its steady state's.
    const W = Math.max(1, o.warmSamples ?? steadyStateSamples(o.stream));
    phase('warm-up: one sample per stream');
    await publishAll(0, 1);
    await until(() => predictions >= names.length);
    phase(`warm-up: ${W - 1} more samples per stream`);
    await publishAll(1, W);
    await until(() => predictions >= names.length * W);
    const c0 = await child.counters();

    // 1. Throughput: a backlog, drained as fast as the worker can.
    phase('throughput');
    predictions = 0;
    const tPub = performance.now();
    await publishAll(W, W + o.samplesPerStream);
    const publishedAt = performance.now();
    const n1 = o.samplesPerStream * names.length;
    await until(() => predictions >= n1);
    const samplesPerSecond = ((n1 - 1) / (lastAt - firstAt)) * 1000;
    const cT = await child.counters();
    const samplesPerCpuSecond = n1 / ((cT.cpuMicros - c0.cpuMicros) / 1e6);
    const workerCpuShare = (cT.cpuMicros - c0.cpuMicros) / 1e3 / (lastAt - tPub);
    // How much of the drain the producer was still publishing (near 1: the producer set the pace).
    const producerShare = (publishedAt - tPub) / (lastAt - tPub);
    const memActive = await child.mem();

    // 2. Latency at half that rate (or the rate asked for): streams in turn, paced by the clock.
    const rate = o.latencyRate ?? samplesPerSecond / 2;
    const total = Math.max(names.length, Math.round(rate * (o.latencySeconds ?? 5)));
    phase('latency');
    let round = 0;
    const sentAt = new Map<string, ProducerHop>();
    timing = sentAt;
    predictions = 0;
    await child.ask('hops-on');
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const s = i % names.length;
      if (s === 0 && i > 0) round++;
      const seq = W + o.samplesPerStream + round;
      const wait = t0 + (i * 1000) / rate - performance.now();
      if (wait > 1) await sleep(wait);
      const h: ProducerHop = { key: `${names[s]}/${seq}`, sent: wallNow() };
      sentAt.set(h.key, h);
      void send(s, seq).then((js) => {
        h.acked = wallNow();
        h.jsSeq = js;
      });
    }
    await until(() => predictions >= total);
    timing = null;
    const workerHops = JSON.parse(await child.ask('hops')) as WorkerHops;
    const hops = summarizeHops([...sentAt.values()], workerHops);
    // CAROUSEL_BENCH_HOPS_DUMP=<file>: the raw hop records of the latency phase, for a closer look.
    const dump = process.env['CAROUSEL_BENCH_HOPS_DUMP'];
    if (dump !== undefined && dump !== '') writeFileSync(dump, JSON.stringify({ producer: [...sentAt.values()], worker: workerHops }));
    latencies.sort((a, b) => a - b);
    const c1 = await child.counters();

    // 3. Infer round trips, nothing else running.
    const inferPhase = async (): Promise<InferFigures> => {
      const inf: number[] = [];
      const echo: number[] = [];
      const idle: number[] = [];
      const handler: number[] = [];
      const requests = o.inferRequests ?? 1000;
      const warmup = o.inferWarmup ?? INFER_WARMUP;
      // Side by side: each infer round trip is followed by one to the empty responder in the worker
      // process and one to the idle echo process, so both floors are measured under the same
      // conditions. The first `warmup` rounds are not timed.
      for (let i = -warmup; i < requests; i++) {
        const name = names[((i + warmup) * 7919) % names.length]!;
        let t = performance.now();
        const r = await client.request(subjects.infer(name), encodeInferRequest({ v: 1, stream: name, x: x(i, 0) }), { timeout: 5000 });
        const tInfer = (performance.now() - t) / 1000;
        t = performance.now();
        await client.request(`${prefix}.benchecho`, new Uint8Array(8), { timeout: 5000 });
        const tEcho = (performance.now() - t) / 1000;
        t = performance.now();
        await client.request(idleEchoSubject(prefix), new Uint8Array(8), { timeout: 5000 });
        const tIdle = (performance.now() - t) / 1000;
        if (i < 0) continue;
        inf.push(tInfer);
        echo.push(tEcho);
        idle.push(tIdle);
        const reply = decodeInferReply(r.data);
        if (reply.ok && reply.value.ok) handler.push(reply.value.pt);
      }
      for (const a of [inf, echo, idle, handler]) a.sort((p, q) => p - q);
      return {
        inferP50: quantile(inf, 0.5), inferP99: quantile(inf, 0.99),
        echoP50: quantile(echo, 0.5), echoP99: quantile(echo, 0.99),
        idleEchoP50: quantile(idle, 0.5), idleEchoP99: quantile(idle, 0.99),
        inferHandlerP50: quantile(handler, 0.5), inferHandlerP99: quantile(handler, 0.99),
      };
    };
    phase('infer');
    const infer = await inferPhase();

    // 3b. The infer phase again with the path's processes under real-time scheduling (SCHED_FIFO),
    //     when asked. Only this phase: a sequential request-reply leaves the CPUs mostly idle, where
    //     a paced or saturating phase under SCHED_FIFO can starve the processes of each other (a
    //     1,000-stream latency phase run this way stalled, nats-server and the worker spinning).
    let realtime: BenchWorkerResult['realtime'];
    if (o.realtime !== undefined) {
      const rtPids = [process.pid, child.pid, idleEcho.pid, ...o.realtime.pids].filter((p): p is number => p !== undefined);
      const failed = setRealtime(rtPids, true);
      rtOn = rtPids;
      if (failed === null) {
        phase('infer, real-time scheduling');
        realtime = await inferPhase();
      } else realtime = { unavailable: failed };
      setRealtime(rtPids, false);
      rtOn = [];
    }

    // 4. Idle passivation: every actor checkpointed and dropped from memory.
    phase('idle passivation');
    await until(async () => (await child.counters()).active === 0, idleMs * 4 + 60_000, 250);
    phase('done');
    const memPassivated = await child.mem();
    const ckpt = await client.kv(subjects.kvBucket).then((kv) => kv.get(names[0]!));
    const live = (m: Mem): number => m.heapUsed + m.external;
    return {
      samplesPerSecond,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      latencySamples: latencies.length,
      latencyRate: rate,
      ...infer,
      bytesPerActiveStream: (live(memActive) - live(mem0)) / names.length,
      bytesPerPassivatedStream: (live(memPassivated) - live(mem0)) / names.length,
      rssPerActiveStream: (memActive.rss - mem0.rss) / names.length,
      checkpointBytes: ckpt?.value.length ?? 0,
      passivatedWhileTimed: c1.passivatedTotal - c0.passivatedTotal,
      checkpointsWhileTimed: c1.checkpoints - c0.checkpoints,
      deferralsWhileTimed: c1.deferrals - c0.deferrals,
      producerShare,
      samplesPerCpuSecond,
      workerCpuShare,
      hops,
      ...(realtime === undefined ? {} : { realtime }),
    };
  } finally {
    if (rtOn.length > 0) setRealtime(rtOn, false);
    await client.close();
    await child.close();
    await idleEcho.close();
  }
}

interface ServeOptions {
  natsUrl: string;
  prefix: string;
  partitions: number;
  idleMs: number;
  stream?: Partial<StreamConfig>;
  checkpointEveryMs?: number;
  checkpointBytesPerSec?: number;
}

/** The worker process (bench-child.ts) with this bench's commands. */
class WorkerChild {
  private constructor(private readonly child: BenchChild) {}

  static async start(o: ServeOptions, nodeFlags: readonly string[]): Promise<WorkerChild> {
    // CAROUSEL_BENCH_CPU_PROF=<dir>: the worker process writes a V8 CPU profile there on exit.
    const prof = process.env['CAROUSEL_BENCH_CPU_PROF'];
    const flags = prof === undefined || prof === '' ? [...nodeFlags] : [...nodeFlags, '--cpu-prof', `--cpu-prof-dir=${prof}`];
    return new WorkerChild(await BenchChild.start(THIS_FILE, REPO_ROOT, o, flags));
  }

  async mem(): Promise<Mem> {
    return JSON.parse(await this.ask('mem')) as Mem;
  }

  async counters(): Promise<Counters> {
    return JSON.parse(await this.ask('counters')) as Counters;
  }

  ask(cmd: string): Promise<string> {
    return this.child.ask(cmd);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  close(): Promise<void> {
    return this.child.close();
  }
}

/** Child side: a Worker with the bench's options; answers `mem` and `counters`; stdin EOF = close. */
async function serve(o: ServeOptions): Promise<void> {
  // The worker's own connection, tapped for the latency phase's hops (bench-hops.ts).
  const nats = await NatsTransport.connect({ servers: [o.natsUrl], name: `carousel-worker-bench-${process.pid}` });
  const hops = new HopRecorder();
  const worker = new Worker({
    transport: tapTransport(nats, hops, `${o.prefix}.out.`), prefix: o.prefix, partitions: o.partitions, metricsPort: null, log: false,
    workerId: `bench-${process.pid}`, idleMs: o.idleMs, ...(o.stream === undefined ? {} : { stream: o.stream }),
    ...(o.checkpointEveryMs === undefined ? {} : { checkpointEveryMs: o.checkpointEveryMs }),
    ...(o.checkpointBytesPerSec === undefined ? {} : { checkpointBytesPerSec: o.checkpointBytesPerSec }),
  });
  await worker.start();
  await until(() => worker.partitions().length === o.partitions);
  // The floor of a request-reply through this process: an empty responder on its own connection.
  const echo = await NatsTransport.connect({ servers: [o.natsUrl], name: 'carousel-bench-echo' });
  echo.subscribe(`${o.prefix}.benchecho`, { callback: (m) => {
    if (m.reply !== undefined) echo.publish(m.reply, new Uint8Array(0));
  } });
  await echo.flush();
  const out = (s: string): void => void process.stdout.write(s + '\n');
  out('ready');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (cmd) => {
    if (cmd === 'mem') {
      gc();
      gc();
      const m = process.memoryUsage();
      out(JSON.stringify({ heapUsed: m.heapUsed, external: m.external, rss: m.rss }));
    } else if (cmd === 'counters') {
      const c = worker.actorCounters();
      const sum = (m: { values: { value: number }[] }): number => m.values.reduce((a, v) => a + v.value, 0);
      void Promise.all([worker.metrics.checkpointsWritten.get(), worker.metrics.checkpointDeferrals.get()]).then(([w, d]) => {
        const cpu = process.cpuUsage();
        out(JSON.stringify({ active: c.active, passivatedTotal: c.passivatedTotal, checkpoints: sum(w), deferrals: sum(d), cpuMicros: cpu.user + cpu.system }));
      });
    } else if (cmd === 'hops-on') {
      hops.start();
      out('{}');
    } else if (cmd === 'hops') {
      out(JSON.stringify(hops.take()));
    } else out(JSON.stringify({ error: `unknown command ${cmd}` }));
  });
  await new Promise<void>((r) => rl.once('close', r));
  await echo.close();
  await worker.close();
  await nats.close();
  process.exit(0);
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function quantile(sorted: number[], q: number): number {
  return sorted.length === 0 ? NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `cond` every `everyMs` until it holds; throws after `timeoutMs`. */
export async function until(cond: () => boolean | Promise<boolean>, timeoutMs = 300_000, everyMs = 10): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('bench timed out');
    await sleep(everyMs);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--serve');
  // Not awaited: a module preloaded into the child (bench/worker/ceiling-probe.ts preloads
  // null-kernel.ts) imports this package, and a top-level await here would hold that import until
  // serve() returned.
  if (i >= 0) {
    serve(JSON.parse(process.argv[i + 1]!) as ServeOptions).catch((e: unknown) => {
      console.error(e);
      process.exit(1);
    });
  } else {
    const r = await benchWorker({ streams: 100, samplesPerStream: 100, natsUrl: process.argv[2] ?? 'nats://127.0.0.1:4222', prefix: `bench${Date.now().toString(36)}` });
    console.log(JSON.stringify(r, null, 2));
  }
}
