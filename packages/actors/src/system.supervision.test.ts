import { describe, expect, it } from 'vitest';
import type { ActorBehaviour } from './behaviour.ts';
import { ManualClock } from './clock.ts';
import { ACTOR_ERR } from './errors.ts';
import type { ActorStatus } from './status.ts';
import { ActorSystem } from './system.ts';
import { settle } from './test-helpers.ts';

class FatalError extends Error {}

/** A log actor with a checkpoint per key; messages < 0 fail softly, 'fatal' ones crash it. */
function crashy(store: Map<string, number[]>, failActivations: { left: number }): ActorBehaviour<string, number | 'fatal', number[]> {
  return {
    activate: async (key) => {
      if (failActivations.left > 0) {
        failActivations.left--;
        throw new Error('store unavailable');
      }
      return [...(store.get(key) ?? [])];
    },
    turn: async (s, msg) => {
      await null;
      if (msg === 'fatal') throw new FatalError('state corrupted');
      if (msg < 0) throw new Error('bad sample');
      return [...s, msg];
    },
    passivate: async (key, s) => {
      store.set(key, s);
    },
    onFailure: (e) => (e instanceof FatalError ? 'restart' : 'resume'),
  };
}

describe('ActorSystem supervision', () => {
  it('rejects an ask whose turn throws with ACTOR_ERR_TURN_FAILED and keeps the previous state', async () => {
    const system = new ActorSystem(crashy(new Map(), { left: 0 }), { clock: new ManualClock() });
    expect(await system.ask('k', 1)).toEqual([1]);
    await expect(system.ask('k', -1)).rejects.toMatchObject({ code: ACTOR_ERR.TURN_FAILED });
    expect(await system.ask('k', 2)).toEqual([1, 2]);
    expect(system.counters()).toMatchObject({ failuresTotal: 1, restartsTotal: 0, activatedTotal: 1 });
    await system.close();
  });

  it('restarts a crashed actor from its checkpoint with exponential backoff, keeping messages in order', async () => {
    const clock = new ManualClock();
    const store = new Map([['k', [100]]]);
    const failActivations = { left: 0 };
    const system = new ActorSystem(crashy(store, failActivations), { clock, restartBackoffMs: 100, restartBackoffMaxMs: 1_000 });
    const events: ActorStatus<string, number | 'fatal'>[] = [];
    system.status().subscribe((e) => events.push(e));
    system.tell('k', 1);
    await settle(system);
    expect(system.peek('k')).toEqual([100, 1]);

    failActivations.left = 2; // the first two restarts find the store down
    for (const m of ['fatal', 2, 3] as const) system.tell('k', m);
    await settle(system);
    expect(system.counters()).toMatchObject({ queued: 2, active: 1 });
    expect(events.at(-1)).toMatchObject({ type: 'restarted', attempt: 1, delayMs: 100 });
    expect(system.peek('k')).toBeUndefined();

    clock.advance(99);
    await settle(system);
    expect(events.filter((e) => e.type === 'restarted')).toHaveLength(1);
    clock.advance(1);
    await settle(system);
    expect(events.at(-1)).toMatchObject({ type: 'restarted', attempt: 2, delayMs: 200, error: { code: ACTOR_ERR.ACTIVATE_FAILED } });
    clock.advance(200);
    await settle(system);
    expect(events.at(-1)).toMatchObject({ type: 'restarted', attempt: 3, delayMs: 400 });
    clock.advance(400);
    await settle(system);

    // The crash discarded [100, 1]'s in-memory state; the restart reloaded the checkpoint [100].
    expect(system.peek('k')).toEqual([100, 2, 3]);
    expect(events.map((e) => e.type)).toEqual(['activated', 'turnFailed', 'restarted', 'restarted', 'restarted', 'activated']);
    expect(events[1]).toMatchObject({ code: ACTOR_ERR.CRASHED, fatal: true, message: 'fatal' });
    expect(events[5]).toEqual({ type: 'activated', key: 'k', restart: true });
    expect(system.counters()).toMatchObject({ restartsTotal: 3, failuresTotal: 1, queued: 0 });
    await system.close();
  });

  it('stops an actor after maxRestarts crashes in a row, failing its queued messages with ACTOR_ERR_CRASHED', async () => {
    const clock = new ManualClock();
    const system = new ActorSystem(crashy(new Map(), { left: Infinity }), { clock, maxRestarts: 2, restartBackoffMs: 10 });
    const events: ActorStatus<string, number | 'fatal'>[] = [];
    system.status().subscribe((e) => events.push(e));
    const asked = system.ask('k', 1).catch((e: unknown) => e);
    system.tell('k', 2);
    system.tell('other', 1);
    for (let i = 0; i < 3; i++) {
      await settle(system);
      clock.advance(1_000);
    }
    expect(await asked).toMatchObject({ code: ACTOR_ERR.CRASHED });
    const forK = events.filter((e) => e.key === 'k').map((e) => (e.type === 'turnFailed' ? `failed:${String(e.message)}` : e.type));
    expect(forK).toEqual(['restarted', 'restarted', 'failed:1', 'failed:2', 'stopped']);
    expect(system.counters()).toMatchObject({ keys: 0, active: 0, queued: 0, restartsTotal: 4 });
    await system.close();
  });

  it('leaves other keys running while one actor waits out its backoff', async () => {
    const clock = new ManualClock();
    const system = new ActorSystem(crashy(new Map(), { left: 0 }), { clock, restartBackoffMs: 1_000 });
    system.tell('sick', 'fatal');
    system.tell('sick', 1);
    for (let i = 0; i < 5; i++) system.tell('well', i);
    await settle(system);
    expect(system.peek('well')).toEqual([0, 1, 2, 3, 4]);
    expect(system.peek('sick')).toBeUndefined();
    clock.advance(1_000);
    await settle(system);
    expect(system.peek('sick')).toEqual([1]);
    await system.close();
  });
});
