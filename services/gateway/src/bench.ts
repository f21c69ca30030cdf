// benchFanout: predictions published on an in-process bus, fanned out by a real Gateway over real
// loopback WebSockets to N clients in this process; reports delivered messages per second and the
// publish-to-receipt latency percentiles. A measurement for `npm run bench`, never a test.

import { InProcTransport } from '@carousel/bus';
import { encodePrediction } from '@carousel/protocol';
import { unpack } from 'msgpackr';
import { WebSocket } from 'ws';
import { Gateway } from './gateway.ts';

export interface BenchFanoutOptions {
  /** WebSocket clients, each subscribed to every stream. */
  clients: number;
  /** Predictions published per second (over all streams). */
  rate: number;
  /** Publishing time, seconds. */
  seconds: number;
  /** Streams the predictions are spread over (default 10). */
  streams?: number;
  /** Client wire format (default 'json'). */
  format?: 'json' | 'msgpack';
}

export interface BenchFanoutResult {
  /** Messages delivered to clients per second (sum over clients). */
  messagesPerSecond: number;
  /** Median publish-to-receipt latency, milliseconds. */
  p50: number;
  /** 99th percentile publish-to-receipt latency, milliseconds. */
  p99: number;
  /** Messages delivered, and expected (published x clients). */
  delivered: number;
  expected: number;
}

export async function benchFanout(opts: BenchFanoutOptions): Promise<BenchFanoutResult> {
  const streams = opts.streams ?? 10;
  const transport = new InProcTransport();
  const gw = await Gateway.start(transport, {
    port: 0, host: '127.0.0.1', auth: 'none', historyStream: '', maxClients: opts.clients + 10, staticDir: null,
    hardLimitBytes: 64 * 1024 * 1024, hardLimitMessages: 1_000_000, softLimitBytes: 16 * 1024 * 1024, softLimitMessages: 100_000,
  }, { processMetrics: false });
  const sockets: WebSocket[] = [];
  // Publisher and clients share this process, so the publish instant is kept per (stream, seq).
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  try {
    const protocol = opts.format === 'msgpack' ? 'carousel.msgpack.v1' : 'carousel.json.v1';
    await Promise.all(Array.from({ length: opts.clients }, async () => {
      const ws = new WebSocket(gw.wsUrl, protocol, { perMessageDeflate: false });
      sockets.push(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const m = (isBinary ? unpack(data) : JSON.parse(data.toString())) as Record<string, unknown>;
          if (m['type'] === 'subscribed') return resolve();
          if (m['type'] !== 'prediction') return;
          delivered++;
          const t = sentAt.get(`${String(m['stream'])}:${String(m['seq'])}`);
          if (t !== undefined && latencies.length < 2_000_000) latencies.push(performance.now() - t);
        });
        ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 1, patterns: ['>'] })));
      });
    }));
    const total = Math.max(1, Math.round(opts.rate * opts.seconds));
    const f = new Float64Array(4);
    const t0 = performance.now();
    for (let i = 0; i < total; i++) {
      const due = t0 + (i * 1000) / opts.rate;
      const wait = due - performance.now();
      if (wait > 1) await new Promise((r) => setTimeout(r, wait));
      else if (i % 64 === 0) await new Promise((r) => setImmediate(r));
      const stream = `bench-${i % streams}`;
      const seq = Math.floor(i / streams) + 1;
      sentAt.set(`${stream}:${seq}`, performance.now());
      transport.publish(`carousel.out.${stream}`, encodePrediction({ v: 1, stream, seq, f, err: 0.1, score: 0.2, lik: 0.3, mv: 1, pt: 0.0001 }));
    }
    const expected = total * opts.clients;
    const deadline = performance.now() + 10_000;
    while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (performance.now() - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (q: number): number => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
    return { messagesPerSecond: delivered / elapsed, p50: pct(0.5), p99: pct(0.99), delivered, expected };
  } finally {
    for (const ws of sockets) ws.terminate();
    await gw.close();
    await transport.close();
  }
}
