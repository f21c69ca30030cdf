// The health status stream: a hub that fans TransportStatus events out to every listener from
// `status()`. Each listener has a bounded buffer; a listener that does not keep up loses the
// oldest events it has not read, never slows the transport.

import { BoundedQueue } from './queue.ts';
import type { TransportStatus } from './transport.ts';

/** Events buffered per status listener before new ones are dropped. */
export const DEFAULT_STATUS_BUFFER = 256;

export class StatusHub {
  #listeners = new Set<BoundedQueue<TransportStatus>>();
  #closed = false;

  /** Sends `event` to every listener. */
  emit(event: TransportStatus): void {
    for (const q of this.#listeners) q.push(event);
  }

  /** A new listener; it ends when the hub closes or the iteration stops. */
  listen(): AsyncIterable<TransportStatus> {
    const q = new BoundedQueue<TransportStatus>(DEFAULT_STATUS_BUFFER);
    if (this.#closed) {
      q.end();
      return q;
    }
    this.#listeners.add(q);
    const listeners = this.#listeners;
    return {
      [Symbol.asyncIterator]() {
        const it = q[Symbol.asyncIterator]();
        return {
          next: () => it.next(),
          return: () => {
            listeners.delete(q);
            return it.return!();
          },
        };
      },
    };
  }

  /** Sends `closed` and ends every listener. */
  close(): void {
    if (this.#closed) return;
    this.emit({ type: 'closed' });
    this.#closed = true;
    for (const q of this.#listeners) q.end();
    this.#listeners.clear();
  }
}
