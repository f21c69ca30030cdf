// The selected stream's two live charts (uPlot): the value next to the forecast made one step
// earlier, with its error band, above; anomaly score
// and likelihood below, cursors in sync, alerts as vertical markers on both. Data come straight from
// the stream's history ring into arrays reused across frames; draw() is called at most once per
// animation frame and does nothing when the ring has not moved.

import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { A_LIK, A_SCORE, A_SEQ, A_X, H_ERR, H_FORECAST, H_HI, H_LIK, H_LO, H_SCORE, H_SEQ, H_VALUE, H_X } from './streams.ts';
import type { StreamEntry } from './streams.ts';

const VALUE_HEIGHT = 260;
const SCORE_HEIGHT = 150;
const SYNC_KEY = 'carousel-stream';

interface Palette {
  fg: string;
  muted: string;
  grid: string;
  forecast: string;
  value: string;
  band: string;
  bandEdge: string;
  score: string;
  lik: string;
  alert: string;
  threshold: string;
}

function palette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string): string => css.getPropertyValue(name).trim();
  return {
    fg: v('--fg'), muted: v('--muted'), grid: v('--grid'), forecast: v('--c-forecast'), value: v('--c-value'), band: v('--c-band'), bandEdge: v('--c-band-edge'),
    score: v('--c-score'), lik: v('--c-lik'), alert: v('--c-alert'), threshold: v('--c-threshold'),
  };
}

/** Alert positions resolved against the history, for the marker plugin. */
interface Markers {
  xs: number[];
  scores: number[];
  threshold: number;
}

function axis(p: Palette, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return { stroke: p.muted, grid: { stroke: p.grid, width: 1 }, ticks: { stroke: p.grid, width: 1 }, font: '11px system-ui, sans-serif', ...extra };
}

/** Vertical alert markers (and, with `dots`, a point at each alert's score and the threshold line). */
function markerPlugin(markers: Markers, p: Palette, dots: boolean): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        const min = u.scales['x']!.min!;
        const max = u.scales['x']!.max!;
        ctx.save();
        ctx.beginPath();
        ctx.rect(left, top, width, height);
        ctx.clip();
        if (dots && Number.isFinite(markers.threshold)) {
          const y = u.valToPos(markers.threshold, 'y', true);
          ctx.strokeStyle = p.threshold;
          ctx.lineWidth = uPlot.pxRatio;
          ctx.setLineDash([6 * uPlot.pxRatio, 4 * uPlot.pxRatio]);
          ctx.beginPath();
          ctx.moveTo(left, y);
          ctx.lineTo(left + width, y);
          ctx.stroke();
          ctx.setLineDash([]);
        }
        ctx.strokeStyle = p.alert;
        ctx.fillStyle = p.alert;
        ctx.lineWidth = 2 * uPlot.pxRatio;
        for (let i = 0; i < markers.xs.length; i++) {
          const xv = markers.xs[i]!;
          if (xv < min || xv > max) continue;
          const x = Math.round(u.valToPos(xv, 'x', true));
          ctx.globalAlpha = 0.85;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          if (dots) {
            ctx.globalAlpha = 1;
            ctx.beginPath();
            ctx.arc(x, u.valToPos(markers.scores[i]!, 'y', true), 4 * uPlot.pxRatio, 0, 2 * Math.PI);
            ctx.fill();
          }
        }
        ctx.restore();
      },
    },
  };
}

export interface ChartSummary {
  points: number;
  alertsShown: number;
}

export class StreamCharts {
  #value: uPlot | undefined;
  #score: uPlot | undefined;
  #stream: StreamEntry | undefined;
  #drawnPushed = -1;
  #drawnAlerts = -1;
  #width = 600;
  readonly #markers: Markers = { xs: [], scores: [], threshold: NaN };
  // Column arrays reused across frames (uPlot reads them on setData).
  readonly #xs: number[] = [];
  readonly #forecast: (number | null)[] = [];
  readonly #valueCol: (number | null)[] = [];
  readonly #lo: (number | null)[] = [];
  readonly #hi: (number | null)[] = [];
  readonly #scoreCol: (number | null)[] = [];
  readonly #likCol: (number | null)[] = [];

