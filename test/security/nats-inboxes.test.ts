// Per-service reply inboxes under infra/nats/secure.conf: each user may subscribe only to its own
// `_INBOX_<user>.>`, and each service connects with that inbox prefix (NATS_INBOX_PREFIX). Shown
// on a real nats-server with a real worker process (services/worker/src/main.ts, logged in as
// `worker` with NATS_INBOX_PREFIX=_INBOX_worker): no user can subscribe to another user's inbox
// prefix (or to the shared `_INBOX.>`), while the worker's JetStream consumer, KV and object-store
// calls, the producer's infer requests and JetStream acks, the admin's control requests and the
// gateway's history reads all work through their own prefixes. The control for the denials: a
// client with the old default prefix `_INBOX` gets no reply at all.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Subscription } from '@carousel/bus';
import { decodeInferReply, encodeInferRequest, encodeSample } from '@carousel/protocol';
import { NatsServer, printOutputOnFailure } from '@carousel/test-suites';
import { control, startWorker, until, type WorkerProc } from '../worker/helpers.ts';
import { USERS, hashEnv, inboxPrefix, login, natsCode, readSecureConfig, rejection, setEnv, type Login, type Service } from './nats-secure.ts';

const SERVICES: Service[] = ['producer', 'worker', 'gateway', 'admin'];
const enc = new TextEncoder();

let server: NatsServer | undefined;
let worker: WorkerProc | undefined;
const logins = new Map<Service, Login>();
printOutputOnFailure(() => [server, worker?.proc]);

beforeAll(async () => {
  const restore = setEnv(hashEnv());
  try {
    server = await NatsServer.start({ serverName: 'secure-inboxes', configText: await readSecureConfig() });
  } finally {
    restore();
  }
  for (const s of SERVICES) logins.set(s, await login([server.url], s));
  // The history stream the gateway reads, provisioned by the admin (docs/security.md).
  await as('admin').t.ensureStream({ name: 'CAROUSEL_OUT', subjects: ['carousel.out.>'], maxAgeMs: 600_000 });
  worker = await startWorker(server.url, 'inbox-w1', {
    NATS_USER: 'worker', NATS_PASS: USERS.worker.pass, NATS_INBOX_PREFIX: inboxPrefix('worker'),
  });
});
afterAll(async () => {
  await worker?.proc.close();
  for (const l of logins.values()) await l.t.close();
  await server?.close();
});

function as(s: Service): Login {
  return logins.get(s)!;
}

/** Subscription permission errors `l` was told about for `subject`. */
function subDenied(l: Login, subject: string): boolean {
  return l.events.some((e) => e.type === 'error' && e.error.message.includes(`Permissions Violation for Subscription to "${subject}"`));
}

interface ConnSubs {
  connections: Array<{ name: string; authorized_user?: string; subscriptions_list?: string[] }>;
}

