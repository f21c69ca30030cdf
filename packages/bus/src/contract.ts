// The Transport contract suite: one set of tests every implementation must pass. InProcTransport
// runs it in this package (unit speed); NatsTransport runs it against a real nats-server in
// test/bus. Imported as `@carousel/bus/contract`; it uses vitest and is not part of the runtime API.

import { afterEach, beforeEach, describe, expect, test } from 'vitest';
import { BUS_ERR, type BusErrorCode } from './errors.ts';
import type { BusMsg, Transport, TransportStatus } from './transport.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string): Uint8Array => enc.encode(s);
const s = (d: Uint8Array): string => dec.decode(d);

/** Deadline for every wait in the suite; a wait that runs out fails the test, it asserts no timing. */
const WAIT_MS = 10_000;

let counter = 0;
/** A name no other test (or earlier run on the same server) uses. */
function uniq(prefix: string): string {
  return `${prefix}_${process.pid}_${++counter}_${Math.random().toString(36).slice(2, 8)}`;
}

/** The first `n` items of `it`; fails if they do not arrive within WAIT_MS. */
export async function take<T>(it: AsyncIterable<T>, n: number): Promise<T[]> {
  const out: T[] = [];
  if (n === 0) return out;
  const iter = it[Symbol.asyncIterator]();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`got ${out.length} of ${n} items within ${WAIT_MS} ms`)), WAIT_MS);
  });
  try {
    while (out.length < n) {
      const r = await Promise.race([iter.next(), deadline]);
      if (r.done) throw new Error(`iterator ended after ${out.length} of ${n} items`);
      out.push(r.value);
    }
    return out;
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `cond` until true; fails after WAIT_MS. */
export async function until(what: string, cond: () => boolean | Promise<boolean>): Promise<void> {
  const end = Date.now() + WAIT_MS;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function expectCode(p: Promise<unknown> | (() => unknown), code: BusErrorCode): Promise<void> {
  let err: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    err = e;
  }
  expect(err, `expected ${code}`).toBeDefined();
  expect((err as { code?: string }).code).toBe(code);
}

/** Registers the contract tests for the transport made by `makeTransport` (one fresh transport per test). */
export function transportContract(name: string, makeTransport: () => Promise<Transport>): void {
  describe(`${name} transport contract`, () => {
    let t: Transport;
    beforeEach(async () => {
      t = await makeTransport();
    });
    afterEach(async () => {
      await t?.close();
    });

    /** Publishes `marker` on a subject the subscription matches and waits for it: everything before it has been routed. */
    async function roundTrip(): Promise<void> {
      await t.flush();
      const subj = uniq('rt');
      const sub = t.subscribe(subj);
      t.publish(subj, b('x'));
      await take(sub, 1);
      sub.close();
    }

    describe('core', () => {
      test('a * subscriber receives exactly one token there, a > subscriber one or more', async () => {
        const root = uniq('w');
        const star = t.subscribe(`${root}.*.c`);
        const tail = t.subscribe(`${root}.a.>`);
        for (const subj of [`${root}.a.c`, `${root}.a.b.c`, `${root}.x.c`, `${root}.a`, `${root}.a.d`]) t.publish(subj, b(subj));
        await roundTrip();
        t.publish(`${root}.end.c`, b('end'));
        t.publish(`${root}.a.end`, b('end'));
        const starGot = (await take(star, 3)).map((m) => m.subject);
        const tailGot = (await take(tail, 4)).map((m) => m.subject);
        expect(starGot).toEqual([`${root}.a.c`, `${root}.x.c`, `${root}.end.c`]);
        expect(tailGot).toEqual([`${root}.a.c`, `${root}.a.b.c`, `${root}.a.d`, `${root}.a.end`]);
      });

      test('headers, msg id and payload bytes arrive as published', async () => {
        const subj = uniq('h');
        const sub = t.subscribe(subj);
        t.publish(subj, new Uint8Array([0, 255, 7]), { headers: { 'X-Trace': 'abc' }, msgId: 'm-1' });
        const [m] = (await take(sub, 1)) as [BusMsg];
        expect([...m.data]).toEqual([0, 255, 7]);
        expect(m.headers['X-Trace']).toBe('abc');
        expect(m.headers['Nats-Msg-Id']).toBe('m-1');
      });

      test('a queue group gets each message once, plain subscribers get every message', async () => {
        const subj = uniq('q');
        const seen = { a: [] as string[], b: [] as string[], plain: [] as string[] };
        const subs = [
          ...[0, 1, 2].map(() => t.subscribe(subj, { queue: 'A', callback: (m) => seen.a.push(s(m.data)) })),
          ...[0, 1].map(() => t.subscribe(subj, { queue: 'B', callback: (m) => seen.b.push(s(m.data)) })),
          t.subscribe(subj, { callback: (m) => seen.plain.push(s(m.data)) }),
        ];
        const n = 30;
        for (let i = 0; i < n; i++) t.publish(subj, b(String(i)));
        await until('all deliveries', () => seen.a.length >= n && seen.b.length >= n && seen.plain.length >= n);
        await roundTrip();
        const all = Array.from({ length: n }, (_, i) => String(i));
        expect([...seen.a].sort()).toEqual([...all].sort());
        expect([...seen.b].sort()).toEqual([...all].sort());
        expect(seen.plain).toEqual(all);
        expect(subs.slice(0, 3).every((x) => x.received > 0), 'every member of group A got work').toBe(true);
        expect(subs.slice(0, 3).reduce((sum, x) => sum + x.received, 0)).toBe(n);
      });

      test('request gets the responder reply', async () => {
        const subj = uniq('svc');
        t.subscribe(subj, { callback: (m) => t.publish(m.reply!, b(`re:${s(m.data)}`)) });
        await t.flush();
        const reply = await t.request(subj, b('ping'), { timeout: 5_000 });
        expect(s(reply.data)).toBe('re:ping');
      });

      test('a request with no subscriber fails with BUS_ERR_NO_RESPONDERS', async () => {
        await expectCode(t.request(uniq('nobody'), b('?'), { timeout: 5_000 }), BUS_ERR.NO_RESPONDERS);
      });

      test('a request to a silent subscriber fails with BUS_ERR_TIMEOUT', async () => {
        const subj = uniq('silent');
        t.subscribe(subj, { callback: () => {} });
        await t.flush();
        await expectCode(t.request(subj, b('?'), { timeout: 200 }), BUS_ERR.TIMEOUT);
      });

      test('a full pending buffer drops and counts new messages and reports slowConsumer', async () => {
        const subj = uniq('slow');
        const status = t.status()[Symbol.asyncIterator]();
        const sub = t.subscribe(subj, { maxPending: 5 });
        for (let i = 0; i < 20; i++) t.publish(subj, b(String(i)));
        await until('20 received', () => sub.received === 20);
        expect(sub.pending).toBe(5);
        expect(sub.dropped).toBe(15);
        const firstFive = (await take(sub, 5)).map((m) => s(m.data));
        expect(firstFive).toEqual(['0', '1', '2', '3', '4']);
        let ev: TransportStatus | undefined;
        do ev = (await status.next()).value as TransportStatus; while (ev.type !== 'slowConsumer');
        expect(ev).toMatchObject({ type: 'slowConsumer', subject: subj });
      });

      test('drain delivers what is buffered, then the iterator ends', async () => {
        const subj = uniq('drain');
        const sub = t.subscribe(subj);
        for (let i = 0; i < 3; i++) t.publish(subj, b(String(i)));
        await until('3 received', () => sub.received === 3);
        const drained = sub.drain();
        const got: string[] = [];
        for await (const m of sub) got.push(s(m.data));
        await drained;
        expect(got).toEqual(['0', '1', '2']);
      });
    });

    describe('jetstream', () => {
      test('jsPublish returns increasing stream sequences', async () => {
        const name = uniq('S');
        await t.ensureStream({ name, subjects: [`${name}.>`], storage: 'memory' });
        const acks = [];
        for (let i = 0; i < 3; i++) acks.push(await t.jsPublish(`${name}.x`, b(String(i))));
        expect(acks.map((a) => [a.stream, a.seq, a.duplicate])).toEqual([[name, 1, false], [name, 2, false], [name, 3, false]]);
        expect(await t.streamState(name)).toMatchObject({ messages: 3, firstSeq: 1, lastSeq: 3 });
      });

      test('a repeated msg id within the dedupe window is acknowledged as duplicate and stored once', async () => {
        const name = uniq('S');
        await t.ensureStream({ name, subjects: [`${name}.>`], duplicateWindowMs: 60_000, storage: 'memory' });
        const a1 = await t.jsPublish(`${name}.x`, b('one'), { msgId: 'id-1' });
        const a2 = await t.jsPublish(`${name}.x`, b('one again'), { msgId: 'id-1' });
        const a3 = await t.jsPublish(`${name}.x`, b('two'), { msgId: 'id-2' });
        expect([a1.duplicate, a2.duplicate, a3.duplicate]).toEqual([false, true, false]);
        expect(a2.seq).toBe(a1.seq);
        expect(a3.seq).toBe(a1.seq + 1);
        expect((await t.streamState(name)).messages).toBe(2);
      });

      test('a core publish with a msg id is captured by the stream and deduplicated too', async () => {
        const name = uniq('S');
        await t.ensureStream({ name, subjects: [`${name}.>`], storage: 'memory' });
        t.publish(`${name}.a`, b('1'), { msgId: 'k' });
        t.publish(`${name}.a`, b('1'), { msgId: 'k' });
        t.publish(`${name}.a`, b('2'), { msgId: 'k2' });
        await t.flush();
        await until('2 stored', async () => (await t.streamState(name)).lastSeq === 2);
        const got = await take(t.consume(name, { afterSeq: 0 }), 2);
        expect(got.map((m) => s(m.data))).toEqual(['1', '2']);
      });

      test('lastMessage: the newest stored message on a subject, wildcards allowed; null when none; BUS_ERR_NOT_FOUND without the stream', async () => {
        const name = uniq('S');
        await t.ensureStream({ name, subjects: [`${name}.p.*.*`], storage: 'memory' });
        await t.jsPublish(`${name}.p.1.a`, b('a1'), { headers: { 'x-k': 'v' } });
        await t.jsPublish(`${name}.p.2.b`, b('b1'));
        await t.jsPublish(`${name}.p.1.a`, b('a2'));
        await t.jsPublish(`${name}.p.3.b`, b('b2'));
        const a = await t.lastMessage(name, `${name}.p.*.a`);
        expect(a && [a.subject, s(a.data), a.streamSeq]).toEqual([`${name}.p.1.a`, 'a2', 3]);
        const bb = await t.lastMessage(name, `${name}.p.2.b`);
        expect(bb && [s(bb.data), bb.streamSeq]).toEqual(['b1', 2]);
        expect(await t.lastMessage(name, `${name}.p.*.zz`)).toBeNull();
        await expectCode(t.lastMessage(uniq('nostream'), 'x.>'), BUS_ERR.NOT_FOUND);
      });

      test('jsPublish to a subject no stream captures fails with BUS_ERR_NO_STREAM', async () => {
        await expectCode(t.jsPublish(uniq('nostream'), b('x'), { timeout: 2_000 }), BUS_ERR.NO_STREAM);
      });

      test('an ordered consumer started after seq N yields exactly N+1, N+2, ... then live messages', async () => {
        const name = uniq('S');
        await t.ensureStream({ name, subjects: [`${name}.>`], storage: 'memory' });
        for (let i = 1; i <= 10; i++) await t.jsPublish(`${name}.p`, b(`m${i}`));
        const c = t.consume(name, { afterSeq: 6 });
        const replayed = await take(c, 4);
        expect(replayed.map((m) => m.streamSeq)).toEqual([7, 8, 9, 10]);
        expect(replayed.map((m) => s(m.data))).toEqual(['m7', 'm8', 'm9', 'm10']);
        expect(replayed[0]!.subject).toBe(`${name}.p`);
        await t.jsPublish(`${name}.p`, b('m11'), { headers: { 'X-K': 'v' } });
        const [live] = await take(c, 1);
        expect(live).toMatchObject({ streamSeq: 11, subject: `${name}.p` });
        expect(live!.headers['X-K']).toBe('v');
        expect(c.lastSeq).toBe(11);
        await c.close();
      });

      test('a consumer with a filter subject sees only its partition, in stream order', async () => {
        const name = uniq('S');
        await t.ensureStream({ name, subjects: [`${name}.p.*.*`], storage: 'memory' });
        for (let i = 0; i < 12; i++) await t.jsPublish(`${name}.p.${i % 3}.s${i}`, b(String(i)));
        const c = t.consume(name, { afterSeq: 0, filterSubject: `${name}.p.1.*` });
        const got = await take(c, 4);
        expect(got.map((m) => s(m.data))).toEqual(['1', '4', '7', '10']);
        expect(got.map((m) => m.streamSeq)).toEqual([2, 5, 8, 11]);
        await c.close();
      });

      test('pending() counts only what the consumer has yet to deliver of its own filter', async () => {
        const name = uniq('S');
        await t.ensureStream({ name, subjects: [`${name}.p.*.*`], storage: 'memory' });
        for (let i = 0; i < 9; i++) await t.jsPublish(`${name}.p.${i % 3}.s${i}`, b(String(i)));
        const c = t.consume(name, { afterSeq: 0, filterSubject: `${name}.p.1.*` });
        // Before it consumes: the in-process transport counts its 3 messages, NATS has no consumer yet.
        expect([3, null]).toContain(await c.pending());
        await take(c, 3);
        expect(await c.pending()).toBe(0);
        // Messages of other partitions are not this consumer's lag.
        for (let i = 0; i < 4; i++) await t.jsPublish(`${name}.p.2.x${i}`, b('other'));
        expect(await c.pending()).toBe(0);
        await c.close();
        expect(await c.pending()).toBeNull();
      });

      test('consuming a missing stream fails with BUS_ERR_NOT_FOUND', async () => {
        const c = t.consume(uniq('missing'), { afterSeq: 0 });
        await expectCode(take(c, 1), BUS_ERR.NOT_FOUND);
        await c.close();
      });
    });

    describe('kv', () => {
      test('put, get, create only if absent, delete', async () => {
        const kv = await t.ensureKv({ bucket: uniq('kv'), storage: 'memory' });
        expect(await kv.get('a')).toBeNull();
        const r1 = await kv.create('a', b('1'));
        await expectCode(kv.create('a', b('again')), BUS_ERR.REVISION);
        const r2 = await kv.put('a', b('2'));
        expect(r2).toBeGreaterThan(r1);
        expect(await kv.get('a')).toMatchObject({ key: 'a', revision: r2, operation: 'PUT' });
        expect(s((await kv.get('a'))!.value)).toBe('2');
        await kv.delete('a');
        expect(await kv.get('a')).toBeNull();
        const r3 = await kv.create('a', b('3'));
        expect(r3).toBeGreaterThan(r2);
      });

      test('delete with an expected revision deletes only at that revision (fencing)', async () => {
        const kv = await t.ensureKv({ bucket: uniq('kv'), storage: 'memory' });
        const r1 = await kv.create('ckpt', b('tombstone'));
        const r2 = await kv.update('ckpt', b('a new life'), r1);
        await expectCode(kv.delete('ckpt', r1), BUS_ERR.REVISION);
        expect(s((await kv.get('ckpt'))!.value)).toBe('a new life');
        await kv.delete('ckpt', r2);
        expect(await kv.get('ckpt')).toBeNull();
        expect(await kv.keys()).not.toContain('ckpt');
      });

      test('update with a stale revision fails with BUS_ERR_REVISION (fencing)', async () => {
        const kv = await t.ensureKv({ bucket: uniq('kv'), storage: 'memory' });
        const r1 = await kv.create('lease.p1', b('worker-a'));
        const r2 = await kv.update('lease.p1', b('worker-b'), r1);
        await expectCode(kv.update('lease.p1', b('worker-a renews'), r1), BUS_ERR.REVISION);
        expect(s((await kv.get('lease.p1'))!.value)).toBe('worker-b');
        const r3 = await kv.update('lease.p1', b('worker-b renews'), r2);
        expect(r3).toBeGreaterThan(r2);
      });

      test('watch yields current values, then puts and deletes as they happen', async () => {
        const kv = await t.ensureKv({ bucket: uniq('kv'), storage: 'memory' });
        await kv.put('x.1', b('a'));
        await kv.put('y.1', b('ignored'));
        const w = kv.watch({ key: 'x.>' });
        const [initial] = await take(w, 1);
        expect(initial).toMatchObject({ key: 'x.1', operation: 'PUT' });
        await kv.put('y.2', b('ignored'));
        await kv.put('x.2', b('b'));
        await kv.delete('x.1');
        const changes = await take(w, 2);
        expect(changes.map((e) => [e.key, e.operation, s(e.value)])).toEqual([['x.2', 'PUT', 'b'], ['x.1', 'DEL', '']]);
        w.close();
      });

      test('keys lists the keys holding a value, by pattern, without deleted ones', async () => {
        const kv = await t.ensureKv({ bucket: uniq('kv'), storage: 'memory' });
        expect(await kv.keys()).toEqual([]);
        await kv.put('pump-7', b('a'));
        await kv.put('pump-8', b('b'));
        await kv.put('pump-8', b('b again'));
        await kv.put('part.0', b('c'));
        await kv.put('gone', b('d'));
        await kv.delete('gone');
        expect((await kv.keys()).sort()).toEqual(['part.0', 'pump-7', 'pump-8']);
        expect((await kv.keys('part.*')).sort()).toEqual(['part.0']);
        expect((await kv.keys('*')).sort()).toEqual(['pump-7', 'pump-8']); // one token: no dot
      });

      test('a value over the max payload fails with BUS_ERR_PAYLOAD_TOO_LARGE', async () => {
        const kv = await t.ensureKv({ bucket: uniq('kv'), storage: 'memory' });
        await expectCode(kv.put('big', new Uint8Array(2 * 1024 * 1024)), BUS_ERR.PAYLOAD_TOO_LARGE);
      });

      test('opening a missing bucket fails with BUS_ERR_NOT_FOUND', async () => {
        await expectCode(t.kv(uniq('nokv')), BUS_ERR.NOT_FOUND);
      });
    });

    describe('object store', () => {
      test('a 2 MB blob round-trips byte for byte, and is gone after delete', async () => {
        const os = await t.ensureObjectStore({ bucket: uniq('os'), storage: 'memory' });
        const blob = new Uint8Array(2 * 1024 * 1024);
        for (let i = 0; i < blob.length; i++) blob[i] = (i * 2654435761) >>> 24;
        const info = await os.put('ckpt/stream-1', blob);
        expect(info.size).toBe(blob.length);
        const back = await os.get('ckpt/stream-1');
        expect(back?.length).toBe(blob.length);
        expect(Buffer.compare(Buffer.from(back!), Buffer.from(blob))).toBe(0);
        await os.delete('ckpt/stream-1');
        expect(await os.get('ckpt/stream-1')).toBeNull();
        expect(await os.get('never-written')).toBeNull();
      });
    });

    describe('lifecycle', () => {
      test('after close, calls fail with BUS_ERR_CLOSED, iterators end and status says closed', async () => {
        const status = t.status()[Symbol.asyncIterator]();
        const sub = t.subscribe(uniq('c'));
        await t.close();
        expect((await sub[Symbol.asyncIterator]().next()).done).toBe(true);
        await expectCode(() => t.publish('a', b('x')), BUS_ERR.CLOSED);
        await expectCode(t.request('a', b('x')), BUS_ERR.CLOSED);
        let ev: TransportStatus | undefined;
        do ev = (await status.next()).value as TransportStatus | undefined; while (ev !== undefined && ev.type !== 'closed');
        expect(ev?.type).toBe('closed');
        await t.closed();
      });
    });
  });
}