  constructor(readonly valueEl: HTMLElement, readonly scoreEl: HTMLElement, readonly figure: HTMLElement) {
    new ResizeObserver(() => this.#resize()).observe(valueEl);
    this.#build();
  }

  /** Rebuilds both charts (after a theme change: colours are baked into uPlot's options). */
  rebuild(): void {
    this.#build();
    this.#drawnPushed = -1;
  }

  show(stream: StreamEntry | undefined): void {
    if (stream === this.#stream) return;
    this.#stream = stream;
    this.#drawnPushed = -1;
  }

  /** Redraws when the stream has new rows or alerts; returns what is drawn. */
  draw(): ChartSummary {
    const s = this.#stream;
    const pushed = s?.history.pushed ?? 0;
    const alerts = s?.alertRing.pushed ?? 0;
    if (pushed === this.#drawnPushed && alerts === this.#drawnAlerts) return this.summary();
    this.#drawnPushed = pushed;
    this.#drawnAlerts = alerts;
    const h = s?.history;
    this.#xs.length = 0;
    if (h !== undefined) {
      for (let r = 0; r < h.length; r++) this.#xs.push(h.at(r, H_X));
      h.copyColumn(H_FORECAST, this.#forecast);
      h.copyColumn(H_VALUE, this.#valueCol);
      h.copyColumn(H_LO, this.#lo);
      h.copyColumn(H_HI, this.#hi);
      h.copyColumn(H_SCORE, this.#scoreCol);
      h.copyColumn(H_LIK, this.#likCol);
    } else {
      for (const a of [this.#forecast, this.#valueCol, this.#lo, this.#hi, this.#scoreCol, this.#likCol]) a.length = 0;
    }
    this.#resolveMarkers(s);
    this.#value?.setData([this.#xs, this.#forecast, this.#lo, this.#hi, this.#valueCol]);
    this.#score?.setData([this.#xs, this.#scoreCol, this.#likCol]);
    this.figure.dataset['points'] = String(this.#xs.length);
    this.figure.dataset['values'] = String(this.#valueCol.reduce<number>((n, v) => (v === null ? n : n + 1), 0));
    this.figure.dataset['alerts'] = String(this.#markers.xs.length);
    return this.summary();
  }

  summary(): ChartSummary {
    return { points: this.#xs.length, alertsShown: this.#markers.xs.length };
  }

  /** The latest row, for the caption. */
  latest(): { seq: number; value: number; forecast: number; err: number; score: number; lik: number } | undefined {
    const h = this.#stream?.history;
    if (h === undefined || h.length === 0) return undefined;
    return { seq: h.last(H_SEQ), value: h.last(H_VALUE), forecast: h.last(H_FORECAST), err: h.last(H_ERR), score: h.last(H_SCORE), lik: h.last(H_LIK) };
  }

  // An alert is placed at the x of the history row with its seq (alerts and predictions travel on
  // separate subjects, so either may arrive first); failing that, at its own timestamp.
  #resolveMarkers(s: StreamEntry | undefined): void {
    const m = this.#markers;
    m.xs.length = 0;
    m.scores.length = 0;
    m.threshold = s?.lastAlert?.thr ?? NaN;
    if (s === undefined) return;
    const a = s.alertRing;
    for (let i = 0; i < a.length; i++) {
      const r = s.history.findLast(H_SEQ, a.at(i, A_SEQ));
      const x = r >= 0 ? s.history.at(r, H_X) : a.at(i, A_X);
      if (!Number.isFinite(x)) continue;
      m.xs.push(x);
      // The marker dot sits on the likelihood line: the threshold is a likelihood threshold.
      m.scores.push(Number.isFinite(a.at(i, A_LIK)) ? a.at(i, A_LIK) : a.at(i, A_SCORE));
    }
  }

  #resize(): void {
    const w = Math.max(200, Math.floor(this.valueEl.clientWidth));
    if (w === this.#width) return;
    this.#width = w;
    this.#value?.setSize({ width: w, height: VALUE_HEIGHT });
    this.#score?.setSize({ width: w, height: SCORE_HEIGHT });
  }

  #build(): void {
    this.#value?.destroy();
    this.#score?.destroy();
    const p = palette();
    this.#width = Math.max(200, Math.floor(this.valueEl.clientWidth || 600));
    // One cursor object per chart: uPlot keeps its state in it.
    const cursor = (): uPlot.Cursor => ({ sync: { key: SYNC_KEY }, drag: { x: false, y: false } });
    this.#value = new uPlot(
      {
        width: this.#width,
        height: VALUE_HEIGHT,
        scales: { x: { time: true } },
        series: [
          { label: 'time' },
          { label: 'forecast', stroke: p.forecast, width: 2, spanGaps: false, points: { show: false } },
          { label: 'forecast − error', stroke: p.bandEdge, width: 1, points: { show: false } },
          { label: 'forecast + error', stroke: p.bandEdge, width: 1, points: { show: false } },
          { label: 'value', stroke: p.value, width: 1.5, spanGaps: false, points: { show: false } },
        ],
        bands: [{ series: [3, 2], fill: p.band }],
        axes: [axis(p), axis(p, { size: 56 })],
        cursor: cursor(),
        legend: { live: true },
        plugins: [markerPlugin(this.#markers, p, false)],
      },
      [this.#xs, this.#forecast, this.#lo, this.#hi, this.#valueCol],
      this.valueEl,
    );
    this.#score = new uPlot(
      {
        width: this.#width,
        height: SCORE_HEIGHT,
        scales: { x: { time: true }, y: { range: [0, 1] } },
        series: [
          { label: 'time' },
          { label: 'anomaly score', stroke: p.score, width: 2, points: { show: false } },
          { label: 'likelihood', stroke: p.lik, width: 1.5, points: { show: false } },
        ],
        axes: [axis(p), axis(p, { size: 56, splits: () => [0, 0.25, 0.5, 0.75, 1] })],
        cursor: cursor(),
        legend: { live: true },
        plugins: [markerPlugin(this.#markers, p, true)],
      },
      [this.#xs, this.#scoreCol, this.#likCol],
      this.scoreEl,
    );
  }
}
