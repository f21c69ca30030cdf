// One benchWorker run with a chosen checkpoint schedule, watching nats-server's resident memory:
// the side-by-side figures of the checkpoint byte budget in docs/bench-history.md ("Checkpoints on the
// production schedule"). Not part of `npm run bench` (one run, no rounds).
// Usage (repo root): npx tsx bench/worker/checkpoint-probe.ts [streams=10000] [checkpointBytesPerSec|-] [checkpointEveryMs|-]
//   '-' or nothing: the worker's default (8 MiB/s; 30 s). 0 bytes/s: no budget. 3600000 ms: time-based checkpoints deferred.
import { readFileSync } from 'node:fs';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';
import { benchWorker, formatHops } from '@carousel/worker';
import { watchPeak } from './section.ts';

const arg = (i: number): number | undefined => (process.argv[i] === undefined || process.argv[i] === '-' ? undefined : Number(process.argv[i]));
const streams = arg(2) ?? 10_000;
const bytesPerSec = arg(3);
const everyMs = arg(4);
const server = await NatsServer.start({ serverName: 'carousel-bench', configText: readFileSync(`${REPO_ROOT}/infra/nats/single.conf`, 'utf8') });
const natsMem = watchPeak(async () => (await server.monitor<{ mem?: number }>('varz'))?.mem, 1_000);
const mb = (): number => Math.round((Number.isFinite(natsMem.peak()) ? natsMem.peak() : 0) / (1024 * 1024));
try {
  const res = await benchWorker({
    streams, samplesPerStream: 3, natsUrl: server.url, viaMapping: true, latencySeconds: 5, idleMs: 180_000, inferRequests: 1000,
    ...(bytesPerSec === undefined ? {} : { checkpointBytesPerSec: bytesPerSec }),
    ...(everyMs === undefined ? {} : { checkpointEveryMs: everyMs }),
    progress: (l) => console.log(`${l} (nats-server peak RSS so far ${mb()} MB)`),
  });
  console.log(formatHops(res.hops));
  console.log(JSON.stringify({ samplesPerSecond: res.samplesPerSecond, perCpuSecond: res.samplesPerCpuSecond, workerCpuShare: res.workerCpuShare, p50: res.p50, p99: res.p99, checkpointsWhileTimed: res.checkpointsWhileTimed, deferralsWhileTimed: res.deferralsWhileTimed, natsPeakRssMB: mb() }));
} finally {
  natsMem.stop();
  await server.close();
}
