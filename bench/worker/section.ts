// The worker section of `npm run bench`: one worker process end to end through a real nats-server
// (a fresh one per run, from infra/nats/single.conf with its 16-partition mapping): producer ->
// <prefix>.in.<stream> -> mapping -> JetStream -> worker (per-stream H=32 models) -> prediction
// subscriber, at 1,000 and 10,000 streams; and the same model's kernel throughput
// (StreamProcessor.process in a tight loop) in the same rounds, for the ratio. Interleaved rounds,
// medians. Prints the table; writes results/worker.{md,json} unless --quick / --no-write.

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';
import { benchWorker, defaultStreamConfig, formatHops, steadyStateSamples, parseStreamConfig, StreamProcessor, type BenchWorkerResult } from '@carousel/worker';
import type { BenchArgs } from '../args.ts';
import { median, now } from '../lstm/contender.ts';
import { memoryBreakdown } from './breakdown.ts';
import { renderWorkerReport, type WorkerFigures } from './report.ts';

/** Streams per run, and backlog samples per stream (full run, quick run). */
const RUNS = [
  { streams: 1_000, samples: 40, quickSamples: 8, maxRounds: Infinity, idleMs: 15_000, quickIdleMs: 15_000 },
  // One round: its warm-up alone (10,000 activations) takes 1-1.5 min on this box. Idle passivation
  // must not start before the phases are over (a stream's samples can be that far apart), else
  // streams passivate and reactivate from ~190 KB checkpoints while timed.
  { streams: 10_000, samples: 3, quickSamples: 2, maxRounds: 1, idleMs: 180_000, quickIdleMs: 180_000 },
] as const;
// Checkpoints run on the worker's production schedule (every 1,000 samples or 30 s, within the
// 8 MiB/s checkpoint byte budget). Until 2026-11-23 the bench deferred the time-based ones to
// passivation: at 10,000 streams, with no budget, they asked ~57 MB/s of the KV store and
// nats-server grew past 6 GB. nats-server's peak RSS is now part of the figures.
/** How often nats-server's /varz memory is read during a run, ms. */
const NATS_MEM_EVERY_MS = 1_000;
/** Processors the round-robin kernel figure cycles over (cache behaviour of many streams). */
const KERNEL_RR = 1_000;
const DIMS = 2;

