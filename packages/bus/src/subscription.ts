// The client side of a subscription, shared by both transports: callback or bounded buffer for the
// async iterator, counters, and the slowConsumer report on overflow. The transport feeds it with
// `deliver()` and tells it how to stop receiving with `onStop`.

import { BoundedQueue } from './queue.ts';
import type { BusMsg, Subscription, TransportStatus } from './transport.ts';

export interface SubscriptionHooks {
  /** Stop receiving from the server/router (unsubscribe). */
  onStop: () => void;
  /** Report a status event (slowConsumer, error). */
  emit: (e: TransportStatus) => void;
}

export class QueuedSubscription implements Subscription {
  received = 0;
  #queue: BoundedQueue<BusMsg>;
  #callback: ((msg: BusMsg) => void) | undefined;
  #slow = false;
  #stopped = false;
  #done: Promise<void>;
  #resolveDone!: () => void;

  constructor(
    readonly subject: string,
    readonly queue: string | undefined,
    maxPending: number,
    callback: ((msg: BusMsg) => void) | undefined,
    private readonly hooks: SubscriptionHooks,
  ) {
    this.#queue = new BoundedQueue(maxPending);
    this.#callback = callback;
    this.#done = new Promise((r) => (this.#resolveDone = r));
  }

  get pending(): number {
    return this.#queue.pending;
  }

  get dropped(): number {
    return this.#queue.dropped;
  }

  get isStopped(): boolean {
    return this.#stopped;
  }

  /** Hands one message to the callback or the buffer. */
  deliver(msg: BusMsg): void {
    if (this.#stopped) return;
    this.received++;
    if (this.#callback !== undefined) {
      try {
        this.#callback(msg);
      } catch (err) {
        this.hooks.emit({ type: 'error', error: err instanceof Error ? err : new Error(String(err)) });
      }
      return;
    }
    if (this.#queue.push(msg)) {
      this.#slow = false;
    } else if (!this.#slow) {
      // Report once per overflow episode; `dropped` keeps the exact count.
      this.#slow = true;
      this.hooks.emit({ type: 'slowConsumer', subject: this.subject, dropped: this.#queue.dropped });
    }
  }

  close(): void {
    this.#stop(true);
  }

  async drain(): Promise<void> {
    this.#stop(false);
    if (this.#callback !== undefined || this.#queue.pending === 0) this.#resolveDone();
    await this.#done;
  }

  closed(): Promise<void> {
    return this.#done;
  }

  #stop(discard: boolean): void {
    if (!this.#stopped) {
      this.#stopped = true;
      this.hooks.onStop();
    }
    this.#queue.end({ discard });
    if (discard || this.#callback !== undefined) this.#resolveDone();
  }

  [Symbol.asyncIterator](): AsyncIterator<BusMsg> {
    const it = this.#queue[Symbol.asyncIterator]();
    return {
      next: async () => {
        const r = await it.next();
        if (r.done) this.#resolveDone();
        return r;
      },
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
