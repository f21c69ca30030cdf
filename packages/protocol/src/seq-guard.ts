// SeqGuard: the per-stream monotonic seq check the worker applies after decoding a Sample.
// Accepts seq > last accepted; refuses replays and out-of-order samples with PROTO_ERR_SEQ.
// Memory is one entry per stream seen: the worker calls forget() when an actor passivates and
// restore() from the checkpoint's `seq` when it reactivates. Not thread-shared state: one guard
// per worker (or per actor), no clock, no I/O.

import { PROTO_ERR } from './errors.ts';
import type { Reject } from './messages.ts';
import { PROTOCOL_VERSION } from './messages.ts';
import { isStreamId } from './validate.ts';

/** Accepted (with `gap` = seqs skipped since the last accepted one), or refused with a Reject. */
export type SeqVerdict = { readonly ok: true; readonly gap: number } | { readonly ok: false; readonly reject: Reject };

export class SeqGuard {
  readonly #last = new Map<string, number>();

  /** Number of streams tracked. */
  get size(): number {
    return this.#last.size;
  }

  /** Records `seq` for `stream` if it is greater than the last accepted one. */
  accept(stream: string, seq: number): SeqVerdict {
    if (!isStreamId(stream)) return refuse(null, null, PROTO_ERR.STREAM_ID, 'stream id must be one token [A-Za-z0-9_-]{1,128}');
    if (!Number.isSafeInteger(seq) || seq < 0) return refuse(stream, null, PROTO_ERR.SCHEMA, 'seq must be an integer >= 0');
    const last = this.#last.get(stream);
    if (last !== undefined && seq <= last) {
      const what = seq === last ? 'replay' : 'out of order';
      return refuse(stream, seq, PROTO_ERR.SEQ, `seq ${seq} is not after the last accepted seq ${last} (${what})`);
    }
    this.#last.set(stream, seq);
    return { ok: true, gap: last === undefined ? 0 : seq - last - 1 };
  }

  /** The last accepted seq of `stream`, if any. */
  last(stream: string): number | undefined {
    return this.#last.get(stream);
  }

  /** Sets the last accepted seq (from a checkpoint); null clears it. */
  restore(stream: string, seq: number | null): void {
    if (seq === null) this.#last.delete(stream);
    else this.#last.set(stream, seq);
  }

  /** Drops `stream` (on passivation). Returns whether it was tracked. */
  forget(stream: string): boolean {
    return this.#last.delete(stream);
  }
}

function refuse(stream: string | null, seq: number | null, code: Reject['code'], msg: string): SeqVerdict {
  return { ok: false, reject: { v: PROTOCOL_VERSION, stream, seq, code, msg } };
}
