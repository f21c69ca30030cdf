// De-duplication by seq: the highest seq seen per stream and kind. A message at or below it is a
// duplicate (a replay overlap, an at-least-once republish) and is dropped. The same map is what a
// reconnect resumes from.

export class SeqTracker {
  readonly #predictions = new Map<string, number>();
  readonly #alerts = new Map<string, number>();
  /** Messages refused as duplicates. */
  duplicates = 0;

  /** Records `seq` and returns true when it is new for (kind, stream). */
  accept(kind: 'prediction' | 'alert', stream: string, seq: number): boolean {
    const m = kind === 'prediction' ? this.#predictions : this.#alerts;
    const last = m.get(stream);
    if (last !== undefined && seq <= last) {
      this.duplicates++;
      return false;
    }
    m.set(stream, seq);
    return true;
  }

  /** The last prediction seq seen for `stream`. */
  last(stream: string): number | undefined {
    return this.#predictions.get(stream);
  }

  /** stream -> last prediction seq, for `since` on resubscribe. */
  positions(): Record<string, number> {
    return Object.fromEntries(this.#predictions);
  }
}
