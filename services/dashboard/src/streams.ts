// The dashboard's model of what it has seen: one entry per stream with its latest figures, a short
// history ring (long for the selected stream) and its recent alerts. Fed by prediction and alert
// messages; read by the list, the charts and the stats panel once per animation frame.
//
// What a Prediction carries for step t (seq t): `f`, the forecast of the NEXT sample, `err`, the
// RMS error of the forecast made at t-1 against sample t, and (optional) `x`, sample t itself. The
// chart row of step t pairs the forecast made one step earlier with that error (the band's edges)
// and with the value, feature 0 (NaN when the prediction has no `x`).

import type { AlertMessage, PredictionMessage } from '@carousel/client';
import { Ring } from './ring.ts';
import type { ListItem } from './stream-list.ts';

/** History rows kept for a stream that is not selected. */
export const IDLE_HISTORY_ROWS = 120;
/** History rows kept for the selected stream. */
export const SELECTED_HISTORY_ROWS = 2_000;
/** Alerts kept per stream for the chart markers. */
export const ALERT_ROWS = 64;
/** A stream stays flagged this many steps after its last alert. */
export const FLAG_STEPS = 200;

// History columns.
export const H_X = 0; // time, seconds since the epoch (sample ts, else arrival)
export const H_SEQ = 1;
export const H_FORECAST = 2; // forecast of this step (made one step earlier), feature 0
export const H_LO = 3; // forecast - err
export const H_HI = 4; // forecast + err
export const H_SCORE = 5;
export const H_LIK = 6;
export const H_ERR = 7;
export const H_VALUE = 8; // the sample of this step as received, feature 0; NaN without `x`
const H_COLUMNS = 9;

// Alert columns.
export const A_SEQ = 0;
export const A_X = 1; // sample ts in seconds, NaN when the alert carries none
export const A_SCORE = 2;
export const A_LIK = 3;
const A_COLUMNS = 4;

export interface StreamEntry {
  readonly name: string;
  /** Lower-cased name, for the filter. */
  readonly key: string;
  seq: number;
  mv: number;
  score: number | null;
  lik: number | null;
  err: number | null;
  /** Processing time of the last step, seconds. */
  pt: number;
  /** Features per sample. */
  dims: number;
  /** Horizon of the forecast (steps). */
  horizon: number;
  /** The latest forecast of the next sample, feature 0; NaN before the first. */
  next: number;
  /** Online updates the worker applied under the current model version (its `n`), else scored steps seen. */
  updates: number;
  /** The model's learning rate, when the worker sends it. */
  lr: number | null;
  /** Exponential moving average of err (RMS forecast error) under the current model version. */
  lossEma: number | null;
  /** Exponential moving average of pt, seconds. */
  ptEma: number;
  /** Sequence jumps seen (seq > last + 1). */
  gaps: number;
  alerts: number;
  lastAlert: AlertMessage | null;
  readonly history: Ring;
  readonly alertRing: Ring;
}

const LOSS_EMA = 0.05;

function firstForecast(f: PredictionMessage['f']): { value: number; dims: number; horizon: number } {
  if (f.length > 0 && Array.isArray(f[0])) {
    const h = f as number[][];
    return { value: h[0]![0] ?? NaN, dims: h[0]!.length, horizon: h.length };
  }
  const v = f as number[];
  return { value: v.length > 0 ? v[0]! : NaN, dims: v.length, horizon: 1 };
}

function num(v: number | null | undefined): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : NaN;
}

export class StreamTable {
  readonly #entries = new Map<string, StreamEntry>();
  readonly #row = new Float64Array(H_COLUMNS);
  #selected: StreamEntry | undefined;
  /** Bumped on every change; views compare it with what they drew. */
  version = 0;
  /** Bumped when a stream is added. */
  membership = 0;
  /** Alerts applied. */
  alerts = 0;
  /** Messages applied. */
  messages = 0;

  constructor(readonly now: () => number = Date.now) {}

  get size(): number {
    return this.#entries.size;
  }

  get(name: string): StreamEntry | undefined {
    return this.#entries.get(name);
  }

  entries(): IterableIterator<StreamEntry> {
    return this.#entries.values();
  }

  get selected(): StreamEntry | undefined {
    return this.#selected;
  }

