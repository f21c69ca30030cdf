// Checkpoint writes whose reply is lost: the KV committed the write and then failed to answer
// (a KV leader killed between its commit and its reply). The worker saw an error, so its next
// write expects the old revision and is refused as if another worker had written. That write is
// its own: it must carry on from the state in memory, not reload the older state the landed
// write holds (which loses every sample applied since). Found by the 3-node chaos test
// (test/chaos/cluster-leader.test.ts), where a stream lost 245 samples after the KV leader's kill.

import { Packr } from 'msgpackr';
import { afterEach, describe, expect, test } from 'vitest';
import { InProcTransport } from '@carousel/bus';
import { lostRepliesAt, withKvFaults } from '@carousel/bus/testing';
import { encodeSample } from '@carousel/protocol';
import { groupModelBytes, groupRecordKey, replayGroup, unpackGroupRecord } from './group-actor.ts';
import { groupSubjects, parseGroups } from './groups.ts';
import { parseStreamConfig } from './stream-config.ts';
import { Cleanup, checkpointVsReplay, collectPredictions, mappedInProc, publishSamples, snapshotAt, startOwningWorker, until } from './test-util.ts';

const P = 2;
const N = 48;
const STREAMS = ['lost-a', 'lost-b', 'lost-c'];
const CFG = { model: { hidden: 6, seed: 5 } };

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const xs = (stream: string): number[][] => Array.from({ length: N }, (_, i) => [Math.sin(i / 5 + stream.charCodeAt(5)), Math.cos(i / 11)]);

describe('checkpoint writes whose reply is lost (in-process transport)', () => {
  test('the next write adopts the landed one: no sample lost or applied twice, weights bit-identical to one feed of each', async () => {
    const inner = mappedInProc(P);
    // Each stream's 1st (a create) and 3rd (an update) checkpoint writes land without a reply, and
    // the 2nd write of each partition record.
    const { writes, lost, lostReply } = lostRepliesAt((k) => (k.startsWith('part.') ? [2] : [1, 3]));
    const t = withKvFaults(inner, 'carousel_state', { lostReply });
    const w = await startOwningWorker(cleanup, inner, t, {
      partitions: P, leaseTtlMs: 5_000, heartbeatMs: 50, workerId: 'lost',
      idleMs: 600_000, checkpointEverySamples: 8, checkpointEveryMs: 3_600_000, stream: CFG,
    });
    const out = collectPredictions(inner, STREAMS);
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));
    // In three batches, each closed by a snapshot of every stream: each stream's 3rd write lands
    // whatever the periodic writes did (a failed one is retried only after 50 ms, by which time
    // an in-process feed of all 48 samples may be over).
    for (let from = 0; from < N; from += N / 3) {
      await publishSamples(inner, data, from, from + N / 3);
      await until('every prediction', () => STREAMS.every((s) => out.get(s)!.length === from + N / 3));
      for (const s of STREAMS) await snapshotAt(inner, s, from + N / 3 - 1);
    }

    for (const [s, x] of data) {
      expect(writes.get(s), `${s}: writes landed`).toBeGreaterThanOrEqual(3);
      const c = await checkpointVsReplay(inner, s, x, CFG);
      expect(c.samples, `${s}: samples applied`).toBe(N);
      expect(c.refSamples).toBe(N);
      expect(c.bitIdentical, `${s}: weights bit-identical`).toBe(true);
      expect(lost.get(s), `${s}: replies lost`).toBe(2);
    }
    // The partition records kept moving after their lost reply: replay would start near the end.
    for (let p = 0; p < P; p++) {
      await until(`part.${p} written after its lost reply`, () => (writes.get(`part.${p}`) ?? 0) >= 3);
      expect(lost.get(`part.${p}`), `part.${p}: reply lost`).toBe(1);
    }
    expect(w.partitions().length).toBe(P);
  }, 60_000);

  test("a model group's record: its next write adopts the landed one; the drained record equals one feed of every sample", async () => {
    const P2 = 4;
    const groups = [{ name: 'pumps', pattern: 'pump-*', stream: { model: { hidden: 6, seed: 3, k1: 2, k2: 8 } } }];
    const gs = groupSubjects('carousel', P2);
    const inner = new InProcTransport({ mappings: { 'carousel.in.*': `carousel.p.{{partition(${P2},1)}}.{{wildcard(1)}}`, [gs.mapping.source]: gs.mapping.destination } });
    const key = groupRecordKey('pumps');
    const { lost, lostReply } = lostRepliesAt((k) => (k === key ? [1, 3] : []));
    const w = await startOwningWorker(cleanup, inner, withKvFaults(inner, 'carousel_state', { lostReply }), {
      partitions: P2, leaseTtlMs: 5_000, heartbeatMs: 50, workerId: 'lost-g',
      idleMs: 600_000, checkpointEverySamples: 8, checkpointEveryMs: 3_600_000, groups,
    });
    const members = ['pump-1', 'pump-2', 'pump-3'];
    const all = Array.from({ length: 20 }, (_, i) => members.map((stream, k) => ({ stream, seq: i, x: [Math.sin(i / (3 + k)), Math.cos(i / 7)] }))).flat();
    const out = collectPredictions(inner, members);
    // In batches closed by a snapshot, as above: the record's 3rd write lands before the drain.
    for (const [from, to] of [[0, 7], [7, 14], [14, 20]] as const) {
      for (const s of all.filter((a) => a.seq >= from && a.seq < to)) await inner.jsPublish(`carousel.g.pumps.${s.stream}`, encodeSample({ v: 1, stream: s.stream, seq: s.seq, x: s.x }));
      await until('every prediction', () => members.every((s) => out.get(s)!.length === to));
      await snapshotAt(inner, 'pump-1', to - 1);
    }
    await w.drain();
    const e = (await (await inner.kv('carousel_state')).get(key))!;
    const rec = unpackGroupRecord((new Packr({ useRecords: false, moreTypes: true }).unpack(e.value) as { b: Uint8Array }).b);
    const want = replayGroup(parseGroups(groups, parseStreamConfig())[0]!.cfg, all);
    expect(lost.get(key), 'group record replies lost').toBe(2);
    expect(rec.n, 'samples applied').toBe(all.length);
    expect(Buffer.from(rec.model!).equals(Buffer.from(groupModelBytes(want)!)), 'group weights bit-identical').toBe(true);
  }, 60_000);
});
