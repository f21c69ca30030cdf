// Shared pieces of the worker suites: a nats-server from infra/nats/single.conf (the 16-partition
// mapping), worker processes started with the real entry point, control requests, the stream
// checkpoint in KV, and an in-process recomputation with StreamProcessor for comparison.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { NatsTransport, type Transport } from '@carousel/bus';
import { createRng } from '@carousel/lstm';
import { decodeControlReply, encodeControlRequest, encodeSample, type ControlReply } from '@carousel/protocol';
import { CheckpointStore, StreamProcessor, parseStreamConfig, withStreamPhase, type CheckpointBody, type StreamConfig } from '@carousel/worker';
import { NatsServer, REPO_ROOT, ServiceProcess, freePort, httpGet } from '@carousel/test-suites';

export const P = 16;
/** A small model so suites stay quick; the seed makes every run identical. */
export const STREAM_CONFIG: Partial<StreamConfig> = { model: { hidden: 12, seed: 11, k1: 4, k2: 16 } as StreamConfig['model'] };

export async function startNats(): Promise<NatsServer> {
  return NatsServer.start({ serverName: 'worker-suite', configText: await readFile(path.join(REPO_ROOT, 'infra/nats/single.conf'), 'utf8') });
}

export interface WorkerProc {
  readonly proc: ServiceProcess;
  readonly metricsUrl: string;
}

/** Starts `node --import tsx services/worker/src/main.ts` and waits for its worker_ready line. */
export async function startWorker(natsUrl: string, id: string, env: Record<string, string> = {}): Promise<WorkerProc> {
  const port = await freePort();
  const proc = await ServiceProcess.start({
    name: `worker ${id}`,
    entry: 'services/worker/src/main.ts',
    env: {
      NATS_URL: natsUrl,
      CAROUSEL_PARTITIONS: String(P),
      CAROUSEL_WORKER_ID: id,
      CAROUSEL_METRICS_PORT: String(port),
      CAROUSEL_LEASE_TTL_MS: '2000',
      CAROUSEL_HEARTBEAT_MS: '250',
      CAROUSEL_STREAM_CONFIG: JSON.stringify(STREAM_CONFIG),
      ...env,
    },
    readyLine: '"worker_ready"',
    readyTimeoutMs: 40_000,
  });
  return { proc, metricsUrl: `http://127.0.0.1:${port}` };
}

export async function connect(url: string): Promise<Transport> {
  return NatsTransport.connect({ servers: [url], name: 'worker-suite' });
}

/** One control request to a stream's owner. */
export async function control(t: Transport, stream: string, op: 'inspect' | 'snapshot' | 'reset', timeout = 3000): Promise<ControlReply> {
  const r = await t.request(`carousel.ctl.${stream}`, encodeControlRequest({ v: 1, op, stream }), { timeout });
  const d = decodeControlReply(r.data);
  if (!d.ok) throw new Error(`bad control reply: ${d.reject.msg}`);
  return d.value;
}

/** Waits until the stream's owner reports `seq` as its last applied sample. */
export async function waitForSeq(t: Transport, stream: string, seq: number, timeoutMs = 40_000): Promise<void> {
  await until(`${stream} at seq ${seq}`, async () => {
    const r = await control(t, stream, 'inspect', 1000);
    return r.ok && r.op === 'inspect' && r.info.seq === seq;
  }, timeoutMs, 100);
}

/** The stream's checkpoint body as stored in KV (after a snapshot). */
export async function readCheckpoint(t: Transport, stream: string): Promise<{ body: CheckpointBody; js: number; seq: number | null }> {
  const store = new CheckpointStore(await t.kv('carousel_state'), await t.objectStore('carousel_blobs'), Number.MAX_SAFE_INTEGER);
  const c = await store.load(stream);
  if (c === null) throw new Error(`no checkpoint for ${stream}`);
  return { body: c.body, js: c.envelope.js, seq: c.envelope.seq };
}

/** Deterministic samples of one stream: 2 features, a per-stream phase and seeded noise. */
export function workload(stream: string, n: number, seed: number): { seq: number; ts: number; x: number[] }[] {
  const rng = createRng(seed);
  return Array.from({ length: n }, (_, i) => ({
    seq: i,
    ts: 1_700_000_000_000 + i * 1000,
    x: [Math.sin(i / (5 + seed)) + 0.05 * rng.normal(), Math.cos(i / 9) + 0.05 * rng.normal()],
  }));
}

/** Publishes samples [from, to) of each stream to carousel.in.<stream> with msg ids. */
export async function publish(t: Transport, data: Map<string, ReturnType<typeof workload>>, from: number, to: number): Promise<void> {
  const acks: Promise<unknown>[] = [];
  for (let i = from; i < to; i++) {
    for (const [stream, samples] of data) {
      const s = samples[i]!;
      acks.push(t.jsPublish(`carousel.in.${stream}`, encodeSample({ v: 1, stream, seq: s.seq, ts: s.ts, x: s.x }), { msgId: `${stream}-${s.seq}` }));
    }
    if (acks.length >= 256) await Promise.all(acks.splice(0));
  }
  await Promise.all(acks);
}

/**
 * What an uninterrupted run ends with: the model bytes and stats of StreamProcessor fed every sample
 * of `stream` once (with the workers' `config` and the stream's TBPTT phase, as a worker builds it).
 */
export function recompute(stream: string, samples: ReturnType<typeof workload>, config: Partial<StreamConfig> = STREAM_CONFIG): { model: Uint8Array; samples: number } {
  const p = new StreamProcessor(withStreamPhase(parseStreamConfig(config), stream), 2);
  for (const s of samples) p.process(s.seq, s.x, s.ts);
  const snap = p.snapshot();
  return { model: snap.model, samples: snap.stats.samples };
}

/** The sum of a Prometheus metric over the series whose labels include `labels` (e.g. `code="X"`); 0 when absent. */
export async function metric(metricsUrl: string, name: string, labels = ''): Promise<number> {
  const r = await httpGet(`${metricsUrl}/metrics`);
  let sum = 0;
  for (const line of r?.body.split('\n') ?? []) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (labels !== '' && !line.includes(labels)) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/**
 * Polls `cond` every `intervalMs` until it is truthy. Unlike the harness's waitFor (which, without
 * `abort`, races its sleep against `undefined` and so never yields to I/O), this one sleeps on a
 * real timer, so NATS messages keep arriving while it waits.
 */
export async function until<T>(what: string, cond: () => T | Promise<T>, timeoutMs = 20_000, intervalMs = 50): Promise<NonNullable<T>> {
  const end = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await cond();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last instanceof Error ? ` (last error: ${last.message})` : ''}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
