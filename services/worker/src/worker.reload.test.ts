// A stream's reload after its partition changed generation, forced to fail for a while: the
// worker loses every lease (renewals stalled past the TTL), takes them back under a new
// generation, and the first checkpoint reads of the replayed streams fail as if the KV leader
// were being elected (BUS_ERR_NO_RESPONDERS). The sample that triggered the reload must wait, not
// be dropped: nothing else replays it while the new generation owns the partition. Found by the
// 3-node chaos test (test/chaos/cluster-leader.test.ts), where it lost samples of a stream.

import { afterEach, describe, expect, test } from 'vitest';
import { BUS_ERR, BusError } from '@carousel/bus';
import { Cleanup, expectEveryStreamBitIdentical, failingReads, mappedInProc, reloadAfterLeaseLoss } from './test-util.ts';

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
    // checkpoint reads (stream keys, not partition records) fail as if the KV leader were being elected
    const reads = failingReads((k) => !k.startsWith('part.'), (k) => new BusError(BUS_ERR.NO_RESPONDERS, `KV get carousel_state/${k}: 503 (injected)`));
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));
    await reloadAfterLeaseLoss(cleanup, inner, P, data, CFG, 'reload', reads, 6);

    await expectEveryStreamBitIdentical(inner, data, CFG);
    expect(reads.failed).toBe(6);
  }, 60_000);
});
