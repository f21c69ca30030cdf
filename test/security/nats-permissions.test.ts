// infra/nats/secure.conf on a real nats-server: each service logs in as its own user (bcrypt-hashed
// passwords from the environment) and may do its job and nothing else. Denials are checked
// against a permitted control, so a test cannot pass because nothing was delivered at all.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUS_ERR, NatsTransport, type Subscription, type Transport } from '@carousel/bus';
import { NatsServer, printOutputOnFailure } from '@carousel/test-suites';
import { USERS, eventually, hashEnv, login, natsCode, readSecureConfig, rejection, setEnv, take, type Login } from './nats-secure.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();

let server: NatsServer;
let producer: Login;
let worker: Login;
let gateway: Login;
let admin: Login;

beforeAll(async () => {
  const restore = setEnv(hashEnv());
  try {
    server = await NatsServer.start({ serverName: 'secure', configText: await readSecureConfig() });
  } finally {
    restore();
  }
  const urls = [server.url];
  [producer, worker, gateway, admin] = await Promise.all([login(urls, 'producer'), login(urls, 'worker'), login(urls, 'gateway'), login(urls, 'admin')]);
  // What a worker provisions at start (services/worker/src/worker.ts), as the worker user.
  await worker.t.ensureStream({ name: 'CAROUSEL_IN', subjects: ['carousel.p.*.*'] });
  await worker.t.ensureKv({ bucket: 'carousel_state', history: 1 });
  await worker.t.ensureKv({ bucket: 'carousel_leases', history: 1, ttlMs: 60_000 });
  await worker.t.ensureObjectStore({ bucket: 'carousel_blobs' });
  // The gateway's history stream is provisioned by the admin: the gateway may only read it.
  await admin.t.ensureStream({ name: 'CAROUSEL_OUT', subjects: ['carousel.out.>'], maxAgeMs: 600_000 });
});
afterAll(async () => {
  for (const l of [producer, worker, gateway, admin]) await l?.t.close();
  await server?.close();
});
printOutputOnFailure(() => [server]);

/** The error status events whose message names `text`. */
function denials(l: Login, text: string): string[] {
  return l.events.flatMap((e) => (e.type === 'error' && e.error.message.includes(text) ? [e.error.message] : []));
}

/** A worker-side listener on `pattern`; resolves once the server has the subscription. */
async function listen(t: Transport, pattern: string): Promise<Subscription> {
  const sub = t.subscribe(pattern);
  await t.flush();
  return sub;
}

describe('secure.conf - authentication', () => {
  test('a connection without credentials is refused', async () => {
    const err = await rejection(NatsTransport.connect({ servers: [server.url] }));
    expect(natsCode(err)).toBe('AUTHORIZATION_VIOLATION');
  });

  test('a known user with a wrong password is refused', async () => {
    const err = await rejection(NatsTransport.connect({ servers: [server.url], user: 'worker', pass: USERS.producer.pass }));
    expect(natsCode(err)).toBe('AUTHORIZATION_VIOLATION');
  });

  test('each service logs in with its password (the server holds only bcrypt hashes)', async () => {
    for (const l of [producer, worker, gateway, admin]) await l.t.flush();
    const connz = await server.monitor<{ connections: Array<{ name: string; authorized_user?: string }> }>('connz?auth=1');
    const users = new Map(connz!.connections.map((c) => [c.name, c.authorized_user]));
    expect(users.get('sec-producer')).toBe('producer');
    expect(users.get('sec-worker')).toBe('worker');
    expect(users.get('sec-gateway')).toBe('gateway');
    expect(users.get('sec-admin')).toBe('admin');
  });
});

