// `delete` on the in-process transport: a stream's model, state, config and checkpoint go, it
// leaves `list`, and its tombstone keeps a replay after a crash from learning its deleted samples
// again until the partition record has passed them. (Real NATS and the CLI: test/worker/cli.test.ts.)

import { afterEach, describe, expect, test } from 'vitest';
import { BUS_ERR, BusError, type BusMsg, type InProcTransport, type KvStore, type Transport } from '@carousel/bus';
import { withKvFaults } from '@carousel/bus/testing';
import { decodeControlReply, decodeInferReply, encodeControlRequest, encodeInferRequest, encodeSample, type ControlReply, type ControlRequest } from '@carousel/protocol';
import { CheckpointStore, goneKey, type Tombstone } from './checkpoint.ts';
import { Cleanup, collectPredictions, mappedInProc, until } from './test-util.ts';
import { Worker } from './worker.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

// One partition: every stream's messages share the record's low, which `anchor` (one sample, never
// checkpointed on its own) holds at 0 until it is snapshotted.
const P = 1;
const DEFAULT = { model: { hidden: 8, seed: 1 } };

async function startWorker(t: Transport, workerId: string): Promise<Worker> {
  const w = new Worker({
    transport: t, partitions: P, leaseTtlMs: 600, heartbeatMs: 100, metricsPort: null, log: false, workerId,
    checkpointEverySamples: 1_000_000, checkpointEveryMs: 3_600_000, stream: DEFAULT,
  });
  await w.start();
  cleanup.push(() => w.close());
  await until('the partition owned', () => w.partitions().length === P);
  return w;
}

/** A transport (closed last), worker w1 on it (or on `wrap` of it), its state bucket and the predictions of `streams`. */
async function bus(streams: readonly string[], wrap: (t: InProcTransport) => Transport = (t) => t): Promise<{ t: InProcTransport; w1: Worker; kv: KvStore; out: Map<string, BusMsg[]> }> {
  const t = mappedInProc(P);
  cleanup.push(() => t.close());
  const out = collectPredictions(t, streams);
  const w1 = await startWorker(wrap(t), 'w1');
  return { t, w1, kv: await t.kv('carousel_state'), out };
}

/** The streams the partition's tombstone record names (P = 1: partition 0). */
async function buried(kv: KvStore): Promise<string[]> {
  const e = await kv.get(goneKey(0));
  return e === null ? [] : Object.keys((JSON.parse(new TextDecoder().decode(e.value)) as { streams: Record<string, Tombstone> }).streams).sort();
}

async function control(t: InProcTransport, req: ControlRequest): Promise<ControlReply> {
  const d = decodeControlReply((await t.request(req.op === 'list' ? 'carousel.ctl' : `carousel.ctl.${req.stream}`, encodeControlRequest(req))).data);
  if (!d.ok) throw new Error(d.reject.msg);
  return d.value;
}

async function listed(t: InProcTransport): Promise<readonly string[]> {
  const r = await control(t, { v: 1, op: 'list' });
  return r.ok && r.op === 'list' ? r.streams : [];
}

async function inspect(t: InProcTransport, stream: string): Promise<{ n: number; seq: number | null; cfg: unknown }> {
  const r = await control(t, { v: 1, op: 'inspect', stream });
  if (!(r.ok && r.op === 'inspect')) throw new Error(`inspect ${stream}: ${JSON.stringify(r)}`);
  return r.info;
}

/** Samples from..to-1 of `stream`; `life` tells a deleted stream's new samples from its old ones (message ids). */
async function feed(t: InProcTransport, stream: string, from: number, to: number, dims = 2, life = 0): Promise<void> {
  for (let i = from; i < to; i++) {
    await t.jsPublish(`carousel.in.${stream}`, encodeSample({ v: 1, stream, seq: i, x: Array.from({ length: dims }, (_, k) => Math.sin(i / 4 + k)) }), { msgId: `${stream}-${life}-${i}` });
  }
}

