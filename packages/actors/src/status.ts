// The typed health stream of an ActorSystem and its counters. Every event type maps to exactly one
// metric (ACTOR_STATUS_METRICS), so the worker can count without knowing the runtime.

import type { ActorError, ActorErrorCode } from './errors.ts';
import type { OverflowPolicy } from './options.ts';

/** Why an actor was passivated. */
export type PassivateReason = 'idle' | 'lru' | 'drain';

export type ActorStatus<K, M> =
  /** The actor's state was built by activate(); `restart` when it follows a crash. */
  | { type: 'activated'; key: K; restart: boolean }
  /** passivate() completed and the state left memory (or re-activates at once if messages arrived meanwhile). */
  | { type: 'passivated'; key: K; reason: PassivateReason }
  /** passivate() failed: on idle/lru the actor stays active and is retried later; on drain it is dropped. */
  | { type: 'passivateFailed'; key: K; reason: PassivateReason; error: ActorError }
  /** A message was not applied: the turn failed (`fatal` when the actor crashed) or the actor gave up. The caller rejects `message`. */
  | { type: 'turnFailed'; key: K; code: ActorErrorCode; error: ActorError; message: M; fatal: boolean }
  /** The actor crashed and will be re-activated after `delayMs` (restart number `attempt`). */
  | { type: 'restarted'; key: K; attempt: number; delayMs: number; error: ActorError }
  /** The actor crashed more than maxRestarts times in a row; its queued messages failed with ACTOR_ERR_CRASHED. */
  | { type: 'stopped'; key: K; restarts: number; error: ActorError }
  /** A message was refused (`reject-new`, or no slot: `capacity`) or dropped (`drop-oldest`). The caller rejects `message`. */
  | { type: 'overflow'; key: K; code: ActorErrorCode; policy: OverflowPolicy | 'capacity'; message: M };

export type ActorStatusType = ActorStatus<unknown, unknown>['type'];

/** The one metric each status event increments (labels, if any, in the comment). */
export const ACTOR_STATUS_METRICS: Readonly<Record<ActorStatusType, string>> = Object.freeze({
  activated: 'carousel_actor_activations_total',
  passivated: 'carousel_actor_passivations_total', // {reason}
  passivateFailed: 'carousel_actor_passivation_failures_total', // {reason}
  turnFailed: 'carousel_actor_turn_failures_total', // {code}
  restarted: 'carousel_actor_restarts_total',
  stopped: 'carousel_actor_stops_total',
  overflow: 'carousel_actor_overflow_total', // {policy}
});

/** A snapshot of the system's gauges and counters. */
export interface ActorCounters {
  /** Actors holding a slot now: activating, active, passivating or waiting to restart (<= maxActive). */
  readonly active: number;
  /** New keys waiting for a slot now (<= maxWaiting). */
  readonly waiting: number;
  /** Keys known to the system now: active + waiting. */
  readonly keys: number;
  /** Messages queued in all mailboxes now. */
  readonly queued: number;
  /** Asynchronous turns, activations and passivations in flight now. */
  readonly inFlight: number;
  /** Largest mailbox depth seen, messages. */
  readonly mailboxDepthMax: number;
  /** Turns that completed, total. */
  readonly turnsTotal: number;
  /** Activations that completed, total. */
  readonly activatedTotal: number;
  /** Passivations that completed, total. */
  readonly passivatedTotal: number;
  /** Messages refused or dropped by the overflow policy or for lack of capacity, total. */
  readonly overflowTotal: number;
  /** Messages that failed (turn threw, or dropped when an actor stopped), total. */
  readonly failuresTotal: number;
  /** Crashes that scheduled a restart, total. */
  readonly restartsTotal: number;
}
