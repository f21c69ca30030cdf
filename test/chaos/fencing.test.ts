// Chaos 4: fencing. Worker fa owns every partition and checkpoints a stream under load; it is
// paused with SIGSTOP past its lease; worker fb starts, sees fa's leases expire and takes them
// over. Then fa gets SIGCONT: it wakes with a mailbox and consumer buffer of samples and overdue
// heartbeats. The stream sits in a partition below P/2, which fb keeps when it rebalances, so
// fa has no legitimate way back to it. Checked, from watches on both KV buckets: after the
// takeover the partition's lease never names fa again, and the stream's checkpoint record never
// goes back (its JetStream sequence and sample seq only grow: a write from fa's stale state would
// move them back); fa counts refused checkpoint writes and logs lease_lost. Then fa is killed and
// the stream's final weights are bit-identical to StreamProcessor fed each sample once.

import { afterAll, describe, expect, test } from 'vitest';
import type { KvEntry, Transport } from '@carousel/bus';
import { decodeCheckpoint, partitionOf } from '@carousel/protocol';
import { readLease } from '@carousel/worker';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { P, connect, metric, startNats, startWorker, until, type WorkerProc } from '../worker/helpers.ts';
import { Producer, expectExactlyOnce, round, summary } from './common.ts';

const TTL = 2000;
const ENV = { CAROUSEL_LEASE_TTL_MS: String(TTL), CAROUSEL_HEARTBEAT_MS: '250', CAROUSEL_CHECKPOINT_EVERY: '10', CAROUSEL_CHECKPOINT_EVERY_MS: '600000' };
const STREAM = ['fz-a', 'fz-b', 'fz-c', 'fz-d', 'fz-e', 'fz-f'].find((s) => partitionOf(s, P) < P / 2)!;
const PART = partitionOf(STREAM, P);

let nats: NatsServer | undefined;
let client: Transport | undefined;
let producer: Producer | undefined;
const workers: WorkerProc[] = [];
printOutputOnFailure(() => [nats, ...workers.map((w) => w.proc)]);
afterAll(async () => {
  await producer?.stop();
  for (const w of workers) {
    if (w.proc.pid !== undefined && w.proc.running) process.kill(w.proc.pid, 'SIGCONT');
    await w.proc.close();
  }
  await client?.close();
  await nats?.close();
});

describe('chaos: fencing of a paused worker', () => {
  test('a worker paused past its lease writes no checkpoint after the takeover, and logs lease_lost', async () => {
    nats = await startNats();
    client = await connect(nats.url);
    const fa = await startWorker(nats.url, 'fa', ENV);
    workers.push(fa);
    const leasesKv = await client.kv('carousel_leases');
    const stateKv = await client.kv('carousel_state');
    const leases: Array<{ t: number; owner: string; epoch: number; rev: number }> = [];
    const ckpts: Array<{ t: number; js: number; seq: number | null; rev: number }> = [];
    const watchLoop = async (w: AsyncIterable<KvEntry>, f: (e: KvEntry) => void) => {
      for await (const e of w) f(e);
    };
    const lw = leasesKv.watch({ key: `p.${PART}` });
    const sw = stateKv.watch({ key: STREAM });
    void watchLoop(lw, (e) => {
      if (e.operation === 'PUT') leases.push({ t: performance.now(), ...readLease(e.value), rev: e.revision });
    });
    void watchLoop(sw, (e) => {
      if (e.operation !== 'PUT') return;
      const d = decodeCheckpoint(e.value);
      if (d.ok) ckpts.push({ t: performance.now(), js: d.value.js, seq: d.value.seq, rev: e.revision });
    });

    producer = new Producer(client, [STREAM], 5000, { ratePerStream: 100 });
    producer.start();
    await until('fa checkpoints', () => ckpts.length >= 3, 30_000, 50);

    const failuresBefore = await metric(fa.metricsUrl, 'carousel_worker_checkpoint_failures_total');
    process.kill(fa.proc.pid!, 'SIGSTOP');
    const stoppedAt = performance.now();
    const fb = await startWorker(nats.url, 'fb', ENV);
    workers.push(fb);
    await until('fb holds the partition', () => leases.some((l) => l.owner === 'fb'), 30_000, 50);
    const takeover = leases.find((l) => l.owner === 'fb')!;
    await until('fb checkpoints the stream', () => ckpts.some((c) => c.t > takeover.t), 30_000, 50);
    const lastByFb = ckpts[ckpts.length - 1]!;
    const pausedMs = performance.now() - stoppedAt;

    process.kill(fa.proc.pid!, 'SIGCONT');
    const contAt = performance.now();
    await fa.proc.waitForLine(new RegExp(`"lease_lost".*"partition":${PART}\\b`), 20_000);
    const leaseLostMs = performance.now() - contAt;
    // Let fa run its woken turns, its overdue heartbeats and at least one rebalancing round.
    await new Promise((r) => setTimeout(r, 3000));
    const failuresAfter = await metric(fa.metricsUrl, 'carousel_worker_checkpoint_failures_total');
    await fa.proc.kill('SIGKILL');

    await new Promise((r) => setTimeout(r, 1000));
    await producer.stop();
    const exact = await expectExactlyOnce(client, producer);
    lw.close();
    sw.close();

    const afterTakeover = leases.filter((l) => l.t >= takeover.t);
    expect(afterTakeover.filter((l) => l.owner === 'fa'), 'lease back to fa after the takeover').toEqual([]);
    for (let i = 1; i < ckpts.length; i++) {
      expect(ckpts[i]!.js, `checkpoint ${i} js moved back (rev ${ckpts[i]!.rev})`).toBeGreaterThanOrEqual(ckpts[i - 1]!.js);
      expect(ckpts[i]!.seq ?? -1, `checkpoint ${i} seq moved back`).toBeGreaterThanOrEqual(ckpts[i - 1]!.seq ?? -1);
    }
    expect(failuresAfter, 'fa counted refused checkpoint writes after SIGCONT').toBeGreaterThan(failuresBefore);
    summary('chaos/fencing', {
      injected: `SIGSTOP of worker fa (lease TTL ${TTL} ms) for ${round(pausedMs)} ms while fb takes partition ${PART} over, then SIGCONT, then SIGKILL after 3 s`,
      checked: 'lease p.<n> never names fa after takeover; checkpoint js/seq monotonic over all KV revisions; fa checkpoint failures grew; fa logged lease_lost; bit-identical weights',
      stream: STREAM, partition: PART, takeoverEpoch: takeover.epoch, lastFbCheckpointBeforeContJs: lastByFb.js,
      checkpointRevisions: ckpts.length, leaseRevisions: leases.length, faRefusedCheckpoints: failuresAfter - failuresBefore,
      leaseLostLoggedAfterContMs: round(leaseLostMs), samples: exact.samples,
    });
  });
});
