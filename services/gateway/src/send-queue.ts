// The per-client send queue: frames wait here while the socket holds socketHighWaterBytes or more.
// Policy, in order:
//   under the soft limit   frames queue in order;
//   past the soft limit    the queue coalesces: it keeps only the latest frame per key (kind and
//                          stream), replacing older ones in place, and counts what it dropped;
//   past the hard limit    the client "owes" more than hardLimit (queued + socket-buffered + what
//                          coalescing dropped since the queue last emptied); the connection closes
//                          it after a grace period. New keys are dropped (counted) so memory stays
//                          bounded by the hard limit.
// The queue leaves coalescing mode when it empties. Pure data structure: no sockets, no timers.

/** Limits of one queue (from GatewayOptions). */
export interface SendQueueLimits {
  readonly softBytes: number;
  readonly softMessages: number;
  readonly hardBytes: number;
  readonly hardMessages: number;
}

/** One frame waiting to be sent. */
export interface QueuedFrame {
  /** Coalescing key: `p:<stream>` or `a:<stream>`. */
  readonly key: string;
  /** The encoded frame. */
  data: string | Uint8Array;
  /** Its size in bytes. */
  size: number;
}

export class SendQueue {
  #items: (QueuedFrame | undefined)[] = [];
  #head = 0;
  #byKey = new Map<string, QueuedFrame>();
  /** Bytes queued. */
  bytes = 0;
  /** Frames queued. */
  messages = 0;
  /** True while past the soft limit (until the queue empties). */
  coalescing = false;
  /** Frames dropped by coalescing or the hard limit, ever. */
  dropped = 0;
  /** Of `dropped`, frames replaced by a newer frame of the same key (the rest hit the hard limit). */
  coalesced = 0;
  /** Times the queue entered coalescing mode. */
  coalesceEpisodes = 0;
  #owedBytes = 0;
  #owedMessages = 0;

  constructor(private readonly limits: SendQueueLimits) {}

  /** Adds a frame; `socketBytes` is what the socket holds now (ws bufferedAmount). */
  push(key: string, data: string | Uint8Array, size: number, socketBytes: number): void {
    const l = this.limits;
    if (!this.coalescing && (this.messages + 1 > l.softMessages || this.bytes + size + socketBytes > l.softBytes)) this.#startCoalescing();
    if (!this.coalescing) {
      this.#append({ key, data, size });
      return;
    }
    const old = this.#byKey.get(key);
    if (old !== undefined) {
      this.#drop(old.size);
      this.coalesced++;
      this.bytes += size - old.size;
      old.data = data;
      old.size = size;
      return;
    }
    if (this.messages >= l.hardMessages || this.bytes + size + socketBytes > l.hardBytes) {
      this.#drop(size);
      return;
    }
    const f: QueuedFrame = { key, data, size };
    this.#append(f);
    this.#byKey.set(key, f);
  }

  /** Takes the oldest frame, or undefined when empty. */
  shift(): QueuedFrame | undefined {
    if (this.messages === 0) return undefined;
    const f = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined;
    this.messages--;
    this.bytes -= f.size;
    if (this.coalescing && this.#byKey.get(f.key) === f) this.#byKey.delete(f.key);
    if (this.messages === 0) this.#reset();
    else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return f;
  }

  /** Bytes the client owes: queued + `socketBytes` + dropped by coalescing since the queue last emptied. */
  owedBytes(socketBytes: number): number {
    return this.bytes + socketBytes + this.#owedBytes;
  }

  /** True when the client owes more than a hard limit. */
  overHard(socketBytes: number): boolean {
    return this.owedBytes(socketBytes) > this.limits.hardBytes || this.messages + this.#owedMessages > this.limits.hardMessages;
  }

  /** Drops everything (the connection is closing). */
  clear(): void {
    this.#items = [];
    this.#reset();
  }

  #append(f: QueuedFrame): void {
    this.#items.push(f);
    this.messages++;
    this.bytes += f.size;
  }

  #drop(size: number): void {
    this.dropped++;
    this.#owedBytes += size;
    this.#owedMessages++;
  }

  #reset(): void {
    this.#items.length = 0;
    this.#head = 0;
    this.bytes = 0;
    this.messages = 0;
    this.coalescing = false;
    this.#byKey.clear();
    this.#owedBytes = 0;
    this.#owedMessages = 0;
  }

  /** Keeps the latest frame per key, each where its key's latest frame stood. */
  #startCoalescing(): void {
    this.coalescing = true;
    this.coalesceEpisodes++;
    const kept: QueuedFrame[] = [];
    for (let i = this.#items.length - 1; i >= this.#head; i--) {
      const f = this.#items[i]!;
      if (this.#byKey.has(f.key)) {
        this.#drop(f.size);
        this.coalesced++;
        this.bytes -= f.size;
        this.messages--;
        continue;
      }
      this.#byKey.set(f.key, f);
      kept.push(f);
    }
    this.#items = kept.reverse();
    this.#head = 0;
  }
}