  /** Selects a stream: its history grows to SELECTED_HISTORY_ROWS, the previous one's shrinks. */
  select(name: string | undefined): void {
    const e = name === undefined ? undefined : this.#entries.get(name);
    if (e === this.#selected) return;
    this.#selected?.history.resize(IDLE_HISTORY_ROWS);
    this.#selected = e;
    e?.history.resize(SELECTED_HISTORY_ROWS);
    this.version++;
  }

  /** True while the stream's last alert is within FLAG_STEPS steps of its latest seq. */
  flagged(e: StreamEntry): boolean {
    return e.lastAlert !== null && e.seq - e.lastAlert.seq < FLAG_STEPS;
  }

  #entry(name: string): StreamEntry {
    let e = this.#entries.get(name);
    if (e === undefined) {
      e = {
        name, key: name.toLowerCase(), seq: -1, mv: -1, score: null, lik: null, err: null, pt: 0, dims: 0, horizon: 0, next: NaN,
        updates: 0, lr: null, lossEma: null, ptEma: 0, gaps: 0, alerts: 0, lastAlert: null,
        history: new Ring(H_COLUMNS, IDLE_HISTORY_ROWS), alertRing: new Ring(A_COLUMNS, ALERT_ROWS),
      };
      this.#entries.set(name, e);
      this.membership++;
    }
    return e;
  }

  applyPrediction(m: PredictionMessage): void {
    const e = this.#entry(m.stream);
    const { value, dims, horizon } = firstForecast(m.f);
    if (m.mv !== e.mv) {
      // A new model (configure, reset, restore): its forecasts do not continue the old ones.
      e.mv = m.mv;
      e.updates = 0;
      e.lossEma = null;
      e.next = NaN;
    }
    if (e.seq >= 0 && m.seq > e.seq + 1) e.gaps++;
    const err = num(m.err);
    const forecast = e.seq >= 0 && m.seq === e.seq + 1 ? e.next : NaN; // made for this step
    const row = this.#row;
    row[H_X] = (m.ts ?? this.now()) / 1000;
    row[H_SEQ] = m.seq;
    row[H_FORECAST] = forecast;
    row[H_LO] = forecast - err;
    row[H_HI] = forecast + err;
    row[H_SCORE] = num(m.score);
    row[H_LIK] = num(m.lik);
    row[H_ERR] = err;
    row[H_VALUE] = num(m.x?.[0]);
    e.history.push(row);
    e.seq = m.seq;
    e.score = m.score;
    e.lik = m.lik;
    e.err = m.err;
    e.pt = m.pt;
    e.ptEma = e.ptEma === 0 ? m.pt : e.ptEma + LOSS_EMA * (m.pt - e.ptEma);
    e.dims = dims;
    e.horizon = horizon;
    e.next = value;
    if (m.lr !== undefined) e.lr = m.lr;
    if (!Number.isNaN(err)) {
      e.updates = m.n ?? e.updates + 1;
      e.lossEma = e.lossEma === null ? err : e.lossEma + LOSS_EMA * (err - e.lossEma);
    }
    this.messages++;
    this.version++;
  }

  applyAlert(m: AlertMessage): void {
    const e = this.#entry(m.stream);
    e.alerts++;
    if (e.lastAlert === null || m.seq >= e.lastAlert.seq) e.lastAlert = m;
    e.alertRing.push([m.seq, m.ts === undefined ? NaN : m.ts / 1000, m.score, m.lik]);
    this.alerts++;
    this.messages++;
    this.version++;
  }

  /**
   * Snapshot of the streams whose name contains `filter` (case-insensitive), by score (highest
   * first, unscored last), then name.
   */
  sorted(filter: string): ListItem[] {
    const f = filter.trim().toLowerCase();
    const out: ListItem[] = [];
    for (const e of this.#entries.values()) if (matches(e, f)) out.push(this.#item(e));
    out.sort(byScore);
    return out;
  }

  /**
   * `items` again in the same order, each with its stream's values now (the list holds its order
   * while the pointer is on it), then the streams matching `filter` that `items` lacks (new since),
   * by score.
   */
  refreshed(items: readonly ListItem[], filter: string): ListItem[] {
    const f = filter.trim().toLowerCase();
    const out: ListItem[] = [];
    const kept = new Set<string>();
    for (const it of items) {
      const e = this.#entries.get(it.name);
      if (e === undefined) continue;
      kept.add(it.name);
      out.push(this.#item(e));
    }
    const added: ListItem[] = [];
    for (const e of this.#entries.values()) {
      if (!kept.has(e.name) && matches(e, f)) added.push(this.#item(e));
    }
    added.sort(byScore);
    for (const it of added) out.push(it);
    return out;
  }

  #item(e: StreamEntry): ListItem {
    return { name: e.name, score: e.score, flagged: this.flagged(e), alerts: e.alerts };
  }
}

/** A stream's name contains `f` (already trimmed and lower-cased; '' matches every stream). */
function matches(e: StreamEntry, f: string): boolean {
  return f === '' || e.key.includes(f);
}

function byScore(a: ListItem, b: ListItem): number {
  const sa = a.score ?? -1;
  const sb = b.score ?? -1;
  if (sa !== sb) return sb - sa;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
