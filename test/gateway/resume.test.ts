// Restart and resume end to end: a real nats-server (JetStream), the gateway as a child process
// (src/main.ts, configured by environment), predictions published on NATS with increasing seq
// throughout, and a @carousel/client Subscriber. The gateway is stopped with SIGTERM (it must
// drain and exit 0) and started again; the subscriber reconnects, resumes from its last seq per
// stream and ends with every seq exactly once.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NatsTransport } from '@carousel/bus';
import { Subscriber } from '@carousel/client';
import { signToken } from '@carousel/gateway';
import { NatsServer, ServiceProcess, freePort, printOutputOnFailure } from '@carousel/test-suites';
import { SECRET, publishPrediction, until } from './helpers.ts';

let nats: NatsServer;
let pub: NatsTransport;
let port: number;
let gateway: ServiceProcess | undefined;

function startGateway(): Promise<ServiceProcess> {
  return ServiceProcess.start({
    entry: 'services/gateway/src/main.ts',
    name: 'gateway',
    env: {
      NATS_URL: nats.url, CAROUSEL_GATEWAY_PORT: String(port), CAROUSEL_GATEWAY_HOST: '127.0.0.1', CAROUSEL_GATEWAY_SECRET: SECRET,
      CAROUSEL_GATEWAY_STATIC_DIR: '',
    },
    readyUrl: `http://127.0.0.1:${port}/readyz`,
  });
}

beforeAll(async () => {
  nats = await NatsServer.start({ serverName: 'gateway-resume' });
  pub = await NatsTransport.connect({ servers: [nats.url], name: 'resume-publisher' });
  port = await freePort();
  gateway = await startGateway();
});
afterAll(async () => {
  await gateway?.close();
  await pub?.close();
  await nats?.close();
});
printOutputOnFailure(() => [nats, ...(gateway === undefined ? [] : [gateway])]);

describe('gateway restart - resume over NATS', () => {
  test('a Subscriber survives a gateway restart with no gap and no duplicate in any stream', async () => {
    const token = await signToken({ secret: SECRET, streams: ['res-*'], ttlSeconds: 600 });
    const sub = new Subscriber({ url: `ws://127.0.0.1:${port}/ws`, token, format: 'msgpack', backoffInitialMs: 50, backoffMaxMs: 400 });
    const got = new Map<string, number[]>([['res-a', []], ['res-b', []]]);
    sub.on('prediction', (p) => got.get(p.stream)?.push(p.seq));
    const states: string[] = [];
    sub.on('state', (s) => states.push(s.state));
    await sub.connect();
    await sub.subscribe(['res-*']);

    let seq = 0;
    let publishing = true;
    const publisher = (async () => {
      while (publishing) {
        seq++;
        publishPrediction(pub, 'res-a', seq);
        publishPrediction(pub, 'res-b', seq);
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    try {
      await until('first predictions', () => (got.get('res-a')!.length > 20 ? true : false));
      const exit = await gateway!.close();
      expect(exit.code).toBe(0); // SIGTERM drains and exits 0
      await until('subscriber noticed', () => states.includes('reconnecting'));
      await new Promise((r) => setTimeout(r, 300)); // published while no gateway runs
      gateway = await startGateway();
      await until('subscriber back', () => sub.state === 'open' && sub.reconnects >= 1, 20_000);
      await new Promise((r) => setTimeout(r, 300));
    } finally {
      publishing = false;
      await publisher;
    }
    const last = seq;
    await until('everything delivered', () => sub.lastSeq('res-a') === last && sub.lastSeq('res-b') === last, 20_000);
    const all = Array.from({ length: last }, (_, i) => i + 1);
    expect(got.get('res-a')).toEqual(all);
    expect(got.get('res-b')).toEqual(all);
    await sub.close();
  });
});
