// Shared pieces of the load suites: the worker's capacity measured in the test (publish a bounded
// count as fast as acks allow, samples/s until the worker has applied them all), and the knobs.

import type { Transport } from '@carousel/bus';
import { metric, until, type WorkerProc } from '../worker/helpers.ts';
import { Producer } from '../chaos/common.ts';

/** CAROUSEL_LOAD_MINUTES: the long version's duration; unset: the CI-sized one. */
export function loadSeconds(ciSeconds: number): number {
  const m = Number(process.env.CAROUSEL_LOAD_MINUTES ?? '');
  return Number.isFinite(m) && m > 0 ? m * 60 : ciSeconds;
}

export async function samplesApplied(w: WorkerProc): Promise<number> {
  return metric(w.metricsUrl, 'carousel_worker_samples_total');
}

/** Samples/s the worker applies when fed as fast as possible: `perStream` samples on each of `streams`. */
export async function measureCapacity(t: Transport, w: WorkerProc, streams: string[], perStream: number): Promise<{ perSecond: number; count: number; ms: number }> {
  const before = await samplesApplied(w);
  const p = new Producer(t, streams, perStream, { window: 64 });
  const t0 = performance.now();
  p.start();
  await p.done();
  const count = p.totalAcked;
  await until('capacity run applied', async () => (await samplesApplied(w)) - before >= count, 120_000, 20);
  const ms = performance.now() - t0;
  return { perSecond: (count * 1000) / ms, count, ms };
}
