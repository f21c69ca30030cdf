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
  it('is a FIFO that keeps order while it wraps and grows', () => {
    const r = new Ring<number>();
    const out: number[] = [];
    let next = 0;
    for (let round = 0; round < 30; round++) {
      for (let i = 0; i < 3; i++) r.push(next++);
      out.push(r.shift() as number);
    }
    while (r.length > 0) out.push(r.shift() as number);
    expect(out).toEqual(Array.from({ length: 90 }, (_, i) => i));
    expect(r.shift()).toBeUndefined();
  });
});
