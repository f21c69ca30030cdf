// Side by side: the latency phase of this build's benchWorker against another build's bench.ts,
// e.g. the one before the latency phase's load generator moved into a process of its own
// (bench-load.ts, session 21): `git show 6297703:services/worker/src/bench.ts >
// services/worker/src/bench-before.ts`, then (repo root) `npx tsx bench/worker/load-ab.ts
// services/worker/src/bench-before.ts [streams=1000] [pairs=3]`, and delete that file after. Runs
// the two in turn, ABAB..., one nats-server per run, and prints each run's p50 / p99 and hops.
// Not part of `npm run bench`.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';
import { benchWorker, type BenchWorkerOptions, type BenchWorkerResult } from '@carousel/worker';

const other = process.argv[2];
if (other === undefined) throw new Error('usage: load-ab.ts <other bench.ts> [streams] [pairs]');
const otherBench = ((await import(pathToFileURL(path.resolve(other)).href)) as { benchWorker: (o: BenchWorkerOptions) => Promise<BenchWorkerResult> }).benchWorker;
const streams = Number(process.argv[3] ?? 1_000);
const pairs = Number(process.argv[4] ?? 3);
const conf = readFileSync(`${REPO_ROOT}/infra/nats/single.conf`, 'utf8');
for (let i = 0; i < 2 * pairs; i++) {
  const which = i % 2 === 0 ? 'this build' : other;
  const server = await NatsServer.start({ serverName: 'carousel-bench', configText: conf });
  try {
    const r = await (i % 2 === 0 ? benchWorker : otherBench)({ streams, samplesPerStream: 40, natsUrl: server.url, viaMapping: true, latencySeconds: 10, idleMs: 15_000, inferRequests: 300 });
    const h = r.hops.hops;
    const ms = (s: number): string => (s * 1000).toFixed(2);
    console.log(JSON.stringify({
      run: i + 1, bench: which, samplesPerSecond: Math.round(r.samplesPerSecond), p50ms: ms(r.p50), p99ms: ms(r.p99),
      hopsP99ms: { ack: h.ack.p99.toFixed(1), toConsumer: h.toConsumer.p99.toFixed(1), mailbox: h.mailbox.p99.toFixed(1), toSubscriber: h.toSubscriber.p99.toFixed(1) },
      workerGcMs: Math.round(r.hops.gc.totalMs), loadGeneratorGcMs: r.hops.producer === undefined ? null : Math.round(r.hops.producer.gc.totalMs),
    }));
  } finally {
    await server.close();
  }
}
