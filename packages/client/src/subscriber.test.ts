// The subscriber against a scripted in-memory WebSocket (the gateway's side is played by the test):
// what it sends after authentication, on the first connection and after a reconnect.

import { afterEach, describe, expect, test } from 'vitest';
import { Subscriber, type WebSocketLike } from './subscriber.ts';

/** One socket the subscriber opened; the test answers as the gateway would. */
class ScriptedSocket implements WebSocketLike {
  static opened: ScriptedSocket[] = [];
  binaryType = 'blob';
  readyState = 0;
  onopen: ((ev: unknown) => void) | null = null;
  onmessage: ((ev: { data: unknown }) => void) | null = null;
  onclose: ((ev: { code: number; reason: string }) => void) | null = null;
  onerror: ((ev: unknown) => void) | null = null;
  readonly sent: Record<string, unknown>[] = [];

  constructor(readonly url: string) {
    ScriptedSocket.opened.push(this);
    queueMicrotask(() => {
      this.readyState = 1;
      this.onopen?.({});
    });
  }

  send(data: string | Uint8Array): void {
    this.sent.push(JSON.parse(String(data)) as Record<string, unknown>);
  }

  close(code = 1000, reason = ''): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    queueMicrotask(() => this.onclose?.({ code, reason }));
  }

  /** A frame from the gateway. */
  receive(m: Record<string, unknown>): void {
    this.onmessage?.({ data: JSON.stringify(m) });
  }

  subscribes(): unknown[] {
    return this.sent.filter((m) => m['type'] === 'subscribe').map((m) => m['id']);
  }
}

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 0));

async function authenticated(sock: ScriptedSocket): Promise<void> {
  while (!sock.sent.some((m) => m['type'] === 'auth')) await settle();
  sock.receive({ type: 'authenticated', streams: ['>'] });
}

let sub: Subscriber | undefined;
afterEach(async () => {
  await sub?.close();
  sub = undefined;
  ScriptedSocket.opened = [];
});

describe('subscriber - resubscription', () => {
  test('a subscribe inside the authenticated listener is sent once, not again by the resubscription', async () => {
    sub = new Subscriber({ url: 'ws://gateway.test/ws', token: 't', WebSocket: ScriptedSocket, backoffInitialMs: 1, backoffMaxMs: 1 });
    const ids: Promise<string>[] = [];
    sub.on('authenticated', () => void ids.push(sub!.subscribe(['pump-*'])));
    const open = sub.connect();
    await authenticated(ScriptedSocket.opened[0]!);
    await open;
    const first = ScriptedSocket.opened[0]!;
    expect(first.subscribes()).toEqual(['s1']);
    first.receive({ type: 'subscribed', id: 's1', patterns: ['pump-*'] });
    expect(await ids[0]).toBe('s1');
  });

  test('after a reconnect every live subscription is sent once on the new socket', async () => {
    sub = new Subscriber({ url: 'ws://gateway.test/ws', token: 't', WebSocket: ScriptedSocket, backoffInitialMs: 1, backoffMaxMs: 1, random: () => 0 });
    const open = sub.connect();
    await authenticated(ScriptedSocket.opened[0]!);
    await open;
    const a = sub.subscribe(['a-*']);
    const b = sub.subscribe(['b-*']);
    ScriptedSocket.opened[0]!.receive({ type: 'subscribed', id: 's1', patterns: ['a-*'] });
    ScriptedSocket.opened[0]!.receive({ type: 'subscribed', id: 's2', patterns: ['b-*'] });
    await Promise.all([a, b]);
    ScriptedSocket.opened[0]!.close(1006, 'dropped');
    while (ScriptedSocket.opened.length < 2) await settle();
    await authenticated(ScriptedSocket.opened[1]!);
    expect(ScriptedSocket.opened[0]!.subscribes()).toEqual(['s1', 's2']);
    expect(ScriptedSocket.opened[1]!.subscribes()).toEqual(['s1', 's2']);
  });
});
