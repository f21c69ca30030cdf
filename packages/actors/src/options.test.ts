import { describe, expect, it } from 'vitest';
import { ManualClock, systemClock } from './clock.ts';
import { ACTOR_ERR } from './errors.ts';
import { DEFAULT_MAX_ACTIVE, DEFAULT_MAX_MAILBOX, DEFAULT_OVERFLOW, parseActorOptions } from './options.ts';

describe('parseActorOptions', () => {
  it('fills every default and freezes the result', () => {
    const o = parseActorOptions();
    expect(o.maxMailbox).toBe(DEFAULT_MAX_MAILBOX);
    expect(o.maxActive).toBe(DEFAULT_MAX_ACTIVE);
    expect(o.overflow).toBe(DEFAULT_OVERFLOW);
    expect(o.overflow).toBe('reject-new');
    expect(o.clock).toBe(systemClock);
    expect(Object.isFrozen(o)).toBe(true);
  });

  it('keeps given values over the defaults', () => {
    const clock = new ManualClock();
    const o = parseActorOptions({ maxMailbox: 8, overflow: 'drop-oldest', clock, idleMs: 0 });
    expect(o.maxMailbox).toBe(8);
    expect(o.overflow).toBe('drop-oldest');
    expect(o.clock).toBe(clock);
    expect(o.idleMs).toBe(0);
  });

  it.each([
    ['maxMailbox', 0],
    ['maxMailbox', 1.5],
    ['maxActive', 0],
    ['maxWaiting', -1],
    ['idleMs', -1],
    ['idleSweepMs', 0],
    ['restartBackoffMs', Number.NaN],
    ['maxRestarts', -1],
    ['turnsPerSlice', 0],
    ['sliceMs', -1],
    ['sliceMs', Number.NaN],
    ['overflow', 'drop-newest'],
    ['clock', {}],
    ['schedule', 42],
  ])('refuses %s = %s with ACTOR_ERR_CONFIG', (name, value) => {
    expect(() => parseActorOptions({ [name]: value })).toThrow(expect.objectContaining({ code: ACTOR_ERR.CONFIG }));
  });

  it('refuses a backoff cap below the first delay', () => {
    expect(() => parseActorOptions({ restartBackoffMs: 500, restartBackoffMaxMs: 100 })).toThrow(/restartBackoffMaxMs/);
  });
});
