// One key's ordered mailbox: a bounded ring of messages with a parallel ring of ask replies
// (undefined for a tell), so a tell allocates nothing once the ring has grown. It only stores;
// the overflow policy is applied by the system, which owns the counters and the status stream.

/** How an ask's caller is answered when its turn ends. */
export interface AskReply<S> {
  /** Reads the answer from the state the turn produced. */
  read: (state: S) => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

const INITIAL_CAPACITY = 4;

export class Mailbox<M, S> {
  /** Messages, in a power-of-two ring. */
  #msgs: (M | undefined)[];
  /** The ask reply of each message slot, or undefined for a tell. */
  #replies: (AskReply<S> | undefined)[];
  #head = 0;
  #length = 0;
  /** The most messages this mailbox will hold. */
  readonly limit: number;
  /** Reply of the message last taken by shift(), until the next shift(). */
  lastReply: AskReply<S> | undefined = undefined;

  constructor(limit: number) {
    this.limit = limit;
    const cap = Math.min(INITIAL_CAPACITY, ceilPow2(limit));
    this.#msgs = new Array(cap);
    this.#replies = new Array(cap);
  }

  get length(): number {
    return this.#length;
  }

  get full(): boolean {
    return this.#length >= this.limit;
  }

  /** Appends a message; the caller checks `full` first. */
  push(msg: M, reply: AskReply<S> | undefined): void {
    if (this.#length === this.#msgs.length) this.#grow();
    const i = (this.#head + this.#length) & (this.#msgs.length - 1);
    this.#msgs[i] = msg;
    this.#replies[i] = reply;
    this.#length++;
  }

  /** Removes and returns the oldest message; its reply is left in `lastReply`. Empty: undefined. */
  shift(): M | undefined {
    if (this.#length === 0) {
      this.lastReply = undefined;
      return undefined;
    }
    const i = this.#head;
    const msg = this.#msgs[i];
    this.lastReply = this.#replies[i];
    this.#msgs[i] = undefined;
    this.#replies[i] = undefined;
    this.#head = (i + 1) & (this.#msgs.length - 1);
    this.#length--;
    return msg;
  }

  #grow(): void {
    const oldMsgs = this.#msgs;
    const oldReplies = this.#replies;
    const mask = oldMsgs.length - 1;
    const cap = oldMsgs.length * 2;
    this.#msgs = new Array(cap);
    this.#replies = new Array(cap);
    for (let k = 0; k < this.#length; k++) {
      this.#msgs[k] = oldMsgs[(this.#head + k) & mask];
      this.#replies[k] = oldReplies[(this.#head + k) & mask];
    }
    this.#head = 0;
  }
}

function ceilPow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return p;
}
