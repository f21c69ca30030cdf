// Helpers shared by the worker's in-process tests (not exported from the package).

import { InProcTransport, type BusMsg, type Transport } from '@carousel/bus';
import { decodeControlReply, encodeControlRequest, encodeSample } from '@carousel/protocol';
import { CheckpointStore } from './checkpoint.ts';
import type { WorkerOptionsInput } from './options.ts';
import { parseStreamConfig, withStreamPhase } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';
import { Worker } from './worker.ts';

/** Polls `cond` every 10 ms until it holds; throws naming `what` after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs the registered clean-ups in reverse order (call from afterEach). */
export class Cleanup {
  #fns: (() => Promise<void>)[] = [];
  push(fn: () => Promise<void>): void {
    this.#fns.push(fn);
  }
  async run(): Promise<void> {
    const fns = this.#fns.reverse();
    this.#fns = [];
    for (const f of fns) await f();
  }
}

/** An in-process transport mapping carousel.in.<stream> onto `partitions` partitions, as infra/nats does. */
export function mappedInProc(partitions: number): InProcTransport {
  return new InProcTransport({ mappings: { 'carousel.in.*': `carousel.p.{{partition(${partitions},1)}}.{{wildcard(1)}}` } });
}

/** Collects each stream's predictions (carousel.out.<stream>) as they arrive. */
export function collectPredictions(t: InProcTransport, streams: readonly string[]): Map<string, BusMsg[]> {
  const out = new Map<string, BusMsg[]>(streams.map((s) => [s, []]));
  t.subscribe('carousel.out.>', { callback: (m) => out.get(m.subject.slice('carousel.out.'.length))?.push(m) });
  return out;
}

/** Publishes samples from..to-1 of every stream, in turn, with message ids `<stream>-<seq>`. */
export async function publishSamples(t: InProcTransport, data: ReadonlyMap<string, readonly number[][]>, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    for (const [s, x] of data) await t.jsPublish(`carousel.in.${s}`, encodeSample({ v: 1, stream: s, seq: i, x: x[i]! }), { msgId: `${s}-${i}` });
  }
}

/**
 * A Worker on `transport` (a fault-injecting wrapper of `inner`, or `inner` itself), without
 * metrics or logs, started and owning all its partitions; closed, with `inner`, by `cleanup`.
 */
export async function startOwningWorker(cleanup: Cleanup, inner: InProcTransport, transport: Transport, opts: WorkerOptionsInput & { partitions: number }): Promise<Worker> {
  const w = new Worker({ transport, metricsPort: null, log: false, ...opts });
  await w.start();
  cleanup.push(async () => {
    await w.close();
    await inner.close();
  });
  await until('every partition owned', () => w.partitions().length === opts.partitions);
  return w;
}

/** What a stream's stored checkpoint holds next to a StreamProcessor fed every sample of `x` once. */
export interface CheckpointVsReplay {
  /** Samples learned, per the checkpoint. */
  n: number;
  /** Samples applied, per the checkpoint and per the reference. */
  samples: number;
  refSamples: number;
  /** The checkpoint's model bytes equal the reference's. */
  bitIdentical: boolean;
}

/** Loads `stream`'s checkpoint from `t`'s buckets and replays `x` (2 features) into a fresh processor of `cfg`. */
export async function checkpointVsReplay(t: InProcTransport, stream: string, x: readonly number[][], cfg: Parameters<typeof parseStreamConfig>[0]): Promise<CheckpointVsReplay> {
  const store = new CheckpointStore(await t.kv('carousel_state'), await t.objectStore('carousel_blobs'), 1 << 30);
  const c = (await store.load(stream))!;
  const ref = new StreamProcessor(withStreamPhase(parseStreamConfig(cfg), stream), 2);
  x.forEach((v, i) => ref.process(i, v));
  const snap = ref.snapshot();
  return { n: c.body.n, samples: c.body.proc!.stats.samples, refSamples: snap.stats.samples, bitIdentical: Buffer.from(c.body.proc!.model).equals(Buffer.from(snap.model)) };
}

/** Asks `stream` for a snapshot until one is written at seq `seq` (its last sample applied and checkpointed). */
export async function snapshotAt(t: InProcTransport, stream: string, seq: number): Promise<void> {
  await until(`${stream} snapshot at seq ${seq}`, async () => {
    const r = decodeControlReply((await t.request(`carousel.ctl.${stream}`, encodeControlRequest({ v: 1, op: 'snapshot', stream }))).data);
    return r.ok && r.value.ok && r.value.op === 'snapshot' && r.value.seq === seq;
  });
}
