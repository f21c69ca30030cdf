// A stream's reload after its partition changed generation, forced to fail for a while: the
// worker loses every lease (renewals stalled past the TTL), takes them back under a new
// generation, and the first checkpoint reads of the replayed streams fail as if the KV leader
// were being elected (BUS_ERR_NO_RESPONDERS). The sample that triggered the reload must wait, not
// be dropped: nothing else replays it while the new generation owns the partition. Found by the
// 3-node chaos test (test/chaos/cluster-leader.test.ts), where it lost samples of a stream.

import { afterEach, describe, expect, test } from 'vitest';
import { BUS_ERR, BusError } from '@carousel/bus';
import { withKvFaults, withStallableRenewals, type RenewalControl } from '@carousel/bus/testing';
import { Cleanup, checkpointVsReplay, collectPredictions, mappedInProc, publishSamples, snapshotAt, startOwningWorker, until } from './test-util.ts';

const P = 2;
const N = 40;
const STREAMS = ['reload-a', 'reload-b', 'reload-c'];
const CFG = { model: { hidden: 6, seed: 9 } };

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const xs = (stream: string): number[][] => Array.from({ length: N }, (_, i) => [Math.cos(i / 4 + stream.charCodeAt(7)), Math.sin(i / 9)]);

describe('reload after a generation change (in-process transport)', () => {
  test('checkpoint reads failing during the reload delay the replayed samples but lose none: weights bit-identical to one feed of each', async () => {
    const inner = mappedInProc(P);
    const ctl: RenewalControl = { stall: false, refused: new Set() };
    let failReads = 0; // checkpoint reads (stream keys, not partition records) still to fail
    let failedReads = 0;
    const t = withKvFaults(withStallableRenewals(inner, 'carousel_leases', ctl), 'carousel_state', {
      get: (k) => {
        if (k.startsWith('part.') || failReads === 0) return undefined;
        failReads--;
        failedReads++;
        return new BusError(BUS_ERR.NO_RESPONDERS, `KV get carousel_state/${k}: 503 (injected)`);
      },
    });
    // Short leases (lost 500 ms after renewals stop); a checkpoint every 8 samples, so the new
    // generation replays the samples after each stream's last one; no passivation.
    const w = await startOwningWorker(cleanup, inner, t, {
      partitions: P, leaseTtlMs: 500, heartbeatMs: 50, workerId: 'reload',
      idleMs: 600_000, checkpointEverySamples: 8, checkpointEveryMs: 3_600_000, stream: CFG,
    });
    const out = collectPredictions(inner, STREAMS);
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));
    const publish = async (from: number, to: number): Promise<void> => {
      await publishSamples(inner, data, from, to);
    };

    // 1. 20 samples each (checkpoints at 8 and 16 samples: 4 unsaved samples per stream).
    await publish(0, 20);
    await until('predictions up to 20', () => STREAMS.every((s) => out.get(s)!.length >= 20));

    // 2. Renewals stall past the TTL: every lease is lost.
    ctl.stall = true;
    await until('every lease lost', () => w.partitions().length === 0);

    // 3. The next checkpoint reads fail; renewals work again, the leases come back under a new
    //    generation, and the replayed samples reach actors that must reload first.
    failReads = 6;
    ctl.stall = false;
    await until('every partition owned again', () => w.partitions().length === P);
    await publish(20, N);
    await until('the injected read failures used', () => failReads === 0);

    for (const [s, x] of data) {
      await snapshotAt(inner, s, N - 1);
      const c = await checkpointVsReplay(inner, s, x, CFG);
      expect(c.samples, `${s}: samples applied`).toBe(c.refSamples);
      expect(c.bitIdentical, `${s}: weights bit-identical`).toBe(true);
    }
    expect(failedReads).toBe(6);
  }, 60_000);
});
