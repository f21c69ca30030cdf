// The in-memory JetStream-like log behind InProcTransport: one per stream (and per KV bucket),
// with sequence numbers, msg-id dedupe within a window, limits (age, count, bytes, per-subject
// history) and waiters for new messages. Not replicated; persistent only when a StreamLog is
// attached (mem-persist.ts).

import { BUS_ERR, BusError } from './errors.ts';
import type { StreamLog } from './mem-persist.ts';
import { subjectMatches } from './subject.ts';
import type { MsgHeaders, PubAck, StreamState } from './transport.ts';

/** A stored message. `removed` marks a hole left by a limit; holes are compacted away. */
export interface StoredMsg {
  readonly seq: number;
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: MsgHeaders;
  readonly time: number;
  removed: boolean;
}

export interface MemStreamConfig {
  name: string;
  subjects: string[];
  maxAgeMs: number;
  maxMsgs: number;
  maxBytes: number;
  duplicateWindowMs: number;
  /** Messages kept per subject (KV history); -1 for no limit. */
  maxMsgsPerSubject: number;
}

export interface AppendOptions {
  msgId?: string;
  /** Refuse with BUS_ERR_REVISION unless the subject's last stored seq equals this (0: none). */
  expectedLastSubjectSeq?: number;
}

export class MemStream {
  #entries: StoredMsg[] = [];
  #removed = 0;
  #bytes = 0;
  #lastSeq = 0;
  #lastBySubject = new Map<string, StoredMsg>();
  #perSubject = new Map<string, StoredMsg[]>();
  #dedupe = new Map<string, { seq: number; time: number }>();
  #waiters = new Set<() => void>();
  #deleted = false;
  #log: StreamLog | undefined;

  constructor(
    public config: MemStreamConfig,
    private readonly now: () => number,
  ) {}

  /**
   * Restores the messages a log holds (sequence numbers, dedupe ids, per-subject history; limits
   * applied as if they had been appended now), then logs every later append to it. Compacts the
   * log when most of it is no longer stored.
   */
  attachLog(log: StreamLog): void {
    const msgs = log.load();
    for (const m of msgs) {
      const msg: StoredMsg = { seq: m.seq, subject: m.subject, data: m.data, headers: m.headers, time: m.time, removed: false };
      this.#entries.push(msg);
      this.#bytes += m.data.length;
      this.#lastSeq = m.seq;
      if (this.config.maxMsgsPerSubject > 0) this.#trimSubject(m.subject, msg);
      this.#lastBySubject.set(m.subject, msg);
      if (m.msgId !== undefined) this.#dedupe.set(m.msgId, { seq: m.seq, time: m.time });
      this.#enforceLimits();
    }
    this.#expire(this.now());
    const live = this.#entries.filter((m) => !m.removed);
    if (msgs.length > 64 && live.length * 2 < msgs.length) log.rewrite(live);
    this.#log = log;
  }

  /** True when `subject` is captured by this stream. */
  captures(subject: string): boolean {
    return this.config.subjects.some((p) => subjectMatches(p, subject));
  }

