// Health as a typed status stream: every listener of Gateway.status() gets each event; a listener
// that does not keep up loses its oldest unread events (counted), never slows the gateway.

/** Gateway health events; each maps to one metric. */
export type GatewayStatus =
  /** Listening on `port`; `history` says whether resume is available. */
  | { readonly type: 'listening'; readonly port: number; readonly history: boolean }
  | { readonly type: 'clientOpen'; readonly client: number; readonly addr: string }
  | { readonly type: 'clientClose'; readonly client: number; readonly code: number }
  | { readonly type: 'authFailure'; readonly client: number; readonly addr: string; readonly code: string }
  | { readonly type: 'rateLimited'; readonly client: number; readonly addr: string }
  /** A client was closed with 4008; `dropped` frames had been coalesced away. */
  | { readonly type: 'slowConsumer'; readonly client: number; readonly dropped: number }
  | { readonly type: 'decodeError'; readonly subject: string; readonly code: string }
  | { readonly type: 'historyUnavailable'; readonly reason: string }
  | { readonly type: 'draining' }
  | { readonly type: 'closed' };

/** Events buffered per listener. */
export const STATUS_BUFFER = 1_024;

interface Listener {
  buf: GatewayStatus[];
  wake: (() => void) | undefined;
  lost: number;
}

export class StatusHub {
  #listeners = new Set<Listener>();
  #closed = false;

  emit(e: GatewayStatus): void {
    for (const l of this.#listeners) {
      if (l.buf.length >= STATUS_BUFFER) {
        l.buf.shift();
        l.lost++;
      }
      l.buf.push(e);
      l.wake?.();
    }
  }

  listen(): AsyncIterable<GatewayStatus> {
    const l: Listener = { buf: [], wake: undefined, lost: 0 };
    const listeners = this.#listeners;
    const isClosed = (): boolean => this.#closed;
    if (!this.#closed) listeners.add(l);
    return {
      async *[Symbol.asyncIterator]() {
        try {
          for (;;) {
            while (l.buf.length > 0) yield l.buf.shift()!;
            if (isClosed() || !listeners.has(l)) return;
            await new Promise<void>((r) => (l.wake = r));
            l.wake = undefined;
          }
        } finally {
          listeners.delete(l);
        }
      },
    };
  }

  close(): void {
    if (this.#closed) return;
    this.emit({ type: 'closed' });
    this.#closed = true;
    for (const l of this.#listeners) l.wake?.();
  }
}
