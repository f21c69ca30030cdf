// NatsTransport across a nats-server crash: kill -9, restart on the same port and file storage,
// and everything a worker or gateway relies on must work again on the same transport.
//
// Two causes of "the client stops retrying after kill -9" are pinned here:
// - nats.js calls reconnectDelayHandler on every pass of its dial loop, and our handler doubled
//   its delay per call, so the delay reached the cap after a dial or two (packages/bus/src/
//   reconnect.ts). These transports use a 250 ms first delay and a ten-minute cap: with the old
//   handler the next dial comes minutes later and the waits below run out; with the fix the dials
//   go 250 ms, 500 ms, 1 s, ... and the restarted server is found.
// - the harness's waitFor() without `abort` raced its sleep against `undefined`, which resolves at
//   once: it spun on microtasks and starved the event loop, so no socket event or nats.js timer
//   ran until its deadline (the "2-3 attempts, then nothing" seen under vitest). waitFor now races
//   only against a given `abort`; the waits here (`eventually`) sleep 20 ms on a real timer.
// No test asserts on time; each wait has a deadline that fails the test when it runs out.

import { afterAll, afterEach, beforeAll, describe, expect, test } from 'vitest';
import { DebugEvents } from 'nats';
import { NatsTransport, type Subscription, type TransportStatus } from '@carousel/bus';
import { NatsServer, printOutputOnFailure, take as takeWithin, waitFor } from '@carousel/test-suites';

/** Deadline of each wait, ms: far longer than the fixed backoff needs, far shorter than the old one took. */
const WAIT_MS = 20_000;
/** Reconnect backoff cap for these transports, ms (ten minutes: the stall cannot hide under it). */
const RECONNECT_MAX_MS = 600_000;
/** Polls `cond` every 20 ms on a real timer (so I/O and timers run meanwhile); fails after WAIT_MS. */
const eventually = async (what: string, cond: () => boolean): Promise<void> => {
  await waitFor(what, cond, { timeoutMs: WAIT_MS, intervalMs: 20 });
};
const take = <T>(it: AsyncIterator<T>, n: number): Promise<T[]> => takeWithin(it, n, WAIT_MS);

const enc = new TextEncoder();
const dec = new TextDecoder();

let server: NatsServer;
const open: NatsTransport[] = [];

beforeAll(async () => {
  server = await NatsServer.start({ serverName: 'reconnect' });
});
afterEach(async () => {
  for (const t of open.splice(0)) await t.close();
});
afterAll(async () => {
  await server?.close();
});
printOutputOnFailure(() => [server]);

/** A transport on `server` whose status events are recorded in `events`. */
async function connect(name: string): Promise<{ t: NatsTransport; events: TransportStatus[] }> {
  const t = await NatsTransport.connect({ servers: [server.url], name, reconnectMinMs: 250, reconnectMaxMs: RECONNECT_MAX_MS });
  open.push(t);
  const events: TransportStatus[] = [];
  void (async () => {
    for await (const e of t.status()) events.push(e);
  })();
  return { t, events };
}

/** The event types seen so far, in order, without errors (a refused dial is not an event we assert on). */
function kinds(events: TransportStatus[]): string[] {
  return events.map((e) => e.type).filter((k) => k !== 'error');
}

async function waitReconnected(events: TransportStatus[], n = 1): Promise<void> {
  await eventually(`${n} reconnect event(s)`, () => events.filter((e) => e.type === 'reconnect').length >= n);
}

/** Kills the server with SIGKILL and starts it again on the same port and storage. */
async function crashAndRestart(): Promise<void> {
  await server.kill('SIGKILL');
  await server.restart();
}

