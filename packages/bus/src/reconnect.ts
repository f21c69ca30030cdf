// Reconnect backoff for NatsTransport: capped exponential delay with jitter, advanced once per
// dial attempt. It is the policy behind nats.js's `reconnectDelayHandler`; it dials nothing itself.
//
// Why a class and not a counter in the handler: nats.js v2 (lib/nats-base-client/protocol.js,
// dodialLoop) calls `reconnectDelayHandler()` on every pass of its dial loop, and a pass that finds
// `server.lastConnect + delay > now` only sleeps and loops again, calling the handler again. A
// handler that doubles its delay per call therefore doubles it per *sleep*, not per failed dial:
// after a kill -9 the delay reached the cap before the second dial, so a server back in 100 ms was
// found 2.5-5 s later. Here the delay is fixed between attempts; `attempted()` (driven by the
// client's per-dial `reconnecting` status) moves to the next step, `reset()` starts over.

/** Source of uniform numbers in [0, 1); injected by tests. */
export type RandomFn = () => number;

export class ReconnectBackoff {
  #attempt = 0;
  #delay: number;

  /**
   * @param minMs first delay, ms (the base before jitter)
   * @param maxMs largest delay, ms
   * @param random jitter source (default Math.random)
   */
  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
    private readonly random: RandomFn = Math.random,
  ) {
    this.#delay = this.#draw();
  }

  /** The delay before the next dial, ms: the same value on every call until `attempted()` or `reset()`. */
  delay(): number {
    return this.#delay;
  }

  /** Number of dials since the last reset. */
  get attempts(): number {
    return this.#attempt;
  }

  /** A dial was started: the next delay doubles (up to the cap). */
  attempted(): void {
    this.#attempt++;
    this.#delay = this.#draw();
  }

  /** The connection is back: the next outage starts from the first delay. */
  reset(): void {
    this.#attempt = 0;
    this.#delay = this.#draw();
  }

  // base = min(max, min * 2^attempt); the delay is uniform in [base/2, base), so clients that lost
  // the same server do not all dial it in the same millisecond.
  #draw(): number {
    const base = Math.min(this.maxMs, this.minMs * 2 ** Math.min(this.#attempt, 30));
    return base / 2 + this.random() * (base / 2);
  }
}
