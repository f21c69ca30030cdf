// The checkpoint body codec keeps a processor bit-exact: restoring it and continuing gives the
// same weights and outputs as never stopping.

import { describe, expect, test } from 'vitest';
import { BUS_ERR, BusError, InProcTransport, type BlobStore, type KvStore } from '@carousel/bus';
import { withLostReplies } from '@carousel/bus/testing';
import { CheckpointStore, READ_STREAK, packBody, unpackBody } from './checkpoint.ts';
import { parseStreamConfig } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';

const cfg = parseStreamConfig({ model: { hidden: 8, seed: 7 } });

function feed(p: StreamProcessor, from: number, to: number): number[] {
  const out: number[] = [];
  for (let i = from; i < to; i++) out.push(p.process(i, [Math.sin(i / 5), Math.cos(i / 7)]).forecast[0]![0]!);
  return out;
}

describe('checkpoint body', () => {
  test('round-trips a processor snapshot bit-exactly (typed arrays included)', () => {
    const a = new StreamProcessor(cfg, 2);
    feed(a, 0, 50);
    const snap = a.snapshot();
    const back = unpackBody(packBody({ v: 1, cfg: null, n: 50, proc: snap })).proc!;
    expect(back.model).toBeInstanceOf(Uint8Array);
    expect(Buffer.from(back.model).equals(Buffer.from(snap.model))).toBe(true);
    expect(back.lastForecast).toBeInstanceOf(Float64Array);
    expect(Array.from(back.lastForecast!)).toEqual(Array.from(snap.lastForecast!));
    expect(back.stats).toEqual(snap.stats);
  });

  test('a restored processor continues exactly like the original', () => {
    const a = new StreamProcessor(cfg, 2);
    feed(a, 0, 40);
    const b = new StreamProcessor(cfg, 2, unpackBody(packBody({ v: 1, cfg: null, n: 40, proc: a.snapshot() })).proc!);
    const ya = feed(a, 40, 80);
    const yb = feed(b, 40, 80);
    expect(yb).toEqual(ya);
    expect(Buffer.from(b.snapshot().model).equals(Buffer.from(a.snapshot().model))).toBe(true);
  });
});

