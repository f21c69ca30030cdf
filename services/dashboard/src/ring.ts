// A fixed-capacity ring of rows with numeric columns (Float64Array each, NaN for "no value"), and
// its copy into uPlot's column arrays (null for NaN: uPlot draws gaps only for null). No allocation
// per push; resize keeps the newest rows.

export class Ring {
  /** Rows held, <= capacity. */
  length = 0;
  /** Rows ever pushed (a counter that tells redraws whether anything changed). */
  pushed = 0;
  #cols: Float64Array[];
  #head = 0; // index of the next write
  #cap: number;

  constructor(readonly columns: number, capacity: number) {
    this.#cap = capacity;
    this.#cols = Array.from({ length: columns }, () => new Float64Array(capacity));
  }

  get capacity(): number {
    return this.#cap;
  }

  /** Appends one row; the oldest row is overwritten when full. Missing values are NaN. */
  push(row: ArrayLike<number>): void {
    const i = this.#head;
    for (let c = 0; c < this.columns; c++) this.#cols[c]![i] = c < row.length ? row[c]! : NaN;
    this.#head = (i + 1) % this.#cap;
    if (this.length < this.#cap) this.length++;
    this.pushed++;
  }

  /** Value of column `c` at row `r` (0 = oldest held). */
  at(r: number, c: number): number {
    return this.#cols[c]![(this.#head - this.length + r + this.#cap) % this.#cap]!;
  }

  /** The newest row's value of column `c`, or NaN when empty. */
  last(c: number): number {
    return this.length === 0 ? NaN : this.at(this.length - 1, c);
  }

  /** Index of the newest row whose column `c` equals `v`, or -1 (linear from the newest end). */
  findLast(c: number, v: number): number {
    for (let r = this.length - 1; r >= 0; r--) if (this.at(r, c) === v) return r;
    return -1;
  }

  /** Changes the capacity, keeping the newest rows. */
  resize(capacity: number): void {
    if (capacity === this.#cap) return;
    const keep = Math.min(this.length, capacity);
    const cols = Array.from({ length: this.columns }, () => new Float64Array(capacity));
    for (let r = 0; r < keep; r++) for (let c = 0; c < this.columns; c++) cols[c]![r] = this.at(this.length - keep + r, c);
    this.#cols = cols;
    this.#cap = capacity;
    this.length = keep;
    this.#head = keep % capacity;
  }

  /** Copies column `c` into `out` (reused across redraws), NaN as null; returns `out`. */
  copyColumn(c: number, out: (number | null)[]): (number | null)[] {
    out.length = this.length;
    for (let r = 0; r < this.length; r++) {
      const v = this.at(r, c);
      out[r] = Number.isNaN(v) ? null : v;
    }
    return out;
  }
}
