// The checkpoint body codec keeps a processor bit-exact: restoring it and continuing gives the
// same weights and outputs as never stopping.

import { describe, expect, test } from 'vitest';
import { InProcTransport, type KvStore } from '@carousel/bus';
import { CheckpointStore, packBody, unpackBody } from './checkpoint.ts';
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
});
