// The lease-churn race, forced: a stream passivates while the lease fence refuses checkpoint
// writes (renewals failing, not yet lost) and its partition's generation still owns it. Nothing
// will replay its unsaved samples (the consumer has moved past them), so the worker must keep the
// stream in memory and retry the passivation once writes are allowed again (24def45). Renewal
// failures are injected by a wrapper around the in-process transport's lease bucket.

import { afterEach, describe, expect, test } from 'vitest';
import { withStallableRenewals, type RenewalControl } from '@carousel/bus/testing';
import { decodeControlReply, encodeControlRequest } from '@carousel/protocol';
import { Cleanup, checkpointVsReplay, collectPredictions, mappedInProc, publishSamples, startOwningWorker, until } from './test-util.ts';

const P = 4;
const N = 60;
const STREAMS = ['churn-a', 'churn-b', 'churn-c'];
const CFG = { model: { hidden: 6, seed: 5 } };

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const xs = (stream: string): number[][] => Array.from({ length: N }, (_, i) => [Math.sin(i / 5 + stream.length + stream.charCodeAt(6)), Math.cos(i / 7)]);

describe('lease churn (in-process transport)', () => {
  test('a stream passivating while the fence refuses its checkpoint keeps its unsaved samples: weights bit-identical to feeding each sample once', async () => {
    const inner = mappedInProc(P);
    const ctl: RenewalControl = { stall: false, refused: new Set() };
    const t = withStallableRenewals(inner, 'carousel_leases', ctl);
    // A long TTL: renewals may fail for seconds without the lease being lost (the generation
    // stays); idle passivation after 100 ms (the actor system looks every second); checkpoints
    // only on passivation and snapshot.
    const w = await startOwningWorker(cleanup, inner, t, {
      partitions: P, leaseTtlMs: 20_000, heartbeatMs: 100, workerId: 'churn',
      idleMs: 100, checkpointEverySamples: 1_000_000, checkpointEveryMs: 3_600_000, stream: CFG,
    });
    const out = collectPredictions(inner, STREAMS);
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));
    const publish = async (from: number, to: number): Promise<void> => {
      await publishSamples(inner, data, from, to);
      await until(`predictions up to ${to}`, () => STREAMS.every((s) => out.get(s)!.length >= to));
    };
    const failures = async (): Promise<number> => (await w.metrics.checkpointFailures.get()).values.reduce((a, v) => a + v.value, 0);
    const passivated = (): number => w.actorCounters().passivatedTotal;

    // 1. Learn 20 samples each; the streams passivate to their checkpoints (the fence allows).
    await publish(0, 20);
    await until('first passivations', () => passivated() >= STREAMS.length && w.actorCounters().active === 0);
    const passivatedBefore = passivated();

    // 2. Renewals start failing: every lease is still ours (same generation) but not renewed, so
    //    the fence refuses writes. 20 more samples each, then let the streams go idle: their
    //    passivation checkpoints are refused.
    ctl.stall = true;
    await until('a refused renewal of every lease', () => ctl.refused.size === P);
    const failuresBefore = await failures();
    await publish(20, 40);
    await until('refused passivation checkpoints', async () => (await failures()) >= failuresBefore + STREAMS.length);
    expect(w.partitions(), 'leases still held').toEqual([0, 1, 2, 3]);

    // 3. Renewals succeed again; the kept streams passivate now, with their samples up to 39.
    ctl.stall = false;
    await until('passivations after the fence lifts', () => w.actorCounters().active === 0);
    expect(passivated() - passivatedBefore).toBe(STREAMS.length);

    // 4. The rest of the samples: every stream reactivates from its checkpoint.
    await publish(40, N);
    for (const [s, x] of data) {
      const r = decodeControlReply((await inner.request(`carousel.ctl.${s}`, encodeControlRequest({ v: 1, op: 'snapshot', stream: s }))).data);
      expect(r, `${s}: snapshot`).toMatchObject({ ok: true, value: { ok: true, seq: N - 1 } });
      const c = await checkpointVsReplay(inner, s, x, CFG);
      expect(c.n, `${s}: samples learned`).toBe(N);
      expect(c.samples, `${s}: samples applied`).toBe(c.refSamples);
      expect(c.bitIdentical, `${s}: weights bit-identical`).toBe(true);
    }
  }, 60_000);
});
