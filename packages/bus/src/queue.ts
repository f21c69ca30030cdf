// A bounded FIFO with an async iterator: the pending buffer of a subscription, consumer or status
// listener. Overflow policy: the incoming item is refused and counted (the caller reports it).

export class BoundedQueue<T> implements AsyncIterable<T> {
  #items: T[] = [];
  #head = 0;
  #waiter: { resolve: (r: IteratorResult<T>) => void; reject: (e: unknown) => void } | undefined;
  #ended = false;
  #error: unknown;
  /** Items refused because the queue was full. */
  dropped = 0;

  constructor(readonly limit: number) {}

  /** Items buffered and not yet taken. */
  get pending(): number {
    return this.#items.length - this.#head;
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** Adds `item`; false (and `dropped` incremented) when the queue is full or has ended. */
  push(item: T): boolean {
    if (this.#ended) return false;
    const w = this.#waiter;
    if (w !== undefined) {
      this.#waiter = undefined;
      w.resolve({ value: item, done: false });
      return true;
    }
    if (this.pending >= this.limit) {
      this.dropped++;
      return false;
    }
    this.#items.push(item);
    return true;
  }

  /** Ends the queue: the iterator yields what is buffered (unless `discard`) and then finishes, or throws `error`. */
  end(opts: { discard?: boolean; error?: unknown } = {}): void {
    if (this.#ended) return;
    this.#ended = true;
    this.#error = opts.error;
    if (opts.discard === true) {
      this.#items = [];
      this.#head = 0;
    }
    const w = this.#waiter;
    if (w !== undefined && this.pending === 0) {
      this.#waiter = undefined;
      if (this.#error !== undefined) w.reject(this.#error);
      else w.resolve({ value: undefined, done: true });
    }
  }

  /** The next item, or done once the queue has ended and is empty. */
  next(): Promise<IteratorResult<T>> {
    if (this.pending > 0) {
      const value = this.#items[this.#head++] as T;
      if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
        this.#items = this.#items.slice(this.#head);
        this.#head = 0;
      }
      return Promise.resolve({ value, done: false });
    }
    if (this.#ended) {
      if (this.#error !== undefined) {
        const err = this.#error;
        this.#error = undefined;
        return Promise.reject(err);
      }
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => this.next(),
      return: () => {
        this.end({ discard: true });
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
