import { describe, expect, it } from 'vitest';
import type { ActorBehaviour } from './behaviour.ts';
import { ManualClock } from './clock.ts';
import { ACTOR_ERR } from './errors.ts';
import type { ActorStatus } from './status.ts';
import { ActorSystem } from './system.ts';
import { checkpointBehaviour, deferred, settle, tick, until } from './test-helpers.ts';

describe('ActorSystem ask and peek', () => {
  it('answers an ask with what its reply function reads from the state after the turn', async () => {
    const system = new ActorSystem(checkpointBehaviour());
    system.tell('k', 2);
    expect(await system.ask('k', 3, (s) => s.sum)).toBe(5);
    expect(await system.ask('k', 4)).toEqual({ sum: 9, count: 3, log: [2, 3, 4] });
    await expect(
      system.ask('k', 1, () => {
        throw new Error('bad reader');
      }),
    ).rejects.toMatchObject({ code: ACTOR_ERR.REPLY_FAILED });
    expect(system.peek('k')?.sum).toBe(10);
    await system.close();
  });

  it('peeks the committed state without waiting behind the mailbox backlog', async () => {
    const gate = deferred();
    const behaviour: ActorBehaviour<string, number, number> = {
      activate: async () => 0,
      turn: async (s, msg) => {
        if (msg === 1) await gate.promise;
        return s + msg;
      },
      passivate: async () => {},
    };
    const system = new ActorSystem(behaviour);
    expect(await system.ask('k', 5)).toBe(5);
    for (let i = 0; i < 100; i++) system.tell('k', 1);
    await tick();
    expect(system.counters().queued).toBe(99);
    expect(system.peek('k')).toBe(5);
    expect(system.peek('unknown')).toBeUndefined();
    expect(system.counters().keys).toBe(1); // peek never activates
    gate.resolve();
    await settle(system);
    expect(system.peek('k')).toBe(105);
    await system.close();
  });
});

describe('ActorSystem drain and close', () => {
  it('drains: refuses new messages, finishes every queued turn, passivates every actor, then closes', async () => {
    const clock = new ManualClock();
    const behaviour = checkpointBehaviour();
    const slow: ActorBehaviour<string, number, { sum: number; count: number; log: number[] }> = {
      ...behaviour,
      turn: async (s, msg) => {
        await null;
        return behaviour.turn(s, msg, '') as { sum: number; count: number; log: number[] };
      },
    };
    const system = new ActorSystem(slow, { clock, maxActive: 3, maxWaiting: 10 });
    const events: ActorStatus<string, number>[] = [];
    let completed = false;
    system.status().subscribe({ next: (e) => events.push(e), complete: () => (completed = true) });
    const keys = ['a', 'b', 'c', 'd', 'e'];
    for (let i = 1; i <= 20; i++) for (const k of keys) system.tell(k, i);
    const drained = system.drain();
    expect(system.tell('a', 99)).toBe(ACTOR_ERR.CLOSED);
    await expect(system.ask('f', 1)).rejects.toMatchObject({ code: ACTOR_ERR.CLOSED });
    await drained;
    await system.closed();
    for (const k of keys) expect(JSON.parse(behaviour.store.get(k)!)).toMatchObject({ sum: 210, count: 20 });
    expect(behaviour.passivations.sort()).toEqual(keys);
    expect(events.filter((e) => e.type === 'passivated').every((e) => e.type === 'passivated' && e.reason !== 'idle')).toBe(true);
    expect(system.counters()).toMatchObject({ active: 0, keys: 0, queued: 0, inFlight: 0, turnsTotal: 100 });
    expect(completed).toBe(true);
    expect(clock.pending).toBe(0);
  });

  it('drains a system that has nothing in memory at once', async () => {
    const system = new ActorSystem(checkpointBehaviour());
    await system.drain();
    expect(system.tell('a', 1)).toBe(ACTOR_ERR.CLOSED);
  });

  it('closes without passivating, rejecting queued and in-flight asks with ACTOR_ERR_CLOSED', async () => {
    const gate = deferred();
    const passivated: string[] = [];
    const behaviour: ActorBehaviour<string, number, number> = {
      activate: async () => 0,
      turn: async (s, msg) => {
        await gate.promise;
        return s + msg;
      },
      passivate: async (k) => {
        passivated.push(k);
      },
    };
    const system = new ActorSystem(behaviour);
    const running = system.ask('k', 1).catch((e: unknown) => e);
    const queued = system.ask('k', 2).catch((e: unknown) => e);
    await until(() => system.counters().queued === 1);
    let closed = false;
    const closing = system.close().then(() => (closed = true));
    expect(await running).toMatchObject({ code: ACTOR_ERR.CLOSED });
    expect(await queued).toMatchObject({ code: ACTOR_ERR.CLOSED });
    await tick();
    expect(closed).toBe(false); // the in-flight turn has not settled yet
    gate.resolve();
    await closing;
    expect(passivated).toEqual([]);
    expect(system.tell('k', 3)).toBe(ACTOR_ERR.CLOSED);
    expect(system.counters()).toMatchObject({ keys: 0, active: 0, queued: 0, inFlight: 0 });
  });
});
