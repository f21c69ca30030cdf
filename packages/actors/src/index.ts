// Public API of @carousel/actors: a per-key actor runtime with ordered bounded mailboxes,
// supervision, passivation and a typed status stream.

export { ActorSystem } from './system.ts';
export type { ActorBehaviour, FailureDirective } from './behaviour.ts';
export {
  DEFAULT_IDLE_MS,
  DEFAULT_IDLE_SWEEP_MS,
  DEFAULT_MAX_ACTIVE,
  DEFAULT_MAX_MAILBOX,
  DEFAULT_MAX_RESTARTS,
  DEFAULT_MAX_WAITING,
  DEFAULT_OVERFLOW,
  DEFAULT_RESTART_BACKOFF_MAX_MS,
  DEFAULT_RESTART_BACKOFF_MS,
  DEFAULT_SLICE_MS,
  DEFAULT_TURNS_PER_SLICE,
  OVERFLOW_POLICIES,
  defaultActorOptions,
  parseActorOptions,
} from './options.ts';
export type { ActorSystemOptions, OverflowPolicy, Schedule } from './options.ts';
export { ACTOR_ERR, ActorError } from './errors.ts';
export type { ActorErrorCode } from './errors.ts';
export { ACTOR_STATUS_METRICS } from './status.ts';
export type { ActorCounters, ActorStatus, ActorStatusType, PassivateReason } from './status.ts';
export { RESTART_BACKOFF_FACTOR, restartDelay } from './supervision.ts';
export { ManualClock, systemClock } from './clock.ts';
export type { Clock, TimerHandle } from './clock.ts';
