// A model group's members stepped batched (issue 5): the samples of a group's mailbox run the
// first part of the learning step one by one, in JetStream order (StreamProcessor.prepare:
// normalise, score, learn), and their model steps wait; a flush steps every waiting member in one
// Trainer.stepMany call (the batched matrix work of StreamBatch / Rtrl97.stepBatch) and finishes
// each sample (StreamProcessor.complete). The result is bit-identical to stepping each sample
// alone, whatever the batches, because a step reads only its own member's state and the shared
// weights, and the weights never change while a step waits:
//   - the Trainer calls beforeUpdate before each optimizer update: the waiting steps run first;
//   - a rollback after a diverged loss (in prepare) runs them first too (GroupHooks.beforeRollback);
//   - a member with a step waiting is flushed before its next sample (its state is the step's).
// One case cannot be kept exact that way: a step whose output is not finite. On its own a stream
// rolls back and steps again at once, but in a batch the members after it have already learned
// with the old weights. So in a group the member steps again from a zero state with its last-good
// weights (the first such member's, for every member until the rollback), and the shared weights
// roll back to them later, at the first of: the group's next update (in place of it), or that
// member's next sample (before it learns); both are the same sample positions in any batching,
// and the waiting steps run first. The rollback due is kept in the group's record.
// Not here: the mailbox, the record, replies (group-actor.ts).

import type { Model, StreamState } from '@carousel/lstm';
import type { SeqGuard } from '@carousel/protocol';
import { WeightKeeper, parseModelGuardOptions } from './model-guard.ts';
import type { GroupHooks, PreparedSample, StepResult, StreamProcessor } from './stream-processor.ts';

/** Most member steps one flush takes; a longer run is flushed in parts. */
export const DEFAULT_GROUP_BATCH = 256;
/**
 * Fewer waiting steps than this run one by one (Trainer.step, the single-stream kernels): the
 * batched path's gathering and transposes cost more than they save on a handful of streams
 * (`npm run bench -- groups` of 2026-11-24 02:37, before this bound: ×0.96 at 4 steps a batch
 * through the batch path). The same bits either way.
 */
export const MIN_GROUP_BATCH = 8;

/** A rollback of the shared weights waiting for the group's next update or its member's next sample. */
export interface DueRollback {
  /** The member whose output was not finite. */
  readonly member: string;
  /** Its last-good weights then. */
  readonly good: Float32Array;
}

export interface GroupMember {
  readonly name: string;
  readonly proc: StreamProcessor;
  readonly guard: SeqGuard;
  seq: number | null;
  forecast: Float64Array[] | null;
}

/**
 * What a finished sample reports: its result, or the error its step threw, and the seconds it
 * took (its prepare() plus its share of the batch).
 */
export type StepDone<T> = (m: GroupMember, r: StepResult | Error, tag: T, seconds: number) => void;

const now = (): number => performance.now();

interface Waiting<T> {
  readonly m: GroupMember;
  readonly p: PreparedSample;
  readonly tag: T;
  /** prepare()'s time, ms. */
  readonly ms: number;
}

export class GroupSteps<T> {
  private waiting: Waiting<T>[] = [];
  private readonly names = new Set<string>();
  private x = new Float64Array(0);
  private y = new Float64Array(0);
  /** The rollback due after a non-finite output: the member and the weights to restore; null if none. */
  due: DueRollback | null = null;
  /** Sizes of the flushes so far (steps per flush, batched or, under minBatch, one by one): count and sum. */
  readonly flushes = { count: 0, steps: 0 };
  /**
   * The group's one last-good copy of the shared weights, which every member's ModelGuard ticks
   * in sample order (complete() runs in order in any batching); not in the group's record, as a
   * stream's is not in its checkpoint.
   */
  readonly keeper: WeightKeeper;

