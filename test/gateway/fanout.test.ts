// Fan-out: many clients with overlapping subscriptions each get exactly their streams, in seq
// order; JSON and msgpack clients see the same messages; alerts travel too. In-process bus and a
// real gateway on a free port.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InProcTransport } from '@carousel/bus';
import { Gateway, signToken } from '@carousel/gateway';
import { SECRET, TestClient, publishAlert, publishPrediction, until } from './helpers.ts';

let transport: InProcTransport;
let gw: Gateway;
beforeAll(async () => {
  transport = new InProcTransport();
  gw = await Gateway.start(transport, { port: 0, host: '127.0.0.1', secret: SECRET, staticDir: null, historyStream: '' }, { processMetrics: false });
});
afterAll(async () => {
  await gw?.close();
  await transport?.close();
});

const STREAMS = ['room1-temp', 'room1-hum', 'room2-temp', 'room2-hum', 'pump-a', 'pump-b'];
const PATTERN_SETS: string[][] = [
  ['room1-*'], ['room2-*'], ['*-temp'], ['pump-a'], ['>'], ['room1-temp', 'pump-*'], ['room**'], ['*hum', 'pump-b'],
];

function named(patterns: string[], stream: string): boolean {
  return patterns.some((p) => {
    const glob = p.replace(/(>|\*\*)$/, '*');
    return new RegExp(`^${glob.split('*').join('.*')}$`).test(stream);
  });
}

describe('gateway fan-out - many clients', () => {
  test('20 clients with overlapping subscriptions each receive exactly their streams, every seq once and in order', async () => {
    const token = await signToken({ secret: SECRET, streams: ['>'], ttlSeconds: 600 });
    const clients: { c: TestClient; patterns: string[] }[] = [];
    for (let i = 0; i < 20; i++) {
      const c = await TestClient.open(gw.wsUrl, i % 2 === 0 ? 'carousel.json.v1' : 'carousel.msgpack.v1');
      expect((await c.auth(token)).type).toBe('authenticated');
      const patterns = PATTERN_SETS[i % PATTERN_SETS.length]!;
      expect((await c.subscribe('sub', patterns)).type).toBe('subscribed');
      clients.push({ c, patterns });
    }
    const N = 50;
    for (let seq = 1; seq <= N; seq++) for (const s of STREAMS) publishPrediction(transport, s, seq);
    publishAlert(transport, 'pump-a', 7);
    for (const { c, patterns } of clients) {
      const want = STREAMS.filter((s) => named(patterns, s));
      await until('all predictions', () => c.predictions().length >= want.length * N);
      const got = new Map<string, number[]>();
      for (const f of c.predictions()) {
        const list = got.get(f['stream'] as string) ?? [];
        list.push(f['seq'] as number);
        got.set(f['stream'] as string, list);
      }
      expect([...got.keys()].sort()).toEqual([...want].sort());
      for (const s of want) expect(got.get(s)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
      if (named(patterns, 'pump-a')) await c.waitFrame((f) => f.type === 'alert' && f['stream'] === 'pump-a' && f['seq'] === 7, 'alert');
    }
    // Nothing beyond the expected: a short settle, then counts are exact.
    await new Promise((r) => setTimeout(r, 100));
    for (const { c, patterns } of clients) {
      expect(c.predictions().length).toBe(STREAMS.filter((s) => named(patterns, s)).length * N);
      expect(c.frames.filter((f) => f.type === 'alert').length).toBe(named(patterns, 'pump-a') ? 1 : 0);
      c.close();
    }
  });

  test('a msgpack frame carries the same prediction as a JSON frame', async () => {
    const token = await signToken({ secret: SECRET, streams: ['x-*'] });
    const a = await TestClient.open(gw.wsUrl, 'carousel.json.v1');
    const b = await TestClient.open(gw.wsUrl, 'carousel.msgpack.v1');
    for (const c of [a, b]) {
      await c.auth(token);
      await c.subscribe('1', ['x-*']);
    }
    publishPrediction(transport, 'x-1', 3, 4);
    const fa = await a.waitFrame((f) => f.type === 'prediction');
    const fb = await b.waitFrame((f) => f.type === 'prediction');
    expect(fb).toEqual(fa);
    expect(fa).toMatchObject({ stream: 'x-1', seq: 3, f: [3, 3, 3, 3], err: 0.5, mv: 1 });
    a.close();
    b.close();
  });

  test('unsubscribe stops delivery of that subscription only', async () => {
    const token = await signToken({ secret: SECRET, streams: ['>'] });
    const c = await TestClient.open(gw.wsUrl);
    await c.auth(token);
    await c.subscribe('a', ['u-1']);
    await c.subscribe('b', ['u-2']);
    c.send({ type: 'unsubscribe', id: 'a' });
    await c.waitFrame((f) => f.type === 'unsubscribed' && f['id'] === 'a');
    publishPrediction(transport, 'u-1', 1);
    publishPrediction(transport, 'u-2', 1);
    await c.waitFrame((f) => f.type === 'prediction' && f['stream'] === 'u-2');
    await new Promise((r) => setTimeout(r, 50));
    expect(c.predictions().map((f) => f['stream'])).toEqual(['u-2']);
    c.close();
  });

  test('HTTP on the same port answers /healthz, /readyz and /metrics', async () => {
    expect((await fetch(`${gw.httpUrl}/healthz`)).status).toBe(200);
    expect((await fetch(`${gw.httpUrl}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${gw.httpUrl}/metrics`)).text();
    expect(metrics).toContain('carousel_gateway_messages_sent_total');
    expect((await fetch(`${gw.httpUrl}/nothing-here`)).status).toBe(404);
  });
});
