// Model groups against a real nats-server (infra/nats/single.conf, with its group mapping): three
// members of one group share a model; the worker is killed with SIGKILL part way (after samples
// its last group record does not cover), a new one replays, and the group's final weights are
// bit-identical to an in-process recomputation that fed every sample once, in the same order,
// although the restarted worker steps the members batched (group-steps.ts) and the recomputation
// one sample at a time.

import { afterEach, describe, expect, test } from 'vitest';
import { Packr } from 'msgpackr';
import type { Transport } from '@carousel/bus';
import { encodeSample } from '@carousel/protocol';
import { groupModelBytes, groupRecordKey, type GroupRecord, parseGroups, parseStreamConfig, replayGroup, unpackGroupRecord } from '@carousel/worker';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { STREAM_CONFIG, connect, control, metric, startNats, startWorker, waitForSeq, workload, type WorkerProc } from './helpers.ts';

const N = 300;
const HALF = 120;
// minBatch 2: three members' steps run batched (Trainer.stepMany) from two on (the default is 8)
const GROUPS = [{ name: 'pumps', pattern: 'pump-*', minBatch: 2 }];
const ENV = { CAROUSEL_CHECKPOINT_EVERY: '70', CAROUSEL_CHECKPOINT_EVERY_MS: '600000', CAROUSEL_GROUPS: JSON.stringify(GROUPS) };
const MEMBERS = ['pump-a', 'pump-b', 'pump-c'];

let nats: NatsServer | undefined;
let client: Transport | undefined;
let workers: WorkerProc[] = [];
printOutputOnFailure(() => [nats, ...workers.map((w) => w.proc)].filter((x) => x !== undefined));
afterEach(async () => {
  for (const w of workers) await w.proc.close();
  workers = [];
  await client?.close();
  await nats?.close();
  client = undefined;
  nats = undefined;
});

/** Samples [from, to) of every member, interleaved by index, one at a time so JetStream keeps this order. */
async function publish(t: Transport, data: Map<string, ReturnType<typeof workload>>, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    for (const [stream, samples] of data) {
      const s = samples[i]!;
      await t.jsPublish(`carousel.g.pumps.${stream}`, encodeSample({ v: 1, stream, seq: s.seq, ts: s.ts, x: s.x }), { msgId: `${stream}-${s.seq}` });
    }
  }
}

/** The group's record as stored in KV (inline: it is far below the KV size limit here). */
async function readGroupRecord(t: Transport): Promise<GroupRecord> {
  const entry = await (await t.kv('carousel_state')).get(groupRecordKey('pumps'));
  if (entry === null) throw new Error('no record for group pumps');
  const env = new Packr({ useRecords: false, moreTypes: true }).unpack(entry.value) as { b?: Uint8Array };
  if (env.b === undefined) throw new Error('group record is not inline in KV');
  return unpackGroupRecord(env.b);
}

describe('model groups: exactly-once effect on the shared model', () => {
  test('a worker killed with SIGKILL mid-stream and restarted ends with group weights bit-identical to an undisturbed recomputation', async () => {
    nats = await startNats();
    client = await connect(nats.url);
    const data = new Map(MEMBERS.map((s, i) => [s, workload(s, N, i + 21)]));
    workers.push(await startWorker(nats.url, 'g1', ENV));
    await publish(client, data, 0, HALF);
    for (const s of MEMBERS) await waitForSeq(client, s, HALF - 1);
    // Checkpoints are by count (every 70 group samples, no timer): the record covers 350 of the
    // 360 applied samples, so the kill below loses applied state that only a replay can restore.
    const before = await readGroupRecord(client);
    expect(before.n, 'group samples covered by the record at the kill').toBe(Math.floor((HALF * MEMBERS.length) / 70) * 70);
    expect(before.n).toBeLessThan(HALF * MEMBERS.length);
    await workers[0]!.proc.kill('SIGKILL');
    // Redelivered msg ids are dropped by JetStream; the rest arrives while no worker runs.
    await publish(client, data, HALF - 10, N);
    workers.push(await startWorker(nats.url, 'g2', ENV));
    for (const s of MEMBERS) await waitForSeq(client, s, N - 1);
    expect((await control(client, 'pump-a', 'snapshot')).ok).toBe(true);

    const rec = await readGroupRecord(client);
    const order = Array.from({ length: N }, (_, i) => MEMBERS.map((stream) => ({ stream, ...data.get(stream)![i]! }))).flat();
    const want = replayGroup(parseGroups(GROUPS, parseStreamConfig(STREAM_CONFIG))[0]!.cfg, order);
    expect(rec.n, 'samples learned by the group').toBe(N * MEMBERS.length);
    for (const s of MEMBERS) expect(rec.members[s]!.proc.stats.samples, `${s}: samples applied`).toBe(N);
    expect(Buffer.from(rec.model!).equals(Buffer.from(groupModelBytes(want)!)), 'group weights and member states bit-identical').toBe(true);
    for (const [k, m] of want.members) expect(rec.members[k]!.proc, `${k}: processor (normaliser, scorer, forecast, counters)`).toEqual(m.proc.snapshot());
    // the restarted worker found a backlog and stepped the members batched (3 members: up to 3 a batch)
    const steps = await metric(workers[1]!.metricsUrl, 'carousel_worker_group_batch_steps_sum');
    const batches = await metric(workers[1]!.metricsUrl, 'carousel_worker_group_batch_steps_count');
    expect(steps, 'member steps taken by the restarted worker').toBeGreaterThan(0);
    expect(batches, 'batches of member steps').toBeLessThan(steps);
  });
});