  constructor(
    readonly model: Model<StreamState>,
    private readonly done: StepDone<T>,
    private readonly batched: ((steps: number) => void) | undefined = undefined,
    readonly minBatch = MIN_GROUP_BATCH,
    readonly maxBatch = DEFAULT_GROUP_BATCH,
  ) {
    model.trainer.beforeUpdate = () => this.beforeUpdate();
    this.keeper = new WeightKeeper(parseModelGuardOptions(), model, 0);
  }

  /** The hooks a member's processor is built with (SharedModel.hooks). */
  hooksFor(name: string): GroupHooks {
    return {
      beforeRollback: () => {
        this.flush();
        this.due = null;
      },
      rollbackDue: (good) => (this.due ??= { member: name, good: good.slice() }).good,
    };
  }

  /** Steps waiting. */
  get size(): number {
    return this.waiting.length;
  }

  /**
   * The first part of `m`'s sample (prepare); its step waits for flush(). A member with a step
   * waiting is flushed first; a rollback due for this member happens first (after the waiting
   * steps). Throws what prepare() throws, with nothing left waiting for it.
   */
  add(m: GroupMember, seq: number, x: ArrayLike<number>, ts: number | undefined, tag: T): void {
    if (this.names.has(m.name)) this.flush();
    if (this.due?.member === m.name) {
      // (a member's step runs before its next sample, so its bad output is known here in any batching)
      this.flush();
      this.rollBack();
      this.model.trainer.clearGradient();
    }
    const t0 = now();
    const p = m.proc.prepare(seq, x, ts);
    this.waiting.push({ m, p, tag, ms: now() - t0 });
    this.names.add(m.name);
    if (this.waiting.length >= this.maxBatch) this.flush();
  }

  /** Steps every waiting member in one batch and finishes their samples, in order. */
  flush(): void {
    const w = this.waiting;
    const B = w.length;
    if (B === 0) return;
    this.waiting = [];
    this.names.clear();
    const { trainer, options } = this.model;
    const D = options.inputs;
    const K = options.outputs;
    const t0 = now();
    if (this.x.length < B * D) this.x = new Float64Array(B * D);
    if (this.y.length < B * K) this.y = new Float64Array(B * K);
    const Y = this.y.subarray(0, B * K);
    let batched = B >= this.minBatch;
    if (batched) {
      const X = this.x.subarray(0, B * D);
      for (let b = 0; b < B; b++) X.set(w[b]!.m.proc.stepInput, b * D);
      try {
        trainer.stepMany(w.map((e) => e.m.proc.stream), X, Y);
      } catch {
        batched = false;
      }
    }
    this.flushes.count++;
    this.flushes.steps += B;
    this.batched?.(B);
    const share = batched ? (now() - t0) / B : 0;
    for (let b = 0; b < B; b++) {
      const { m, p, tag, ms } = w[b]!;
      const t1 = now();
      let r: StepResult | Error;
      try {
        // A small batch, or a refused one (it changes no stream), is stepped one by one: each member gets its own error.
        const y = batched ? Y.subarray(b * K, (b + 1) * K) : trainer.step(m.proc.stream, m.proc.stepInput);
        r = m.proc.complete(p, y);
      } catch (e) {
        r = e instanceof Error ? e : new Error(String(e));
      }
      this.done(m, r, tag, (ms + share + now() - t1) / 1000);
    }
  }

  /**
   * Trainer.beforeUpdate: the waiting steps read the weights before they change; a due rollback
   * replaces the update (the weights back, the optimizer's state reset; the Trainer drops the gradient).
   */
  private beforeUpdate(): boolean {
    this.flush();
    if (this.due === null) return false;
    this.rollBack();
    return true;
  }

  /** The due rollback: the weights back, the optimizer's state reset (the caller drops the gradient). */
  private rollBack(): void {
    const { learner, trainer } = this.model;
    learner.params.set(this.due!.good);
    trainer.optimizer.reset();
    this.keeper.restart();
    this.due = null;
  }
}
