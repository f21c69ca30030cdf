// Reconnect delays: exponential from initialMs, capped at maxMs, with "equal jitter" (half fixed,
// half random) so a fleet of dashboards does not reconnect in lockstep after a gateway restart.

export interface BackoffOptions {
  /** First delay, ms. */
  readonly initialMs: number;
  /** Largest delay, ms. */
  readonly maxMs: number;
  /** Fraction of the delay that is random, in [0, 1]. */
  readonly jitter: number;
}

/** The delay before reconnect attempt `attempt` (0-based); `random` returns [0, 1). */
export function backoffDelay(attempt: number, o: BackoffOptions, random: () => number = Math.random): number {
  const base = Math.min(o.maxMs, o.initialMs * 2 ** Math.min(attempt, 30));
  return base * (1 - o.jitter) + base * o.jitter * random();
}
