// Side by side: the worker's staggered TBPTT backward passes (withStreamPhase, the default) against
// none (every stream's model given phase 0), both with a producer feeding every stream in lockstep,
// as a fleet sampled on one clock is. Runs benchWorker in turn, ABAB..., one nats-server per run.
// Time-based checkpoints are deferred (checkpointEveryMs 1 h), so that whether a run's phases reach a
// stream's 30 s checkpoint (it depends on how fast the machine is that minute) does not decide the
// comparison. Not part of `npm run bench`. Usage (repo root): npx tsx bench/worker/phase-probe.ts [streams=1000] [pairs=3]
import { benchWorker } from '@carousel/worker';
import { abRuns, ms } from './ab-runs.ts';

const streams = Number(process.argv[2] ?? 1_000);
const pairs = Number(process.argv[3] ?? 3);
await abRuns(pairs, async (arm, natsUrl) => {
  const staggered = arm === 'A';
  const res = await benchWorker({
    streams, samplesPerStream: 40, natsUrl, viaMapping: true, latencySeconds: 5, idleMs: 15_000, inferRequests: 300, checkpointEveryMs: 3_600_000,
    ...(staggered ? {} : { stream: { model: { phase: 0 } } }),
  });
  return {
    backward: staggered ? 'staggered (phase from the stream id)' : 'in lockstep (phase 0)',
    samplesPerSecond: Math.round(res.samplesPerSecond), perCpuSecond: Math.round(res.samplesPerCpuSecond),
    p50ms: ms(res.p50), p99ms: ms(res.p99), checkpointsWhileTimed: res.checkpointsWhileTimed,
  };
});
