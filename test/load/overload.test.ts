// Load 7: overload at 2x the worker's own capacity for a bounded time (~12 s in CI,
// CAROUSEL_LOAD_MINUTES scales it), then the load stops. Capacity is the warm worker's drain rate
// with the producer out of the way (a backlog stored while the worker is paused, then timed as it
// drains: measureDrainCapacity; twice, the higher kept), so 2x is twice what the worker can
// apply, not twice what a producer waiting on its acks reached. The producer keeps up to 256 publishes in flight per
// stream so that it can offer that rate. The streams run a heavier model than the other suites
// (vanilla LSTM H=64, TBPTT(4,32)): with their H=12 model the worker drains several thousand
// samples/s here, and one producer process sharing the two cores with it and nats-server could
// offer only about 1.2x that.
// Documented behaviour (docs/worker.md): the worker lags (mailbox full -> the consumer waits;
// nothing dropped), it does not shed. Checked: the backlog grows during the overload (the lag of
// the last quarter of the readings, with the lag at the stop, exceeds the first quarter's), returns to 0 after, the worker process never
// exits or restarts, no sample is rejected or dropped, and every acknowledged sample is applied
// exactly once (weights bit-identical to StreamProcessor recomputation). Measured: capacity,
// offered rate and its ratio to capacity, lag over time, peak lag, drain time and drain rate.

import { afterAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import type { StreamConfig } from '@carousel/worker';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { connect, metric, startNats, startWorker, until, type WorkerProc } from '../worker/helpers.ts';
import { Producer, expectExactlyOnce, round, rssBytes, summary } from '../chaos/common.ts';
import { loadSeconds, measureDrainCapacity, samplesApplied } from './common.ts';

const STREAMS = Array.from({ length: 8 }, (_, i) => `ov-${i}`);
/** The default stream model (DEFAULT_STREAM_MODEL: vanilla, TBPTT(4,32)) with H=64, seeded. */
const CONFIG: Partial<StreamConfig> = { model: { hidden: 64, seed: 11 } as StreamConfig['model'] };
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

describe('load: overload at 2x capacity', () => {
  const seconds = loadSeconds(12 * 5) / 5;
  // Overload, drain (about as long) and the in-test recomputation of every sample.
  test('the worker lags, never crashes or loses acknowledged samples, and recovers when load drops', { timeout: 300_000 + seconds * 5_000 }, async () => {
    nats = await startNats();
    client = await connect(nats.url);
    // Lease TTL 60 s: the capacity measurement pauses the worker for a few seconds.
    const w = (worker = await startWorker(nats.url, 'ov1', { CAROUSEL_MAX_MAILBOX: '256', CAROUSEL_STREAM_CONFIG: JSON.stringify(CONFIG), CAROUSEL_LEASE_TTL_MS: '60000', CAROUSEL_HEARTBEAT_MS: '1000' }));
    // Twice, keeping the higher: other work on the machine only ever makes a measurement lower.
    const caps = [
      await measureDrainCapacity(client, w, STREAMS.map((s) => `cap-${s}`), 200, 800),
      await measureDrainCapacity(client, w, STREAMS.map((s) => `cap2-${s}`), 0, 800),
    ];
    const cap = caps[0]!.perSecond >= caps[1]!.perSecond ? caps[0]! : caps[1]!;
    const pid = w.proc.pid!;
    const rate = (2 * cap.perSecond) / STREAMS.length;
    producer = new Producer(client, STREAMS, Math.ceil(rate * seconds) + 10, { ratePerStream: rate, window: 256 });
    const base = await samplesApplied(w);
    const t0 = performance.now();
    producer.start();
    const lags: Array<[number, number]> = [];
    // The counter only grows: a failed /metrics read (counted 0) must not look like a lag spike.
    let applied = base;
    const lagAt = async () => {
      const acked = producer!.totalAcked;
      applied = Math.max(applied, await samplesApplied(w));
      return acked - (applied - base);
    };
    while (performance.now() - t0 < seconds * 1000) {
      await new Promise((r) => setTimeout(r, 500));
      lags.push([performance.now() - t0, await lagAt()]);
    }
    await producer.stop();
    const offeredPerSecond = (producer.totalAcked * 1000) / (performance.now() - t0);
    const stoppedAt = performance.now();
    const lagAtStop = await lagAt();
    const rss = await rssBytes(pid);
    await until('lag back to 0', async () => (await lagAt()) === 0, 300_000, 100);
    const drainMs = performance.now() - stoppedAt;
    const drainPerSecond = (lagAtStop * 1000) / Math.max(drainMs, 1);
    // Quarters of the lag readings, not of the clock: under this load a /metrics read can take
    // longer than the 500 ms between readings (one CI run got 4 readings in 12 s, none in the last
    // 3 s), and the lag at the stop is the last reading of the overload.
    expect(lags.length, 'the lag was read during the overload').toBeGreaterThanOrEqual(2);
    const k = Math.max(1, Math.floor(lags.length / 4));
    const firstQuarter = Math.max(...lags.slice(0, k).map(([, l]) => l));
    const lastQuarter = Math.max(...lags.slice(-k).map(([, l]) => l), lagAtStop);
    const peakLag = Math.max(...lags.map(([, l]) => l), lagAtStop);
    expect(w.proc.running && w.proc.pid === pid, 'the worker never exited').toBe(true);
    expect(await metric(w.metricsUrl, 'carousel_worker_rejects_total'), 'no rejects').toBe(0);
    expect(await metric(w.metricsUrl, 'carousel_worker_mailbox_overflow_total'), 'nothing dropped').toBe(0);
    const exact = await expectExactlyOnce(client, producer, 120_000, CONFIG);
    summary('load/overload', {
      injected: `${round(offeredPerSecond)} samples/s offered (target 2x the worker's drain capacity ${round(cap.perSecond)}/s, model H=64) on ${STREAMS.length} streams for ${seconds} s, then stop`,
      checked: 'backlog grows (lag last quarter > first quarter); returns to 0; same worker pid; rejects 0; mailbox overflow 0; bit-identical weights for every acknowledged sample',
      capacity: { samplesPerSecond: round(cap.perSecond), count: cap.count, ms: round(cap.ms), preloadPublishMs: round(cap.publishMs), measuredPerSecond: caps.map((c) => round(c.perSecond)) },
      offeredRatio: round(offeredPerSecond / cap.perSecond, 2), acked: exact.samples, lagByHalfSecond: lags.map(([, l]) => l),
      maxLagFirstQuarter: firstQuarter, maxLagLastQuarter: lastQuarter, lagAtStop, peakLag,
      drainMs: round(drainMs), drainPerSecond: round(drainPerSecond), rssMiB: round(rss / 2 ** 20),
      // The drain after the stop is a backlog drain too (no producer), taken later; comparable
      // with the capacity when most of the backlog is still in the stream (lagAtStop well above
      // the mailboxes' 8 x 256), faster when it is mostly in the mailboxes already.
      offeredRatioVsDrainAfterStop: round(offeredPerSecond / Math.max(drainPerSecond, 1), 2),
    });
    // The documented behaviour under overload: the backlog grows (it lags), it is not shed.
    expect(lastQuarter, 'the backlog grew during the overload').toBeGreaterThan(firstQuarter);
    expect(lagAtStop, 'samples were still queued when the load stopped').toBeGreaterThan(0);
  });
});
