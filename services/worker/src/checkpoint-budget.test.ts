// The byte budget of periodic checkpoints: the bucket on a fake clock, then a worker whose every
// sample makes a checkpoint due (per-stream models and a model group), writing no faster than its budget and losing nothing it put off.

import { afterEach, describe, expect, test } from 'vitest';
import { Packr } from 'msgpackr';
import { InProcTransport } from '@carousel/bus';
import { encodeSample } from '@carousel/protocol';
import { CheckpointBudget, periodicCheckpoint, retryAfterFailure, type Checkpointed, type PeriodicCheckpoints } from './checkpoint-budget.ts';
import { groupModelBytes, groupRecordKey, replayGroup, unpackGroupRecord } from './group-actor.ts';
import { groupSubjects, parseGroups } from './groups.ts';
import { parseWorkerOptions } from './options.ts';
import { parseStreamConfig } from './stream-config.ts';
import type { Worker } from './worker.ts';
import { Cleanup, checkpointVsReplay, collectPredictions, mappedInProc, publishSamples, snapshotAt, startOwningWorker, until } from './test-util.ts';

describe('CheckpointBudget', () => {
  test('grants while the bucket is not empty, charging the expected size, and refills at the rate up to one second', () => {
    let t = 0;
    const b = new CheckpointBudget(1000, () => t);
    expect(b.tokens).toBe(1000);
    expect(b.tryTake(400)).toBe(400);
    expect(b.tryTake(400)).toBe(400);
    expect(b.tryTake(400)).toBe(400); // 200 left: granted, the bucket goes to -200
    expect(b.tokens).toBe(-200);
    expect(b.tryTake(1)).toBeNull();
    t = 200; // +200: exactly empty, still refused
    expect(b.tryTake(1)).toBeNull();
    t = 201;
    expect(b.tryTake(1)).toBe(1);
    t = 60_000;
    expect(b.tokens).toBe(1000); // never more than one second's worth
  });

  test('settle() refunds what was charged and spends what was written; failed writes cost nothing', () => {
    const t = 0;
    const b = new CheckpointBudget(1000, () => t);
    const c = b.tryTake(300)!;
    b.settle(c, 100); // wrote less than charged
    expect(b.tokens).toBe(900);
    const d = b.tryTake(300)!;
    b.settle(d, 0); // the write failed
    expect(b.tokens).toBe(900);
    b.settle(0, 1500); // a checkpoint that must be written (passivation, drain) spends without asking
    expect(b.tokens).toBe(-600);
    expect(b.tryTake(1)).toBeNull();
    for (let i = 0; i < 100; i++) b.settle(0, 1500); // a passivation wave: the debt stops at one second
    expect(b.tokens).toBe(-1000);
  });

  test('a stream without a previous checkpoint is charged the running mean of the sizes written', () => {
    const b = new CheckpointBudget(1e9, () => 0);
    expect(b.tryTake(undefined)).toBe(64 * 1024);
    for (let i = 0; i < 200; i++) b.settle(0, 1000);
    expect(b.tryTake(undefined)).toBeCloseTo(1000, 0);
  });

  test('0 bytes/s is no limit', () => {
    const b = new CheckpointBudget(0, () => 0);
    for (let i = 0; i < 100; i++) b.settle(b.tryTake(1e9)!, 1e9);
    expect(b.tryTake(1e9)).toBe(0);
  });

  test('over a long run the bytes granted stay within one second plus the rate times the time', () => {
    let t = 0;
    const b = new CheckpointBudget(50_000, () => t);
    let granted = 0;
    for (; t < 20_000; t += 1) {
      // 10 due streams ask every ms, each checkpoint 7,000 bytes
      for (let s = 0; s < 10; s++) {
        const c = b.tryTake(7000);
        if (c !== null) {
          b.settle(c, 7000);
          granted += 7000;
        }
      }
    }
    expect(granted).toBeLessThanOrEqual(50_000 + 50_000 * 20 + 7000);
    expect(granted).toBeGreaterThan(50_000 * 20 - 7000);
  });

  test('periodicCheckpoint: due by samples or by time; a refusal is counted against the partition', () => {
    let t = 0;
    const deferred: string[] = [];
    const ctx: PeriodicCheckpoints = {
      checkpointEverySamples: 10, checkpointEveryMs: 1000, budget: new CheckpointBudget(100, () => t),
      metrics: { checkpointDeferrals: { inc: (l) => deferred.push(l.partition) } },
    };
    const st = (pending: number, checkpointAt: number): Checkpointed => ({ partition: 3, pending, checkpointAt, checkpointBytes: 150 });
    expect(periodicCheckpoint(ctx, st(9, 0), 999)).toBeNull();
    expect(deferred).toEqual([]);
    expect(periodicCheckpoint(ctx, st(10, 0), 0)).toBe(150);
    expect(periodicCheckpoint(ctx, st(1, 0), 1000)).toBeNull(); // due by time, the bucket is empty
    expect(deferred).toEqual(['3']);
    t = 600;
    expect(periodicCheckpoint(ctx, st(1, 0), 1000)).toBe(150);
  });

  test('after failed writes a due periodic checkpoint waits for its retry time, 50 ms doubling to 2 s', () => {
    const ctx: PeriodicCheckpoints = {
      checkpointEverySamples: 10, checkpointEveryMs: 1000, budget: new CheckpointBudget(0, () => 0),
      metrics: { checkpointDeferrals: { inc: () => undefined } },
    };
    expect([1, 2, 3, 4, 5, 6, 7, 50].map((k) => retryAfterFailure(k, 1000) - 1000)).toEqual([50, 100, 200, 400, 800, 1600, 2000, 2000]);
    const failed: Checkpointed = { partition: 0, pending: 25, checkpointAt: 0, checkpointRetryAt: retryAfterFailure(3, 5000) };
    expect(periodicCheckpoint(ctx, failed, 5199)).toBeNull(); // due by samples and time, but not yet
    expect(periodicCheckpoint(ctx, failed, 5200)).not.toBeNull();
  });

  test('the option: default 8 MiB/s, 0 allowed, negative or fractional refused with WORKER_ERR_CONFIG', () => {
    expect(parseWorkerOptions().checkpointBytesPerSec).toBe(8 * 1024 * 1024);
    expect(parseWorkerOptions({ checkpointBytesPerSec: 0 }).checkpointBytesPerSec).toBe(0);
    for (const v of [-1, 1.5, Number.NaN]) {
      expect(() => parseWorkerOptions({ checkpointBytesPerSec: v })).toThrow(expect.objectContaining({ code: 'WORKER_ERR_CONFIG', message: expect.stringContaining('checkpointBytesPerSec') }));
    }
  });
});

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

