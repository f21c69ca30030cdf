import { describe, expect, test } from 'vitest';
import { SendQueue } from './send-queue.ts';

const limits = { softBytes: 100, softMessages: 5, hardBytes: 300, hardMessages: 20 };

function drain(q: SendQueue): string[] {
  const out: string[] = [];
  for (let f = q.shift(); f !== undefined; f = q.shift()) out.push(`${f.key}=${String(f.data)}`);
  return out;
}

describe('send queue - under the soft limit', () => {
  test('frames come out in order and counters return to zero', () => {
    const q = new SendQueue(limits);
    for (let i = 0; i < 4; i++) q.push(`p:s${i % 2}`, String(i), 10, 0);
    expect(q.messages).toBe(4);
    expect(q.bytes).toBe(40);
    expect(drain(q)).toEqual(['p:s0=0', 'p:s1=1', 'p:s0=2', 'p:s1=3']);
    expect([q.messages, q.bytes, q.dropped, q.coalescing]).toEqual([0, 0, 0, false]);
  });
});

describe('send queue - past the soft limit', () => {
  test('coalesces to the latest frame per key and counts the dropped ones', () => {
    const q = new SendQueue(limits);
    for (let i = 0; i < 9; i++) q.push(`p:s${i % 3}`, String(i), 10, 0);
    expect(q.coalescing).toBe(true);
    expect(q.messages).toBe(3);
    expect([q.dropped, q.coalesced]).toEqual([6, 6]);
    // Each key keeps the place of its latest frame at the switch (s2=2, s0=3, s1=4), updated in place.
    expect(drain(q)).toEqual(['p:s2=8', 'p:s0=6', 'p:s1=7']);
    expect(q.coalescing).toBe(false);
  });

  test('socket-buffered bytes count towards the soft limit', () => {
    const q = new SendQueue(limits);
    q.push('p:a', '1', 10, 95);
    expect(q.coalescing).toBe(true);
    q.push('p:a', '2', 10, 95);
    expect(drain(q)).toEqual(['p:a=2']);
  });

  test('predictions and alerts of one stream coalesce separately', () => {
    const q = new SendQueue({ ...limits, softMessages: 1 });
    q.push('p:a', '1', 1, 0);
    q.push('a:a', '2', 1, 0);
    q.push('p:a', '3', 1, 0);
    expect(drain(q)).toEqual(['p:a=3', 'a:a=2']);
  });

  test('leaves coalescing mode once emptied, then queues in order again', () => {
    const q = new SendQueue(limits);
    for (let i = 0; i < 8; i++) q.push('p:a', String(i), 10, 0);
    drain(q);
    q.push('p:a', 'x', 10, 0);
    q.push('p:a', 'y', 10, 0);
    expect(drain(q)).toEqual(['p:a=x', 'p:a=y']);
  });
});

describe('send queue - the hard limit', () => {
  test('what coalescing dropped since the queue last emptied counts as owed', () => {
    const q = new SendQueue(limits);
    for (let i = 0; i < 10; i++) q.push('p:a', String(i), 40, 0);
    expect(q.messages).toBe(1);
    expect(q.overHard(0)).toBe(true); // 9 x 40 dropped + 40 queued > 300
    drain(q);
    expect(q.overHard(0)).toBe(false);
  });

  test('socket-buffered bytes count towards the hard limit', () => {
    const q = new SendQueue(limits);
    q.push('p:a', '1', 10, 0);
    expect(q.overHard(200)).toBe(false);
    expect(q.overHard(400)).toBe(true);
  });

  test('new keys past the hard limit are dropped, so memory stays bounded', () => {
    const q = new SendQueue({ softBytes: 10, softMessages: 2, hardBytes: 1_000, hardMessages: 5 });
    for (let i = 0; i < 50; i++) q.push(`p:s${i}`, String(i), 1, 0);
    expect(q.messages).toBeLessThanOrEqual(5);
    expect(q.dropped).toBe(50 - q.messages);
    expect(q.coalesced).toBe(0);
  });

  test('clear() empties the queue and resets what is owed', () => {
    const q = new SendQueue(limits);
    for (let i = 0; i < 30; i++) q.push('p:a', String(i), 40, 0);
    q.clear();
    expect([q.messages, q.bytes, q.overHard(0)]).toEqual([0, 0, false]);
  });
});
