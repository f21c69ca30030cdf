// Load 8: many distinct streams touched over time with a small actor bound. CI: 5,000 streams
// with CAROUSEL_MAX_ACTIVE=200; long version: CAROUSEL_LOAD_STREAMS (e.g. 100000). Each stream
// gets 2 samples, in rounds of 1,000 streams. Checked after every round: active actors (from
// /metrics) <= maxActive; at the end every stream's own state (control `inspect`: seq and n, the
// samples it has learned, which a checkpoint restores) shows each sample applied exactly once, and
// the RSS is within a generous bound of the RSS after the first round (passivation keeps memory
// bounded, not proportional to streams). carousel_worker_samples_total is only a progress signal:
// it counts sample turns, so work redone after a replay (a lost lease) is counted again.

import { afterAll, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { encodeSample } from '@carousel/protocol';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { connect, control, metric, startNats, startWorker, until, type WorkerProc } from '../worker/helpers.ts';
import { round, rssBytes, summary } from '../chaos/common.ts';
import { samplesApplied } from './common.ts';

const N = Number(process.env.CAROUSEL_LOAD_STREAMS ?? 5000);
const MAX_ACTIVE = 200;
const ROUND = 1000;
let nats: NatsServer | undefined;
let client: Transport | undefined;
let worker: WorkerProc | undefined;
printOutputOnFailure(() => [nats, worker?.proc]);
afterAll(async () => {
  await worker?.proc.close();
  await client?.close();
  await nats?.close();
});

describe('load: many streams, bounded actors', () => {
  test(`${N} streams with maxActive ${MAX_ACTIVE}: active actors and RSS stay bounded`, { timeout: Math.max(90_000, N * 40) }, async () => {
    nats = await startNats();
    client = await connect(nats.url);
    worker = await startWorker(nats.url, 'ms1', { CAROUSEL_MAX_ACTIVE: String(MAX_ACTIVE) });
    const rounds: Array<{ streams: number; active: number; rss: number }> = [];
    let maxSeen = 0;
    let published = 0;
    for (let r = 0; r * ROUND < N; r++) {
      const acks: Promise<unknown>[] = [];
      for (let seq = 0; seq < 2; seq++) {
        for (let i = r * ROUND; i < Math.min(N, (r + 1) * ROUND); i++) {
          const stream = `ms-${i}`;
          acks.push(client.jsPublish(`carousel.in.${stream}`, encodeSample({ v: 1, stream, seq, ts: 1_700_000_000_000 + seq, x: [Math.sin(i + seq), 1] }), { msgId: `${stream}-${seq}` }));
          if (acks.length >= 256) await Promise.all(acks.splice(0));
        }
      }
      await Promise.all(acks);
      published = Math.min(N, (r + 1) * ROUND) * 2;
      await until(`round ${r} applied`, async () => {
        const a = await metric(worker!.metricsUrl, 'carousel_worker_active_actors');
        maxSeen = Math.max(maxSeen, a);
        return (await samplesApplied(worker!)) >= published;
      }, 120_000, 100);
      const active = await metric(worker.metricsUrl, 'carousel_worker_active_actors');
      maxSeen = Math.max(maxSeen, active);
      rounds.push({ streams: Math.min(N, (r + 1) * ROUND), active, rss: await rssBytes(worker.proc.pid!) });
    }
    // Every stream's state, from its owner (activating passivated ones from their checkpoints):
    // seq 1 is the last sample, n 2 the samples learned. A sample applied twice to the state
    // would show as n > 2 (the seq guard refuses a repeated seq within one state lineage).
    const streams = Array.from({ length: N }, (_, i) => `ms-${i}`);
    const info = new Map<string, { seq: number | null; n: number }>();
    await until('every stream inspected at seq 1', async () => {
      const unchecked = streams.filter((s) => info.get(s)?.seq !== 1);
      for (let i = 0; i < unchecked.length; i += 64) {
        await Promise.all(unchecked.slice(i, i + 64).map(async (s) => {
          const r = await control(client!, s, 'inspect', 10_000).catch(() => null);
          if (r?.ok === true && r.op === 'inspect') info.set(s, { seq: r.info.seq, n: r.info.n });
        }));
      }
      return streams.every((s) => info.get(s)?.seq === 1);
    }, 120_000, 200);
    const wrong = streams.filter((s) => info.get(s)?.n !== 2).map((s) => ({ s, ...info.get(s) }));
    const counted = await samplesApplied(worker);
    const leaseChanges = await metric(worker.metricsUrl, 'carousel_worker_lease_changes_total');
    const passivated = await metric(worker.metricsUrl, 'carousel_worker_passivated_actors_total');
    const rss0 = rounds[0]!.rss;
    const rssN = rounds[rounds.length - 1]!.rss;
    summary('load/many-streams', {
      injected: `${N} distinct streams x 2 samples in rounds of ${ROUND}, CAROUSEL_MAX_ACTIVE=${MAX_ACTIVE}`,
      checked: 'active actors <= maxActive at every poll; every stream at seq 1 with n 2 (inspect); RSS last <= 1.5x after round 1 + 64 MiB',
      samples: published, samplesTotalMetric: counted, leaseChanges, streamsNot2: wrong.length, maxActiveSeen: maxSeen, passivated, rssByRoundMiB: rounds.map((x) => round(x.rss / 2 ** 20)),
    });
    expect(maxSeen).toBeLessThanOrEqual(MAX_ACTIVE);
    expect(wrong.slice(0, 10)).toEqual([]);
    expect(counted).toBeGreaterThanOrEqual(N * 2);
    expect(rssN).toBeLessThanOrEqual(1.5 * rss0 + 64 * 2 ** 20);
  });
});
