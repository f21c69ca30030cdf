// ActorSystem: one actor per key, created on its first message. One ordered, bounded mailbox per
// key, single-threaded turns, supervision with restart backoff, idle and LRU passivation, drain.
// One run queue and one scheduler loop serve every key; a synchronous turn costs O(1) and makes
// no promise. Not here: the rules themselves (supervision.ts), storage (the behaviour's job).

import { Subject } from 'rxjs';
import type { Observable } from 'rxjs';
import type { ActorBehaviour } from './behaviour.ts';
import { Cell, LruList, PHASE } from './cell.ts';
import type { TimerHandle } from './clock.ts';
import { ACTOR_ERR, ActorError, wrapError } from './errors.ts';
import type { ActorErrorCode } from './errors.ts';
import type { AskReply } from './mailbox.ts';
import { parseActorOptions } from './options.ts';
import type { ActorSystemOptions, OverflowPolicy } from './options.ts';
import { Ring } from './ring.ts';
import type { ActorCounters, ActorStatus, PassivateReason } from './status.ts';
import { failureDirective, isThenable, restartDelay } from './supervision.ts';

/** Lifecycle of the system: accepting, draining (no new messages), closed. */
const OPEN = 0;
const DRAINING = 1;
const CLOSED = 2;

const identity = <T>(v: T): T => v;

export class ActorSystem<K, M, S> {
  /** The parsed, frozen options. */
  readonly options: Readonly<ActorSystemOptions>;
  readonly #behaviour: ActorBehaviour<K, M, S>;
  readonly #cells = new Map<K, Cell<K, M, S>>();
  readonly #lru = new LruList<K, M, S>();
  /** Cells with a queued message and no turn running, each at most once. */
  readonly #ready = new Ring<Cell<K, M, S>>();
  /** New keys in arrival order, waiting for a slot. */
  readonly #waiting = new Ring<Cell<K, M, S>>();
  readonly #status = new Subject<ActorStatus<K, M>>();
  #state = OPEN;
  #slots = 0;
  /** LRU passivations in flight: slots about to free for waiting keys. */
  #evicting = 0;
  #queued = 0;
  #inFlight = 0;
  #pumpScheduled = false;
  #pumping = false;
  #sweepTimer: TimerHandle | undefined = undefined;
  #mailboxDepthMax = 0;
  #turnsTotal = 0;
  #activatedTotal = 0;
  #passivatedTotal = 0;
  #overflowTotal = 0;
  #failuresTotal = 0;
  #restartsTotal = 0;
  #drainPromise: Promise<void> | undefined = undefined;
  #resolveClosed!: () => void;
  readonly #closed = new Promise<void>((resolve) => (this.#resolveClosed = resolve));

  constructor(behaviour: ActorBehaviour<K, M, S>, opts: Partial<ActorSystemOptions> = {}) {
    this.options = parseActorOptions(opts);
    this.#behaviour = behaviour;
  }

  /**
   * Queues `msg` for `key`'s actor, activating it if needed. Returns null when queued, else the
   * code of why not (ACTOR_ERR_MAILBOX_FULL, ACTOR_ERR_AT_CAPACITY, ACTOR_ERR_CLOSED) so the caller
   * can reject the sample and not ack it. A failing turn is reported on status() as turnFailed.
   */
  tell(key: K, msg: M): ActorErrorCode | null {
    return this.#enqueue(key, msg, undefined);
  }

