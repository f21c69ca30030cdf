import { describe, expect, it } from 'vitest';
import { Mailbox } from './mailbox.ts';
import type { AskReply } from './mailbox.ts';
import { Ring } from './ring.ts';

describe('Mailbox', () => {
  it('keeps messages in order across wrap-around and growth', () => {
    const mb = new Mailbox<number, unknown>(100);
    const out: number[] = [];
    let next = 0;
    // Interleave pushes and shifts so the head wraps while the ring grows from 4 to 128 slots.
    for (let round = 0; round < 50; round++) {
      for (let i = 0; i < 3; i++) mb.push(next++, undefined);
      out.push(mb.shift() as number);
    }
    while (mb.length > 0) out.push(mb.shift() as number);
    expect(out).toEqual(Array.from({ length: 150 }, (_, i) => i));
    expect(mb.shift()).toBeUndefined();
  });

  it('reports full at its limit and keeps each ask reply with its message', () => {
    const mb = new Mailbox<string, unknown>(3);
    const reply: AskReply<unknown> = { read: (s) => s, resolve: () => {}, reject: () => {} };
    mb.push('a', undefined);
    mb.push('b', reply);
    expect(mb.full).toBe(false);
    mb.push('c', undefined);
    expect(mb.full).toBe(true);
    expect(mb.shift()).toBe('a');
    expect(mb.lastReply).toBeUndefined();
    expect(mb.shift()).toBe('b');
    expect(mb.lastReply).toBe(reply);
    expect(mb.shift()).toBe('c');
    expect(mb.lastReply).toBeUndefined();
  });
});

describe('Ring', () => {
  it('is a FIFO that grows and can remove items in place', () => {
    const r = new Ring<number>();
    for (let i = 0; i < 40; i++) r.push(i);
    for (let i = 0; i < 10; i++) expect(r.shift()).toBe(i);
    r.remove((x) => x % 2 === 0);
    const rest: number[] = [];
    for (let x = r.shift(); x !== undefined; x = r.shift()) rest.push(x);
    expect(rest).toEqual(Array.from({ length: 15 }, (_, i) => 11 + 2 * i));
    expect(r.length).toBe(0);
  });
});
