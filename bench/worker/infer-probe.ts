// Side by side: the worker bench's infer phase with its untimed warm-up rounds (INFER_WARMUP, the
// default) against none (every round timed from the first, as until session 21). Runs benchWorker
// in turn, ABAB..., one nats-server per run, and prints each run's infer p50 / p99 and both floors.
// Not part of `npm run bench`. Usage (repo root): npx tsx bench/worker/infer-probe.ts [streams=1000] [pairs=3]
import { readFileSync } from 'node:fs';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';
import { benchWorker, INFER_WARMUP } from '@carousel/worker';

const streams = Number(process.argv[2] ?? 1_000);
const pairs = Number(process.argv[3] ?? 3);
const conf = readFileSync(`${REPO_ROOT}/infra/nats/single.conf`, 'utf8');
const ms = (s: number): string => (s * 1000).toFixed(2);
for (let i = 0; i < 2 * pairs; i++) {
  const warmup = i % 2 === 0 ? INFER_WARMUP : 0;
  const server = await NatsServer.start({ serverName: 'carousel-bench', configText: conf });
  try {
    const r = await benchWorker({ streams, samplesPerStream: 40, natsUrl: server.url, viaMapping: true, latencySeconds: 5, idleMs: 15_000, inferRequests: 1000, inferWarmup: warmup });
    console.log(JSON.stringify({
      run: i + 1, untimedRounds: warmup, inferP50ms: ms(r.inferP50), inferP99ms: ms(r.inferP99),
      floorWorkerP99ms: ms(r.echoP99), floorIdleProcessP99ms: ms(r.idleEchoP99), handlerP99ms: ms(r.inferHandlerP99),
    }));
  } finally {
    await server.close();
  }
}