export async function run(args: BenchArgs): Promise<void> {
  const rounds = args.rounds ?? (args.quick ? 1 : 3);
  const seconds = args.seconds ?? (args.quick ? 0.3 : 1.5);
  const latencySeconds = args.quick ? 2 : 5;
  const config = parseStreamConfig({});
  const conf = readFileSync(`${REPO_ROOT}/infra/nats/single.conf`, 'utf8');
  const loadStart = os.loadavg();
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, node ${process.version}, load ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`model: ${JSON.stringify(config.model)}, ${DIMS} features; rounds ${rounds}${args.quick ? ' (quick: not for the record)' : ''}\n`);

  const breakdown = memoryBreakdown(DIMS);
  const kernel: number[] = [];
  const kernelCpu: number[] = [];
  const kernelRR: number[] = [];
  const results: Record<string, BenchWorkerResult[]> = {};
  const schedule: Record<string, number[]> = {};
  for (let r = 0; r < rounds; r++) {
    const k1 = kernelRates(1, seconds);
    kernel.push(k1.wall);
    kernelCpu.push(k1.cpu);
    kernelRR.push(kernelSample(KERNEL_RR, seconds));
    console.log(`round ${r + 1}: kernel ${kernel.at(-1)!.toFixed(0)} samples/s (1 stream), ${kernelRR.at(-1)!.toFixed(0)} (round robin over ${KERNEL_RR})`);
    const order = r % 2 === 0 ? RUNS : [...RUNS].reverse();
    for (const run of order) {
      if (r >= run.maxRounds) continue;
      const samples = args.quick ? run.quickSamples : run.samples;
      (schedule[String(run.streams)] ??= []).push(kernelSchedule(Math.min(run.streams, KERNEL_RR), samples));
      const server = await NatsServer.start({ serverName: 'carousel-bench', configText: conf });
      try {
        const t0 = now();
        const natsMem = watchPeak(async () => (await server.monitor<{ mem?: number }>('varz'))?.mem, NATS_MEM_EVERY_MS);
        const res = await benchWorker({
          streams: run.streams, samplesPerStream: samples, natsUrl: server.url,
          viaMapping: true, latencySeconds, idleMs: args.quick ? run.quickIdleMs : run.idleMs, inferRequests: args.quick ? 300 : 1000,
          progress: run.streams >= 10_000 ? (line) => console.log(line) : undefined,
          // The infer phase again with nats-server, the worker and this process under SCHED_FIFO.
          ...(server.pid === undefined ? {} : { realtime: { pids: [server.pid] } }),
        }).finally(() => natsMem.stop());
        res.natsPeakRssBytes = natsMem.peak();
        (results[String(run.streams)] ??= []).push(res);
        console.log(`  ${run.streams} streams (${(now() - t0).toFixed(0)} s): ${res.samplesPerSecond.toFixed(0)} samples/s (${res.samplesPerCpuSecond.toFixed(0)} per worker CPU-second, worker CPU ${(res.workerCpuShare * 100).toFixed(0)}% of a core, producer publishing ${(res.producerShare * 100).toFixed(0)}% of the phase) (kernel on the same schedule ${schedule[String(run.streams)]!.at(-1)!.toFixed(0)}), ${res.checkpointsWhileTimed} checkpoints while timed, echo p99 ${(res.echoP99 * 1e3).toFixed(2)} ms (idle process ${(res.idleEchoP99 * 1e3).toFixed(2)} ms), p50 ${(res.p50 * 1e3).toFixed(2)} ms, p99 ${(res.p99 * 1e3).toFixed(2)} ms, infer p99 ${(res.inferP99 * 1e3).toFixed(2)} ms, ${(res.bytesPerActiveStream / 1024).toFixed(1)} KB active, ${(res.bytesPerPassivatedStream / 1024).toFixed(2)} KB passivated`);
        console.log(`    ${formatHops(res.hops)}`);
        const rt = res.realtime;
        if (rt !== undefined && 'inferP99' in rt) {
          console.log(`    real-time scheduling: infer p50 ${(rt.inferP50 * 1e3).toFixed(2)} ms, p99 ${(rt.inferP99 * 1e3).toFixed(2)} ms (echo ${(rt.echoP99 * 1e3).toFixed(2)}, idle process ${(rt.idleEchoP99 * 1e3).toFixed(2)} ms)`);
        } else if (rt !== undefined) console.log(`    real-time scheduling not measured: ${rt.unavailable}`);
      } finally {
        await server.close();
      }
    }
  }
  const figures: WorkerFigures = {
    date: new Date().toISOString(), quick: args.quick, rounds,
    machine: { cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, node: process.version, loadStart, loadEnd: os.loadavg() },
    model: config.model, dims: DIMS, kernelRR: KERNEL_RR,
    kernel: { median: median(kernel), samples: kernel }, kernelCpu: { median: median(kernelCpu), samples: kernelCpu }, kernelRoundRobin: { median: median(kernelRR), samples: kernelRR },
    breakdown,
    runs: Object.fromEntries(Object.entries(results).map(([k, rs]) => [k, { median: medianOf(rs), samples: rs, kernelSchedule: median(schedule[k]!), kernelScheduleSamples: schedule[k]! }])),
  };
  const { markdown, json } = renderWorkerReport(figures);
  console.log('\n' + markdown);
  if (!args.noWrite) {
    const dir = new URL('../results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('worker.md', dir), markdown);
    writeFileSync(new URL('worker.json', dir), JSON.stringify(json, null, 2) + '\n');
    console.log('wrote bench/results/worker.md and bench/results/worker.json');
  }
}

/**
 * The kernel's own throughput for the worker's model: StreamProcessor.process (normalise, forward,
 * learn with the stream's optimizer, anomaly score) over `streams` processors in turn, samples/s.
 */
function kernelSample(streams: number, seconds: number): number {
  return kernelRates(streams, seconds).wall;
}

