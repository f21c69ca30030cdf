// Partition leases on the in-process KV (entries expire TTL after their last write): exactly one
// owner per partition, rebalancing to ceil(P / workers), takeover after a worker stops renewing,
// and the fence (canWrite) closing by the worker's own clock.

import { afterEach, describe, expect, test } from 'vitest';
import { InProcTransport, type KvStore } from '@carousel/bus';
import { lostRepliesAt, withLostReplies } from '@carousel/bus/testing';
import { LeaseManager, leaseKey, readLease } from './leases.ts';
import { createLogger } from './log.ts';

const P = 8;
const TTL = 600;
const HB = 100;
const log = createLogger('test', false);
let stop: (() => void)[] = [];
afterEach(() => {
  for (const s of stop) s();
  stop = [];
});

async function bucket(): Promise<KvStore> {
  const t = new InProcTransport();
  stop.push(() => void t.close());
  return t.ensureKv({ bucket: 'leases', ttlMs: TTL });
}

function manager(kv: KvStore, id: string, now?: () => number): { m: LeaseManager; events: string[] } {
  const events: string[] = [];
  const m = new LeaseManager(kv, { workerId: id, partitions: P, ttlMs: TTL, heartbeatMs: HB }, {
    acquired: async (p) => void events.push(`+${p}`),
    release: async (p) => void events.push(`-${p}`),
    lost: (p) => void events.push(`!${p}`),
  }, log, now);
  stop.push(() => m.close());
  return { m, events };
}

async function until(cond: () => boolean | Promise<boolean>, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

async function owners(kv: KvStore): Promise<string[]> {
  const out: string[] = [];
  for (let p = 0; p < P; p++) {
    const e = await kv.get(leaseKey(p));
    out.push(e === null ? '' : readLease(e.value).owner);
  }
  return out;
}

describe('partition leases', () => {
  test('one worker takes every partition; a second one gets half after the first releases it', async () => {
    const kv = await bucket();
    const a = manager(kv, 'a');
    a.m.start();
    await until(() => a.m.owned().length === P);
    const b = manager(kv, 'b');
    b.m.start();
    await until(() => a.m.owned().length === P / 2 && b.m.owned().length === P / 2);
    expect([...a.m.owned(), ...b.m.owned()].sort((x, y) => x - y)).toEqual([...Array(P).keys()]);
    expect(a.events.filter((e) => e.startsWith('-'))).toHaveLength(P / 2);
    const o = await owners(kv);
    for (const p of a.m.owned()) expect(o[p]).toBe('a');
    for (const p of b.m.owned()) expect(o[p]).toBe('b');
  });

  test("a worker that stops renewing loses its partitions to the other once the leases expire", async () => {
    const kv = await bucket();
    const a = manager(kv, 'a');
    const b = manager(kv, 'b');
    a.m.start();
    await until(() => a.m.owned().length === P);
    b.m.start();
    await until(() => b.m.owned().length === P / 2 && a.m.owned().length === P / 2);
    a.m.close(); // stops heartbeating without releasing: like a crash
    await until(() => b.m.owned().length === P, 5000);
    expect(await owners(kv)).toEqual(new Array(P).fill('b'));
  });

  test('the fence closes by the worker\'s own clock when renewals stop', async () => {
    const kv = await bucket();
    let clock = 0;
    const a = manager(kv, 'a', () => clock);
    a.m.start();
    await until(() => a.m.owned().length === P);
    expect(a.m.canWrite(0)).toBe(true);
    a.m.close();
    clock += 0.9 * TTL; // no renewal since: 90 % of the TTL is all a writer may use
    expect(a.m.canWrite(0)).toBe(false);
  });

  test('drain releases every partition and deletes the leases', async () => {
    const kv = await bucket();
    const a = manager(kv, 'a');
    a.m.start();
    await until(() => a.m.owned().length === P);
    await a.m.drain();
    expect(a.m.owned()).toEqual([]);
    expect(await owners(kv)).toEqual(new Array(P).fill(''));
  });
  test('slow acquisitions do not starve renewals: no lease is lost while partitions start one by one', async () => {
    const kv = await bucket();
    const events: string[] = [];
    // Each start takes a quarter of the TTL: acquiring P of them takes 2 TTLs, one after another.
    const m = new LeaseManager(kv, { workerId: 'slow', partitions: P, ttlMs: TTL, heartbeatMs: HB }, {
      acquired: async (p) => {
        await new Promise((r) => setTimeout(r, TTL / 4));
        events.push(`+${p}`);
      },
      release: async (p) => void events.push(`-${p}`),
      lost: (p) => void events.push(`!${p}`),
    }, log);
    stop.push(() => m.close());
    m.start();
    await until(() => events.filter((e) => e.startsWith('+')).length === P, 10_000);
    await new Promise((r) => setTimeout(r, 2 * TTL));
    expect(events.filter((e) => e.startsWith('!'))).toEqual([]);
    expect(m.owned().length).toBe(P);
    for (let p = 0; p < P; p++) expect(m.canWrite(p)).toBe(true);
  });

  /** The bucket with the `nth` writes of each key in `lose` (1 = its create) landing without a reply. */
  async function lossyBucket(lose: Record<string, number>): Promise<{ kv: KvStore; lost: Map<string, number> }> {
    const { lost, lostReply } = lostRepliesAt((k) => (lose[k] === undefined ? [] : [lose[k]]));
    return { kv: withLostReplies(await bucket(), lostReply), lost };
  }

  test('a renewal whose reply was lost but which landed keeps the lease: not reported lost, the fence open again', async () => {
    const { kv, lost } = await lossyBucket({ [leaseKey(3)]: 3 });
    const a = manager(kv, 'a');
    a.m.start();
    await until(() => a.m.owned().length === P);
    await until(() => lost.size === 1);
    await new Promise((r) => setTimeout(r, 3 * HB));
    expect(a.events.filter((e) => e.startsWith('!'))).toEqual([]);
    expect(a.m.owned()).toContain(3);
    await until(() => a.m.canWrite(3));
    expect((await owners(kv))[3]).toBe('a');
  });

  test("a create whose reply was lost but which landed: the next round takes that lease, with that create's epoch", async () => {
    const { kv, lost } = await lossyBucket({ [leaseKey(5)]: 1 });
    const epochs = new Map<number, number>();
    const m = new LeaseManager(kv, { workerId: 'a', partitions: P, ttlMs: TTL, heartbeatMs: HB }, {
      acquired: async (p, epoch) => void epochs.set(p, epoch),
      release: async () => {},
      lost: () => {},
    }, log);
    stop.push(() => m.close());
    m.start();
    await until(() => lost.size === 1);
    const landed = readLease((await kv.get(leaseKey(5)))!.value);
    expect(landed.owner).toBe('a');
    await until(() => m.owned().length === P);
    // Taken over from the landed entry, not created again after it expired (that has a new epoch).
    expect(epochs.get(5)).toBe(landed.epoch);
    await until(() => m.canWrite(5));
  });
});