  /** Stores a message (or recognises a duplicate) and wakes the waiters. */
  append(subject: string, data: Uint8Array, headers: MsgHeaders, opts: AppendOptions = {}): PubAck {
    const now = this.now();
    this.#expire(now);
    if (opts.msgId !== undefined) {
      const seen = this.#dedupe.get(opts.msgId);
      if (seen !== undefined) return { stream: this.config.name, seq: seen.seq, duplicate: true };
    }
    if (opts.expectedLastSubjectSeq !== undefined) {
      const last = this.#lastBySubject.get(subject);
      const lastSeq = last === undefined || last.removed ? 0 : last.seq;
      if (lastSeq !== opts.expectedLastSubjectSeq) {
        throw new BusError(BUS_ERR.REVISION, `wrong last sequence for ${subject}: ${lastSeq}, expected ${opts.expectedLastSubjectSeq}`);
      }
    }
    const msg: StoredMsg = { seq: ++this.#lastSeq, subject, data, headers, time: now, removed: false };
    this.#entries.push(msg);
    this.#bytes += data.length;
    if (this.config.maxMsgsPerSubject > 0) {
      this.#trimSubject(subject, msg);
    }
    this.#lastBySubject.set(subject, msg);
    if (opts.msgId !== undefined) this.#dedupe.set(opts.msgId, { seq: msg.seq, time: now });
    this.#log?.append(opts.msgId === undefined ? msg : { ...msg, msgId: opts.msgId });
    this.#enforceLimits();
    for (const w of this.#waiters) w();
    return { stream: this.config.name, seq: msg.seq, duplicate: false };
  }

  /** The latest message on `subject`, if it is still stored. */
  last(subject: string): StoredMsg | undefined {
    this.#expire(this.now());
    const m = this.#lastBySubject.get(subject);
    return m === undefined || m.removed ? undefined : m;
  }

  /** The latest stored message of every subject matching `pattern`, in sequence order. */
  lastPerSubject(pattern: string): StoredMsg[] {
    this.#expire(this.now());
    const out: StoredMsg[] = [];
    for (const [subject, m] of this.#lastBySubject) {
      if (!m.removed && subjectMatches(pattern, subject)) out.push(m);
    }
    return out.sort((a, b) => a.seq - b.seq);
  }

  /** The first stored message with seq >= `seq` whose subject matches `filter`, if any. */
  next(seq: number, filter?: string): StoredMsg | undefined {
    return this.scan(seq, filter).msg;
  }

  /**
   * As next(), and `upTo`: the last seq looked at (the message's, or the stream's last). A follower
   * starts its next look after `upTo`, so the messages of other subjects are passed over once, not
   * again on every append: with a filter that matches few messages (a partition's consumer among
   * many) each look would otherwise cost the whole stream since its last match.
   */
  scan(seq: number, filter?: string): { msg: StoredMsg | undefined; upTo: number } {
    this.#expire(this.now());
    const e = this.#entries;
    for (let i = this.#indexFrom(seq); i < e.length; i++) {
      const m = e[i]!;
      if (!m.removed && (filter === undefined || subjectMatches(filter, m.subject))) return { msg: m, upTo: m.seq };
    }
    return { msg: undefined, upTo: this.#lastSeq };
  }

  /** Messages after `seq` (not removed) matching `filter`. */
  countAfter(seq: number, filter?: string): number {
    this.#expire(this.now());
    const e = this.#entries;
    let n = 0;
    for (let i = this.#indexFrom(seq + 1); i < e.length; i++) {
      const m = e[i]!;
      if (!m.removed && (filter === undefined || subjectMatches(filter, m.subject))) n++;
    }
    return n;
  }

  /** Index of the first entry with seq >= `seq` (binary search; entries are in seq order). */
  #indexFrom(seq: number): number {
    const e = this.#entries;
    let lo = 0;
    let hi = e.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (e[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Registers `fn` to run after each append (and on delete); returns the unregister function. */
  onChange(fn: () => void): () => void {
    this.#waiters.add(fn);
    return () => this.#waiters.delete(fn);
  }

  get deleted(): boolean {
    return this.#deleted;
  }

  /** Drops every message and wakes the waiters, who see `deleted`. */
  delete(): void {
    this.#deleted = true;
    this.#log?.remove();
    this.#entries = [];
    this.#lastBySubject.clear();
    this.#perSubject.clear();
    for (const w of this.#waiters) w();
    this.#waiters.clear();
  }

  state(): StreamState {
    this.#expire(this.now());
    const first = this.next(0);
    return {
      name: this.config.name,
      messages: this.#entries.length - this.#removed,
      firstSeq: first?.seq ?? this.#lastSeq + (this.#lastSeq > 0 ? 1 : 0),
      lastSeq: this.#lastSeq,
    };
  }

  #remove(m: StoredMsg): void {
    if (m.removed) return;
    m.removed = true;
    this.#removed++;
    this.#bytes -= m.data.length;
  }

  #trimSubject(subject: string, newest: StoredMsg): void {
    let list = this.#perSubject.get(subject);
    if (list === undefined) this.#perSubject.set(subject, (list = []));
    list.push(newest);
    while (list.length > 0 && (list[0]!.removed || list.length > this.config.maxMsgsPerSubject)) {
      this.#remove(list.shift()!);
    }
  }

  #enforceLimits(): void {
    const { maxMsgs, maxBytes } = this.config;
    for (let i = 0; i < this.#entries.length; i++) {
      const live = this.#entries.length - this.#removed;
      if ((maxMsgs < 0 || live <= maxMsgs) && (maxBytes < 0 || this.#bytes <= maxBytes)) break;
      this.#remove(this.#entries[i]!);
    }
    this.#compact();
  }

  #expire(now: number): void {
    const { maxAgeMs, duplicateWindowMs } = this.config;
    if (maxAgeMs > 0) {
      for (const m of this.#entries) {
        if (now - m.time <= maxAgeMs) break;
        this.#remove(m);
      }
      this.#compact();
    }
    for (const [id, d] of this.#dedupe) {
      if (now - d.time <= duplicateWindowMs) break; // insertion order is time order
      this.#dedupe.delete(id);
    }
  }

  #compact(): void {
    if (this.#removed > 64 && this.#removed * 2 > this.#entries.length) {
      this.#entries = this.#entries.filter((m) => !m.removed);
      this.#removed = 0;
    }
  }
}

/**
 * Follows a MemStream from `afterSeq`: yields stored messages in sequence order, then waits for
 * new ones. Ends on `close()`; throws BUS_ERR_NOT_FOUND when the stream is deleted under it.
 */
export class MemFollower implements AsyncIterable<StoredMsg> {
  #closed = false;
  #wake: (() => void) | undefined;
  #clear: number;

  constructor(
    private readonly stream: MemStream,
    /** The seq of the last message yielded. */
    public cursor: number,
    private readonly filter: string | undefined,
  ) {
    this.#clear = cursor;
  }

  /** Every message up to this seq that the filter matches has been yielded and taken (for a consumer's pending count). */
  get clearTo(): number {
    return this.#clear;
  }

  close(): void {
    this.#closed = true;
    this.#fire();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  #fire(): void {
    const w = this.#wake;
    this.#wake = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<StoredMsg> {
    const off = this.stream.onChange(() => this.#fire());
    try {
      let from = this.cursor + 1;
      while (!this.#closed) {
        if (this.stream.deleted) throw new BusError(BUS_ERR.NOT_FOUND, `stream ${this.stream.config.name} was deleted`);
        const { msg: m, upTo } = this.stream.scan(Math.max(from, this.cursor + 1), this.filter);
        from = upTo + 1;
        if (m !== undefined) {
          this.cursor = m.seq;
          yield m;
          this.#clear = Math.max(this.#clear, m.seq);
          continue;
        }
        this.#clear = Math.max(this.#clear, upTo);
        await new Promise<void>((r) => (this.#wake = r));
      }
    } finally {
      off();
      this.#closed = true;
    }
  }
}