/** kernelSample's figure, and the same per second of this process's CPU time (user + system). */
export function kernelRates(streams: number, seconds: number): { wall: number; cpu: number } {
  const ps = Array.from({ length: streams }, () => new StreamProcessor(parseStreamConfig({}, defaultStreamConfig()), DIMS));
  const x = [0, 0];
  let seq = 0;
  const step = (): void => {
    for (const p of ps) {
      x[0] = Math.sin(seq / 7 + streams);
      x[1] = Math.cos(seq / 11);
      p.process(seq, x);
    }
    seq++;
  };
  // Warm-up (JIT), and every processor's TBPTT window full: before 2026-11-23 the round-robin figure
  // timed 1,000 fresh processors whose windows never filled, and overstated the kernel (11,935/s
  // against 7,275/s for one processor at steady state in the same run).
  for (let i = 0; i < Math.max(steadyStateSamples(), Math.ceil(200 / streams)); i++) step();
  const t0 = now();
  const c0 = process.cpuUsage();
  let n = 0;
  while (now() - t0 < seconds) {
    step();
    n += streams;
  }
  const wall = n / (now() - t0);
  const c = process.cpuUsage(c0);
  return { wall, cpu: n / ((c.user + c.system) / 1e6) };
}

/**
 * The kernel on the worker run's own schedule: `streams` fresh processors, the same untimed warm-up
 * (steadyStateSamples each, so the TBPTT window is full), then `samples` more each in turn, timed:
 * many processors in turn (cache behaviour) where the tight loop above runs one.
 */
export function kernelSchedule(streams: number, samples: number): number {
  const ps = Array.from({ length: streams }, () => new StreamProcessor(parseStreamConfig({}, defaultStreamConfig()), DIMS));
  const x = [0, 0];
  // As the worker bench: processor s runs s mod k1 samples ahead, so update steps are spread.
  const k1 = (parseStreamConfig({}, defaultStreamConfig()).model as { k1?: number }).k1 ?? 1;
  const next = ps.map(() => 0);
  const one = (s: number): void => {
    const seq = next[s]!++;
    x[0] = Math.sin(seq / 7 + s);
    x[1] = Math.cos(seq / 11 + s);
    ps[s]!.process(seq, x);
  };
  const step = (): void => {
    for (let s = 0; s < ps.length; s++) one(s);
  };
  const warm = steadyStateSamples();
  for (let s = 0; s < ps.length; s++) for (let i = 0; i < s % k1; i++) one(s);
  for (let i = 0; i < warm; i++) step();
  const t0 = now();
  for (let i = 0; i < samples; i++) step();
  return (streams * samples) / (now() - t0);
}

/** Polls `read` every `ms` until stop(); peak() is the largest value read (NaN if none). */
export function watchPeak(read: () => Promise<number | undefined>, ms: number): { stop(): void; peak(): number } {
  let peak = Number.NaN;
  const poll = (): void => {
    void read().then((v) => {
      if (v !== undefined && !(v <= peak)) peak = v;
    }, () => undefined);
  };
  poll();
  const timer = setInterval(poll, ms);
  return { stop: () => clearInterval(timer), peak: () => peak };
}

function medianOf(rs: readonly BenchWorkerResult[]): BenchWorkerResult {
  const keys = (Object.keys(rs[0]!) as (keyof BenchWorkerResult)[]).filter((k) => typeof rs[0]![k] === 'number');
  // The hop breakdown is not averaged: it is the one of the round with the median end-to-end p99.
  const byP99 = [...rs].sort((a, b) => a.p99 - b.p99);
  const hops = byP99[Math.floor((byP99.length - 1) / 2)]!.hops;
  // The real-time infer figures, when every round has them.
  const rts = rs.map((r) => r.realtime).filter((r): r is Extract<BenchWorkerResult['realtime'], { inferP99: number }> => r !== undefined && 'inferP99' in r);
  let realtime: BenchWorkerResult['realtime'] = rs.find((r) => r.realtime !== undefined && !('inferP99' in r.realtime))?.realtime;
  if (rts.length === rs.length && rts.length > 0) {
    const rtKeys = Object.keys(rts[0]!) as (keyof typeof rts[number])[];
    realtime = Object.fromEntries(rtKeys.map((k) => [k, median(rts.map((r) => r[k]))])) as unknown as typeof rts[number];
  }
  return { ...Object.fromEntries(keys.map((k) => [k, median(rs.map((r) => r[k] as number))])), hops, ...(realtime === undefined ? {} : { realtime }) } as unknown as BenchWorkerResult;
}
