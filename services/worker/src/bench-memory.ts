// benchWorkerMemory: bytes per active and per passivated stream of one worker process, on their own
// (not after the throughput and latency phases of bench.ts, whose buffers would count). One Worker
// runs in a child process (`node --expose-gc --import tsx <this file> --serve`); this process
// publishes through a real nats-server and reads the child's (heapUsed + external) after gc():
//   0. warm-up cohort: `warmStreams` streams learn, are checkpointed and passivate, so what any
//      worker holds once it has run (compiled code, client and msgpack buffers) is in the baseline;
//   1. base;
//   2. half the streams learn `samplesPerStream` samples each: half; the other half: active (both
//      checked to have every actor of the phase still active);
//   3. every actor passivates on idle (its checkpoint written to KV): passivated.
// Per active stream: (active - base) / N, and the slope (active - half) / (N - N/2), which no fixed
// cost enters. Per passivated stream: (passivated - base) / N. Not a test: asserts nothing.
// CAROUSEL_BENCH_HEAP_DIR=<dir> writes heap snapshots of the worker at the baseline and passivated.

import { createInterface } from 'node:readline';
import { BenchChild } from './bench-child.ts';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { BUS_ERR, isBusError, NatsTransport } from '@carousel/bus';
import { encodeSample, partitionOf } from '@carousel/protocol';
import { until } from './bench.ts';
import { WORKER_NODE_FLAGS } from './node-flags.ts';
import type { StreamConfig } from './stream-config.ts';
import { Worker } from './worker.ts';

export interface BenchMemoryOptions {
  natsUrl: string;
  streams: number;
  /** Samples each stream learns before the active figure (default 40: the TBPTT(4,32) window full). */
  samplesPerStream?: number;
  /** Streams of the warm-up cohort (default 32). */
  warmStreams?: number;
  /** Partitions (default 16). */
  partitions?: number;
  /** Subject prefix (default 'carousel'). */
  prefix?: string;
  /** Worker idle passivation, ms (default 60,000: longer than a learning phase on a loaded box, so no measured actor passivates early; checked). */
  idleMs?: number;
  stream?: Partial<StreamConfig>;
}

/** (heapUsed + external) of the worker process after gc(), bytes. */
export interface MemPoint {
  heapUsed: number;
  external: number;
}

export interface BenchMemoryResult {
  streams: number;
  base: MemPoint;
  half: MemPoint;
  active: MemPoint;
  passivated: MemPoint;
  /** (active - base) / N, bytes. */
  bytesPerActiveStream: number;
  /** (active - half) / (N - N/2), bytes: the marginal stream. */
  bytesPerActiveStreamSlope: number;
  /** Of which JS heap (the rest is typed-array data), bytes per active stream. */
  heapPerActiveStream: number;
  /** (passivated - base) / N, bytes. */
  bytesPerPassivatedStream: number;
}

const THIS_FILE = fileURLToPath(import.meta.url);
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const live = (m: MemPoint): number => m.heapUsed + m.external;

