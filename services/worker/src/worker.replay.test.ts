// A sample's turn that fails: the worker replays the partition (worker.ts #replay). Its runner
// has dispatched the sample, so nothing else would deliver it again while this generation owns
// the partition; the replay restarts the partition's consumer from its persisted record under a
// new generation. Forced here: after the worker loses and takes back its leases, the reload of
// one stream (its first sample of the new generation) reads its checkpoint and the read fails
// with an error that is not transient (not waited out as in worker.reload.test.ts), so the turn fails.

import { afterEach, describe, expect, test } from 'vitest';
import { BUS_ERR, BusError } from '@carousel/bus';
import { withKvFaults, withStallableRenewals, type RenewalControl } from '@carousel/bus/testing';
import { Cleanup, checkpointVsReplay, collectPredictions, mappedInProc, publishSamples, snapshotAt, startOwningWorker, until } from './test-util.ts';

const P = 2;
const N = 40;
const STREAMS = ['replay-a', 'replay-b', 'replay-c'];
const FAILING = 'replay-b';
const CFG = { model: { hidden: 6, seed: 11 } };

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const xs = (stream: string): number[][] => Array.from({ length: N }, (_, i) => [Math.sin(i / 5 + stream.charCodeAt(7)), Math.cos(i / 7)]);

describe('a failed sample turn replays its partition (in-process transport)', () => {
  test('the sample whose reload failed is delivered again, and every stream ends bit-identical to one feed of each sample', async () => {
    const inner = mappedInProc(P);
    const ctl: RenewalControl = { stall: false, refused: new Set() };
    let failReads = 0;
    let failedReads = 0;
    const t = withKvFaults(withStallableRenewals(inner, 'carousel_leases', ctl), 'carousel_state', {
      get: (k) => {
        if (failReads === 0 || !k.includes(FAILING)) return undefined;
        failReads--;
        failedReads++;
        return new BusError(BUS_ERR.CONFIG, `KV get carousel_state/${k}: refused (injected)`); // not TIMEOUT, NO_RESPONDERS or CONNECTION
      },
    });
    // Short leases; a checkpoint every 8 samples, so the new generation has samples to replay; no passivation.
    const w = await startOwningWorker(cleanup, inner, t, {
      partitions: P, leaseTtlMs: 500, heartbeatMs: 50, workerId: 'replay',
      idleMs: 600_000, checkpointEverySamples: 8, checkpointEveryMs: 3_600_000, stream: CFG,
    });
    const out = collectPredictions(inner, STREAMS);
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));

    // 1. 20 samples each, then every lease is lost (renewals stall past the TTL).
    await publishSamples(inner, data, 0, 20);
    await until('predictions up to 20', () => STREAMS.every((s) => out.get(s)!.length >= 20));
    ctl.stall = true;
    await until('every lease lost', () => w.partitions().length === 0);

    // 2. The leases come back under a new generation; the failing stream's first reload read fails once.
    failReads = 1;
    ctl.stall = false;
    await until('every partition owned again', () => w.partitions().length === P);
    await publishSamples(inner, data, 20, N);
    await until('the injected read failure used', () => failReads === 0);

    for (const [s, x] of data) {
      await snapshotAt(inner, s, N - 1);
      const c = await checkpointVsReplay(inner, s, x, CFG);
      expect(c.samples, `${s}: samples applied`).toBe(c.refSamples);
      expect(c.bitIdentical, `${s}: weights bit-identical`).toBe(true);
    }
    expect(failedReads).toBe(1);
  }, 60_000);

  test('an actor that stops after maxRestarts failed activations fails its queued samples, and the replay applies them once', async () => {
    // Idle passivation at 300 ms: the streams passivate (checkpoint) between the two halves, so the
    // second half's first sample of the failing stream activates it, and that read fails 3 times:
    // maxRestarts 2, so the actor stops, its queued samples fail, and #replay delivers them again.
    const inner = mappedInProc(P);
    let failReads = 0;
    let failedReads = 0;
    const t = withKvFaults(inner, 'carousel_state', {
      get: (k) => {
        if (failReads === 0 || !k.includes(FAILING)) return undefined;
        failReads--;
        failedReads++;
        return new BusError(BUS_ERR.CONFIG, `KV get carousel_state/${k}: refused (injected)`);
      },
    });
    await startOwningWorker(cleanup, inner, t, {
      partitions: P, leaseTtlMs: 2_000, heartbeatMs: 100, workerId: 'stopped',
      idleMs: 300, checkpointEverySamples: 8, checkpointEveryMs: 3_600_000, stream: CFG,
      maxRestarts: 2, restartBackoffMs: 10,
    });
    const out = collectPredictions(inner, STREAMS);
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));

    await publishSamples(inner, data, 0, 20);
    await until('predictions up to 20', () => STREAMS.every((s) => out.get(s)!.length >= 20));
    await new Promise((r) => setTimeout(r, 1_000)); // idle: every stream passivates
    failReads = 3; // the first activation and its 2 restarts
    await publishSamples(inner, data, 20, N);
    await until('the injected read failures used', () => failReads === 0);

    for (const [s, x] of data) {
      await snapshotAt(inner, s, N - 1);
      const c = await checkpointVsReplay(inner, s, x, CFG);
      expect(c.samples, `${s}: samples applied`).toBe(c.refSamples);
      expect(c.bitIdentical, `${s}: weights bit-identical`).toBe(true);
    }
    expect(failedReads).toBe(3);
  }, 60_000);
});
