import { describe, expect, it } from 'vitest';
import type { ActorBehaviour } from './behaviour.ts';
import { ManualClock } from './clock.ts';
import { ACTOR_ERR } from './errors.ts';
import type { ActorStatus } from './status.ts';
import { ActorSystem } from './system.ts';
import { checkpointBehaviour, deferred, settle, tick, until } from './test-helpers.ts';
import type { SumState } from './test-helpers.ts';

describe('ActorSystem passivation', () => {
  it('passivates an idle actor and reactivates it with an equal state', async () => {
    const clock = new ManualClock();
    const behaviour = checkpointBehaviour();
    const system = new ActorSystem(behaviour, { clock, idleMs: 60_000, idleSweepMs: 1_000 });
    const events: ActorStatus<string, number>[] = [];
    system.status().subscribe((e) => events.push(e));
    for (const v of [3, 5, 7]) system.tell('s1', v);
    await settle(system);
    const before = structuredClone(system.peek('s1'));
    expect(before).toEqual({ sum: 15, count: 3, log: [3, 5, 7] });

    clock.advance(59_000);
    await settle(system);
    expect(behaviour.passivations).toEqual([]);
    clock.advance(1_000);
    await settle(system);
    expect(behaviour.passivations).toEqual(['s1']);
    expect(system.peek('s1')).toBeUndefined();
    expect(system.counters()).toMatchObject({ active: 0, keys: 0, passivatedTotal: 1 });
    expect(events.filter((e) => e.type === 'passivated')).toEqual([{ type: 'passivated', key: 's1', reason: 'idle' }]);

    const after = await system.ask('s1', 0);
    expect(behaviour.activations).toEqual(['s1', 's1']);
    expect(after).toEqual({ ...before, count: 4, log: [3, 5, 7, 0] });
    const reloaded = await system.ask('s1', 1, (s) => s.sum);
    expect(reloaded).toBe(16);
    await system.close();
  });

  it('does not passivate an actor that is used within the idle time', async () => {
    const clock = new ManualClock();
    const behaviour = checkpointBehaviour();
    const system = new ActorSystem(behaviour, { clock, idleMs: 10_000, idleSweepMs: 1_000 });
    system.tell('busy', 1);
    system.tell('quiet', 1);
    await settle(system);
    for (let i = 0; i < 5; i++) {
      clock.advance(4_000);
      system.tell('busy', 1);
      await settle(system);
    }
    expect(behaviour.passivations).toEqual(['quiet']);
    expect(system.peek('busy')?.count).toBe(6);
    await system.close();
  });

  it('waits for an in-flight turn before passivating', async () => {
    const clock = new ManualClock();
    const gate = deferred();
    const calls: string[] = [];
    const behaviour: ActorBehaviour<string, string, number> = {
      activate: async () => 0,
      turn: async (s, msg) => {
        calls.push(`turn:${msg}`);
        if (msg === 'slow') await gate.promise;
        calls.push(`done:${msg}`);
        return s + 1;
      },
      passivate: async (_k, s) => {
        calls.push(`passivate:${s}`);
      },
    };
    const system = new ActorSystem(behaviour, { clock, idleMs: 1_000, idleSweepMs: 100 });
    system.tell('k', 'slow');
    await until(() => calls.length === 1);
    clock.advance(5_000);
    await tick();
    expect(calls).toEqual(['turn:slow']);
    gate.resolve();
    await settle(system);
    clock.advance(1_000);
    await settle(system);
    expect(calls).toEqual(['turn:slow', 'done:slow', 'passivate:1']);
    await system.close();
  });

  it('waits for an in-flight turn before evicting the least recently used actor for a new key', async () => {
    const gate = deferred();
    const calls: string[] = [];
    const behaviour: ActorBehaviour<string, number, number> = {
      activate: async (key) => {
        calls.push(`activate:${key}`);
        return 0;
      },
      turn: async (s, msg, key) => {
        if (key === 'a') await gate.promise;
        calls.push(`done:${key}`);
        return s + msg;
      },
      passivate: async (key) => {
        calls.push(`passivate:${key}`);
      },
    };
    const system = new ActorSystem(behaviour, { maxActive: 1, idleMs: 0 });
    system.tell('a', 1);
    await until(() => calls.length === 1);
    await tick();
    expect(system.tell('b', 1)).toBeNull();
    await tick();
    expect(calls).toEqual(['activate:a']);
    expect(system.counters()).toMatchObject({ active: 1, waiting: 1 });
    gate.resolve();
    await settle(system);
    expect(calls).toEqual(['activate:a', 'done:a', 'passivate:a', 'activate:b', 'done:b']);
    await system.close();
  });

  it('activates a key once when messages arrive during its passivation, after passivate completes', async () => {
    const clock = new ManualClock();
    const store = new Map<string, number>();
    const writing = deferred();
    const log: string[] = [];
    let live = 0;
    let maxLive = 0;
    const behaviour: ActorBehaviour<string, number, number> = {
      activate: async (key) => {
        log.push('activate');
        live++;
        maxLive = Math.max(maxLive, live);
        return store.get(key) ?? 0;
      },
      turn: (s, msg) => s + msg,
      passivate: async (key, s) => {
        log.push('passivate:start');
        await writing.promise;
        store.set(key, s);
        live--;
        log.push('passivate:end');
      },
    };
    const system = new ActorSystem(behaviour, { clock, idleMs: 1_000, idleSweepMs: 1_000 });
    system.tell('k', 10);
    await settle(system);
    clock.advance(1_000);
    await until(() => log.includes('passivate:start'));
    // Concurrent messages while the checkpoint is being written: queued, not a second actor.
    const asks = [1, 2, 3].map((v) => system.ask('k', v));
    for (const v of [4, 5]) expect(system.tell('k', v)).toBeNull();
    await tick();
    expect(log).toEqual(['activate', 'passivate:start']);
    expect(system.counters()).toMatchObject({ active: 1, keys: 1, queued: 5 });
    writing.resolve();
    expect(await Promise.all(asks)).toEqual([11, 13, 16]);
    await settle(system);
    expect(log).toEqual(['activate', 'passivate:start', 'passivate:end', 'activate']);
    expect(maxLive).toBe(1);
    expect(system.peek('k')).toBe(25);
    await system.close();
  });

  it('keeps an actor whose idle passivation failed, and retries it at a later sweep', async () => {
    const clock = new ManualClock();
    const behaviour = checkpointBehaviour();
    let storeDown = true;
    const flaky = {
      ...behaviour,
      passivate: async (key: string, state: SumState) => {
        if (storeDown) throw new Error('store down');
        await behaviour.passivate(key, state);
      },
    };
    const system = new ActorSystem(flaky, { clock, idleMs: 1_000, idleSweepMs: 1_000 });
    const events: ActorStatus<string, number>[] = [];
    system.status().subscribe((e) => events.push(e));
    system.tell('k', 4);
    await settle(system);
    clock.advance(1_000);
    await settle(system);
    expect(events.at(-1)).toMatchObject({ type: 'passivateFailed', key: 'k', reason: 'idle', error: { code: ACTOR_ERR.PASSIVATE_FAILED } });
    expect(system.peek('k')?.sum).toBe(4);
    storeDown = false;
    clock.advance(1_000);
    await settle(system);
    expect(events.at(-1)).toEqual({ type: 'passivated', key: 'k', reason: 'idle' });
    expect(JSON.parse(behaviour.store.get('k')!)).toMatchObject({ sum: 4 });
    await system.close();
  });

  it('keeps memory bounded with 100k keys touched once under maxActive 1000, passivating every one', async () => {
    const MAX_ACTIVE = 1_000;
    const MAX_WAITING = 200;
    const KEYS = 100_000;
    const store = new Map<number, number>();
    let passivations = 0;
    const behaviour: ActorBehaviour<number, number, number> = {
      activate: async (key) => store.get(key) ?? 0,
      turn: (s, msg) => s + msg,
      passivate: async (key, s) => {
        store.set(key, s);
        passivations++;
      },
    };
    const system = new ActorSystem(behaviour, { maxActive: MAX_ACTIVE, maxWaiting: MAX_WAITING, idleMs: 0 });
    let maxActive = 0;
    let maxKeys = 0;
    let maxWaiting = 0;
    const observe = (): void => {
      const c = system.counters();
      if (c.active > maxActive) maxActive = c.active;
      if (c.keys > maxKeys) maxKeys = c.keys;
      if (c.waiting > maxWaiting) maxWaiting = c.waiting;
    };
    let events = 0;
    system.status().subscribe((e) => {
      if (e.type !== 'overflow' && ++events % 16 === 0) observe();
    });
    let refused = 0;
    for (let key = 0; key < KEYS; key++) {
      // Backpressure: at capacity the caller does not ack and tries again once the runtime moved.
      while (system.tell(key, key % 7) === ACTOR_ERR.AT_CAPACITY) {
        refused++;
        observe();
        await tick();
      }
      if (key % 64 === 0) observe();
    }
    await system.drain();
    observe();
    expect(maxActive).toBeLessThanOrEqual(MAX_ACTIVE);
    expect(maxActive).toBe(MAX_ACTIVE);
    expect(maxWaiting).toBeLessThanOrEqual(MAX_WAITING);
    expect(maxKeys).toBeLessThanOrEqual(MAX_ACTIVE + MAX_WAITING);
    expect(refused).toBeGreaterThan(0);
    expect(passivations).toBe(KEYS);
    expect(store.size).toBe(KEYS);
    expect(store.get(99_999)).toBe(99_999 % 7);
    expect(system.counters()).toMatchObject({ active: 0, keys: 0, waiting: 0, queued: 0, passivatedTotal: KEYS, activatedTotal: KEYS, overflowTotal: refused });
  });

  it('passivates the least recently used idle actor to make room for a new key', async () => {
    const behaviour = checkpointBehaviour();
    const system = new ActorSystem(behaviour, { maxActive: 2, idleMs: 0 });
    system.tell('a', 1);
    system.tell('b', 1);
    await settle(system);
    system.peek('a'); // 'a' is now more recently used than 'b'
    system.tell('c', 1);
    expect(system.counters()).toMatchObject({ active: 2, waiting: 1, keys: 3 });
    await settle(system);
    expect(behaviour.passivations).toEqual(['b']);
    expect(system.peek('a')).toBeDefined();
    expect(system.peek('c')).toEqual<SumState>({ sum: 1, count: 1, log: [1] });
    await system.close();
  });
});
