// Exactly-once effect on state across crashes: a deterministic 4-stream workload is consumed by a
// worker process that is killed with SIGKILL part way (after samples its last checkpoints do not
// cover); a new process takes the partitions over, replays and finishes. Every stream's final
// weights are bit-identical to StreamProcessor fed each sample once, and its sample count is exact.
// The same with two workers, one killed and the other taking over its partitions.

import { afterEach, describe, expect, test } from 'vitest';
import type { Transport } from '@carousel/bus';
import { partitionOf } from '@carousel/protocol';
import { readLease } from '@carousel/worker';
import { printOutputOnFailure, type NatsServer } from '@carousel/test-suites';
import { P, connect, until, control, publish, readCheckpoint, recompute, startNats, startWorker, waitForSeq, workload, type WorkerProc } from './helpers.ts';

const N = 600;
const HALF = 250;
// Checkpoint every 70 samples and never by time: after 250 samples each stream has 40 unsaved.
const CKPT = { CAROUSEL_CHECKPOINT_EVERY: '70', CAROUSEL_CHECKPOINT_EVERY_MS: '600000' };

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

async function expectExact(t: Transport, data: Map<string, ReturnType<typeof workload>>): Promise<void> {
  for (const [stream, samples] of data) {
    await waitForSeq(t, stream, N - 1);
    const snap = await control(t, stream, 'snapshot');
    expect(snap.ok).toBe(true);
    const { body, seq } = await readCheckpoint(t, stream);
    const want = recompute(stream, samples);
    expect(seq).toBe(N - 1);
    expect(body.n, `${stream}: samples learned`).toBe(N);
    expect(body.proc!.stats.samples, `${stream}: samples applied`).toBe(want.samples);
    expect(Buffer.from(body.proc!.model).equals(Buffer.from(want.model)), `${stream}: weights bit-identical`).toBe(true);
  }
}

describe('exactly-once effect on state', () => {
  test('a worker killed with SIGKILL mid-stream and started again ends with weights bit-identical to an uninterrupted run', async () => {
    nats = await startNats();
    client = await connect(nats.url);
    const data = new Map(['s-a', 's-b', 's-c', 's-d'].map((s, i) => [s, workload(s, N, i + 1)]));
    workers.push(await startWorker(nats.url, 'w1', CKPT));
    await publish(client, data, 0, HALF);
    for (const s of data.keys()) await waitForSeq(client, s, HALF - 1);
    await workers[0]!.proc.kill('SIGKILL');
    // Duplicates by msg id are dropped by JetStream; the rest arrives while no worker runs.
    await publish(client, data, HALF - 20, N);
    workers.push(await startWorker(nats.url, 'w2', CKPT));
    await expectExact(client, data);
  });

  test('a second worker takes half the partitions with their state, then one is killed and the other takes over: still exact', async () => {
    nats = await startNats();
    client = await connect(nats.url);
    const names = ['t-a', 't-b', 't-c', 't-d', 't-e', 't-f'];
    const data = new Map(names.map((s, i) => [s, workload(s, N, i + 11)]));
    // eslint-disable-next-line prefer-const -- assigned after the closures below that read it
    let leases: Awaited<ReturnType<Transport['kv']>>;
    const owners = async (): Promise<string[]> => {
      const out: string[] = [];
      for (let p = 0; p < P; p++) {
        const e = await leases.get(`p.${p}`);
        out.push(e === null ? '' : readLease(e.value).owner);
      }
      return out;
    };
    // wa alone learns the first 200 samples of every stream (checkpoints every 70: some unsaved).
    workers.push(await startWorker(nats.url, 'wa', CKPT));
    leases = await client.kv('carousel_leases');
    await publish(client, data, 0, 200);
    for (const s of data.keys()) await waitForSeq(client, s, 199);
    // wb joins: wa hands half the partitions over gracefully (flushing their streams' checkpoints).
    workers.push(await startWorker(nats.url, 'wb', CKPT));
    await until('partitions split 8/8', async () => {
      const o = await owners();
      return o.filter((x) => x === 'wa').length === P / 2 && o.filter((x) => x === 'wb').length === P / 2;
    }, 20_000, 100);
    await publish(client, data, 200, 400);
    for (const s of data.keys()) await waitForSeq(client, s, 399);
    // Kill the owner of the first stream's partition; the survivor must end up with all 16.
    const o = await owners();
    expect(new Set(names.map((s) => o[partitionOf(s, P)])).size, 'streams on both workers').toBe(2);
    const victim = o[partitionOf(names[0]!, P)]!;
    const survivor = victim === 'wa' ? 'wb' : 'wa';
    await workers[victim === 'wa' ? 0 : 1]!.proc.kill('SIGKILL');
    await publish(client, data, 400, N);
    await until('survivor owns every partition', async () => (await owners()).every((x) => x === survivor), 20_000, 100);
    await expectExact(client, data);
  });
});
