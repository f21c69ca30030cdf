// Chaos 5: kill -9 of the gateway. Three @carousel/client Subscribers (msgpack and JSON) follow
// three streams whose predictions are published on NATS continuously (increasing seq). The gateway
// is killed with SIGKILL and started again on the same port; the Subscribers reconnect by
// themselves and resume from their last seq (the gateway replays from its CAROUSEL_OUT history).
// Checked: every Subscriber ends with every seq of every stream exactly once, in order. Measured:
// per Subscriber, the time from the kill to open again, and from the new gateway's readiness to open.

import { afterAll, describe, expect, test } from 'vitest';
import { NatsTransport } from '@carousel/bus';
import { Subscriber } from '@carousel/client';
import { signToken } from '@carousel/gateway';
import { NatsServer, ServiceProcess, freePort, printOutputOnFailure } from '@carousel/test-suites';
import { until } from '../worker/helpers.ts';
import { publishPrediction } from '../gateway/helpers.ts';
import { round, summary } from './common.ts';

const SECRET = 'chaos-secret-that-is-at-least-32-bytes-long!';
const STREAMS = ['gr-a', 'gr-b', 'gr-c'];

let nats: NatsServer | undefined;
let pub: NatsTransport | undefined;
let gateway: ServiceProcess | undefined;
const subs: Subscriber[] = [];
let port = 0;
printOutputOnFailure(() => [nats, gateway]);
afterAll(async () => {
  for (const s of subs) await s.close();
  await gateway?.close();
  await pub?.close();
  await nats?.close();
});

function startGateway(): Promise<ServiceProcess> {
  return ServiceProcess.start({
    entry: 'services/gateway/src/main.ts',
    name: 'gateway',
    env: { NATS_URL: nats!.url, CAROUSEL_GATEWAY_PORT: String(port), CAROUSEL_GATEWAY_HOST: '127.0.0.1', CAROUSEL_GATEWAY_SECRET: SECRET, CAROUSEL_GATEWAY_STATIC_DIR: '' },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });
}

describe('chaos: gateway killed and restarted', () => {
  test('kill -9 of the gateway: Subscribers reconnect and resume with no gap and no duplicate', async () => {
    nats = await NatsServer.start({ serverName: 'chaos-gateway' });
    pub = await NatsTransport.connect({ servers: [nats.url], name: 'chaos-publisher' });
    port = await freePort();
    gateway = await startGateway();
    const token = await signToken({ secret: SECRET, streams: ['gr-*'], ttlSeconds: 600 });
    const got = new Map<Subscriber, Map<string, number[]>>();
    const reopened = new Map<Subscriber, number>();
    let killedAt = 0;
    for (const format of ['msgpack', 'json', 'msgpack'] as const) {
      const sub = new Subscriber({ url: `ws://127.0.0.1:${port}/ws`, token, format, backoffInitialMs: 50, backoffMaxMs: 400 });
      const m = new Map(STREAMS.map((s) => [s, [] as number[]]));
      got.set(sub, m);
      sub.on('prediction', (p) => m.get(p.stream)?.push(p.seq));
      sub.on('state', (s) => {
        if (s.state === 'open' && killedAt > 0 && !reopened.has(sub)) reopened.set(sub, performance.now());
      });
      await sub.connect();
      await sub.subscribe(['gr-*']);
      subs.push(sub);
    }

    let seq = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        seq++;
        for (const s of STREAMS) publishPrediction(pub!, s, seq);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    let readyAt = 0;
    try {
      await until('first predictions', () => subs.every((s) => got.get(s)!.get('gr-a')!.length > 50), 20_000, 20);
      killedAt = performance.now();
      await gateway.kill('SIGKILL');
      gateway = await startGateway();
      readyAt = performance.now();
      await until('every subscriber back', () => subs.every((s) => reopened.has(s) && s.state === 'open'), 30_000, 20);
      await new Promise((r) => setTimeout(r, 500));
    } finally {
      publishing = false;
      await publisher;
    }
    const last = seq;
    await until('everything delivered', () => subs.every((s) => STREAMS.every((x) => s.lastSeq(x) === last)), 30_000, 20);
    const all = Array.from({ length: last }, (_, i) => i + 1);
    for (const s of subs) for (const x of STREAMS) expect(got.get(s)!.get(x), `subscriber ${subs.indexOf(s)} stream ${x}`).toEqual(all);
    const fromKill = subs.map((s) => round(reopened.get(s)! - killedAt));
    const fromReady = subs.map((s) => round(reopened.get(s)! - readyAt));
    summary('chaos/gateway-restart', {
      injected: 'SIGKILL of the gateway while predictions flow (3 streams x 200/s), restarted on the same port',
      checked: '3 Subscribers x 3 streams: seq lists 1..N with no gap and no duplicate',
      seqsPerStream: last, gatewayRestartMs: round(readyAt - killedAt), reconnectFromKillMs: fromKill, reconnectAfterReadyMs: fromReady,
      duplicatesDropped: subs.map((s) => s.duplicates), reconnects: subs.map((s) => s.reconnects),
    });
  });
});
