// Per-address token buckets that limit failed authentication attempts (brute force). Each failure
// takes one token; tokens refill at a steady rate up to the burst size. Memory is bounded: at most
// `maxAddresses` buckets, the least recently touched evicted first (Map insertion order).

export class AuthRateLimiter {
  readonly #buckets = new Map<string, { tokens: number; at: number }>();
  /** Buckets evicted to stay within maxAddresses. */
  evicted = 0;

  constructor(
    private readonly burst: number,
    private readonly refillPerSec: number,
    private readonly maxAddresses: number,
    private readonly now: () => number,
  ) {}

  /** Addresses tracked. */
  get size(): number {
    return this.#buckets.size;
  }

  #refill(addr: string): { tokens: number; at: number } | undefined {
    const b = this.#buckets.get(addr);
    if (b === undefined) return undefined;
    const t = this.now();
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.refillPerSec);
    b.at = t;
    if (b.tokens >= this.burst) {
      this.#buckets.delete(addr); // a full bucket is the same as none
      return undefined;
    }
    return b;
  }

  /** True when `addr` may try to authenticate now (has at least one token). */
  allowed(addr: string): boolean {
    const b = this.#refill(addr);
    return b === undefined || b.tokens >= 1;
  }

  /** Takes one token for a failed attempt from `addr`. */
  fail(addr: string): void {
    let b = this.#refill(addr);
    if (b === undefined) {
      if (this.#buckets.size >= this.maxAddresses) {
        const oldest = this.#buckets.keys().next().value;
        if (oldest !== undefined) this.#buckets.delete(oldest);
        this.evicted++;
      }
      b = { tokens: this.burst, at: this.now() };
    }
    b.tokens = Math.max(0, b.tokens - 1);
    this.#buckets.delete(addr); // re-insert: most recently touched last
    this.#buckets.set(addr, b);
  }
}
