import { describe, expect, it } from 'vitest';
import type { ActorBehaviour } from './behaviour.ts';
import { ACTOR_ERR } from './errors.ts';
import type { ActorStatus } from './status.ts';
import { ActorSystem } from './system.ts';
import { deferred, settle } from './test-helpers.ts';

/** An actor whose activation waits on `gate`, so messages pile up in its mailbox. */
function gatedLog(gate: Promise<void>): ActorBehaviour<string, number, number[]> {
  return {
    activate: async () => {
      await gate;
      return [];
    },
    turn: (s, msg) => [...s, msg],
    passivate: async () => {},
  };
}

describe('ActorSystem overflow', () => {
  it("refuses new messages with ACTOR_ERR_MAILBOX_FULL under 'reject-new', counting each", async () => {
    const gate = deferred();
    const system = new ActorSystem(gatedLog(gate.promise), { maxMailbox: 3 });
    const events: ActorStatus<string, number>[] = [];
    system.status().subscribe((e) => events.push(e));
    const codes = [1, 2, 3, 4, 5].map((v) => system.tell('k', v));
    expect(codes).toEqual([null, null, null, ACTOR_ERR.MAILBOX_FULL, ACTOR_ERR.MAILBOX_FULL]);
    await expect(system.ask('k', 6)).rejects.toMatchObject({ code: ACTOR_ERR.MAILBOX_FULL });
    expect(events).toEqual([
      { type: 'overflow', key: 'k', code: ACTOR_ERR.MAILBOX_FULL, policy: 'reject-new', message: 4 },
      { type: 'overflow', key: 'k', code: ACTOR_ERR.MAILBOX_FULL, policy: 'reject-new', message: 5 },
      { type: 'overflow', key: 'k', code: ACTOR_ERR.MAILBOX_FULL, policy: 'reject-new', message: 6 },
    ]);
    expect(system.counters()).toMatchObject({ overflowTotal: 3, mailboxDepthMax: 3, queued: 3 });
    expect(system.tell('other', 1)).toBeNull();
    gate.resolve();
    await settle(system);
    expect(system.peek('k')).toEqual([1, 2, 3]);
    await system.close();
  });

  it("drops the oldest queued message under 'drop-oldest' and rejects its ask with ACTOR_ERR_DROPPED", async () => {
    const gate = deferred();
    const system = new ActorSystem(gatedLog(gate.promise), { maxMailbox: 2, overflow: 'drop-oldest' });
    const events: ActorStatus<string, number>[] = [];
    system.status().subscribe((e) => events.push(e));
    const first = system.ask('k', 1);
    expect(system.tell('k', 2)).toBeNull();
    expect(system.tell('k', 3)).toBeNull();
    expect(system.tell('k', 4)).toBeNull();
    await expect(first).rejects.toMatchObject({ code: ACTOR_ERR.DROPPED });
    expect(events.map((e) => (e.type === 'overflow' ? [e.code, e.policy, e.message] : e.type))).toEqual([
      [ACTOR_ERR.DROPPED, 'drop-oldest', 1],
      [ACTOR_ERR.DROPPED, 'drop-oldest', 2],
    ]);
    gate.resolve();
    await settle(system);
    expect(system.peek('k')).toEqual([3, 4]);
    expect(system.counters()).toMatchObject({ overflowTotal: 2, mailboxDepthMax: 2, turnsTotal: 2 });
    await system.close();
  });

  it('answers ACTOR_ERR_AT_CAPACITY for a new key when every slot and waiting place is taken', async () => {
    const gate = deferred();
    const system = new ActorSystem(gatedLog(gate.promise), { maxActive: 2, maxWaiting: 1 });
    const events: ActorStatus<string, number>[] = [];
    system.status().subscribe((e) => events.push(e));
    expect(['a', 'b', 'c', 'd'].map((k) => system.tell(k, 1))).toEqual([null, null, null, ACTOR_ERR.AT_CAPACITY]);
    expect(system.tell('a', 2)).toBeNull(); // known keys still queue
    expect(system.counters()).toMatchObject({ active: 2, waiting: 1, keys: 3, overflowTotal: 1 });
    expect(events).toEqual([{ type: 'overflow', key: 'd', code: ACTOR_ERR.AT_CAPACITY, policy: 'capacity', message: 1 }]);
    gate.resolve();
    await settle(system);
    expect(system.peek('a')).toEqual([1, 2]);
    expect(system.peek('c')).toEqual([1]);
    await system.close();
  });
});
