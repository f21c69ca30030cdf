// Side by side: the worker bench's infer phase with its untimed warm-up rounds (INFER_WARMUP, the
// default) against none (every round timed from the first, as until session 21). Runs benchWorker
// in turn, ABAB..., one nats-server per run, and prints each run's infer p50 / p99 and both floors.
// Not part of `npm run bench`. Usage (repo root): npx tsx bench/worker/infer-probe.ts [streams=1000] [pairs=3]
import { benchWorker, INFER_WARMUP } from '@carousel/worker';
import { abRuns, ms } from './ab-runs.ts';

const streams = Number(process.argv[2] ?? 1_000);
const pairs = Number(process.argv[3] ?? 3);
await abRuns(pairs, async (arm, natsUrl) => {
  const warmup = arm === 'A' ? INFER_WARMUP : 0;
  const r = await benchWorker({ streams, samplesPerStream: 40, natsUrl, viaMapping: true, latencySeconds: 5, idleMs: 15_000, inferRequests: 1000, inferWarmup: warmup });
  return {
    untimedRounds: warmup, inferP50ms: ms(r.inferP50), inferP99ms: ms(r.inferP99),
    floorWorkerP99ms: ms(r.echoP99), floorIdleProcessP99ms: ms(r.idleEchoP99), handlerP99ms: ms(r.inferHandlerP99),
  };
});
