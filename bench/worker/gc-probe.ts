// Side by side: the worker bench (benchWorker) with the worker process under node's default flags
// (V8's default young generation, 16 MB semi-spaces) against the same with other flags (default
// WORKER_NODE_FLAGS, what a deployed worker runs with: `--max-semi-space-size=64`). Runs ABAB...,
// one nats-server per run, and prints each run's throughput (wall and per worker CPU-second),
// publish -> prediction p50 / p99, the latency phase's GC pauses and the infer p99 with its floor.
// Not part of `npm run bench`. Usage (repo root):
//   npx tsx bench/worker/gc-probe.ts [streams=1000] [pairs=3] [flag ...]
import { benchWorker, WORKER_NODE_FLAGS } from '@carousel/worker';
import { abRuns, ms } from './ab-runs.ts';

const streams = Number(process.argv[2] ?? 1_000);
const pairs = Number(process.argv[3] ?? 3);
const flags = process.argv.length > 4 ? process.argv.slice(4) : [...WORKER_NODE_FLAGS];
await abRuns(pairs, async (arm, natsUrl) => {
  const nodeFlags = arm === 'A' ? [] : flags;
  const r = await benchWorker({
    streams, samplesPerStream: streams >= 10_000 ? 3 : 40, natsUrl, viaMapping: true, latencySeconds: 5,
    idleMs: streams >= 10_000 ? 180_000 : 15_000, inferRequests: 1000, nodeFlags,
  });
  return {
    flags: nodeFlags.join(' ') || '(node defaults)', samplesPerSec: Math.round(r.samplesPerSecond),
    perWorkerCpuSec: Math.round(r.samplesPerCpuSecond), p50ms: ms(r.p50), p99ms: ms(r.p99),
    gcPauses: r.hops.gc.count, gcTotalMs: r.hops.gc.totalMs.toFixed(1), gcMaxMs: r.hops.gc.maxMs.toFixed(1),
    eventLoopDelayMs: r.hops.loop, inferP99ms: ms(r.inferP99), floorWorkerP99ms: ms(r.echoP99), bytesPerActive: Math.round(r.bytesPerActiveStream),
  };
});