describe('nats transport - reconnect after the server is killed (-9) and restarted', () => {
  test('the transport emits disconnect, then reconnect, and stays open', async () => {
    const { t, events } = await connect('rc-events');
    await t.flush();
    await crashAndRestart();
    await waitReconnected(events);
    expect(kinds(events)).toEqual(['disconnect', 'reconnect']);
    await t.flush();
    expect(t.nc.isClosed()).toBe(false);
  });

  test('a subscription made (and flushed) before the kill receives messages published after the reconnect', async () => {
    const { t, events } = await connect('rc-sub');
    const sub: Subscription = t.subscribe('rc.live.>');
    await t.flush();
    await crashAndRestart();
    await waitReconnected(events);
    // A second client connected after the restart publishes: the message reaches the old
    // subscription only if the transport re-subscribed on the new server.
    const { t: producer } = await connect('rc-producer');
    producer.publish('rc.live.s1', enc.encode('after'));
    await producer.flush();
    const [m] = await take(sub[Symbol.asyncIterator](), 1);
    expect(m!.subject).toBe('rc.live.s1');
    expect(dec.decode(m!.data)).toBe('after');
  });

  test('core publish/subscribe, request-reply and JetStream publish work again; the file-stored stream kept its messages', async () => {
    const { t, events } = await connect('rc-js');
    await t.ensureStream({ name: 'RC_FILE', subjects: ['rc.js.>'], storage: 'file' });
    const before = await t.jsPublish('rc.js.a', enc.encode('one'), { msgId: 'rc-1' });
    await crashAndRestart();
    await waitReconnected(events);

    const sub = t.subscribe('rc.core.>');
    t.publish('rc.core.x', enc.encode('core'));
    const [m] = await take(sub[Symbol.asyncIterator](), 1);
    expect(dec.decode(m!.data)).toBe('core');

    const responder = t.subscribe('rc.echo', {
      callback: (req) => t.publish(req.reply!, req.data),
    });
    await t.flush();
    const reply = await t.request('rc.echo', enc.encode('ping'));
    expect(dec.decode(reply.data)).toBe('ping');
    responder.close();

    const after = await t.jsPublish('rc.js.b', enc.encode('two'), { msgId: 'rc-2' });
    expect(after).toMatchObject({ stream: 'RC_FILE', seq: before.seq + 1, duplicate: false });
    // The dedupe window survived too: the message published before the crash is a duplicate.
    expect(await t.jsPublish('rc.js.a', enc.encode('one'), { msgId: 'rc-1' })).toMatchObject({ duplicate: true });
    expect(await t.streamState('RC_FILE')).toMatchObject({ messages: 2, lastSeq: before.seq + 1 });
  });

  test('an ordered consumer started before the kill delivers what is published after the reconnect', async () => {
    const { t, events } = await connect('rc-consumer');
    await t.ensureStream({ name: 'RC_CONSUME', subjects: ['rc.c.>'], storage: 'file' });
    await t.jsPublish('rc.c.s', enc.encode('0'));
    const consumer = t.consume('RC_CONSUME', { afterSeq: 0 });
    const it = consumer[Symbol.asyncIterator]();
    const [first] = await take(it, 1);
    expect(dec.decode(first!.data)).toBe('0');

    await crashAndRestart();
    await waitReconnected(events);
    await t.jsPublish('rc.c.s', enc.encode('1'));
    await t.jsPublish('rc.c.s', enc.encode('2'));
    const next = await take(it, 2);
    expect(next.map((x) => dec.decode(x.data))).toEqual(['1', '2']);
    expect(next.map((x) => x.streamSeq)).toEqual([2, 3]);
    await consumer.close();
  });

  test('keeps dialling while the server stays down, then reconnects when it is back', async () => {
    const { t, events } = await connect('rc-down');
    const sub = t.subscribe('rc.down.>');
    await t.flush();
    let dials = 0;
    void (async () => {
      for await (const s of t.nc.status()) if (s.type === DebugEvents.Reconnecting) dials++;
    })();
    await server.kill('SIGKILL');
    // The old handler stopped after 2-3 dials; the fixed backoff keeps going (250 ms, 500 ms, 1 s, 2 s, ...).
    await eventually('four refused dials while the server is down', () => dials >= 4);
    await server.restart();
    await waitReconnected(events);
    expect(kinds(events)).toEqual(['disconnect', 'reconnect']);
    t.publish('rc.down.x', enc.encode('back'));
    const [m] = await take(sub[Symbol.asyncIterator](), 1);
    expect(dec.decode(m!.data)).toBe('back');
  });
});
