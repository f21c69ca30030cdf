// Load 6: sustained load at 80% of a worker's measured capacity (loopback; ~30 s in CI,
// CAROUSEL_LOAD_MINUTES for the long version). Capacity is measured first in the test. Checked
// per round (1 s): consumer lag (acknowledged - applied) stays bounded, p99 latency (publish ->
// prediction) of the last third within a generous factor of the first third's, worker RSS (from
// /proc) of the last round within a generous bound of the first. No absolute wall-clock threshold.

import { afterAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { connect, startNats, startWorker, type WorkerProc } from '../worker/helpers.ts';
import { PredictionRecorder, Producer, percentile, round, rssBytes, summary } from '../chaos/common.ts';
import { loadSeconds, measureCapacity, samplesApplied } from './common.ts';

const STREAMS = Array.from({ length: 8 }, (_, i) => `ld-${i}`);
let nats: NatsServer | undefined;
let client: Transport | undefined;
let worker: WorkerProc | undefined;
let producer: Producer | undefined;
printOutputOnFailure(() => [nats, worker?.proc]);
afterAll(async () => {
  await producer?.stop();
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
});

describe('load: sustained at 80% of capacity', () => {
  const seconds = loadSeconds(30);
  test('lag bounded, p99 latency flat, RSS flat', { timeout: seconds * 1000 + 180_000 }, async () => {
    nats = await startNats();
    client = await connect(nats.url);
    worker = await startWorker(nats.url, 'ld1', {});
    const cap = await measureCapacity(client, worker, STREAMS.map((s) => `cap-${s}`), 400);
    const rate = (0.8 * cap.perSecond) / STREAMS.length;
    producer = new Producer(client, STREAMS, Math.ceil(rate * seconds * 1.1) + 10, { ratePerStream: rate, window: 16 });
    const rec = new PredictionRecorder(client, producer);
    await client.flush();
    const base = await samplesApplied(worker);
    const t0 = performance.now();
    producer.start();
    const rounds: Array<{ t: number; lag: number; rss: number }> = [];
    while (performance.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 1000));
      rounds.push({ t: performance.now(), lag: producer.totalAcked - ((await samplesApplied(worker)) - base), rss: await rssBytes(worker.proc.pid!) });
    }
    await producer.stop();
    const third = (seconds * 1000) / 3;
    const lat = (k: number) => rec.latencies.filter(([a]) => a >= t0 + k * third && a < t0 + (k + 1) * third).map(([, l]) => l);
    const p99 = [0, 1, 2].map((k) => percentile(lat(k), 0.99));
    const lagThird = (k: number) => Math.max(...rounds.filter((r) => r.t >= t0 + k * third && r.t < t0 + (k + 1) * third + 1).map((r) => r.lag));
    const lags = [0, 1, 2].map(lagThird);
    const rss0 = rounds[0]!.rss;
    const rssN = rounds[rounds.length - 1]!.rss;
    summary('load/sustained', {
      injected: `${round(0.8 * cap.perSecond)} samples/s (80% of measured ${round(cap.perSecond)}/s) on ${STREAMS.length} streams for ${seconds} s`,
      checked: 'max lag per third bounded; p99 last third <= 4x first third + 50 ms; RSS last <= 1.5x first + 64 MiB',
      capacity: { samplesPerSecond: round(cap.perSecond), count: cap.count, ms: round(cap.ms) },
      published: producer.totalAcked, predictions: rec.total, p99ByThirdMs: p99.map((x) => round(x)), p50Ms: round(percentile(rec.latencies.map(([, l]) => l), 0.5)),
      maxLagByThird: lags, rssFirstMiB: round(rss0 / 2 ** 20), rssLastMiB: round(rssN / 2 ** 20), rounds: rounds.length,
      // Per 10 rounds (10 s): the worst lag and the last RSS, MiB.
      maxLagPer10s: per10(rounds, (xs) => Math.max(...xs.map((r) => r.lag))),
      rssPer10sMiB: per10(rounds, (xs) => round(xs[xs.length - 1]!.rss / 2 ** 20)),
      p99Per30sMs: Array.from({ length: Math.ceil(seconds / 30) }, (_, k) => round(percentile(rec.latencies.filter(([a]) => a >= t0 + k * 30_000 && a < t0 + (k + 1) * 30_000).map(([, l]) => l), 0.99))),
    });
    expect(rec.latencies.length).toBeGreaterThan(producer.totalAcked * 0.9);
    // Lag bounded: the last third's worst lag is not a growing backlog (at most 2 s of load above the first third's).
    expect(lags[2]!).toBeLessThanOrEqual(lags[0]! + 2 * 0.8 * cap.perSecond);
    expect(p99[2]!).toBeLessThanOrEqual(4 * p99[0]! + 50);
    expect(rssN).toBeLessThanOrEqual(1.5 * rss0 + 64 * 2 ** 20);
  });
});

function per10<T, R>(xs: T[], f: (group: T[]) => R): R[] {
  const out: R[] = [];
  for (let i = 0; i < xs.length; i += 10) out.push(f(xs.slice(i, i + 10)));
  return out;
}
