// The contract an ActorSystem runs: what a user supplies for one kind of actor. It holds no logic;
// the system calls these members one at a time per key.

/** What a failed turn does to its actor: 'resume' keeps the previous state, 'restart' crashes it. */
export type FailureDirective = 'resume' | 'restart';

export interface ActorBehaviour<K, M, S> {
  /**
   * Builds the state of `key`, e.g. by loading its last checkpoint. Called once per activation,
   * never concurrently for one key. A rejection is a crash: the actor restarts with backoff and its
   * messages wait, in order.
   */
  activate(key: K): Promise<S>;
  /**
   * Applies one message and returns the next state, synchronously (the cheap path: no promise is
   * made) or as a promise. Never runs twice at once for one key. If it throws, the message's effect
   * is discarded and the actor goes on from the state it had before the turn, so a turn should not
   * mutate `state` in place before it can fail.
   */
  turn(state: S, msg: M, key: K): S | Promise<S>;
  /**
   * Saves `state` before it is dropped from memory (idle, least recently used, drain), e.g. by
   * writing a checkpoint. Never runs during a turn of the same key.
   */
  passivate(key: K, state: S): Promise<void>;
  /**
   * Decides what a turn failure means (default: 'resume'). Return 'restart' for errors that leave
   * the state unusable; the actor is then re-activated from its checkpoint with backoff.
   */
  onFailure?(error: unknown, key: K, msg: M): FailureDirective;
}
