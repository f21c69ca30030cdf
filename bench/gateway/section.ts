// The gateway section of `npm run bench`: a real Gateway in its own process on a real nats-server,
// N WebSocket clients (each subscribed to every stream) in this process with the publisher, at 100
// and 1,000 clients: delivered messages per second at an offered rate above capacity, and the
// prediction publish -> client receipt p50/p99 at half the delivered rate. Interleaved rounds,
// medians. Prints the table; writes results/gateway.{md,json} unless --quick / --no-write.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { benchFanout, type BenchFanoutResult } from '@carousel/gateway';
import { NatsServer } from '@carousel/test-suites';
import type { BenchArgs } from '../args.ts';
import { median } from '../lstm/contender.ts';

/** Client counts, and the offered prediction rate of the throughput run (x clients = messages/s offered). */
const RUNS = [
  { clients: 100, offered: 3_000 },
  { clients: 1_000, offered: 300 },
] as const;
const STREAMS = 10;

interface RunFigures {
  throughput: BenchFanoutResult;
  latency: BenchFanoutResult;
  latencyRate: number;
}

export async function run(args: BenchArgs): Promise<void> {
  const rounds = args.rounds ?? (args.quick ? 1 : 3);
  const seconds = args.seconds ?? (args.quick ? 1 : 3);
  const loadStart = os.loadavg();
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, node ${process.version}, load ${loadStart.map((l) => l.toFixed(2)).join(' ')}`);
  const server = await NatsServer.start({ serverName: 'carousel-bench', jetstream: false });
  const results: Record<string, RunFigures[]> = {};
  try {
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? RUNS : [...RUNS].reverse();
      for (const run of order) {
        const throughput = await benchFanout({ clients: run.clients, rate: run.offered, seconds, streams: STREAMS, natsUrl: server.url });
        const latencyRate = Math.max(1, throughput.messagesPerSecond / run.clients / 2);
        const latency = await benchFanout({ clients: run.clients, rate: latencyRate, seconds: seconds * 2, streams: STREAMS, natsUrl: server.url });
        (results[String(run.clients)] ??= []).push({ throughput, latency, latencyRate });
        console.log(`round ${r + 1}, ${run.clients} clients: ${throughput.messagesPerSecond.toFixed(0)} msg/s delivered (${throughput.delivered}/${throughput.expected}, ${throughput.closedClients} closed); at ${latencyRate.toFixed(0)} predictions/s: p50 ${latency.p50.toFixed(2)} ms, p99 ${latency.p99.toFixed(2)} ms (${latency.delivered}/${latency.expected})`);
      }
    }
  } finally {
    await server.close();
  }
  const loadEnd = os.loadavg();
  const rows = Object.entries(results).map(([clients, rs]) => ({
    clients: Number(clients),
    messagesPerSecond: median(rs.map((x) => x.throughput.messagesPerSecond)),
    deliveredShare: median(rs.map((x) => x.throughput.delivered / x.throughput.expected)),
    latencyRate: median(rs.map((x) => x.latencyRate)),
    p50: median(rs.map((x) => x.latency.p50)),
    p99: median(rs.map((x) => x.latency.p99)),
    latencyDeliveredShare: median(rs.map((x) => x.latency.delivered / x.latency.expected)),
  }));
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const markdown = [
    `# Gateway benchmark${args.quick ? ' (--quick: not for the record)' : ''}`,
    '',
    `${new Date().toISOString()}; ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores shared with other work, node ${process.version}; load average ${load(loadStart)} at start, ${load(loadEnd)} at end. Medians of ${rounds} interleaved round(s).`,
    '',
    '| clients | messages/s delivered (offered above capacity) | delivered within 15 s of the last publish | latency run: predictions/s (x clients) | publish -> receipt p50 | p99 | target |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.clients.toLocaleString('en-US')} | ${r.messagesPerSecond.toFixed(0)} | ${(r.deliveredShare * 100).toFixed(1)}% | ${r.latencyRate.toFixed(0)} (${(r.latencyRate * r.clients).toFixed(0)} msg/s) | ${r.p50.toFixed(2)} ms | ${r.p99.toFixed(2)} ms | none stated in the issue |`),
    '',
    '## How',
    '',
    '- One nats-server (core NATS, no JetStream: the gateway\'s prediction history stream is off, so the figure is the fan-out alone) started by the bench on free ports.',
    '- The gateway runs alone in a child process (`node --import tsx services/gateway/src/bench.ts --serve`, auth none, JSON subprotocol, its default send-queue limits except soft 100k messages / 16 MB, hard 1M / 64 MB); this process publishes predictions (4 forecast values) on NATS to `carousel.out.<stream>` over 10 streams and holds every WebSocket client, each subscribed to `>`, so publish and receipt are read on one clock, and the gateway is not measuring itself.',
    `- Throughput: predictions offered for ${seconds} s at a rate the gateway cannot keep up with (100 clients: 3,000/s = 300k msg/s; 1,000 clients: 300/s = 300k msg/s); delivered messages over first publish to last receipt. What the gateway could not send in time stays queued (or its client is closed by the slow-consumer policy; counted).`,
    `- Latency: ${seconds * 2} s at half the delivered rate; every received prediction's receipt time minus its publish time.`,
    '- The clients share this process with the publisher: at high rates their JSON parsing competes with the publisher and with each other for a core, so the latency includes the receiving side\'s own queueing (as a real client on a busy machine would see). Two cores are shared by nats-server, the gateway, the clients and other work.',
  ].join('\n') + '\n';
  console.log('\n' + markdown);
  if (!args.noWrite) {
    const dir = new URL('../results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('gateway.md', dir), markdown);
    writeFileSync(new URL('gateway.json', dir), JSON.stringify({ date: new Date().toISOString(), rounds, seconds, machine: { cpu: os.cpus()[0]?.model, cores: os.cpus().length, node: process.version, loadStart, loadEnd }, rows, samples: results }, null, 2) + '\n');
    console.log('wrote bench/results/gateway.md and bench/results/gateway.json');
  }
}
