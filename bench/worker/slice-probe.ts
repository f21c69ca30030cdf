// infer under load, against the worker's time bound on a slice of actor turns (`sliceMs`): a worker
// process (services/worker/src/main.ts, as deployed, apart from node flags) with per-stream models
// of `hidden` units is fed a steady load of samples while a client sends infer requests one after
// another; each run prints the infer round trip's p50 / p99 and the samples per second the worker
// answered. Runs alternate between two settings of CAROUSEL_SLICE_MS (A B A B ..., ab-runs.ts: each
// against a fresh nats-server). Not part of `npm run bench`.
// Usage (repo root): npx tsx bench/worker/slice-probe.ts [hidden=128] [streams=100] [rate=400] [seconds=8] [pairs=2] [sliceA=0] [sliceB=2]
import { NatsTransport } from '@carousel/bus';
import { ServiceProcess } from '@carousel/test-suites';
import { createSubjects, decodeInferReply, encodeInferRequest, encodeSample, parseOptions, partitionOf } from '@carousel/protocol';
import { abRuns } from './ab-runs.ts';

const [hidden, streams, rate, seconds, pairs] = [128, 100, 400, 8, 2].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number, number, number];
const slices = [process.argv[7] ?? '0', process.argv[8] ?? '2'];
const P = 16;
const prefix = 'carousel';
const subjects = createSubjects(parseOptions({ prefix, partitions: P }));
const quantile = (v: number[], q: number): number => [...v].sort((a, b) => a - b)[Math.min(v.length - 1, Math.floor(q * v.length))]!;

async function run(sliceMs: string, natsUrl: string): Promise<Record<string, unknown>> {
  const worker = await ServiceProcess.start({
    entry: 'services/worker/src/main.ts', name: 'worker', readyLine: 'worker_ready', readyTimeoutMs: 60_000,
    env: { NATS_URL: natsUrl, CAROUSEL_PARTITIONS: String(P), CAROUSEL_METRICS_PORT: 'off', CAROUSEL_SLICE_MS: sliceMs, CAROUSEL_STREAM_CONFIG: JSON.stringify({ model: { hidden } }) },
  });
  const client = await NatsTransport.connect({ servers: [natsUrl], name: 'carousel-probe-client' });
  try {
    const names = Array.from({ length: streams }, (_, i) => `s${Date.now().toString(36)}-${i}`);
    let predictions = 0;
    client.subscribe(`${prefix}.out.*`, { callback: () => void predictions++ });
    const seqs = new Map(names.map((n) => [n, 0]));
    const publish = (name: string): Promise<unknown> => {
      const seq = seqs.get(name)!;
      seqs.set(name, seq + 1);
      return client.jsPublish(`${prefix}.p.${partitionOf(name, P)}.${name}`, encodeSample({ v: 1, stream: name, seq, x: [Math.sin(seq / 7), Math.cos(seq / 11)] }), { msgId: `${name}-${seq}` });
    };
    // Warm-up: every stream past its first TBPTT window; wait until the worker has answered them all.
    const warm = 40;
    for (let k = 0; k < warm; k++) await Promise.all(names.map(publish));
    const deadline = Date.now() + 600_000;
    while (predictions < warm * streams) {
      if (Date.now() > deadline) throw new Error('warm-up timed out');
      await new Promise((r) => setTimeout(r, 20));
    }
    // Load: `rate` samples a second round robin over the streams, in 10 ms ticks, while infers run.
    let next = 0;
    let stop = false;
    const acks: Promise<unknown>[] = [];
    const tick = setInterval(() => {
      for (let i = 0; i < rate / 100; i++) acks.push(publish(names[next++ % streams]!));
    }, 10);
    const p0 = predictions;
    const t0 = performance.now();
    const rtt: number[] = [];
    setTimeout(() => (stop = true), seconds * 1000);
    for (let i = 0; !stop; i++) {
      const name = names[(i * 7) % streams]!;
      const t = performance.now();
      const r = await client.request(subjects.infer(name), encodeInferRequest({ v: 1, stream: name, x: [0.5, 0.5] }), { timeout: 10_000 });
      rtt.push(performance.now() - t);
      const d = decodeInferReply(r.data);
      if (!d.ok || !d.value.ok) throw new Error(`infer failed: ${JSON.stringify(d)}`);
    }
    clearInterval(tick);
    const answered = ((predictions - p0) / (performance.now() - t0)) * 1000;
    await Promise.all(acks);
    return { sliceMs: Number(sliceMs), hidden, streams, offered: rate, answeredPerSec: Math.round(answered), infers: rtt.length, inferP50ms: Number(quantile(rtt, 0.5).toFixed(2)), inferP99ms: Number(quantile(rtt, 0.99).toFixed(2)) };
  } finally {
    await client.close();
    await worker.close();
  }
}

await abRuns(pairs, (arm, natsUrl) => run(slices[arm === 'A' ? 0 : 1]!, natsUrl));
