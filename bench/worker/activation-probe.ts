// An activation behind a wave of passivations: `cold` streams are fed and left to passivate, then
// `wave` more are fed and go idle together, so the worker writes `wave` checkpoints (~166 KB each
// for the default model) at once. While that wave is being written, infer requests go to the cold
// streams, 50 ms apart: each must activate its stream, i.e. read its checkpoint through the same
// bounded checkpoint I/O as the wave's writes (checkpoint.ts). Prints each request's round trip and
// how many of the wave's passivations had completed when it was sent and answered, then the median.
// A real nats-server (started here) and an in-process worker. Not part of `npm run bench`.
// Usage (repo root): npx tsx bench/worker/activation-probe.ts [wave=3000] [cold=10] [idleMs=3000]
import { NatsTransport } from '@carousel/bus';
import { NatsServer } from '@carousel/test-suites';
import { createSubjects, decodeInferReply, encodeInferRequest, encodeSample, parseOptions, partitionOf } from '@carousel/protocol';
import { Worker } from '@carousel/worker';

const wave = Number(process.argv[2] ?? 3000);
const coldN = Number(process.argv[3] ?? 10);
const idleMs = Number(process.argv[4] ?? 3000);
const P = 16;
const prefix = 'carousel';
const subjects = createSubjects(parseOptions({ prefix, partitions: P }));
const until = async (f: () => boolean, ms = 600_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!f()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
};
const median = (a: number[]): number => [...a].sort((p, q) => p - q)[Math.floor((a.length - 1) / 2)]!;

const server = await NatsServer.start({ serverName: 'carousel-probe' });
const worker = new Worker({ natsUrl: server.url, prefix, partitions: P, metricsPort: null, log: false, idleMs, workerId: 'probe' });
const client = await NatsTransport.connect({ servers: [server.url], name: 'carousel-probe-client' });
try {
  await worker.start();
  await until(() => worker.partitions().length === P);
  const feed = async (names: string[], samples: number): Promise<void> => {
    const acks: Promise<unknown>[] = [];
    for (let seq = 0; seq < samples; seq++) {
      for (const name of names) {
        acks.push(client.jsPublish(`${prefix}.p.${partitionOf(name, P)}.${name}`, encodeSample({ v: 1, stream: name, seq, x: [Math.sin(seq), Math.cos(seq)] }), { msgId: `${name}-${seq}` }));
        if (acks.length >= 512) await Promise.all(acks.splice(0));
      }
    }
    await Promise.all(acks);
  };
  const run = Date.now().toString(36);
  const cold = Array.from({ length: coldN }, (_, i) => `c${run}-${i}`);
  const hot = Array.from({ length: wave }, (_, i) => `w${run}-${i}`);
  // 1. The cold streams: a model and a forecast each, then passivated (checkpointed, out of memory).
  await feed(cold, 3);
  await until(() => worker.actorCounters().turnsTotal >= 3 * coldN);
  await until(() => worker.actorCounters().passivatedTotal >= coldN && worker.actorCounters().active === 0);
  // 2. The wave: every stream active, then idle together.
  const p0 = worker.actorCounters().passivatedTotal;
  await feed(hot, 3);
  await until(() => worker.actorCounters().turnsTotal >= 3 * (coldN + wave));
  console.log(`${wave} streams active; waiting for them to go idle (${idleMs} ms)`);
  await until(() => worker.actorCounters().inFlight >= Math.min(64, wave / 2));
  const t0 = performance.now();
  // 3. While the wave is written: one infer per cold stream, `gapMs` apart, each timed on its own.
  const gapMs = 50;
  const rtt: number[] = [];
  await Promise.all(cold.map(async (name, i) => {
    await new Promise((r) => setTimeout(r, i * gapMs));
    const sentAt = performance.now() - t0;
    const before = worker.actorCounters().passivatedTotal - p0;
    const t = performance.now();
    const r = await client.request(subjects.infer(name), encodeInferRequest({ v: 1, stream: name, x: [0.5, 0.5] }), { timeout: 120_000 });
    const ms = performance.now() - t;
    const d = decodeInferReply(r.data);
    if (!d.ok || !d.value.ok) throw new Error(`infer ${name} failed: ${JSON.stringify(d)}`);
    rtt.push(ms);
    console.log(JSON.stringify({ stream: name, sentAtMs: Math.round(sentAt), rttMs: Number(ms.toFixed(2)), wavePassivatedAtSend: before, atReply: worker.actorCounters().passivatedTotal - p0 }));
  }));
  await until(() => worker.actorCounters().passivatedTotal - p0 >= wave);
  const waveMs = performance.now() - t0;
  console.log(JSON.stringify({ wave, cold: coldN, inferRttMedianMs: Number(median(rtt).toFixed(2)), inferRttMaxMs: Number(Math.max(...rtt).toFixed(2)), waveMs: Math.round(waveMs) }));
} finally {
  await client.close();
  await worker.close();
  await server.close();
}
