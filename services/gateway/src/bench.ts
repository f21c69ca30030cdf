// benchFanout: a real Gateway fanning predictions out over real loopback WebSockets to N clients
// that each subscribe to every stream; reports delivered messages per second and the
// publish-to-receipt latency percentiles. A measurement for `npm run bench`, never a test.
//   in-process (no natsUrl): publisher, gateway (InProcTransport) and clients share this process;
//   natsUrl: the gateway runs alone in a child process (`node --import tsx <this file> --serve`)
//     on a real NATS connection; this process publishes predictions to <prefix>.out.<stream> on
//     NATS and holds the clients, so publish and receipt are read on one clock and the gateway's
//     figure is not the gateway timing itself.

import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { InProcTransport, NatsTransport, type Transport } from '@carousel/bus';
import { encodePrediction } from '@carousel/protocol';
import { unpack } from 'msgpackr';
import { WebSocket } from 'ws';
import { Gateway } from './gateway.ts';
import type { GatewayOptions } from './options.ts';

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
  /** NATS server: run the gateway in a child process on it (default: in-process bus, one process). */
  natsUrl?: string;
}

export interface BenchFanoutResult {
  /** Messages delivered to clients per second (sum over clients), first publish to last receipt. */
  messagesPerSecond: number;
  /** Median publish-to-receipt latency, milliseconds. */
  p50: number;
  /** 99th percentile publish-to-receipt latency, milliseconds. */
  p99: number;
  /** Messages delivered, and expected (published x clients). */
  delivered: number;
  expected: number;
  /** Clients the gateway closed during the run (slow-consumer policy). */
  closedClients: number;
}

const PREFIX = 'carousel';
const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

function gatewayOptions(clients: number): Partial<GatewayOptions> {
  return {
    port: 0, host: '127.0.0.1', auth: 'none', historyStream: '', maxClients: clients + 10, staticDir: null, prefix: PREFIX,
    hardLimitBytes: 64 * 1024 * 1024, hardLimitMessages: 1_000_000, softLimitBytes: 16 * 1024 * 1024, softLimitMessages: 100_000,
  };
}

export async function benchFanout(opts: BenchFanoutOptions): Promise<BenchFanoutResult> {
  const streams = opts.streams ?? 10;
  let publisher: Transport;
  let wsUrl: string;
  let stop: () => Promise<void>;
  if (opts.natsUrl === undefined) {
    const transport = new InProcTransport();
    const gw = await Gateway.start(transport, gatewayOptions(opts.clients), { processMetrics: false });
    publisher = transport;
    wsUrl = gw.wsUrl;
    stop = async () => {
      await gw.close();
      await transport.close();
    };
  } else {
    const child = await GatewayChild.start({ natsUrl: opts.natsUrl, clients: opts.clients });
    publisher = await NatsTransport.connect({ servers: [opts.natsUrl], name: 'carousel-bench-publisher' });
    wsUrl = child.wsUrl;
    const pub = publisher;
    stop = async () => {
      await pub.close();
      await child.close();
    };
  }
  const sockets: WebSocket[] = [];
  // Publisher and clients share this process, so the publish instant is kept per (stream, seq).
  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  let delivered = 0;
  let lastAt = 0;
  let closedClients = 0;
  try {
    const protocol = opts.format === 'msgpack' ? 'carousel.msgpack.v1' : 'carousel.json.v1';
    await Promise.all(Array.from({ length: opts.clients }, async () => {
      const ws = new WebSocket(wsUrl, protocol, { perMessageDeflate: false });
      sockets.push(ws);
      await new Promise<void>((resolve, reject) => {
        ws.once('error', reject);
        ws.on('close', () => closedClients++);
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          const m = (isBinary ? unpack(data) : JSON.parse(data.toString())) as Record<string, unknown>;
          if (m['type'] === 'subscribed') return resolve();
          if (m['type'] !== 'prediction') return;
          delivered++;
          lastAt = performance.now();
          const t = sentAt.get(`${String(m['stream'])}:${String(m['seq'])}`);
          if (t !== undefined && latencies.length < 2_000_000) latencies.push(lastAt - t);
        });
        ws.once('open', () => ws.send(JSON.stringify({ type: 'subscribe', id: 1, patterns: ['>'] })));
      });
    }));
    closedClients = 0;
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
      publisher.publish(`${PREFIX}.out.${stream}`, encodePrediction({ v: 1, stream, seq, f, err: 0.1, score: 0.2, lik: 0.3, mv: 1, pt: 0.0001 }));
    }
    const expected = total * opts.clients;
    const deadline = performance.now() + 15_000;
    while (delivered < expected && performance.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const elapsed = (lastAt - t0) / 1000;
    latencies.sort((a, b) => a - b);
    const pct = (q: number): number => (latencies.length === 0 ? NaN : latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!);
    return { messagesPerSecond: delivered / elapsed, p50: pct(0.5), p99: pct(0.99), delivered, expected, closedClients };
  } finally {
    for (const ws of sockets) ws.terminate();
    await stop();
  }
}

interface ServeOptions {
  natsUrl: string;
  clients: number;
}

/** The gateway process: prints its WebSocket URL, closes on stdin EOF. */
class GatewayChild {
  private constructor(private readonly proc: ChildProcess, readonly wsUrl: string) {}

  static async start(o: ServeOptions): Promise<GatewayChild> {
    const proc = spawn(process.execPath, ['--import', 'tsx', THIS_FILE, '--serve', JSON.stringify(o)], {
      cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'inherit'],
    });
    const line = await Promise.race([
      new Promise<string>((resolve) => createInterface({ input: proc.stdout! }).once('line', resolve)),
      new Promise<string>((_, reject) => proc.once('exit', (code) => reject(new Error(`bench gateway exited early (${String(code)})`)))),
    ]);
    return new GatewayChild(proc, line.trim());
  }

  async close(): Promise<void> {
    if (this.proc.exitCode !== null) return;
    const exited = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.stdin!.end();
    const timer = setTimeout(() => this.proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

async function serve(o: ServeOptions): Promise<void> {
  const transport = await NatsTransport.connect({ servers: [o.natsUrl], name: 'carousel-bench-gateway' });
  const gw = await Gateway.start(transport, gatewayOptions(o.clients), { processMetrics: false });
  process.stdout.write(gw.wsUrl + '\n');
  process.stdin.resume();
  await new Promise<void>((r) => process.stdin.once('end', r));
  await gw.close();
  await transport.close();
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(JSON.parse(process.argv[i + 1]!) as ServeOptions);
}
