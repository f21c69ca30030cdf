// Shared pieces of the load suites: the worker's capacity measured in the test, and the knobs.
// Two measures: `measureDrainCapacity` (the samples are stored while the warm worker is paused,
// so the producer cannot be the bottleneck: the worker's own drain rate) and `measureCapacity` (publish a
// bounded count as fast as acks allow while the worker runs: a lower bound, limited by the
// producer as much as by the worker).

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

export interface Capacity {
  /** Samples/s. */
  perSecond: number;
  /** Samples the rate was measured over. */
  count: number;
  /** Over this long, ms. */
  ms: number;
}

/** Samples/s the worker applies when fed as fast as possible: `perStream` samples on each of `streams`. */
export async function measureCapacity(t: Transport, w: WorkerProc, streams: string[], perStream: number): Promise<Capacity> {
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

/**
 * The worker's drain rate, warm and with nothing else competing: `warmPerStream` samples on each
 * of `streams` first (JIT, actors, consumers), then the worker is paused (SIGSTOP; its lease TTL
 * must outlast the pause), `perStream` samples on each of `streams` are published and
 * acknowledged into CAROUSEL_IN, the worker resumes (SIGCONT), and the rate is samples/s between
 * 10% and 90% of the backlog applied. The producer is not running while that is timed.
 */
export async function measureDrainCapacity(t: Transport, w: WorkerProc, streams: string[], warmPerStream: number, perStream: number): Promise<Capacity & { publishMs: number }> {
  const warm = new Producer(t, streams.map((s) => `warm-${s}`), warmPerStream, { window: 64 });
  const w0 = await samplesApplied(w);
  warm.start();
  await warm.done();
  await until('warm-up applied', async () => (await samplesApplied(w)) - w0 >= warm.totalAcked, 120_000, 50);
  const pid = w.proc.pid!;
  const base = await samplesApplied(w);
  process.kill(pid, 'SIGSTOP');
  let publishMs: number;
  let total: number;
  try {
    const p = new Producer(t, streams, perStream, { window: 256 });
    const tp = performance.now();
    p.start();
    await p.done();
    publishMs = performance.now() - tp;
    total = p.totalAcked;
  } finally {
    process.kill(pid, 'SIGCONT');
  }
  const lo = Math.floor(total * 0.1);
  const hi = Math.ceil(total * 0.9);
  let a: [number, number] | undefined;
  let b: [number, number] | undefined;
  await until('the backlog drained', async () => {
    // A /metrics read that failed counts 0: the counter only grows, so such a read is skipped.
    const n = (await samplesApplied(w)) - base;
    const now = performance.now();
    if (a === undefined && n >= lo) a = [now, n];
    if (b === undefined && n >= hi) b = [now, n];
    return n >= total;
  }, 300_000, 25);
  const count = b![1] - a![1];
  const ms = b![0] - a![0];
  return { perSecond: (count * 1000) / Math.max(ms, 1), count, ms, publishMs };
}