export async function benchWorkerMemory(o: BenchMemoryOptions): Promise<BenchMemoryResult> {
  const P = o.partitions ?? 16;
  const prefix = o.prefix ?? 'carousel';
  const S = o.samplesPerStream ?? 40;
  const run = Date.now().toString(36);
  const child = await Child.start({ natsUrl: o.natsUrl, prefix, partitions: P, idleMs: o.idleMs ?? 60_000, ...(o.stream === undefined ? {} : { stream: o.stream }) });
  const client = await NatsTransport.connect({ servers: [o.natsUrl], name: 'carousel-bench-memory' });
  let predictions = 0;
  client.subscribe(`${prefix}.out.*`, { callback: () => void predictions++ });
  const send = async (name: string, seq: number, s: number): Promise<void> => {
    const data = encodeSample({ v: 1, stream: name, seq, x: [Math.sin(seq / 7 + s), Math.cos(seq / 11 + s)] });
    for (let attempt = 1; ; attempt++) {
      try {
        await client.jsPublish(`${prefix}.p.${partitionOf(name, P)}.${name}`, data, { msgId: `${name}-${seq}`, timeout: 10_000 });
        return;
      } catch (err) {
        if (!(isBusError(err) && err.code === BUS_ERR.TIMEOUT) || attempt === 5) throw err;
      }
    }
  };
  /** S samples to each of `names`, and waits for every prediction. */
  const learn = async (names: string[]): Promise<void> => {
    const want = predictions + names.length * S;
    const acks: Promise<void>[] = [];
    for (let seq = 0; seq < S; seq++) {
      names.forEach((name, s) => acks.push(send(name, seq, s)));
      if (acks.length >= 512) await Promise.all(acks.splice(0));
    }
    await Promise.all(acks);
    await until(() => predictions >= want);
  };
  const passivated = async (total: number): Promise<void> => {
    await until(async () => {
      const c = await child.counters();
      return c.active === 0 && c.passivatedTotal >= total;
    }, 600_000, 250);
  };
  try {
    const warm = Array.from({ length: o.warmStreams ?? 32 }, (_, i) => `m${run}-w${i}`);
    await learn(warm);
    await passivated(warm.length);
    const base = await child.mem();
    // CAROUSEL_BENCH_HEAP_DIR=<dir>: heap snapshots of the worker at the baseline and after passivation.
    const heapDir = process.env['CAROUSEL_BENCH_HEAP_DIR'];
    if (heapDir) await child.heap(`${heapDir}/base.heapsnapshot`);
    const names = Array.from({ length: o.streams }, (_, i) => `m${run}-${i}`);
    const h = Math.floor(names.length / 2);
    const activeNow = async (want: number): Promise<void> => {
      const c = await child.counters();
      if (c.active !== want) throw new Error(`bench-memory: ${c.active} actors active, expected ${want} (idleMs too short for this machine?)`);
    };
    await learn(names.slice(0, h));
    const half = await child.mem();
    await activeNow(h);
    await learn(names.slice(h));
    const active = await child.mem();
    await activeNow(names.length);
    await passivated(warm.length + names.length);
    const pass = await child.mem();
    if (heapDir) await child.heap(`${heapDir}/passivated.heapsnapshot`);
    const N = names.length;
    return {
      streams: N, base, half, active, passivated: pass,
      bytesPerActiveStream: (live(active) - live(base)) / N,
      bytesPerActiveStreamSlope: (live(active) - live(half)) / (N - h),
      heapPerActiveStream: (active.heapUsed - base.heapUsed) / N,
      bytesPerPassivatedStream: (live(pass) - live(base)) / N,
    };
  } finally {
    await client.close();
    await child.close();
  }
}

interface ServeOptions {
  natsUrl: string;
  prefix: string;
  partitions: number;
  idleMs: number;
  stream?: Partial<StreamConfig>;
}

/** The worker process (bench-child.ts) with this bench's commands: `mem`, `heap <file>`, `counters`. */
class Child {
  private constructor(private readonly child: BenchChild) {}

  static async start(o: ServeOptions): Promise<Child> {
    return new Child(await BenchChild.start(THIS_FILE, REPO_ROOT, o, WORKER_NODE_FLAGS));
  }

  async mem(): Promise<MemPoint> {
    return JSON.parse(await this.child.ask('mem')) as MemPoint;
  }

  /** Writes a V8 heap snapshot of the worker process to `file` (CAROUSEL_BENCH_HEAP_DIR). */
  async heap(file: string): Promise<void> {
    await this.child.ask(`heap ${file}`);
  }

  async counters(): Promise<{ active: number; passivatedTotal: number }> {
    return JSON.parse(await this.child.ask('counters')) as { active: number; passivatedTotal: number };
  }

  close(): Promise<void> {
    return this.child.close();
  }
}

async function serve(o: ServeOptions): Promise<void> {
  const worker = new Worker({
    natsUrl: o.natsUrl, prefix: o.prefix, partitions: o.partitions, metricsPort: null, log: false,
    workerId: `bench-memory-${process.pid}`, idleMs: o.idleMs, checkpointEveryMs: 3_600_000, ...(o.stream === undefined ? {} : { stream: o.stream }),
  });
  await worker.start();
  await until(() => worker.partitions().length === o.partitions);
  const out = (s: string): void => void process.stdout.write(s + '\n');
  out('ready');
  const rl = createInterface({ input: process.stdin });
  rl.on('line', (cmd) => {
    if (cmd === 'mem') {
      const gc = (globalThis as { gc?: () => void }).gc;
      gc?.();
      gc?.();
      const m = process.memoryUsage();
      out(JSON.stringify({ heapUsed: m.heapUsed, external: m.external }));
    } else if (cmd.startsWith('heap ')) {
      out(JSON.stringify({ file: writeHeapSnapshot(cmd.slice(5)) }));
    } else if (cmd === 'counters') {
      const c = worker.actorCounters();
      out(JSON.stringify({ active: c.active, passivatedTotal: c.passivatedTotal }));
    } else out(JSON.stringify({ error: `unknown command ${cmd}` }));
  });
  await new Promise<void>((r) => rl.once('close', r));
  await worker.close();
  process.exit(0);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const i = process.argv.indexOf('--serve');
  if (i >= 0) await serve(JSON.parse(process.argv[i + 1]!) as ServeOptions);
  else {
    const r = await benchWorkerMemory({ streams: Number(process.argv[3] ?? 200), natsUrl: process.argv[2] ?? 'nats://127.0.0.1:4222', prefix: `benchm${Date.now().toString(36)}` });
    console.log(JSON.stringify(r, null, 2));
  }
}
