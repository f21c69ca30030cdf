// Options of an ActorSystem: documented defaults as named constants, merged, checked and frozen
// once by parseActorOptions. Nothing else reads raw options.

import { systemClock } from './clock.ts';
import type { Clock } from './clock.ts';
import { ACTOR_ERR, ActorError, checkInt, checkNumber } from './errors.ts';

/** What happens to a message sent to a key whose mailbox is full. */
export type OverflowPolicy = 'reject-new' | 'drop-oldest';
export const OVERFLOW_POLICIES: readonly OverflowPolicy[] = Object.freeze(['reject-new', 'drop-oldest']);

/** Default mailbox bound, messages per key. */
export const DEFAULT_MAX_MAILBOX = 1_024;
/** Default overflow policy: the new message is refused with ACTOR_ERR_MAILBOX_FULL. */
export const DEFAULT_OVERFLOW: OverflowPolicy = 'reject-new';
/** Default bound on actors in memory (activating, active, passivating or backing off), actors. */
export const DEFAULT_MAX_ACTIVE = 10_000;
/** Default bound on new keys queued for a free actor slot, keys. */
export const DEFAULT_MAX_WAITING = 1_024;
/** Default idle time after which an actor is passivated, milliseconds (0 = never). */
export const DEFAULT_IDLE_MS = 300_000;
/** Default period of the idle sweep, milliseconds. */
export const DEFAULT_IDLE_SWEEP_MS = 1_000;
/** Default delay before the first restart after a crash, milliseconds; doubles per crash. */
export const DEFAULT_RESTART_BACKOFF_MS = 100;
/** Default cap on the restart delay, milliseconds. */
export const DEFAULT_RESTART_BACKOFF_MAX_MS = 30_000;
/** Default consecutive crashes (no successful turn between) before an actor is stopped, crashes. */
export const DEFAULT_MAX_RESTARTS = 10;
/** Default turns run by one scheduler slice before yielding to I/O, turns. */
export const DEFAULT_TURNS_PER_SLICE = 1_024;
/** Default time bound of one scheduler slice, ms (0 = turns only). */
export const DEFAULT_SLICE_MS = 0;

/** Runs `fn` soon, on a later macrotask (the scheduler loop's slice). */
export type Schedule = (fn: () => void) => void;

export interface ActorSystemOptions {
  /** Messages queued per key before the overflow policy applies (default DEFAULT_MAX_MAILBOX). */
  maxMailbox: number;
  /** 'reject-new' refuses the new message; 'drop-oldest' drops the oldest queued one (default 'reject-new'). */
  overflow: OverflowPolicy;
  /** Actors held in memory at once; the least recently used idle one is passivated to make room (default DEFAULT_MAX_ACTIVE). */
  maxActive: number;
  /** New keys that may wait for a free actor slot; beyond it tell() answers ACTOR_ERR_AT_CAPACITY (default DEFAULT_MAX_WAITING). */
  maxWaiting: number;
  /** Idle time after the last message before an actor is passivated, ms; 0 disables (default DEFAULT_IDLE_MS). */
  idleMs: number;
  /** How often idle actors are looked for, ms (default DEFAULT_IDLE_SWEEP_MS). */
  idleSweepMs: number;
  /** First restart delay after a crash, ms (default DEFAULT_RESTART_BACKOFF_MS). */
  restartBackoffMs: number;
  /** Largest restart delay, ms (default DEFAULT_RESTART_BACKOFF_MAX_MS). */
  restartBackoffMaxMs: number;
  /** Consecutive crashes before the actor is stopped and its queued messages fail (default DEFAULT_MAX_RESTARTS). */
  maxRestarts: number;
  /** Turns per scheduler slice before yielding to I/O (default DEFAULT_TURNS_PER_SLICE). */
  turnsPerSlice: number;
  /**
   * Time after which a slice yields to I/O even before turnsPerSlice turns, ms; 0 = no time bound
   * (default DEFAULT_SLICE_MS). Checked after each turn on `clock`, so a slice ends within one turn
   * of it: with heavy turns it bounds how long I/O (requests, heartbeats) waits.
   */
  sliceMs: number;
  /** Time source for idleness and timers (default systemClock); tests pass a ManualClock. */
  clock: Clock;
  /** Schedules the next scheduler slice (default setImmediate). */
  schedule: Schedule;
}

export function defaultActorOptions(): ActorSystemOptions {
  return {
    maxMailbox: DEFAULT_MAX_MAILBOX,
    overflow: DEFAULT_OVERFLOW,
    maxActive: DEFAULT_MAX_ACTIVE,
    maxWaiting: DEFAULT_MAX_WAITING,
    idleMs: DEFAULT_IDLE_MS,
    idleSweepMs: DEFAULT_IDLE_SWEEP_MS,
    restartBackoffMs: DEFAULT_RESTART_BACKOFF_MS,
    restartBackoffMaxMs: DEFAULT_RESTART_BACKOFF_MAX_MS,
    maxRestarts: DEFAULT_MAX_RESTARTS,
    turnsPerSlice: DEFAULT_TURNS_PER_SLICE,
    sliceMs: DEFAULT_SLICE_MS,
    clock: systemClock,
    schedule: (fn) => void setImmediate(fn),
  };
}

/** Merges `opts` over the defaults, checks and freezes the result. Throws ACTOR_ERR_CONFIG. */
export function parseActorOptions(opts: Partial<ActorSystemOptions> = {}): Readonly<ActorSystemOptions> {
  const o = { ...defaultActorOptions(), ...opts };
  checkInt('maxMailbox', o.maxMailbox, 1);
  if (!OVERFLOW_POLICIES.includes(o.overflow)) {
    throw new ActorError(ACTOR_ERR.CONFIG, `overflow must be one of ${OVERFLOW_POLICIES.join(', ')}, got ${String(o.overflow)}`);
  }
  checkInt('maxActive', o.maxActive, 1);
  checkInt('maxWaiting', o.maxWaiting, 0);
  checkNumber('idleMs', o.idleMs, 0);
  checkNumber('idleSweepMs', o.idleSweepMs, 1);
  checkNumber('restartBackoffMs', o.restartBackoffMs, 0);
  checkNumber('restartBackoffMaxMs', o.restartBackoffMaxMs, o.restartBackoffMs);
  checkInt('maxRestarts', o.maxRestarts, 0);
  checkInt('turnsPerSlice', o.turnsPerSlice, 1);
  checkNumber('sliceMs', o.sliceMs, 0);
  const c = o.clock as Partial<Clock> | undefined;
  if (typeof c?.now !== 'function' || typeof c.setTimer !== 'function' || typeof c.clearTimer !== 'function') {
    throw new ActorError(ACTOR_ERR.CONFIG, 'clock must have now(), setTimer() and clearTimer()');
  }
  if (typeof o.schedule !== 'function') throw new ActorError(ACTOR_ERR.CONFIG, 'schedule must be a function');
  return Object.freeze(o);
}
