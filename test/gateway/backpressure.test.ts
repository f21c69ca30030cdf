// Backpressure: a client that stops reading (its socket paused) is coalesced, then closed with 4008
// after the grace period, while the other clients keep receiving every message with latency in
// line with before the stall. In-process bus; nothing asserts on absolute speed.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InProcTransport } from '@carousel/bus';
import { Gateway, type GatewayStatus } from '@carousel/gateway';
import type { Socket } from 'node:net';
import { TestClient, percentile, prediction, until } from './helpers.ts';

let transport: InProcTransport;
let gw: Gateway;
const events: GatewayStatus[] = [];
beforeAll(async () => {
  transport = new InProcTransport();
  gw = await Gateway.start(transport, {
    port: 0, host: '127.0.0.1', auth: 'none', staticDir: null, historyStream: '',
    socketHighWaterBytes: 16 * 1024, softLimitBytes: 64 * 1024, softLimitMessages: 256, hardLimitBytes: 1024 * 1024, hardLimitMessages: 4096,
    slowGraceMs: 300, heartbeatMs: 60_000, closeGraceMs: 10_000,
  }, { processMetrics: false });
  void (async () => {
    for await (const e of gw.status()) events.push(e);
  })();
});
afterAll(async () => {
  await gw?.close();
  await transport?.close();
});

const STREAMS = 8;
const FLOATS = 200; // about 2 kB per JSON frame: the paused socket's kernel buffers fill sooner

describe('gateway backpressure - a stalled client', () => {
  test('is coalesced and closed with 4008 while the others receive every message with flat latency', async () => {
    const others: TestClient[] = [];
    for (let i = 0; i < 5; i++) {
      const c = await TestClient.open(gw.wsUrl);
      await c.subscribe('all', ['>']);
      others.push(c);
    }
    const stalled = await TestClient.open(gw.wsUrl);
    await stalled.subscribe('all', ['>']);
    const sentAt = new Map<string, number>();
    let seq = 0;
    // One round = one prediction per stream, published together; paced so the event loop breathes.
    const publishRounds = async (rounds: number): Promise<void> => {
      for (let r = 0; r < rounds; r++) {
        seq++;
        for (let s = 0; s < STREAMS; s++) {
          const stream = `bp-${s}`;
          const body = prediction(stream, seq, FLOATS);
          sentAt.set(`${stream}:${seq}`, performance.now());
          transport.publish(`carousel.out.${stream}`, body);
        }
        await new Promise((res) => setTimeout(res, 2));
      }
    };
    const latencies = (c: TestClient, from: number, to: number): number[] => {
      const out: number[] = [];
      c.predictions().forEach((f, i) => {
        const q = f['seq'] as number;
        if (q > from && q <= to) out.push(c.arrivals[i]! - sentAt.get(`${String(f['stream'])}:${q}`)!);
      });
      return out;
    };

    await publishRounds(100);
    const before = seq;
    await until('others caught up', () => others.every((c) => c.predictions().length === before * STREAMS));

    (stalled.ws as unknown as { _socket: Socket })._socket.pause();
    // Keep publishing until the gateway gives up on it: first the kernel's socket buffers fill,
    // then the gateway's queue coalesces, then the hard limit's grace period runs out.
    for (let i = 0; i < 4_000 && !events.some((e) => e.type === 'slowConsumer'); i++) await publishRounds(1);
    expect(events.some((e) => e.type === 'slowConsumer')).toBe(true);
    const during = seq;
    await until('others received everything', () => others.every((c) => c.predictions().length === during * STREAMS));

    // Every other client got every message exactly once, in order per stream.
    for (const c of others) {
      for (let s = 0; s < STREAMS; s++) {
        const seqs = c.predictions().filter((f) => f['stream'] === `bp-${s}`).map((f) => f['seq']);
        expect(seqs).toEqual(Array.from({ length: during }, (_, i) => i + 1));
      }
    }
    // Their latency during the stall is in line with before it (generous factor, plus 20 ms of
    // timer noise on a shared two-core machine).
    const p99Before = percentile(others.flatMap((c) => latencies(c, 0, before)), 0.99);
    const p99During = percentile(others.flatMap((c) => latencies(c, before, during)), 0.99);
    expect(p99During).toBeLessThan(p99Before * 5 + 20);

    const slow = events.find((e) => e.type === 'slowConsumer')!;
    expect(slow.type === 'slowConsumer' && slow.dropped > 0).toBe(true);
    // Reading again, the stalled client drains what was in flight and then sees the error and 4008.
    (stalled.ws as unknown as { _socket: Socket })._socket.resume();
    expect((await stalled.closed).code).toBe(4008);
    expect(stalled.errors().at(-1)?.['code']).toBe('GW_ERR_SLOW_CONSUMER');
    // It saw fewer messages than were published (coalesced), never a duplicate or out-of-order seq.
    for (let s = 0; s < STREAMS; s++) {
      const seqs = stalled.predictions().filter((f) => f['stream'] === `bp-${s}`).map((f) => f['seq'] as number);
      for (let i = 1; i < seqs.length; i++) expect(seqs[i]!).toBeGreaterThan(seqs[i - 1]!);
    }
    expect(stalled.predictions().length).toBeLessThan(during * STREAMS);
    for (const c of others) c.close();
  });
});