describe('secure.conf - producer', () => {
  test('publishes samples on carousel.in.<stream>, which the mapping sends into CAROUSEL_IN', async () => {
    const ack = await producer.t.jsPublish('carousel.in.pump-1', enc.encode('sample'), { msgId: 'p-1' });
    expect(ack.stream).toBe('CAROUSEL_IN');
  });

  test('requests carousel.infer.<stream> and receives the worker reply on its inbox', async () => {
    const responder = worker.t.subscribe('carousel.infer.*', { callback: (m) => worker.t.publish(m.reply!, enc.encode(`forecast for ${m.subject}`)) });
    await worker.t.flush();
    const reply = await producer.t.request('carousel.infer.pump-1', enc.encode('now'));
    expect(dec.decode(reply.data)).toBe('forecast for carousel.infer.pump-1');
    responder.close();
  });

  test('publishing on carousel.ctl.x is refused: a permissions-violation status, and no worker sees it', async () => {
    const ctl = await listen(worker.t, 'carousel.ctl.*');
    producer.t.publish('carousel.ctl.x', enc.encode('reset'));
    await producer.t.flush();
    await eventually('the producer is told its publish was denied', () => denials(producer, 'permission denied for publish on carousel.ctl.x').length > 0);
    // The control: the admin's identical publish is delivered, and it is the first thing the worker gets.
    admin.t.publish('carousel.ctl.x', enc.encode('from admin'));
    const [first] = await take(ctl[Symbol.asyncIterator](), 1);
    expect(dec.decode(first!.data)).toBe('from admin');
    ctl.close();
  });

  test('a request on carousel.ctl.x fails with a permissions violation', async () => {
    const err = await rejection(producer.t.request('carousel.ctl.x', enc.encode('inspect'), { timeout: 5_000 }));
    expect(natsCode(err)).toBe('PERMISSIONS_VIOLATION');
  });

  test('subscribing to carousel.out.> is refused: the subscription ends, with a permissions-violation status', async () => {
    const sub = producer.t.subscribe('carousel.out.>');
    await producer.t.flush();
    await sub.closed();
    expect(denials(producer, 'Permissions Violation for Subscription to "carousel.out.>"').length).toBeGreaterThan(0);
    // The control: the gateway's identical subscription receives the worker's prediction.
    const live = await listen(gateway.t, 'carousel.out.>');
    worker.t.publish('carousel.out.pump-1', enc.encode('prediction'));
    const [m] = await take(live[Symbol.asyncIterator](), 1);
    expect(m!.subject).toBe('carousel.out.pump-1');
    live.close();
    expect(sub.received).toBe(0);
  });
});

describe('secure.conf - worker', () => {
  test('consumes CAROUSEL_IN, keeps state in KV and blobs in the object store, and publishes its results', async () => {
    await producer.t.jsPublish('carousel.in.fan-2', enc.encode('s0'));
    const c = worker.t.consume('CAROUSEL_IN', { afterSeq: 0, filterSubject: 'carousel.p.*.fan-2' });
    const [m] = await take(c[Symbol.asyncIterator](), 1);
    expect(dec.decode(m!.data)).toBe('s0');
    await c.close();

    const state = await worker.t.kv('carousel_state');
    const rev = await state.put('fan-2', enc.encode('checkpoint-1'));
    await state.update('fan-2', enc.encode('checkpoint-2'), rev);
    expect(dec.decode((await state.get('fan-2'))!.value)).toBe('checkpoint-2');
    expect(await state.keys('*')).toContain('fan-2'); // `list` reads the checkpointed streams' keys (a headers-only consumer)
    const leases = await worker.t.kv('carousel_leases');
    expect(await leases.create('p-0', enc.encode('worker-a'))).toBeGreaterThan(0);
    const blobs = await worker.t.objectStore('carousel_blobs');
    await blobs.put('fan-2.ckpt', new Uint8Array(200_000).fill(7));
    expect((await blobs.get('fan-2.ckpt'))?.length).toBe(200_000);

    for (const kind of ['out', 'alert', 'reject']) {
      const seen = await listen(admin.t, `carousel.${kind}.>`);
      worker.t.publish(`carousel.${kind}.fan-2`, enc.encode(kind));
      const [got] = await take(seen[Symbol.asyncIterator](), 1);
      expect(got!.subject).toBe(`carousel.${kind}.fan-2`);
      seen.close();
    }
  });

  test('answers control requests from the admin', async () => {
    const responder = worker.t.subscribe('carousel.ctl.*', { callback: (m) => worker.t.publish(m.reply!, enc.encode('ok')) });
    await worker.t.flush();
    const reply = await admin.t.request('carousel.ctl.fan-2', enc.encode('inspect'));
    expect(dec.decode(reply.data)).toBe('ok');
    responder.close();
  });

  test('cannot publish samples as if it were a producer', async () => {
    worker.t.publish('carousel.in.fan-2', enc.encode('forged'));
    await worker.t.flush();
    // nats-server 2.9 applies the account's mapping before the permission check, so the denial
    // names the mapped subject (carousel.p.<n>.fan-2); a server that checks first names carousel.in.
    await eventually('the worker is told its publish was denied', () =>
      worker.events.some((e) => e.type === 'error' && /permission denied for publish on carousel\.(in|p\.\d+)\.fan-2\b/.test(e.error.message)),
    );
  });
});