describe('delete (in-process transport)', () => {
  test('forgets model, state, config and checkpoint; the stream leaves list, and a later sample starts it anew under the default config', async () => {
    const { t, kv, out } = await bus(['gone', 'kept']);
    expect(await control(t, { v: 1, op: 'configure', stream: 'gone', cfg: { model: { hidden: 4, seed: 3 }, horizon: 2 } })).toMatchObject({ ok: true, mv: 1 });
    await feed(t, 'gone', 0, 12);
    await feed(t, 'kept', 0, 12);
    await until('24 predictions', () => out.get('gone')!.length === 12 && out.get('kept')!.length === 12);
    expect(await control(t, { v: 1, op: 'snapshot', stream: 'gone' })).toMatchObject({ ok: true, seq: 11 });
    expect(await listed(t)).toEqual(['gone', 'kept']);

    expect(await control(t, { v: 1, op: 'delete', stream: 'gone' })).toEqual({ v: 1, ok: true, op: 'delete', stream: 'gone', mv: 2 });
    expect(await kv.get('gone')).toBeNull();
    expect(await listed(t)).toEqual(['kept']);
    const info = await inspect(t, 'gone');
    expect([info.n, info.seq]).toEqual([0, null]);
    expect(info.cfg).toMatchObject({ horizon: 1, model: { hidden: 8 } }); // the worker's default again
    const infer = decodeInferReply((await t.request('carousel.infer.gone', encodeInferRequest({ v: 1, stream: 'gone', x: [0, 0] }))).data);
    expect(infer).toMatchObject({ ok: true, value: { ok: false, code: 'WORKER_ERR_UNKNOWN_STREAM' } });
    expect(await inspect(t, 'kept')).toMatchObject({ n: 12, seq: 11 }); // the other stream goes on

    // A later sample: a new stream, any dimension, seq from 0 again.
    await feed(t, 'gone', 0, 3, 3, 1);
    await until('the new stream\'s predictions', () => out.get('gone')!.length === 15);
    expect(await inspect(t, 'gone')).toMatchObject({ n: 3, seq: 2, cfg: { horizon: 1 } });
    expect(await listed(t)).toEqual(['gone', 'kept']);
  });

  test('after a crash, the replay skips the deleted samples (tombstone); once the record passes them the tombstone is dropped', async () => {
    const { t, w1, kv, out } = await bus(['anchor', 'doomed', 'control']);
    await feed(t, 'anchor', 0, 1); // dirty from here on: the record's low stays below everything after it
    await feed(t, 'doomed', 0, 20);
    await feed(t, 'control', 0, 20);
    await until('41 predictions', () => out.get('doomed')!.length === 20 && out.get('control')!.length === 20 && out.get('anchor')!.length === 1);
    for (const s of ['doomed', 'control']) expect(await control(t, { v: 1, op: 'delete', stream: s })).toMatchObject({ ok: true, op: 'delete' });
    expect(await buried(kv)).toEqual(['control', 'doomed']);
    await w1.close(); // a crash: no drain, the leases expire
    // The negative control: `control` loses its tombstone, so nothing marks its samples deleted.
    const store = new CheckpointStore(kv, await t.objectStore('carousel_blobs'), 1 << 20);
    const { gone, revision } = await store.loadTombstones(0);
    gone.delete('control');
    await store.saveTombstones(0, gone, revision);

    for (const m of out.values()) m.length = 0;
    const w2 = await startWorker(t, 'w2');
    await until('the replay of anchor and control', () => out.get('anchor')!.length === 1 && out.get('control')!.length === 20);
    expect(out.get('doomed')).toHaveLength(0);
    expect(await inspect(t, 'doomed')).toMatchObject({ n: 0, seq: null });
    expect(await inspect(t, 'control')).toMatchObject({ n: 20, seq: 19 }); // what a replay does without a tombstone
    expect(await listed(t)).toEqual(['anchor', 'control']);

    // anchor checkpointed: the record's low moves past doomed's samples, and the tombstone goes.
    expect(await control(t, { v: 1, op: 'snapshot', stream: 'anchor' })).toMatchObject({ ok: true });
    await until('the tombstone dropped', async () => (await buried(kv)).length === 0);
    expect(w2.partitions()).toEqual([0]);
    expect(await listed(t)).toEqual(['anchor', 'control']);
  });

  test('a delete whose checkpoint removal did not land holds after a restart (the tombstone names that checkpoint), and is finished before the tombstone goes', async () => {
    const { t, w1, kv, out } = await bus(['half', 'stale']);
    await feed(t, 'half', 0, 10);
    await feed(t, 'stale', 0, 10);
    await until('20 predictions', () => out.get('half')!.length === 10 && out.get('stale')!.length === 10);
    for (const s of ['half', 'stale']) await control(t, { v: 1, op: 'snapshot', stream: s });
    await w1.drain();
    await w1.close();
    // As if the delete crashed between its two writes: the tombstone in, the checkpoint still there.
    // `stale`'s tombstone names an older revision: its checkpoint was written after, so it stands.
    const store = new CheckpointStore(kv, await t.objectStore('carousel_blobs'), 1 << 20);
    const half = (await store.load('half'))!;
    const stale = (await store.load('stale'))!;
    await store.saveTombstones(0, new Map([['half', { js: half.envelope.js, rev: half.revision }], ['stale', { js: stale.envelope.js, rev: stale.revision - 1 }]]), 0);

    await startWorker(t, 'w2');
    expect(await inspect(t, 'half')).toMatchObject({ n: 0, seq: null });
    expect(await inspect(t, 'stale')).toMatchObject({ n: 10, seq: 9 });
    // The record is past both (w1 drained): the tombstones go, and half's delete is finished first.
    await until('both tombstones dropped', async () => (await buried(kv)).length === 0);
    expect(await kv.get('half')).toBeNull();
    expect(await store.load('stale')).toMatchObject({ revision: stale.revision });
    expect(await listed(t)).toEqual(['stale']);
    await feed(t, 'half', 0, 2, 2, 1);
    await until('half anew', () => out.get('half')!.length === 12);
    expect(await control(t, { v: 1, op: 'snapshot', stream: 'half' })).toMatchObject({ ok: true, seq: 1 });
    expect((await store.load('half'))!.body.n).toBe(2);
  });

  test('a delete whose checkpoint removal fails answers WORKER_ERR_CHECKPOINT, leaves the stream deleted in memory all the same, and holds once retried', async () => {
    let refuse = true;
    const { t, kv, out } = await bus(['flaky'], (inner) => withKvFaults(inner, 'carousel_state', {
      delete: (k) => (refuse && k === 'flaky' ? new BusError(BUS_ERR.TIMEOUT, 'KV delete timed out (injected)') : undefined),
    }));
    await feed(t, 'flaky', 0, 6);
    await until('6 predictions', () => out.get('flaky')!.length === 6);
    expect(await control(t, { v: 1, op: 'snapshot', stream: 'flaky' })).toMatchObject({ ok: true });

    expect(await control(t, { v: 1, op: 'delete', stream: 'flaky' })).toMatchObject({ ok: false, op: 'delete', code: 'WORKER_ERR_CHECKPOINT' });
    expect(await kv.get('flaky')).not.toBeNull(); // not removed
    // Reloaded before its next message: the tombstone names the checkpoint still there.
    expect(await inspect(t, 'flaky')).toMatchObject({ n: 0, seq: null });

    refuse = false;
    expect(await control(t, { v: 1, op: 'delete', stream: 'flaky' })).toMatchObject({ ok: true, op: 'delete' });
    expect(await kv.get('flaky')).toBeNull();
    expect(await listed(t)).toEqual([]);
  });
});
