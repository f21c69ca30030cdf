// Side by side: the worker's staggered TBPTT backward passes (withStreamPhase, the default) against
// none (every stream's model given phase 0), both with a producer feeding every stream in lockstep,
// as a fleet sampled on one clock is. Runs benchWorker in turn, ABAB..., one nats-server per run.
// Time-based checkpoints are deferred (checkpointEveryMs 1 h), so that whether a run's phases reach a
// stream's 30 s checkpoint (it depends on how fast the machine is that minute) does not decide the
// comparison. Not part of `npm run bench`. Usage (repo root): npx tsx bench/worker/phase-probe.ts [streams=1000] [pairs=3]
import { readFileSync } from 'node:fs';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';
import { benchWorker } from '@carousel/worker';

const streams = Number(process.argv[2] ?? 1_000);
const pairs = Number(process.argv[3] ?? 3);
const conf = readFileSync(`${REPO_ROOT}/infra/nats/single.conf`, 'utf8');
for (let i = 0; i < 2 * pairs; i++) {
  const staggered = i % 2 === 0;
  const server = await NatsServer.start({ serverName: 'carousel-bench', configText: conf });
  try {
    const res = await benchWorker({
      streams, samplesPerStream: 40, natsUrl: server.url, viaMapping: true, latencySeconds: 5, idleMs: 15_000, inferRequests: 300, checkpointEveryMs: 3_600_000,
      ...(staggered ? {} : { stream: { model: { phase: 0 } } }),
    });
    const ms = (s: number): string => (s * 1000).toFixed(2);
    console.log(JSON.stringify({
      run: i + 1, backward: staggered ? 'staggered (phase from the stream id)' : 'in lockstep (phase 0)',
      samplesPerSecond: Math.round(res.samplesPerSecond), perCpuSecond: Math.round(res.samplesPerCpuSecond),
      p50ms: ms(res.p50), p99ms: ms(res.p99), checkpointsWhileTimed: res.checkpointsWhileTimed,
    }));
  } finally {
    await server.close();
  }
}