describe('secure.conf - per-service reply inboxes', () => {
  const snoops: Array<{ who: Service; subject: string; sub: Subscription }> = [];

  test("no user can subscribe to another user's inbox prefix, or to the shared _INBOX.>", async () => {
    for (const who of SERVICES) {
      const targets = [...SERVICES.filter((s) => s !== who).map((s) => `${inboxPrefix(s)}.>`), '_INBOX.>'];
      for (const subject of targets) snoops.push({ who, subject, sub: as(who).t.subscribe(subject) });
      await as(who).t.flush();
    }
    for (const s of snoops) {
      await s.sub.closed();
      await until(`${s.who} told that ${s.subject} is denied`, () => subDenied(as(s.who), s.subject), 10_000, 20);
    }
    expect(snoops.length).toBe(SERVICES.length * SERVICES.length);
  });

  test('the real worker, logged in with _INBOX_worker, consumes, checkpoints and answers infer and control', async () => {
    const producer = as('producer').t;
    const stream = 'inbox-pump';
    // JetStream acks come back on the producer's inbox: each publish is acknowledged.
    for (let seq = 0; seq < 30; seq++) {
      const ack = await producer.jsPublish(`carousel.in.${stream}`, encodeSample({ v: 1, stream, seq, ts: 1_700_000_000_000 + seq, x: [Math.sin(seq / 3), 1] }), { msgId: `${stream}-${seq}` });
      expect(ack.stream).toBe('CAROUSEL_IN');
    }
    // Control from the admin (reply on _INBOX_admin); the worker got there through its consumer
    // deliveries and lease/KV calls, all on _INBOX_worker.
    await until('the worker applied all 30 samples', async () => {
      const r = await control(as('admin').t, stream, 'inspect', 5_000).catch(() => null);
      return r?.ok === true && r.op === 'inspect' && r.info.seq === 29;
    }, 60_000, 100);
    const snap = await control(as('admin').t, stream, 'snapshot', 10_000);
    expect(snap.ok).toBe(true);
    // Infer from the producer: the reply arrives on _INBOX_producer.
    const r = decodeInferReply((await producer.request(`carousel.infer.${stream}`, encodeInferRequest({ v: 1, stream }), { timeout: 10_000 })).data);
    expect(r.ok && r.value.ok && r.value.seq).toBe(29);
    // The gateway reads the history stream through its own inbox.
    as('worker').t.publish('carousel.out.inbox-valve', enc.encode('p1'));
    const history = as('gateway').t.consume('CAROUSEL_OUT', { afterSeq: 0, filterSubject: 'carousel.out.inbox-valve' });
    const it = history[Symbol.asyncIterator]();
    const first = await it.next();
    expect(first.done).toBe(false);
    await history.close();

    // Every inbox the server holds for a service's connection carries that service's prefix.
    const connz = await server!.monitor<ConnSubs>('connz?auth=1&subs=1');
    const byUser = new Map<string, string[]>();
    for (const c of connz!.connections) {
      const u = c.authorized_user ?? '';
      byUser.set(u, [...(byUser.get(u) ?? []), ...(c.subscriptions_list ?? [])]);
    }
    const workerInboxes = (byUser.get('worker') ?? []).filter((s) => s.startsWith('_INBOX'));
    expect(workerInboxes.length, 'the worker process has inbox subscriptions (consumers, requests)').toBeGreaterThan(0);
    for (const [user, subs] of byUser) {
      for (const s of subs.filter((x) => x.startsWith('_INBOX'))) expect(s.startsWith(`_INBOX_${user}.`), `${user} holds ${s}`).toBe(true);
    }
    // The worker logged no permission error with its prefix.
    expect(worker!.proc.output).not.toMatch(/Permissions Violation|permission denied/i);
  });

  test('none of the refused snoop subscriptions received anything', () => {
    expect(snoops.map((s) => s.sub.received)).toEqual(snoops.map(() => 0));
  });

  test('the control: with the default prefix _INBOX the same user gets no reply (its inbox is refused)', async () => {
    const plain = await login([server!.url], 'producer', { inboxPrefix: '_INBOX', name: 'sec-producer-default-inbox', requestTimeoutMs: 3_000 });
    try {
      const err = await rejection(plain.t.request('carousel.infer.inbox-pump', encodeInferRequest({ v: 1, stream: 'inbox-pump' }), { timeout: 3_000 }));
      expect(['PERMISSIONS_VIOLATION', 'TIMEOUT']).toContain(natsCode(err));
      const ack = await rejection(plain.t.jsPublish('carousel.in.inbox-pump', encodeSample({ v: 1, stream: 'inbox-pump', seq: 30, ts: 1_700_000_000_030, x: [0, 1] }), { msgId: 'inbox-pump-30', timeout: 3_000 }));
      expect(ack.code).toMatch(/^BUS_ERR_/);
    } finally {
      await plain.t.close();
    }
  });
});
