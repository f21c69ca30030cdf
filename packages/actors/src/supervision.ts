// Supervision rules as pure functions: how long to wait before a restart and what a turn failure
// means. The system applies them; nothing here holds state or arms timers.

import type { ActorBehaviour, FailureDirective } from './behaviour.ts';

/** Growth factor of the restart delay per consecutive crash. */
export const RESTART_BACKOFF_FACTOR = 2;

/**
 * Delay before restart number `attempt` (1-based), ms: baseMs * 2^(attempt-1), capped at maxMs.
 * No jitter: restarts of one worker's actors are spread by their own crash times, and a fixed
 * sequence keeps tests and replays deterministic.
 */
export function restartDelay(attempt: number, baseMs: number, maxMs: number): number {
  const d = baseMs * RESTART_BACKOFF_FACTOR ** Math.max(0, attempt - 1);
  return d < maxMs ? d : maxMs;
}

/** Asks the behaviour what `error` means; a throwing onFailure counts as 'restart'. */
export function failureDirective<K, M, S>(behaviour: ActorBehaviour<K, M, S>, error: unknown, key: K, msg: M): FailureDirective {
  if (behaviour.onFailure === undefined) return 'resume';
  try {
    return behaviour.onFailure(error, key, msg) === 'restart' ? 'restart' : 'resume';
  } catch {
    return 'restart';
  }
}

/** True when `v` has a callable `then`: the turn went asynchronous. */
export function isThenable<T>(v: T | PromiseLike<T>): v is PromiseLike<T> {
  return v !== null && (typeof v === 'object' || typeof v === 'function') && typeof (v as { then?: unknown }).then === 'function';
}
