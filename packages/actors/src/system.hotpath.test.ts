import { describe, expect, it } from 'vitest';
import type { ActorBehaviour } from './behaviour.ts';
import { ActorSystem } from './system.ts';
import { until } from './test-helpers.ts';

/** A scheduler the test runs by hand, so one slice of the loop can be observed on its own. */
function manualSchedule(): { schedule: (fn: () => void) => void; runNext: () => boolean; size: () => number } {
  const queue: (() => void)[] = [];
  return {
    schedule: (fn) => queue.push(fn),
    runNext: () => {
      const fn = queue.shift();
      fn?.();
      return fn !== undefined;
    },
    size: () => queue.length,
  };
}

const counter: ActorBehaviour<string, number, number> = {
  activate: async () => 0,
  turn: (s, msg) => s + msg,
  passivate: async () => {},
};

describe('ActorSystem hot path', () => {
  it('runs synchronous turns without making or chaining a single promise', async () => {
    const sched = manualSchedule();
    const system = new ActorSystem(counter, { schedule: sched.schedule, turnsPerSlice: 10_000, maxMailbox: 10_000 });
    system.tell('k', 1);
    await until(() => sched.size() > 0); // activation resolved; the first slice is scheduled
    sched.runNext();
    expect(system.peek('k')).toBe(1);

    // Count every then() (await, Promise.resolve().then, a new promise's chaining) while the burst runs.
    const original = Promise.prototype.then;
    let thens = 0;
    Promise.prototype.then = function (this: Promise<unknown>, ...args: Parameters<typeof original>) {
      thens++;
      return original.apply(this, args);
    } as typeof original;
    try {
      for (let i = 0; i < 5_000; i++) system.tell('k', 1);
      sched.runNext();
    } finally {
      Promise.prototype.then = original;
    }
    expect(thens).toBe(0);
    expect(sched.size()).toBe(0); // one slice ran the whole burst, not one per message
    expect(system.peek('k')).toBe(5_001);
    expect(system.counters().turnsTotal).toBe(5_001);
    await system.close();
  });

  it('yields to I/O after turnsPerSlice turns and goes on in the next slice', async () => {
    const sched = manualSchedule();
    const system = new ActorSystem(counter, { schedule: sched.schedule, turnsPerSlice: 100 });
    for (const k of ['a', 'b']) system.tell(k, 0);
    await until(() => sched.size() > 0);
    sched.runNext();
    for (let i = 0; i < 150; i++) {
      system.tell('a', 1);
      system.tell('b', 1);
    }
    sched.runNext();
    // Round-robin across keys: each got half of the slice.
    expect([system.peek('a'), system.peek('b')]).toEqual([50, 50]);
    expect(sched.size()).toBe(1);
    while (sched.runNext());
    expect([system.peek('a'), system.peek('b')]).toEqual([150, 150]);
    await system.close();
  });

  it('with sliceMs, a slice also yields once a turn ends sliceMs or more after it began', async () => {
    const sched = manualSchedule();
    let now = 0;
    const clock = { now: () => now, setTimer: () => 0, clearTimer: () => {} };
    // Each turn takes 1 ms of the clock.
    const slow: ActorBehaviour<string, number, number> = { ...counter, turn: (s, msg) => ((now += 1), s + msg) };
    const system = new ActorSystem(slow, { schedule: sched.schedule, turnsPerSlice: 100, sliceMs: 3.5, clock });
    system.tell('a', 0);
    await until(() => sched.size() > 0);
    sched.runNext();
    for (let i = 0; i < 10; i++) system.tell('a', 1);
    sched.runNext();
    expect(system.peek('a')).toBe(4); // the 4th turn ends 4 ms after the slice began (>= 3.5): it yields
    expect(sched.size()).toBe(1);
    sched.runNext();
    expect(system.peek('a')).toBe(8);
    while (sched.runNext());
    expect(system.peek('a')).toBe(10);
    // Without a time bound the same slice runs every queued turn.
    const plain = new ActorSystem(slow, { schedule: sched.schedule, turnsPerSlice: 100, clock });
    plain.tell('b', 0);
    await until(() => sched.size() > 0);
    sched.runNext();
    for (let i = 0; i < 10; i++) plain.tell('b', 1);
    sched.runNext();
    expect(plain.peek('b')).toBe(10);
    expect(sched.size()).toBe(0);
    await system.close();
    await plain.close();
  });
});
