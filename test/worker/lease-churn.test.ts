// The lease-churn race against a real nats-server: a stream passivates while the lease fence
// refuses checkpoint writes (renewals failing, lease not yet lost, same generation). Its unsaved
// samples are not replayed by anyone (the consumer has moved past them), so the worker must keep
// it in memory and passivate it again once renewals succeed (24def45). The worker runs in this
// process on a NatsTransport whose lease-bucket update() can be made to time out; everything else
// is the real server. The in-process version: services/worker/src/worker.lease-churn.test.ts.

import { afterEach, describe, expect, test } from 'vitest';
import { NatsTransport, type Transport } from '@carousel/bus';
import { withStallableRenewals, type RenewalControl } from '@carousel/bus/testing';
import { Worker } from '@carousel/worker';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { P, STREAM_CONFIG, connect, control, publish, readCheckpoint, recompute, startNats, until, waitForSeq, workload } from './helpers.ts';

const N = 90;
let nats: NatsServer | undefined;
let client: Transport | undefined;
let worker: Worker | undefined;
let workerNats: Transport | undefined;
printOutputOnFailure(() => (nats === undefined ? [] : [nats]));
afterEach(async () => {
  await worker?.close();
  await workerNats?.close();
  await client?.close();
  await nats?.close();
  worker = workerNats = client = nats = undefined;
});

describe('lease churn (real nats-server)', () => {
  test('streams passivating while the fence refuses their checkpoints keep their samples: weights bit-identical to one feed of each', async () => {
    nats = await startNats();
    client = await connect(nats.url);
    const ctl: RenewalControl = { stall: false, refused: new Set() };
    workerNats = await NatsTransport.connect({ servers: [nats.url], name: 'lease-churn-worker' });
    // A long TTL: renewals can fail for seconds without the lease being lost (same generation).
    // Idle passivation after 200 ms (looked for every second); checkpoints only on passivation.
    worker = new Worker({
      transport: withStallableRenewals(workerNats, 'carousel_leases', ctl), partitions: P, leaseTtlMs: 30_000, heartbeatMs: 200,
      metricsPort: null, log: false, workerId: 'churn', idleMs: 200, checkpointEverySamples: 1_000_000, checkpointEveryMs: 3_600_000, stream: STREAM_CONFIG,
    });
    await worker.start();
    const w = worker;
    await until('every partition owned', () => w.partitions().length === P);
    const data = new Map(['c-a', 'c-b', 'c-c', 'c-d'].map((s, i) => [s, workload(s, N, i + 21)]));
    const failures = async (): Promise<number> => (await w.metrics.checkpointFailures.get()).values.reduce((a, v) => a + v.value, 0);

    // 1. 30 samples each, then idle: every stream passivates to its checkpoint.
    await publish(client, data, 0, 30);
    for (const s of data.keys()) await waitForSeq(client, s, 29);
    await until('first passivations', () => w.actorCounters().passivatedTotal >= data.size && w.actorCounters().active === 0);
    const passivatedBefore = w.actorCounters().passivatedTotal;

    // 2. Renewals fail (leases held, not renewed: the fence refuses writes); 30 more samples each;
    //    the streams go idle and their passivation checkpoints are refused.
    ctl.stall = true;
    await until('a refused renewal of every lease', () => ctl.refused.size === P);
    const failuresBefore = await failures();
    await publish(client, data, 30, 60);
    for (const s of data.keys()) await waitForSeq(client, s, 59);
    await until('refused passivation checkpoints', async () => (await failures()) >= failuresBefore + data.size);
    expect(w.partitions(), 'leases still held').toHaveLength(P);

    // 3. Renewals succeed again: the kept streams passivate with everything up to sample 59.
    ctl.stall = false;
    await until('passivations after the fence lifts', () => w.actorCounters().active === 0);
    expect(w.actorCounters().passivatedTotal - passivatedBefore).toBe(data.size);

    // 4. The rest: each stream reactivates from its checkpoint and ends exactly as one feed of every sample.
    await publish(client, data, 60, N);
    for (const [s, samples] of data) {
      await waitForSeq(client, s, N - 1);
      const snap = await control(client, s, 'snapshot');
      expect(snap, `${s}: snapshot`).toMatchObject({ ok: true, seq: N - 1 });
      const { body, seq } = await readCheckpoint(client, s);
      const want = recompute(s, samples);
      expect(seq).toBe(N - 1);
      expect(body.n, `${s}: samples learned`).toBe(N);
      expect(body.proc!.stats.samples, `${s}: samples applied`).toBe(want.samples);
      expect(Buffer.from(body.proc!.model).equals(Buffer.from(want.model)), `${s}: weights bit-identical`).toBe(true);
    }
  }, 90_000);
});
