// What nats.js's async traces cost a client (NatsTransportOptions.asyncTraces; off by default since
// session 21): request-reply round trips to an empty responder in a process of its own
// (bench-echo.ts) and JetStream publishes with ack to a memory stream, from a connection with them
// on and one with them off, in interleaved rounds, each after its own warm-up. Prints per round and
// setting the client's CPU time per operation (process.cpuUsage) and the request-reply p50 / p99.
// Not part of `npm run bench`. Usage (repo root): npx tsx bench/worker/request-probe.ts [rounds=5] [ops=3000]
import { NatsTransport } from '@carousel/bus';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';
import { BenchChild, idleEchoSubject } from '@carousel/worker';

const rounds = Number(process.argv[2] ?? 5);
const ops = Number(process.argv[3] ?? 3000);
const prefix = 'probe';
const server = await NatsServer.start({ serverName: 'carousel-probe' });
const echo = await BenchChild.start(`${REPO_ROOT}/services/worker/src/bench-echo.ts`, REPO_ROOT, { natsUrl: server.url, prefix });
const clients = {
  'traces on ': await NatsTransport.connect({ servers: [server.url], asyncTraces: true }),
  'traces off': await NatsTransport.connect({ servers: [server.url] }),
};
await clients['traces off'].ensureStream({ name: 'PROBE', subjects: ['probe.js.>'], storage: 'memory' });
const payload = new Uint8Array(64);

async function requestReplies(c: NatsTransport, n: number): Promise<{ cpuUs: number; p50: number; p99: number }> {
  const t: number[] = [];
  const c0 = process.cpuUsage();
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await c.request(idleEchoSubject(prefix), payload, { timeout: 5000 });
    t.push(performance.now() - t0);
  }
  const cpu = process.cpuUsage(c0);
  t.sort((a, b) => a - b);
  return { cpuUs: (cpu.user + cpu.system) / n, p50: t[n >> 1]!, p99: t[Math.floor(n * 0.99)]! };
}

async function publishes(c: NatsTransport, n: number): Promise<number> {
  const c0 = process.cpuUsage();
  const acks: Promise<unknown>[] = [];
  for (let i = 0; i < n; i++) {
    acks.push(c.jsPublish(`probe.js.${i % 100}`, payload));
    if (acks.length >= 64) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
  const cpu = process.cpuUsage(c0);
  return (cpu.user + cpu.system) / n;
}

try {
  for (const c of Object.values(clients)) {
    await requestReplies(c, ops);
    await publishes(c, ops);
  }
  for (let r = 1; r <= rounds; r++) {
    for (const [name, c] of Object.entries(clients)) {
      const rr = await requestReplies(c, ops);
      const pub = await publishes(c, ops);
      console.log(`round ${r} ${name}: request-reply ${rr.cpuUs.toFixed(1)} us CPU, p50 ${rr.p50.toFixed(3)} / p99 ${rr.p99.toFixed(3)} ms; JetStream publish ${pub.toFixed(1)} us CPU`);
    }
  }
} finally {
  for (const c of Object.values(clients)) await c.close();
  await echo.close();
  await server.close();
}
