// Helpers shared by the worker's in-process tests (not exported from the package).

import { expect } from 'vitest';
import { InProcTransport, type BusError, type BusMsg, type Transport } from '@carousel/bus';
import { withKvFaults, withStallableRenewals, type RenewalControl } from '@carousel/bus/testing';
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

/**
 * Once every sample of `data` was published: each stream's checkpoint, snapshotted at its last
 * sample's seq, holds as many samples, and the same weights, as one feed of each sample.
 */
export async function expectEveryStreamBitIdentical(t: InProcTransport, data: ReadonlyMap<string, readonly number[][]>, cfg: Parameters<typeof parseStreamConfig>[0]): Promise<void> {
  for (const [s, x] of data) {
    await snapshotAt(t, s, x.length - 1);
    const c = await checkpointVsReplay(t, s, x, cfg);
    expect(c.samples, `${s}: samples applied`).toBe(c.refSamples);
    expect(c.bitIdentical, `${s}: weights bit-identical`).toBe(true);
  }
}

/**
 * A KV get fault (withKvFaults' `get`) that fails the next `arm(n)` reads of keys `match` accepts
 * with `error(key)`; `failed` counts the reads it failed.
 */
export function failingReads(match: (key: string) => boolean, error: (key: string) => BusError): { get: (key: string) => BusError | undefined; arm(n: number): void; readonly left: number; readonly failed: number } {
  let left = 0;
  let failed = 0;
  return {
    get: (k) => {
      if (left === 0 || !match(k)) return undefined;
      left--;
      failed++;
      return error(k);
    },
    arm: (n) => {
      left = n;
    },
    get left() {
      return left;
    },
    get failed() {
      return failed;
    },
  };
}

/**
 * The reload-after-lease-loss scenario (worker.reload.test.ts, worker.replay.test.ts): a worker
 * with `partitions` partitions, short leases (lost 500 ms after renewals stop), a checkpoint every
 * `checkpointEverySamples` samples and no passivation, its state bucket's reads failing as `reads`
 * says. It takes samples 0-19 of every stream in `data`, loses every lease (renewals stalled past
 * the TTL), then with `failures` reads armed takes the leases back under a new generation, so the
 * replayed samples reach actors that must reload first, and takes the rest. Resolves once the armed
 * failures are used.
 */
export async function reloadAfterLeaseLoss(
  cleanup: Cleanup, inner: InProcTransport, partitions: number, data: ReadonlyMap<string, readonly number[][]>,
  cfg: WorkerOptionsInput['stream'], workerId: string, reads: ReturnType<typeof failingReads>, failures: number, checkpointEverySamples = 8,
): Promise<void> {
  const ctl: RenewalControl = { stall: false, refused: new Set() };
  const t = withKvFaults(withStallableRenewals(inner, 'carousel_leases', ctl), 'carousel_state', reads);
  const w = await startOwningWorker(cleanup, inner, t, {
    partitions, leaseTtlMs: 500, heartbeatMs: 50, workerId,
    idleMs: 600_000, checkpointEverySamples, checkpointEveryMs: 3_600_000, stream: cfg,
  });
  const streams = [...data.keys()];
  const out = collectPredictions(inner, streams);
  await publishSamples(inner, data, 0, 20); // by default checkpoints at 8 and 16 samples: 4 unsaved samples per stream
  await until('predictions up to 20', () => streams.every((s) => out.get(s)!.length >= 20));
  ctl.stall = true;
  await until('every lease lost', () => w.partitions().length === 0);
  reads.arm(failures);
  ctl.stall = false;
  await until('every partition owned again', () => w.partitions().length === partitions);
  await publishSamples(inner, data, 20, Math.min(...[...data.values()].map((x) => x.length)));
  await until('the injected read failures used', () => reads.left === 0);
}