/** Checkpoints the worker wrote (count and bytes, every partition) and the deferrals it counted, from its metrics. */
async function checkpointTotals(w: Worker): Promise<{ n: number; bytes: number; deferrals: number }> {
  const h = (await w.metrics.checkpointBytes.get()).values;
  const total = (name: string): number => h.filter((v) => v.metricName === name).reduce((a, v) => a + v.value, 0);
  const deferrals = (await w.metrics.checkpointDeferrals.get()).values.reduce((a, v) => a + v.value, 0);
  return { n: total('carousel_worker_checkpoint_bytes_count'), bytes: total('carousel_worker_checkpoint_bytes_sum'), deferrals };
}

describe('a worker under its checkpoint budget (in-process transport)', () => {
  const P = 2;
  const N = 60;
  const STREAMS = Array.from({ length: 8 }, (_, i) => `budget-${i}`);
  const CFG = { model: { hidden: 6, seed: 4 } };
  const xs = (stream: string): number[][] => Array.from({ length: N }, (_, i) => [Math.sin(i / 5 + stream.length), Math.cos(i / 7 + Number(stream.slice(7)))]);

  test('every sample makes a checkpoint due; the worker writes no faster than the budget, counts what it put off, and loses none of it', async () => {
    const inner = mappedInProc(P);
    const RATE = 100_000; // bytes/s; one checkpoint of this model is ~19 KB
    const w = await startOwningWorker(cleanup, inner, inner, {
      partitions: P, workerId: 'budget', idleMs: 600_000, checkpointEverySamples: 1, checkpointEveryMs: 3_600_000,
      checkpointBytesPerSec: RATE, stream: CFG,
    });
    const out = collectPredictions(inner, STREAMS);
    const data = new Map(STREAMS.map((s) => [s, xs(s)]));
    const t0 = performance.now();
    // One sample per stream every 25 ms (~1.5 s), so the refill counts, not just the first second.
    for (let i = 0; i < N; i++) {
      await publishSamples(inner, data, i, i + 1);
      await until(`predictions up to ${i + 1}`, () => STREAMS.every((s) => out.get(s)!.length >= i + 1));
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - t0) / 1000;
    const { deferrals, ...periodic } = await checkpointTotals(w);
    const size = periodic.bytes / periodic.n;
    // 480 samples, each with a checkpoint due: without the budget 480 writes.
    expect(periodic.n).toBeGreaterThan(0);
    expect(periodic.n).toBeLessThan(STREAMS.length * N);
    expect(deferrals).toBeGreaterThan(0);
    // The bucket's one second, its refill over the run, and the last grant's overshoot (a grant
    // needs only a non-empty bucket; charges are taken at the grant, so writes in flight add none).
    expect(periodic.bytes).toBeLessThanOrEqual(RATE + RATE * seconds + 2 * size);
    // ... and with far more due than it allows, it spends it (no stream waits while the bucket is full).
    expect(periodic.bytes).toBeGreaterThan(0.5 * RATE * seconds);

    // What was put off is not lost: a snapshot (never budgeted) of each stream at its last sample
    // holds weights bit-identical to one feed of its samples.
    for (const [s, x] of data) {
      await snapshotAt(inner, s, N - 1);
      const c = await checkpointVsReplay(inner, s, x, CFG);
      expect(c.samples, `${s}: samples applied`).toBe(N);
      expect(c.bitIdentical, `${s}: weights bit-identical`).toBe(true);
    }
  }, 60_000);

  test("a model group's record waits for the budget the same way, and the drained record equals one feed of every sample", async () => {
    const P2 = 4;
    const RATE = 60_000;
    const groups = [{ name: 'pumps', pattern: 'pump-*', stream: { model: { hidden: 6, seed: 3, k1: 2, k2: 8 } } }];
    const gs = groupSubjects('carousel', P2);
    const inner = new InProcTransport({ mappings: { 'carousel.in.*': `carousel.p.{{partition(${P2},1)}}.{{wildcard(1)}}`, [gs.mapping.source]: gs.mapping.destination } });
    const w = await startOwningWorker(cleanup, inner, inner, {
      partitions: P2, workerId: 'budget-g', idleMs: 600_000, checkpointEverySamples: 1, checkpointEveryMs: 3_600_000,
      checkpointBytesPerSec: RATE, groups,
    });
    const members = ['pump-1', 'pump-2', 'pump-3'];
    const rounds = 40;
    const all = Array.from({ length: rounds }, (_, i) => members.map((stream, k) => ({ stream, seq: i, x: [Math.sin(i / (3 + k)), Math.cos(i / 7)] })));
    const out = collectPredictions(inner, members);
    const t0 = performance.now();
    for (const [i, round] of all.entries()) {
      for (const s of round) await inner.jsPublish(`carousel.g.pumps.${s.stream}`, encodeSample({ v: 1, stream: s.stream, seq: s.seq, x: s.x }));
      await until(`predictions up to ${i + 1}`, () => members.every((s) => out.get(s)!.length >= i + 1));
      await new Promise((r) => setTimeout(r, 25));
    }
    const seconds = (performance.now() - t0) / 1000;
    const { n, bytes, deferrals } = await checkpointTotals(w);
    expect(n).toBeGreaterThan(0);
    expect(n).toBeLessThan(rounds * members.length);
    expect(deferrals).toBeGreaterThan(0);
    expect(bytes).toBeLessThanOrEqual(RATE + RATE * seconds + 2 * (bytes / n));

    await w.drain();
    const e = (await (await inner.kv('carousel_state')).get(groupRecordKey('pumps')))!;
    const rec = unpackGroupRecord((new Packr({ useRecords: false, moreTypes: true }).unpack(e.value) as { b: Uint8Array }).b);
    const want = replayGroup(parseGroups(groups, parseStreamConfig())[0]!.cfg, all.flat());
    expect(rec.n, 'samples applied').toBe(rounds * members.length);
    expect(Buffer.from(rec.model!).equals(Buffer.from(groupModelBytes(want)!)), 'group weights bit-identical').toBe(true);
  }, 60_000);
});
