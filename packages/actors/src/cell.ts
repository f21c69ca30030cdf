// The runtime's record of one key (a "cell") and the intrusive least-recently-used list of active
// cells. Plain fields of fixed shape, no closures: a worker holds up to maxActive of these.

import type { TimerHandle } from './clock.ts';
import { Mailbox } from './mailbox.ts';
import type { AskReply } from './mailbox.ts';

/** Lifecycle phase of a cell. Every phase but WAITING holds one of the maxActive slots. */
export const PHASE = {
  /** No slot yet: queued behind maxActive; holds only its mailbox. */
  WAITING: 0,
  /** activate() in flight. */
  ACTIVATING: 1,
  /** State in memory; turns run. */
  ACTIVE: 2,
  /** passivate() in flight; messages queue and re-activate it afterwards. */
  PASSIVATING: 3,
  /** Crashed; a restart timer is armed. */
  BACKOFF: 4,
} as const;
export type Phase = (typeof PHASE)[keyof typeof PHASE];

export class Cell<K, M, S> {
  phase: Phase = PHASE.WAITING;
  /** The committed state: set by activate and by each successful turn. */
  state: S | undefined = undefined;
  /** A turn is in flight (asynchronous turns only; a synchronous turn ends before anything else runs). */
  running = false;
  /** The reply of the in-flight asynchronous turn, so close() can reject it. */
  runningReply: AskReply<S> | undefined = undefined;
  /** The cell sits in the run queue. */
  inReady = false;
  /** Last time a message arrived or the state was peeked, clock ms. */
  lastUsed = 0;
  /** Consecutive crashes since the last successful turn. */
  restarts = 0;
  /** The restart timer while in BACKOFF. */
  timer: TimerHandle = undefined;
  /** Neighbours in the LRU list (older, newer); null at the ends or when unlinked. */
  prev: Cell<K, M, S> | null = null;
  next: Cell<K, M, S> | null = null;
  inLru = false;
  readonly mailbox: Mailbox<M, S>;

  constructor(
    readonly key: K,
    maxMailbox: number,
  ) {
    this.mailbox = new Mailbox<M, S>(maxMailbox);
  }
}

/** Doubly linked list of ACTIVE cells, least recently used at the head. All operations O(1). */
export class LruList<K, M, S> {
  head: Cell<K, M, S> | null = null;
  tail: Cell<K, M, S> | null = null;
  size = 0;

  /** Appends `c` as the most recently used. */
  push(c: Cell<K, M, S>): void {
    c.prev = this.tail;
    c.next = null;
    if (this.tail !== null) this.tail.next = c;
    else this.head = c;
    this.tail = c;
    c.inLru = true;
    this.size++;
  }

  unlink(c: Cell<K, M, S>): void {
    if (!c.inLru) return;
    if (c.prev !== null) c.prev.next = c.next;
    else this.head = c.next;
    if (c.next !== null) c.next.prev = c.prev;
    else this.tail = c.prev;
    c.prev = null;
    c.next = null;
    c.inLru = false;
    this.size--;
  }

  /** Moves a linked `c` to the most recently used end. */
  touch(c: Cell<K, M, S>): void {
    if (!c.inLru || this.tail === c) return;
    this.unlink(c);
    this.push(c);
  }

  clear(): void {
    this.head = null;
    this.tail = null;
    this.size = 0;
  }
}