describe('secure.conf - gateway', () => {
  test('reads live predictions and alerts, and the CAROUSEL_OUT history through the JetStream API', async () => {
    const live = await listen(gateway.t, 'carousel.alert.>');
    worker.t.publish('carousel.out.valve-3', enc.encode('p1'));
    worker.t.publish('carousel.alert.valve-3', enc.encode('a1'));
    const [a] = await take(live[Symbol.asyncIterator](), 1);
    expect(dec.decode(a!.data)).toBe('a1');
    live.close();
    const history = gateway.t.consume('CAROUSEL_OUT', { afterSeq: 0, filterSubject: 'carousel.out.valve-3' });
    const [h] = await take(history[Symbol.asyncIterator](), 1);
    expect(dec.decode(h!.data)).toBe('p1');
    await history.close();
  });

  test('cannot write KV carousel_state: binding the bucket and the raw KV put are both refused, the value is unchanged', async () => {
    const state = await worker.t.kv('carousel_state');
    const before = await state.put('valve-3', enc.encode('worker checkpoint'));

    const bind = await rejection(gateway.t.kv('carousel_state'));
    expect(natsCode(bind)).toBe('PERMISSIONS_VIOLATION');
    // A KV put is a JetStream publish to $KV.<bucket>.<key>; the gateway may not send it.
    const put = await rejection(gateway.t.jsPublish('$KV.carousel_state.valve-3', enc.encode('forged'), { timeout: 5_000 }));
    expect(put).toMatchObject({ code: expect.stringMatching(/^BUS_ERR_/) });
    expect(natsCode(put)).toBe('PERMISSIONS_VIOLATION');

    const after = await state.get('valve-3');
    expect(after?.revision).toBe(before);
    expect(dec.decode(after!.value)).toBe('worker checkpoint');
  });

  test('cannot publish predictions, create or delete streams', async () => {
    gateway.t.publish('carousel.out.valve-3', enc.encode('forged'));
    await gateway.t.flush();
    await eventually('the gateway is told its publish was denied', () => denials(gateway, 'permission denied for publish on carousel.out.valve-3').length > 0);
    expect(natsCode(await rejection(gateway.t.ensureStream({ name: 'GATEWAY_OWN', subjects: ['carousel.infer.>'] })))).toBe('PERMISSIONS_VIOLATION');
    expect(natsCode(await rejection(gateway.t.deleteStream('CAROUSEL_OUT')))).toBe('PERMISSIONS_VIOLATION');
    expect((await admin.t.streamState('CAROUSEL_OUT')).name).toBe('CAROUSEL_OUT');
  });
});

describe('secure.conf - admin', () => {
  test('uploads warm-start weights to carousel_blobs (`carousel model upload`), which the worker reads; the producer cannot bind the bucket', async () => {
    const weights = enc.encode('weights '.repeat(20_000)); // over one 128 KiB chunk
    await (await admin.t.objectStore('carousel_blobs')).put('warm-sec', weights);
    const read = await (await worker.t.objectStore('carousel_blobs')).get('warm-sec');
    expect(read && Buffer.from(read).equals(Buffer.from(weights))).toBe(true);
    expect(natsCode(await rejection(producer.t.objectStore('carousel_blobs')))).toBe('PERMISSIONS_VIOLATION');
  });
});

describe('secure.conf - errors keep their transport codes', () => {
  test('a denied request is a BusError whose cause is the nats permissions violation', async () => {
    const err = await rejection(gateway.t.request('carousel.ctl.x', enc.encode('x'), { timeout: 5_000 }));
    expect(Object.values(BUS_ERR)).toContain(err.code);
    expect(natsCode(err)).toBe('PERMISSIONS_VIOLATION');
  });
});
