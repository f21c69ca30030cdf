// A sample's turn that fails: the worker replays the partition (worker.ts #replay). Its runner
// has dispatched the sample, so nothing else would deliver it again while this generation owns
// the partition; the replay restarts the partition's consumer from its persisted record under a
// new generation. Forced here: after the worker loses and takes back its leases, the reload of
// one stream (its first sample of the new generation) reads its checkpoint and the read fails
// with an error that is not transient (not waited out as in worker.reload.test.ts), so the turn fails.

import { afterEach, describe, expect, test } from 'vitest';
import { BUS_ERR, BusError } from '@carousel/bus';
import { withKvFaults } from '@carousel/bus/testing';
import { Cleanup, collectPredictions, expectEveryStreamBitIdentical, failingReads, mappedInProc, publishSamples, reloadAfterLeaseLoss, startOwningWorker, until } from './test-util.ts';

const P = 2;
const N = 40;
const STREAMS = ['replay-a', 'replay-b', 'replay-c'];
const FAILING = 'replay-b';
const CFG = { model: { hidden: 6, seed: 11 } };

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Reads of the failing stream's checkpoint refused with a code that is not transient (not TIMEOUT, NO_RESPONDERS or CONNECTION). */
const refusedReads = (): ReturnType<typeof failingReads> => failingReads((k) => k.includes(FAILING), (k) => new BusError(BUS_ERR.CONFIG, `KV get carousel_state/${k}: refused (injected)`));

const xs = (stream: string): number[][] => Array.from({ length: N }, (_, i) => [Math.sin(i / 5 + stream.charCodeAt(7)), Math.cos(i / 7)]);

describe('a failed sample turn replays its partition (in-process transport)', () => {
  test('the sample whose reload failed is delivered again, and every stream ends bit-identical to one feed of each sample', async () => {
    const inner = mappedInProc(P);
    const reads = refusedReads();
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));
    // No checkpoint before the leases are lost (one every 1,000 samples): the new generation replays
    // every stream from its first sample, so the reload that fails is for a sample no checkpoint covers
    // (with checkpoints, it could fall on a covered redelivery of the stream, and nothing would be lost).
    await reloadAfterLeaseLoss(cleanup, inner, P, data, CFG, 'replay', reads, 1, 1_000);

    await expectEveryStreamBitIdentical(inner, data, CFG);
    expect(reads.failed).toBe(1);
  }, 60_000);

  test('an actor that stops after maxRestarts failed activations fails its queued samples, and the replay applies them once', async () => {
    // Idle passivation at 300 ms: the streams passivate (checkpoint) between the two halves, so the
    // second half's first sample of the failing stream activates it, and that read fails 3 times:
    // maxRestarts 2, so the actor stops, its queued samples fail, and #replay delivers them again.
    const inner = mappedInProc(P);
    const reads = refusedReads();
    const t = withKvFaults(inner, 'carousel_state', reads);
    const w = await startOwningWorker(cleanup, inner, t, {
      partitions: P, leaseTtlMs: 2_000, heartbeatMs: 100, workerId: 'stopped',
      idleMs: 300, checkpointEverySamples: 8, checkpointEveryMs: 3_600_000, stream: CFG,
      maxRestarts: 2, restartBackoffMs: 10,
    });
    const out = collectPredictions(inner, STREAMS);
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));

    await publishSamples(inner, data, 0, 20);
    await until('predictions up to 20', () => STREAMS.every((s) => out.get(s)!.length >= 20));
    await until('every stream passivated (idle)', () => w.actorCounters().active === 0 && w.actorCounters().passivatedTotal >= STREAMS.length);
    reads.arm(3); // the first activation and its 2 restarts
    await publishSamples(inner, data, 20, N);
    await until('the injected read failures used', () => reads.left === 0);

    await expectEveryStreamBitIdentical(inner, data, CFG);
    expect(reads.failed).toBe(3);
  }, 60_000);
});
