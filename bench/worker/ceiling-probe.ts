// What the worker bench's pipeline costs without the kernel, on this machine: the worker bench
// (benchWorker, as `npm run bench -- worker` runs it at 1,000 streams) with the deployed worker
// (A) against the same worker with StreamProcessor.process made a constant answer (B,
// null-kernel.ts preloaded into the worker process), in turn, each against a fresh nats-server.
// B's latency phase is offered A's rate (half A's throughput), so the two tails are taken at the
// same load. Each pair also times the kernel as the bench's ratio does (process() in a tight loop
// on one stream, and on the run's schedule over the streams in turn).
//
// What it gives:
// - B's worker CPU per sample (O) is what messaging, actors, metrics and checkpoints cost the
//   worker; against A's, the share of the worker's CPU a sample that is not the kernel.
// - A worker that paid O and ran process() at its tight-loop speed (1/K a sample) would reach a
//   ratio to the kernel of 1 / (1 + O·K) with a core to itself, and that times its CPU share
//   when it shares the machine: the bench's ratio can be no higher here unless O shrinks.
// - B's samples/s: its throughput phase is the producer's pace (it publishes for ~all of it), not
//   the worker's.
// - B's publish -> prediction p99 at A's half rate is the tail the path has with no model.
// Not part of `npm run bench`. Usage (repo root): npx tsx bench/worker/ceiling-probe.ts [streams=1000] [pairs=3] [samples=40]
import { benchWorker, formatHops, WORKER_NODE_FLAGS, type BenchWorkerResult } from '@carousel/worker';
import { median } from '../lstm/contender.ts';
import { abRuns, ms } from './ab-runs.ts';
import { kernelRates, kernelSchedule } from './section.ts';

const streams = Number(process.argv[2] ?? 1_000);
const pairs = Number(process.argv[3] ?? 3);
const samples = Number(process.argv[4] ?? 40);
const NULL_KERNEL = new URL('./null-kernel.ts', import.meta.url).pathname;

interface Row { arm: 'A' | 'B'; res: BenchWorkerResult; kernel: number; schedule: number }
const rows: Row[] = [];
let offered: number | undefined;

console.log(`ceiling probe: ${streams} streams, ${samples} samples each, ${pairs} pairs; A = the worker, B = the worker with a null kernel`);
await abRuns(pairs, async (arm, natsUrl) => {
  const kernel = kernelRates(1, 1.5).wall;
  const schedule = kernelSchedule(Math.min(streams, 1_000), samples);
  const nodeFlags = arm === 'A' ? WORKER_NODE_FLAGS : [...WORKER_NODE_FLAGS, '--import', 'tsx', '--import', NULL_KERNEL];
  const res = await benchWorker({
    streams, samplesPerStream: samples, natsUrl, viaMapping: true, latencySeconds: 5, idleMs: 15_000, inferRequests: 300, nodeFlags,
    ...(arm === 'B' && offered !== undefined ? { latencyRate: offered } : {}),
  });
  if (arm === 'A') offered = res.latencyRate;
  rows.push({ arm, res, kernel, schedule });
  console.log(`  ${arm}: ${formatHops(res.hops)}; ${res.checkpointsWhileTimed} checkpoints while timed`);
  return {
    arm, samplesPerSecond: Math.round(res.samplesPerSecond), perCpuSecond: Math.round(res.samplesPerCpuSecond),
    workerCpuShare: Number(res.workerCpuShare.toFixed(2)), producerShare: Number(res.producerShare.toFixed(2)),
    latencyRate: Math.round(res.latencyRate), p50ms: ms(res.p50), p99ms: ms(res.p99), kernel: Math.round(kernel), kernelOnSchedule: Math.round(schedule),
  };
});

const of = (arm: 'A' | 'B', f: (r: Row) => number): number => median(rows.filter((r) => r.arm === arm).map(f));
const K = median(rows.map((r) => r.kernel));
const A = of('A', (r) => r.res.samplesPerSecond);
const B = of('B', (r) => r.res.samplesPerSecond);
const Acpu = of('A', (r) => r.res.samplesPerCpuSecond);
const Bcpu = of('B', (r) => r.res.samplesPerCpuSecond);
const share = of('A', (r) => r.res.workerCpuShare);
const O = 1 / Bcpu;
const us = (perSecond: number): string => (1e6 / perSecond).toFixed(1);
console.log(`\nmedians over ${pairs} pairs:`);
console.log(`- kernel (process() tight loop, one stream): ${K.toFixed(0)} samples/s (${us(K)} us a sample); on the run's schedule ${median(rows.map((r) => r.schedule)).toFixed(0)}`);
console.log(`- worker (A): ${A.toFixed(0)} samples/s, ratio to the kernel ${(A / K).toFixed(2)}; ${Acpu.toFixed(0)} per worker CPU-second (${us(Acpu)} us of worker CPU a sample), worker CPU ${(share * 100).toFixed(0)}% of a core`);
console.log(`- null kernel (B): ${B.toFixed(0)} samples/s; ${Bcpu.toFixed(0)} per worker CPU-second (${us(Bcpu)} us of worker CPU a sample), worker CPU ${(of('B', (r) => r.res.workerCpuShare) * 100).toFixed(0)}% of a core, producer publishing ${(of('B', (r) => r.res.producerShare) * 100).toFixed(0)}% of the phase`);
console.log(`- the ratio a worker paying B's cost a sample, with process() at its tight-loop speed, would reach, 1 / (1 + O·K): ${(1 / (1 + O * K)).toFixed(2)} with a core to itself, ${(share / (1 + O * K)).toFixed(2)} at A's CPU share`);
console.log(`- the share of the worker's CPU a sample that is not process(): ${(Acpu / Bcpu).toFixed(2)} (B's CPU per sample over A's)`);
console.log(`- publish -> prediction at A's offered rate: A p50 / p99 ${ms(of('A', (r) => r.res.p50))} / ${ms(of('A', (r) => r.res.p99))} ms; B ${ms(of('B', (r) => r.res.p50))} / ${ms(of('B', (r) => r.res.p99))} ms`);