describe('checkpoint store', () => {
  test('keeps at most maxInFlight reads and writes in flight; the others wait their turn and all complete', async () => {
    const t = new InProcTransport();
    const inner = await t.ensureKv({ bucket: 'st' });
    let now = 0;
    let peak = 0;
    const gate: (() => void)[] = [];
    // Every KV call waits until the test lets it go, so the in-flight count is observable.
    const held = <T>(p: () => Promise<T>): Promise<T> => {
      peak = Math.max(peak, ++now);
      return new Promise<void>((r) => gate.push(r)).then(p).finally(() => now--);
    };
    const kv: KvStore = { ...inner, bucket: inner.bucket, get: (k) => held(() => inner.get(k)), create: (k, v) => held(() => inner.create(k, v)), update: (k, v, r) => held(() => inner.update(k, v, r)) };
    const store = new CheckpointStore(kv, await t.ensureObjectStore({ bucket: 'bl' }), 1 << 20, 3);
    const body = { v: 1 as const, cfg: null, n: 0, proc: null };
    const all = Promise.all([
      ...Array.from({ length: 5 }, (_, i) => store.save({ stream: `s${i}`, mv: 0, js: i + 1, seq: null }, body, 0, undefined)),
      ...Array.from({ length: 5 }, (_, i) => store.load(`x${i}`)),
    ]);
    while (gate.length > 0 || now > 0) {
      await new Promise((r) => setTimeout(r, 1));
      expect(store.waiting + now).toBeLessThanOrEqual(10);
      gate.splice(0).forEach((go) => go());
    }
    const done = await all;
    expect(peak).toBe(3);
    expect(done.slice(5)).toEqual([null, null, null, null, null]);
    expect((await new CheckpointStore(inner, await t.objectStore('bl'), 1 << 20).load('s4'))!.envelope.js).toBe(5);
    await t.close();
  });

  test('reads go ahead of waiting writes, but every READ_STREAK + 1-th slot in a row goes to a write', async () => {
    const t = new InProcTransport();
    const inner = await t.ensureKv({ bucket: 'st' });
    const order: string[] = [];
    const gate: (() => void)[] = [];
    const held = <T>(key: string, p: () => Promise<T>): Promise<T> => {
      order.push(key);
      return new Promise<void>((r) => gate.push(r)).then(p);
    };
    const kv: KvStore = { ...inner, bucket: inner.bucket, get: (k) => held(k, () => inner.get(k)), create: (k, v) => held(k, () => inner.create(k, v)), update: (k, v, r) => held(k, () => inner.update(k, v, r)) };
    const store = new CheckpointStore(kv, await t.ensureObjectStore({ bucket: 'bl' }), 1 << 20, 1);
    const body = { v: 1 as const, cfg: null, n: 0, proc: null };
    const save = (i: number) => store.save({ stream: `w${i}`, mv: 0, js: i + 1, seq: null }, body, 0, undefined);
    // A wave of writes (passivations), then activations: one write holds the only slot.
    const writes = [0, 1, 2].map(save);
    const reads = Array.from({ length: READ_STREAK + 2 }, (_, i) => store.load(`r${i}`));
    expect(store.waiting).toBe(2 + READ_STREAK + 2);
    while (order.length < 3 + READ_STREAK + 2 || gate.length > 0) {
      await new Promise((r) => setTimeout(r, 1));
      gate.splice(0).forEach((go) => go());
    }
    await Promise.all([...writes, ...reads]);
    const r = (i: number) => `r${i}`;
    expect(order).toEqual([
      'w0',
      ...Array.from({ length: READ_STREAK }, (_, i) => r(i)), // reads first, READ_STREAK in a row
      'w1', // then the oldest write
      r(READ_STREAK), r(READ_STREAK + 1), // the rest of the reads
      'w2',
    ]);
    await t.close();
  });

  /** A KV whose writes land and then fail with BUS_ERR_TIMEOUT while `ctl.lose` is set (a lost reply). */
  function lossyKv(inner: KvStore): { kv: KvStore; ctl: { lose: boolean } } {
    const ctl = { lose: false };
    return { kv: withLostReplies(inner, () => (ctl.lose ? new BusError(BUS_ERR.TIMEOUT, 'reply lost (injected)') : undefined)), ctl };
  }
  const meta = (js: number) => ({ stream: 's', mv: 0, js, seq: js - 1 });
  const body = (n: number) => ({ v: 1 as const, cfg: null, n, proc: null });

  test("a write whose reply was lost is its own: the next write goes over it; another writer's value still fences", async () => {
    const t = new InProcTransport();
    const inner = await t.ensureKv({ bucket: 'st' });
    const { kv, ctl } = lossyKv(inner);
    const store = new CheckpointStore(kv, await t.ensureObjectStore({ bucket: 'bl' }), 1 << 20);
    ctl.lose = true;
    await expect(store.save(meta(1), body(1), 0, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_TIMEOUT' });
    ctl.lose = false;
    expect((await store.load('s'))!.envelope.js).toBe(1); // it landed
    // The create is refused (the key exists), the value there is this store's: updated over it.
    const r2 = await store.save(meta(2), body(2), 0, undefined);
    const c2 = (await store.load('s'))!;
    expect([c2.envelope.js, c2.body.n, c2.revision]).toEqual([2, 2, r2.revision]);
    // A lost reply, then another writer: the value there is not this store's, so the fence holds.
    ctl.lose = true;
    await expect(store.save(meta(3), body(3), r2.revision, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_TIMEOUT' });
    ctl.lose = false;
    const other = new CheckpointStore(inner, await t.objectStore('bl'), 1 << 20);
    const r3 = (await store.load('s'))!.revision;
    await other.save({ ...meta(3), mv: 7 }, body(99), r3, undefined);
    await expect(store.save(meta(4), body(4), r2.revision, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_REVISION' });
    expect((await store.load('s'))!.body.n).toBe(99);
    // Without a lost reply a stale revision is refused as before.
    await expect(store.save(meta(5), body(5), r2.revision, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_REVISION' });
    await t.close();
  });

  test('the first of twenty failed writes is the one that landed: the next write still knows it for its own and goes over it', async () => {
    // As in a cluster's KV leader election (test/chaos/cluster-leader.test.ts, session 29's CI): the
    // first periodic write landed though it failed with NO_RESPONDERS, the nineteen after it failed
    // without landing (their stale revision never reached the stream). With sixteen hashes kept the
    // landed one was forgotten and the write after them was refused as fenced.
    const t = new InProcTransport();
    const inner = await t.ensureKv({ bucket: 'st' });
    let mode: 'ok' | 'lose' | 'fail' = 'ok';
    const noResponders = () => new BusError(BUS_ERR.NO_RESPONDERS, 'KV update: 503 (injected)');
    const kv = new Proxy(inner, {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if ((prop !== 'create' && prop !== 'update') || typeof v !== 'function') return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
        return async (...args: unknown[]) => {
          if (mode === 'fail') throw noResponders();
          const r = await (v as (...a: unknown[]) => Promise<number>).apply(target, args);
          if (mode === 'lose') throw noResponders();
          return r;
        };
      },
    }) as KvStore;
    const store = new CheckpointStore(kv, await t.ensureObjectStore({ bucket: 'bl' }), 1 << 20);
    const r0 = (await store.save(meta(1), body(1), 0, undefined)).revision;
    mode = 'lose';
    await expect(store.save(meta(2), body(2), r0, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_NO_RESPONDERS' });
    mode = 'fail';
    for (let js = 3; js <= 21; js++) await expect(store.save(meta(js), body(js), r0, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_NO_RESPONDERS' });
    mode = 'ok';
    expect((await store.load('s'))!.body.n).toBe(2); // the first failed write is what the key holds
    const r = await store.save(meta(22), body(22), r0, undefined);
    const c = (await store.load('s'))!;
    expect([c.envelope.js, c.body.n, c.revision]).toEqual([22, 22, r.revision]);
    await t.close();
  });

  test('over the KV limit: the write that goes over a landed one deletes both older objects, only the newest is left', async () => {
    const t = new InProcTransport();
    const { kv, ctl } = lossyKv(await t.ensureKv({ bucket: 'st' }));
    const blobs = await t.ensureObjectStore({ bucket: 'bl' });
    const live = new Set<string>();
    const tracked: BlobStore = {
      bucket: blobs.bucket,
      put: async (n, d) => { live.add(n); return blobs.put(n, d); },
      get: (n) => blobs.get(n),
      delete: async (n) => { live.delete(n); return blobs.delete(n); },
    };
    const store = new CheckpointStore(kv, tracked, 8); // every body goes to the Object Store
    const first = await store.save(meta(1), body(1), 0, undefined);
    ctl.lose = true;
    await expect(store.save(meta(2), body(2), first.revision, first.obj)).rejects.toMatchObject({ code: 'BUS_ERR_TIMEOUT' });
    ctl.lose = false;
    expect(live.size).toBe(2);
    const third = await store.save(meta(3), body(3), first.revision, first.obj);
    expect([...live]).toEqual([third.obj]);
    expect((await store.load('s'))!.body.n).toBe(3);
    await t.close();
  });

  test('a read that fails while checking a refused write keeps what the store knows: the attempt after it goes over the landed write', async () => {
    const t = new InProcTransport();
    const { kv: lossy, ctl } = lossyKv(await t.ensureKv({ bucket: 'st' }));
    let failGets = 0;
    const kv: KvStore = { ...lossy, get: (k) => (failGets-- > 0 ? Promise.reject(new BusError(BUS_ERR.TIMEOUT, 'get timed out (injected)')) : lossy.get(k)) };
    const store = new CheckpointStore(kv, await t.ensureObjectStore({ bucket: 'bl' }), 1 << 20);
    const first = await store.save(meta(1), body(1), 0, undefined);
    ctl.lose = true;
    await expect(store.save(meta(2), body(2), first.revision, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_TIMEOUT' });
    ctl.lose = false;
    failGets = 1;
    await expect(store.save(meta(3), body(3), first.revision, undefined)).rejects.toMatchObject({ code: 'BUS_ERR_TIMEOUT' });
    const fourth = await store.save(meta(4), body(4), first.revision, undefined);
    const c = (await store.load('s'))!;
    expect([c.envelope.js, c.body.n, c.revision]).toEqual([4, 4, fourth.revision]);
    await t.close();
  });
});
