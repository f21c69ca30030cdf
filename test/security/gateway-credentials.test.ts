// The gateway as a service (services/gateway/src/main.ts, a child process) against
// infra/nats/secure.conf: it logs in with NATS_USER/NATS_PASS and NATS_INBOX_PREFIX=_INBOX_<user>. As the gateway user it becomes
// ready and delivers a prediction a worker-credentialed connection publishes to a WebSocket
// client. With the producer's credentials it logs in but its bus subscriptions are refused: it
// logs the permission errors and /readyz stays 503 (the control for the first case).

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { signToken } from '@carousel/gateway';
import { NatsServer, ServiceProcess, freePort, printOutputOnFailure } from '@carousel/test-suites';
import { SECRET, TestClient, publishPrediction, until } from '../gateway/helpers.ts';
import { USERS, hashEnv, inboxPrefix, login, readSecureConfig, setEnv, type Login, type Service } from './nats-secure.ts';

let server: NatsServer | undefined;
let worker: Login | undefined;
let admin: Login | undefined;
const gateways: ServiceProcess[] = [];
printOutputOnFailure(() => [server, ...gateways]);

beforeAll(async () => {
  const restore = setEnv(hashEnv());
  try {
    server = await NatsServer.start({ serverName: 'secure-gateway', configText: await readSecureConfig() });
  } finally {
    restore();
  }
  [worker, admin] = await Promise.all([login([server.url], 'worker'), login([server.url], 'admin')]);
  // The history stream is provisioned by the admin (docs/security.md): the gateway may only read it.
  await admin.t.ensureStream({ name: 'CAROUSEL_OUT', subjects: ['carousel.out.>'], maxAgeMs: 600_000 });
});
afterAll(async () => {
  for (const g of gateways) await g.close();
  await worker?.t.close();
  await admin?.t.close();
  await server?.close();
});

async function startGateway(as: Service, port: number, ready: { readyUrl: string } | { readyLine: string }): Promise<ServiceProcess> {
  const g = await ServiceProcess.start({
    entry: 'services/gateway/src/main.ts',
    name: `gateway-as-${as}`,
    env: {
      NATS_URL: server!.url, NATS_USER: as, NATS_PASS: USERS[as].pass, NATS_INBOX_PREFIX: inboxPrefix(as),
      CAROUSEL_GATEWAY_PORT: String(port), CAROUSEL_GATEWAY_HOST: '127.0.0.1', CAROUSEL_GATEWAY_SECRET: SECRET, CAROUSEL_GATEWAY_STATIC_DIR: '',
    },
    ...ready,
  });
  gateways.push(g);
  return g;
}

async function readyz(port: number): Promise<number> {
  return (await fetch(`http://127.0.0.1:${port}/readyz`)).status;
}

describe('gateway with NATS credentials (secure.conf)', () => {
  test('as the gateway user: ready, logged in as gateway, and delivers a worker-published prediction to a WebSocket client', async () => {
    const port = await freePort();
    const g = await startGateway('gateway', port, { readyUrl: `http://127.0.0.1:${port}/readyz` });
    const connz = await server!.monitor<{ connections: Array<{ name: string; authorized_user?: string }> }>('connz?auth=1');
    expect(connz!.connections.find((c) => c.name === 'carousel-gateway')?.authorized_user).toBe('gateway');

    const client = await TestClient.open(`ws://127.0.0.1:${port}/ws`);
    try {
      expect((await client.auth(await signToken({ secret: SECRET, streams: ['sec-*'], ttlSeconds: 600 }))).type).toBe('authenticated');
      expect((await client.subscribe('s1', ['sec-pump'])).type).toBe('subscribed');
      publishPrediction(worker!.t, 'sec-pump', 1);
      await worker!.t.flush();
      const p = await until('the prediction on the WebSocket', () => client.predictions()[0]);
      expect(p['stream']).toBe('sec-pump');
      expect(p['seq']).toBe(1);
    } finally {
      client.close();
    }
    expect(g.output).not.toMatch(/permission denied|Permissions Violation/i);
    expect(await readyz(port)).toBe(200);
  });

  test("with the producer's credentials: the subscriptions are refused, logged, and /readyz stays 503", async () => {
    const port = await freePort();
    const g = await startGateway('producer', port, { readyLine: 'gateway listening' });
    await g.waitForLine('bus subscription ended; not ready', 10_000);
    expect(g.output).toMatch(/Permissions Violation for Subscription to \\?"carousel\.out\.>/);
    expect(await readyz(port)).toBe(503);
  });
});
