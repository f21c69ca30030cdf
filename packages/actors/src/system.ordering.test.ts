import { describe, expect, it } from 'vitest';
import type { ActorBehaviour } from './behaviour.ts';
import { ACTOR_ERR } from './errors.ts';
import type { ActorStatus } from './status.ts';
import { ActorSystem } from './system.ts';
import { rng, settle, tick } from './test-helpers.ts';

interface Msg {
  seq: number;
  /** The turn returns a promise the test resolves later; otherwise it is synchronous. */
  async: boolean;
}

describe('ActorSystem ordering', () => {
  it('runs each key’s messages in order, one turn at a time, while keys interleave', async () => {
    const random = rng(7);
    const KEYS = 200;
    const PER_KEY = 40;
    const seen = new Map<number, number[]>();
    const busy = new Set<number>();
    // Asynchronous turns finish when the test says so, in a seeded random order across keys.
    const pending: (() => void)[] = [];
    let maxConcurrent = 0;
    let overlap = 0;
    const behaviour: ActorBehaviour<number, Msg, number> = {
      activate: async (key) => {
        seen.set(key, []);
        return 0;
      },
      turn: (state, msg, key) => {
        if (busy.has(key)) overlap++;
        seen.get(key)!.push(msg.seq);
        if (!msg.async) return state + 1;
        busy.add(key);
        return new Promise<number>((resolve) => {
          pending.push(() => {
            busy.delete(key);
            resolve(state + 1);
          });
          maxConcurrent = Math.max(maxConcurrent, pending.length);
        });
      },
      passivate: async () => {},
    };
    const system = new ActorSystem(behaviour, { maxMailbox: PER_KEY, turnsPerSlice: 64 });
    const finishOne = (): void => {
      const i = Math.floor(random() * pending.length);
      const done = pending[i];
      pending[i] = pending[pending.length - 1];
      pending.pop();
      done();
    };
    const next = new Array<number>(KEYS).fill(0);
    let remaining = KEYS * PER_KEY;
    while (remaining > 0) {
      const r = random();
      if (r < 0.6) {
        const key = Math.floor(random() * KEYS);
        if (next[key] === PER_KEY) continue;
        expect(system.tell(key, { seq: next[key]++, async: random() < 0.5 })).toBeNull();
        remaining--;
      } else if (r < 0.95 && pending.length > 0) {
        finishOne();
        await null;
      } else {
        await tick();
      }
    }
    while (system.counters().queued > 0 || pending.length > 0) {
      if (pending.length > 0) finishOne();
      await tick();
    }
    await settle(system);
    for (let key = 0; key < KEYS; key++) {
      expect(seen.get(key)).toEqual(Array.from({ length: PER_KEY }, (_, i) => i));
      expect(system.peek(key)).toBe(PER_KEY);
    }
    expect(overlap).toBe(0);
    expect(maxConcurrent).toBeGreaterThan(10);
    expect(system.counters().turnsTotal).toBe(KEYS * PER_KEY);
    await system.close();
  });

  it('keeps one actor’s failure away from every other actor', async () => {
    const events: ActorStatus<string, number>[] = [];
    const behaviour: ActorBehaviour<string, number, number[]> = {
      activate: async () => [],
      turn: (state, msg, key) => {
        if (key === 'bad' && msg % 3 === 0) throw new Error(`bad input ${msg}`);
        return [...state, msg];
      },
      passivate: async () => {},
    };
    const system = new ActorSystem(behaviour);
    system.status().subscribe((e) => events.push(e));
    for (let i = 1; i <= 9; i++) {
      for (const key of ['a', 'bad', 'c']) system.tell(key, i);
    }
    await settle(system);
    expect(system.peek('a')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(system.peek('c')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    // The failing messages' effects are discarded; the actor goes on from its previous state.
    expect(system.peek('bad')).toEqual([1, 2, 4, 5, 7, 8]);
    const failed = events.filter((e) => e.type === 'turnFailed');
    expect(failed.map((e) => [e.key, e.message, e.code, e.fatal])).toEqual([
      ['bad', 3, ACTOR_ERR.TURN_FAILED, false],
      ['bad', 6, ACTOR_ERR.TURN_FAILED, false],
      ['bad', 9, ACTOR_ERR.TURN_FAILED, false],
    ]);
    expect(events.some((e) => e.type === 'restarted')).toBe(false);
    expect(system.counters().failuresTotal).toBe(3);
    await system.close();
  });
});