  /** Runs `msg` as a turn of `key` and resolves with the resulting state (or `read` of it). */
  ask(key: K, msg: M): Promise<S>;
  ask<R>(key: K, msg: M, read: (state: S) => R): Promise<R>;
  ask(key: K, msg: M, read: (state: S) => unknown = identity): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const code = this.#enqueue(key, msg, { read, resolve, reject });
      if (code !== null) reject(new ActorError(code, `ask to ${String(key)} was not queued`));
    });
  }

  /**
   * The committed state of `key` without queueing behind its mailbox (for predictions that must not
   * wait), or undefined when the actor is not in memory. Counts as a use for idleness and LRU.
   */
  peek(key: K): S | undefined {
    const cell = this.#cells.get(key);
    if (cell === undefined) return undefined;
    if (cell.phase === PHASE.ACTIVE) {
      cell.lastUsed = this.options.clock.now();
      this.#lru.touch(cell);
      return cell.state;
    }
    return cell.phase === PHASE.PASSIVATING ? cell.state : undefined;
  }

  /** Health events; completes when the system closes. */
  status(): Observable<ActorStatus<K, M>> {
    return this.#status.asObservable();
  }

  counters(): ActorCounters {
    return {
      active: this.#slots,
      waiting: this.#waiting.length,
      keys: this.#cells.size,
      queued: this.#queued,
      inFlight: this.#inFlight,
      mailboxDepthMax: this.#mailboxDepthMax,
      turnsTotal: this.#turnsTotal,
      activatedTotal: this.#activatedTotal,
      passivatedTotal: this.#passivatedTotal,
      overflowTotal: this.#overflowTotal,
      failuresTotal: this.#failuresTotal,
      restartsTotal: this.#restartsTotal,
    };
  }

  /**
   * Stops accepting messages, runs every queued turn (activating waiting keys as slots free),
   * passivates every actor, then closes. Resolves when all of that is done.
   */
  drain(): Promise<void> {
    if (this.#state === CLOSED) return this.#closed;
    if (this.#drainPromise !== undefined) return this.#drainPromise;
    this.#state = DRAINING;
    this.#drainPromise = this.#closed;
    this.#disarmSweep();
    for (let c = this.#lru.head; c !== null; ) {
      const next = c.next;
      if (!c.running && c.mailbox.length === 0) this.#passivate(c, 'drain');
      c = next;
    }
    this.#checkDrained();
    return this.#drainPromise;
  }

  /**
   * Stops now without passivating: queued messages are discarded, pending asks reject with
   * ACTOR_ERR_CLOSED, restart timers are cancelled. Resolves once the behaviour calls already in
   * flight (turns, activate, passivate) have settled; their results are ignored.
   */
  close(): Promise<void> {
    if (this.#state === CLOSED) return this.#closed;
    this.#state = CLOSED;
    this.#disarmSweep();
    const error = new ActorError(ACTOR_ERR.CLOSED, 'actor system closed');
    for (const cell of this.#cells.values()) {
      if (cell.timer !== undefined) this.options.clock.clearTimer(cell.timer);
      cell.runningReply?.reject(error);
      while (cell.mailbox.length > 0) {
        cell.mailbox.shift();
        cell.mailbox.lastReply?.reject(error);
      }
    }
    this.#cells.clear();
    this.#lru.clear();
    this.#ready.clear();
    this.#waiting.clear();
    this.#slots = 0;
    this.#queued = 0;
    this.#status.complete();
    if (this.#inFlight === 0) this.#resolveClosed();
    return this.#closed;
  }

  /** Resolves when the system has closed (after drain() or close()). */
  closed(): Promise<void> {
    return this.#closed;
  }

  #enqueue(key: K, msg: M, reply: AskReply<S> | undefined): ActorErrorCode | null {
    if (this.#state !== OPEN) return ACTOR_ERR.CLOSED;
    let cell = this.#cells.get(key);
    if (cell === undefined) {
      const o = this.options;
      if (this.#slots < o.maxActive) {
        cell = new Cell<K, M, S>(key, o.maxMailbox);
        this.#cells.set(key, cell);
        this.#push(cell, msg, reply);
        this.#slots++;
        this.#activate(cell, false);
        return null;
      }
      if (this.#waiting.length >= o.maxWaiting) {
        this.#makeRoom();
        return this.#overflow(key, msg, ACTOR_ERR.AT_CAPACITY, 'capacity');
      }
      cell = new Cell<K, M, S>(key, o.maxMailbox);
      this.#cells.set(key, cell);
      this.#waiting.push(cell);
      this.#push(cell, msg, reply);
      this.#makeRoom();
      return null;
    }
    const mb = cell.mailbox;
    if (mb.full) {
      if (this.options.overflow === 'reject-new') return this.#overflow(key, msg, ACTOR_ERR.MAILBOX_FULL, 'reject-new');
      const dropped = mb.shift() as M;
      const droppedReply = mb.lastReply;
      this.#queued--;
      this.#overflow(key, dropped, ACTOR_ERR.DROPPED, 'drop-oldest');
      droppedReply?.reject(new ActorError(ACTOR_ERR.DROPPED, `dropped from the full mailbox of ${String(key)}`));
    }
    this.#push(cell, msg, reply);
    if (cell.phase === PHASE.ACTIVE) {
      cell.lastUsed = this.options.clock.now();
      this.#lru.touch(cell);
      if (!cell.running) this.#readyCell(cell);
    }
    return null;
  }

  #push(cell: Cell<K, M, S>, msg: M, reply: AskReply<S> | undefined): void {
    cell.mailbox.push(msg, reply);
    this.#queued++;
    if (cell.mailbox.length > this.#mailboxDepthMax) this.#mailboxDepthMax = cell.mailbox.length;
  }

  #overflow(key: K, message: M, code: ActorErrorCode, policy: OverflowPolicy | 'capacity'): ActorErrorCode {
    this.#overflowTotal++;
    if (this.#status.observed) this.#status.next({ type: 'overflow', key, code, policy, message });
    return code;
  }

  #readyCell(cell: Cell<K, M, S>): void {
    if (cell.inReady) return;
    cell.inReady = true;
    this.#ready.push(cell);
    if (!this.#pumpScheduled && !this.#pumping) {
      this.#pumpScheduled = true;
      this.options.schedule(this.#pump);
    }
  }

  /**
   * The scheduler loop: one turn per ready cell in round-robin, up to turnsPerSlice per slice and,
   * with sliceMs, until a turn ends sliceMs or more after the slice began.
   */
  readonly #pump = (): void => {
    this.#pumpScheduled = false;
    if (this.#state === CLOSED) return;
    this.#pumping = true;
    const { sliceMs, clock } = this.options;
    const until = sliceMs > 0 ? clock.now() + sliceMs : Infinity;
    for (let budget = this.options.turnsPerSlice; budget > 0; budget--) {
      const cell = this.#ready.shift();
      if (cell === undefined) break;
      cell.inReady = false;
      if (cell.phase === PHASE.ACTIVE && !cell.running && cell.mailbox.length > 0) {
        this.#runTurn(cell);
        if (until !== Infinity && clock.now() >= until) break;
      }
    }
    this.#pumping = false;
    if (this.#ready.length > 0 && !this.#pumpScheduled && this.#state !== CLOSED) {
      this.#pumpScheduled = true;
      this.options.schedule(this.#pump);
    }
  };

  #runTurn(cell: Cell<K, M, S>): void {
    const msg = cell.mailbox.shift() as M;
    const reply = cell.mailbox.lastReply;
    this.#queued--;
    let next: S | PromiseLike<S>;
    cell.running = true;
    try {
      next = this.#behaviour.turn(cell.state as S, msg, cell.key);
    } catch (e) {
      cell.running = false;
      this.#turnFailed(cell, msg, reply, e);
      this.#afterTurn(cell);
      return;
    }
    if (!isThenable(next)) {
      cell.running = false;
      this.#commit(cell, next, reply);
      this.#afterTurn(cell);
      return;
    }
    cell.runningReply = reply;
    this.#inFlight++;
    next.then(
      (state) => {
        if (!this.#settleTurn(cell)) return;
        this.#commit(cell, state, reply);
        this.#afterTurn(cell);
      },
      (e: unknown) => {
        if (!this.#settleTurn(cell)) return;
        this.#turnFailed(cell, msg, reply, e);
        this.#afterTurn(cell);
      },
    );
  }

  /** Ends an asynchronous turn; false when the system closed meanwhile (the result is ignored). */
  #settleTurn(cell: Cell<K, M, S>): boolean {
    cell.running = false;
    cell.runningReply = undefined;
    return this.#settled();
  }

  /** One behaviour call in flight has settled; false when closed (and close() may now resolve). */
  #settled(): boolean {
    this.#inFlight--;
    if (this.#state !== CLOSED) return true;
    if (this.#inFlight === 0) this.#resolveClosed();
    return false;
  }

  #commit(cell: Cell<K, M, S>, state: S, reply: AskReply<S> | undefined): void {
    cell.state = state;
    cell.restarts = 0;
    this.#turnsTotal++;
    if (reply === undefined) return;
    let answer: unknown;
    try {
      answer = reply.read(state);
    } catch (e) {
      reply.reject(wrapError(ACTOR_ERR.REPLY_FAILED, `reading the reply of ${String(cell.key)}`, e));
      return;
    }
    reply.resolve(answer);
  }

  #turnFailed(cell: Cell<K, M, S>, message: M, reply: AskReply<S> | undefined, cause: unknown): void {
    const fatal = failureDirective(this.#behaviour, cause, cell.key, message) === 'restart';
    const code = fatal ? ACTOR_ERR.CRASHED : ACTOR_ERR.TURN_FAILED;
    const error = wrapError(code, `turn of ${String(cell.key)} failed`, cause);
    this.#failuresTotal++;
    if (this.#status.observed) this.#status.next({ type: 'turnFailed', key: cell.key, code, error, message, fatal });
    reply?.reject(error);
    if (fatal) this.#crash(cell, error);
  }

  #afterTurn(cell: Cell<K, M, S>): void {
    if (cell.phase !== PHASE.ACTIVE) return;
    if (cell.mailbox.length > 0) this.#readyCell(cell);
    else if (this.#state === DRAINING) this.#passivate(cell, 'drain');
    else if (this.#waiting.length > this.#evicting) this.#makeRoom();
  }

  #activate(cell: Cell<K, M, S>, restart: boolean): void {
    cell.phase = PHASE.ACTIVATING;
    this.#inFlight++;
    let p: Promise<S>;
    try {
      p = Promise.resolve(this.#behaviour.activate(cell.key));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      (state) => {
        if (this.#settled()) this.#activated(cell, state, restart);
      },
      (e: unknown) => {
        if (this.#settled()) this.#crash(cell, wrapError(ACTOR_ERR.ACTIVATE_FAILED, `activate(${String(cell.key)}) failed`, e));
      },
    );
  }

  #activated(cell: Cell<K, M, S>, state: S, restart: boolean): void {
    cell.state = state;
    cell.phase = PHASE.ACTIVE;
    cell.lastUsed = this.options.clock.now();
    this.#lru.push(cell);
    this.#activatedTotal++;
    if (this.#status.observed) this.#status.next({ type: 'activated', key: cell.key, restart });
    this.#armSweep();
    this.#afterTurn(cell);
  }

  /** The state is lost: restart from activate() after a backoff, or stop after maxRestarts. */
  #crash(cell: Cell<K, M, S>, error: ActorError): void {
    this.#lru.unlink(cell);
    cell.state = undefined;
    cell.restarts++;
    if (cell.restarts > this.options.maxRestarts) {
      this.#stop(cell, error);
      return;
    }
    const o = this.options;
    const delayMs = restartDelay(cell.restarts, o.restartBackoffMs, o.restartBackoffMaxMs);
    this.#restartsTotal++;
    cell.phase = PHASE.BACKOFF;
    cell.timer = o.clock.setTimer(() => this.#restart(cell), delayMs);
    if (this.#status.observed) this.#status.next({ type: 'restarted', key: cell.key, attempt: cell.restarts, delayMs, error });
  }

  #restart(cell: Cell<K, M, S>): void {
    cell.timer = undefined;
    if (this.#state === CLOSED) return;
    // Nothing to do: the checkpoint already is the state, so the slot goes to someone who needs it.
    if (cell.mailbox.length === 0) this.#release(cell);
    else this.#activate(cell, true);
  }

  /** Gives up on a crash-looping actor: every queued message fails with ACTOR_ERR_CRASHED. */
  #stop(cell: Cell<K, M, S>, cause: ActorError): void {
    const key = cell.key;
    const error = new ActorError(ACTOR_ERR.CRASHED, `actor ${String(key)} stopped after ${cell.restarts} crashes`, cause);
    while (cell.mailbox.length > 0) {
      const message = cell.mailbox.shift() as M;
      const reply = cell.mailbox.lastReply;
      this.#queued--;
      this.#failuresTotal++;
      if (this.#status.observed) this.#status.next({ type: 'turnFailed', key, code: ACTOR_ERR.CRASHED, error, message, fatal: true });
      reply?.reject(error);
    }
    if (this.#status.observed) this.#status.next({ type: 'stopped', key, restarts: cell.restarts, error: cause });
    this.#release(cell);
  }

  /** Passivates least recently used idle actors until every waiting key has a slot coming. */
  #makeRoom(): void {
    let need = this.#waiting.length - this.#evicting;
    for (let c = this.#lru.head; c !== null && need > 0; ) {
      const next = c.next;
      if (!c.running && c.mailbox.length === 0) {
        this.#passivate(c, 'lru');
        need--;
      }
      c = next;
    }
  }

  #passivate(cell: Cell<K, M, S>, reason: PassivateReason): void {
    this.#lru.unlink(cell);
    cell.phase = PHASE.PASSIVATING;
    this.#inFlight++;
    if (reason === 'lru') this.#evicting++;
    let p: Promise<void>;
    try {
      p = Promise.resolve(this.#behaviour.passivate(cell.key, cell.state as S));
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then(
      () => {
        if (reason === 'lru') this.#evicting--;
        if (this.#settled()) this.#passivated(cell, reason);
      },
      (e: unknown) => {
        if (reason === 'lru') this.#evicting--;
        if (this.#settled()) this.#passivateFailed(cell, reason, e);
      },
    );
  }

  #passivated(cell: Cell<K, M, S>, reason: PassivateReason): void {
    cell.state = undefined;
    this.#passivatedTotal++;
    if (this.#status.observed) this.#status.next({ type: 'passivated', key: cell.key, reason });
    if (cell.mailbox.length === 0) {
      this.#release(cell);
      return;
    }
    // Messages arrived while the checkpoint was written: the same cell (still the only one for
    // this key) activates again from that checkpoint, so there is never a second activation.
    this.#activate(cell, false);
    if (this.#waiting.length > this.#evicting) this.#makeRoom();
  }

  #passivateFailed(cell: Cell<K, M, S>, reason: PassivateReason, cause: unknown): void {
    const error = wrapError(ACTOR_ERR.PASSIVATE_FAILED, `passivate(${String(cell.key)}) failed`, cause);
    if (this.#status.observed) this.#status.next({ type: 'passivateFailed', key: cell.key, reason, error });
    if (this.#state === DRAINING && cell.mailbox.length === 0) {
      // Draining cannot keep it: the state since the last checkpoint is recovered by replay.
      cell.state = undefined;
      this.#release(cell);
      return;
    }
    cell.phase = PHASE.ACTIVE;
    cell.lastUsed = this.options.clock.now();
    this.#lru.push(cell);
    this.#armSweep(); // the sweep that chose it may have found the list empty and stopped
    if (cell.mailbox.length > 0) this.#readyCell(cell);
  }

  /** Drops a slot-holding cell and gives its slot to the oldest waiting key. */
  #release(cell: Cell<K, M, S>): void {
    this.#lru.unlink(cell);
    this.#cells.delete(cell.key);
    this.#slots--;
    while (this.#slots < this.options.maxActive && this.#waiting.length > 0) {
      const next = this.#waiting.shift() as Cell<K, M, S>;
      this.#slots++;
      this.#activate(next, false);
    }
    if (this.#lru.size === 0) this.#disarmSweep();
    this.#checkDrained();
  }

  #checkDrained(): void {
    if (this.#state !== DRAINING || this.#cells.size > 0) return;
    this.#state = CLOSED;
    this.#status.complete();
    if (this.#inFlight === 0) this.#resolveClosed();
  }

  #armSweep(): void {
    if (this.options.idleMs === 0 || this.#sweepTimer !== undefined || this.#state !== OPEN) return;
    this.#sweepTimer = this.options.clock.setTimer(this.#sweep, this.options.idleSweepMs);
  }

  #disarmSweep(): void {
    if (this.#sweepTimer === undefined) return;
    this.options.clock.clearTimer(this.#sweepTimer);
    this.#sweepTimer = undefined;
  }

  /** Passivates actors idle for idleMs; the LRU list is ordered by last use, so it stops early. */
  readonly #sweep = (): void => {
    this.#sweepTimer = undefined;
    if (this.#state !== OPEN) return;
    const now = this.options.clock.now();
    for (let c = this.#lru.head; c !== null; ) {
      const next = c.next;
      if (now - c.lastUsed < this.options.idleMs) break;
      if (!c.running && c.mailbox.length === 0) this.#passivate(c, 'idle');
      c = next;
    }
    // Also retries room for waiting keys whose LRU eviction failed (e.g. the store was down).
    if (this.#waiting.length > this.#evicting) this.#makeRoom();
    if (this.#lru.size > 0) this.#armSweep();
  };
}
