// The one error class of @carousel/actors, with a closed vocabulary of stable codes. The worker
// turns a code into a Reject on the wire and a metric label, so codes never change meaning.

export const ACTOR_ERR = {
  /** An option is missing, of the wrong type or out of range. */
  CONFIG: 'ACTOR_ERR_CONFIG',
  /** The key's mailbox is full and the policy is 'reject-new': the message was not queued. */
  MAILBOX_FULL: 'ACTOR_ERR_MAILBOX_FULL',
  /** The message was queued, then dropped to make room under the 'drop-oldest' policy. */
  DROPPED: 'ACTOR_ERR_DROPPED',
  /** No actor slot and no waiting slot is free for a new key (maxActive + maxWaiting reached). */
  AT_CAPACITY: 'ACTOR_ERR_AT_CAPACITY',
  /** The system is draining or closed and accepts no new messages, or closed before running it. */
  CLOSED: 'ACTOR_ERR_CLOSED',
  /** The turn threw (or its promise rejected); the actor kept its previous state. */
  TURN_FAILED: 'ACTOR_ERR_TURN_FAILED',
  /** The turn failed fatally, or the actor crashed and gave up: its state was discarded. */
  CRASHED: 'ACTOR_ERR_CRASHED',
  /** activate() threw or rejected; the actor restarts with backoff. */
  ACTIVATE_FAILED: 'ACTOR_ERR_ACTIVATE_FAILED',
  /** passivate() threw or rejected; the checkpoint was not written. */
  PASSIVATE_FAILED: 'ACTOR_ERR_PASSIVATE_FAILED',
  /** An ask's reply function threw after a successful turn (the turn's state is kept). */
  REPLY_FAILED: 'ACTOR_ERR_REPLY_FAILED',
} as const;

export type ActorErrorCode = (typeof ACTOR_ERR)[keyof typeof ACTOR_ERR];

export class ActorError extends Error {
  override readonly name = 'ActorError';
  constructor(
    readonly code: ActorErrorCode,
    message: string,
    /** What the behaviour threw, if anything. */
    override readonly cause?: unknown,
  ) {
    super(`${code}: ${message}`);
  }
}

/** Throws ACTOR_ERR_CONFIG unless `v` is an integer in [min, max]. */
export function checkInt(name: string, v: unknown, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ActorError(ACTOR_ERR.CONFIG, `${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/** Throws ACTOR_ERR_CONFIG unless `v` is a finite number in [min, max]. */
export function checkNumber(name: string, v: unknown, min: number, max = Infinity): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new ActorError(ACTOR_ERR.CONFIG, `${name} must be a finite number in [${min}, ${max}], got ${String(v)}`);
  }
  return v;
}

/** Wraps whatever a behaviour threw into an ActorError with `code`, keeping it as the cause. */
export function wrapError(code: ActorErrorCode, what: string, cause: unknown): ActorError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new ActorError(code, `${what}: ${reason}`, cause);
}
