// Chaos 3: a 3-node NATS cluster (infra/nats/cluster configs) with JetStream replicas 3. The
// worker has no replicas option, so the test creates CAROUSEL_IN, the KV buckets and the object
// store with replicas 3 (NatsTransport ensureStream/ensureKv/ensureObjectStore) before the worker
// starts. Under load it kills (SIGKILL) the server leading the CAROUSEL_IN stream, waits for a new
// leader, restarts it, then does the same to the leader of the KV_carousel_state bucket. Checked:
// the stream stays at replicas 3 after the worker provisioned it; a new leader is elected; the
// service continues (predictions after each kill); nothing lost (CAROUSEL_IN holds exactly the
// acknowledged samples; weights bit-identical to StreamProcessor recomputation).

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { NatsTransport } from '@carousel/bus';
import type { JetStreamManager } from 'nats';
import { NatsCluster, REPO_ROOT, printOutputOnFailure } from '@carousel/test-suites';
import { metric, startWorker, until, type WorkerProc } from '../worker/helpers.ts';
import { PredictionRecorder, Producer, expectExactlyOnce, round, summary } from './common.ts';

const TTL = 3000;
const ENV = { CAROUSEL_LEASE_TTL_MS: String(TTL), CAROUSEL_HEARTBEAT_MS: '300', CAROUSEL_CHECKPOINT_EVERY: '40', CAROUSEL_CHECKPOINT_EVERY_MS: '600000' };
const STREAMS = ['cl-a', 'cl-b', 'cl-c', 'cl-d'];
const RATE = 40;

let cluster: NatsCluster | undefined;
let admin: NatsTransport | undefined;
let producer: Producer | undefined;
let worker: WorkerProc | undefined;
printOutputOnFailure(() => [...(cluster?.servers ?? []), worker?.proc]);
afterAll(async () => {
  await producer?.stop();
  await worker?.proc.close();
  await admin?.close();
  await cluster?.close();
});

async function leaderOf(jsm: JetStreamManager, stream: string): Promise<string | undefined> {
  try {
    const info = await jsm.streams.info(stream);
    return info.cluster?.leader ?? undefined;
  } catch {
    return undefined;
  }
}

describe('chaos: cluster leader loss', () => {
  test('killing the stream leader and the KV leader of a replicas-3 cluster under load: service continues, nothing lost', async () => {
    const configTexts = await Promise.all(['n1', 'n2', 'n3'].map((n) => readFile(path.join(REPO_ROOT, `infra/nats/cluster/${n}.conf`), 'utf8')));
    cluster = await NatsCluster.start({ configTexts });
    admin = await NatsTransport.connect({ servers: cluster.urls, name: 'chaos-admin' });
    await admin.ensureStream({ name: 'CAROUSEL_IN', subjects: ['carousel.p.>'], duplicateWindowMs: 120_000, replicas: 3 });
    await admin.ensureKv({ bucket: 'carousel_state', history: 1, replicas: 3 });
    await admin.ensureKv({ bucket: 'carousel_leases', history: 1, ttlMs: TTL, replicas: 3 });
    await admin.ensureObjectStore({ bucket: 'carousel_blobs', replicas: 3 });
    const jsm = await admin.nc.jetstreamManager();

    worker = await startWorker(cluster.urls.join(','), 'cw1', ENV);
    // The worker's provisioning must not undo what the operator set up.
    const replicas = Object.fromEntries(await Promise.all(['CAROUSEL_IN', 'KV_carousel_state', 'KV_carousel_leases', 'OBJ_carousel_blobs'].map(async (s) => [s, (await jsm.streams.info(s)).config.num_replicas])));
    expect(replicas, 'replicas after the worker provisioned').toEqual({ CAROUSEL_IN: 3, KV_carousel_state: 3, KV_carousel_leases: 3, OBJ_carousel_blobs: 3 });

    producer = new Producer(admin, STREAMS, 6000, { ratePerStream: RATE });
    const rec = new PredictionRecorder(admin, producer);
    await admin.flush();
    producer.start();
    await until('predictions', () => STREAMS.every((s) => (rec.seen.get(s)?.size ?? 0) > 40), 30_000, 100).catch(async (e: Error) => {
      const m = await metric(worker!.metricsUrl, 'carousel_worker_samples_total');
      throw new Error(`${e.message}; acked ${producer!.totalAcked}, retries ${producer!.retries}, predictions ${rec.total}, worker samples ${m}`);
    });

    const kills: Record<string, unknown>[] = [];
    for (const target of ['CAROUSEL_IN', 'KV_carousel_state']) {
      const leader = await until(`${target} leader`, () => leaderOf(jsm, target), 20_000, 100);
      const leasesLeader = await leaderOf(jsm, 'KV_carousel_leases');
      const ackedAt = producer.totalAcked;
      const killedAt = performance.now();
      await cluster.server(leader).kill('SIGKILL');
      const newLeader = await until(`a new ${target} leader`, async () => {
        const l = await leaderOf(jsm, target);
        return l !== undefined && l !== leader ? l : undefined;
      }, 30_000, 50);
      const electedMs = performance.now() - killedAt;
      await until('predictions after the kill', () => STREAMS.every((s) => (rec.perStreamArrivals.get(s) ?? []).some((a) => a > killedAt + 200)), 30_000, 50).catch(async (e: Error) => {
        const m = await metric(worker!.metricsUrl, 'carousel_worker_samples_total');
        const after = STREAMS.map((s) => `${s} ${(rec.perStreamArrivals.get(s) ?? []).filter((a) => a > killedAt).length}`).join(', ');
        throw new Error(`${e.message} (${target} leader ${leader} killed); acked ${producer!.totalAcked} (at kill ${ackedAt}), retries ${producer!.retries}, predictions ${rec.total} (after the kill: ${after}), worker samples ${m}`);
      });
      const gap = rec.gapAround(killedAt);
      const resumeAll = Math.max(...STREAMS.map((s) => rec.gapAround(killedAt + 200, [s]).after - killedAt));
      await new Promise((r) => setTimeout(r, 1500));
      await cluster.server(leader).restart();
      await cluster.waitReady();
      kills.push({ target, killed: leader, leasesLeader, newLeader, ackedBeforeKill: ackedAt, electedMs: round(electedMs), predictionGapMs: round(gap.gapMs), allStreamsResumedMs: round(resumeAll) });
    }
    await new Promise((r) => setTimeout(r, 2000));
    await producer.stop();

    const exact = await expectExactlyOnce(admin, producer);
    const state = await admin.streamState('CAROUSEL_IN');
    expect(state.messages, 'CAROUSEL_IN holds exactly the acknowledged samples').toBe(producer.totalAcked);
    expect(worker.proc.running).toBe(true);
    summary('chaos/cluster-leader', {
      injected: `SIGKILL of the CAROUSEL_IN leader, then of the KV_carousel_state leader (each restarted after), 3-node cluster R3, ${RATE * STREAMS.length} samples/s`,
      checked: 'replicas stay 3 after worker provisioning; new leader elected; predictions resume; stream count = acked; bit-identical weights',
      provisioning: 'CAROUSEL_IN, carousel_state, carousel_leases, carousel_blobs created by the test with replicas 3 (the worker has no replicas option)',
      kills, ackedTotal: exact.samples, stored: state.messages, producerRetries: producer.retries, duplicateAcks: producer.duplicates, repeatedPredictions: rec.repeats,
    });
  });
});
