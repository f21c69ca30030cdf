// The model-stats panel of the selected stream, from what the Prediction messages carry: model
// version, forecast error as the online loss, updates applied and learning rate (when the worker
// sends them), processing time.

import type { StreamEntry } from './streams.ts';

const FIELDS = [
  ['mv', 'Model version'],
  ['loss', 'Loss (RMS forecast error, last step)'],
  ['lossEma', 'Loss (moving average)'],
  ['updates', 'Updates (this model version)'],
  ['lr', 'Learning rate'],
  ['pt', 'Step time (last / average)'],
  ['seq', 'Last seq'],
  ['gaps', 'Seq gaps seen'],
  ['shape', 'Features × horizon'],
  ['next', 'Next forecast (feature 1)'],
  ['alerts', 'Alerts'],
] as const;

type Field = (typeof FIELDS)[number][0];

function fmt(v: number | null | undefined, digits = 4): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  return a !== 0 && (a < 1e-3 || a >= 1e5) ? v.toExponential(2) : v.toFixed(digits);
}

function ms(seconds: number): string {
  return seconds * 1000 < 1 ? `${(seconds * 1e6).toFixed(0)} µs` : `${(seconds * 1000).toFixed(2)} ms`;
}

export class StatsPanel {
  readonly #cells = new Map<Field, HTMLElement>();

  constructor(readonly el: HTMLElement) {
    const dl = document.createElement('dl');
    dl.className = 'stats';
    for (const [key, label] of FIELDS) {
      const div = document.createElement('div');
      const dt = document.createElement('dt');
      dt.textContent = label;
      const dd = document.createElement('dd');
      dd.dataset['stat'] = key;
      div.append(dt, dd);
      dl.append(div);
      this.#cells.set(key, dd);
    }
    el.append(dl);
  }

  render(e: StreamEntry | undefined): void {
    const set = (k: Field, text: string): void => {
      const cell = this.#cells.get(k)!;
      if (cell.textContent !== text) cell.textContent = text;
    };
    if (e === undefined) {
      for (const [k] of FIELDS) set(k, '—');
      return;
    }
    set('mv', String(e.mv));
    set('loss', fmt(e.err));
    set('lossEma', fmt(e.lossEma));
    set('updates', String(e.updates));
    set('lr', e.lr === null ? '— (not sent by this worker)' : fmt(e.lr, 4));
    set('pt', `${ms(e.pt)} / ${ms(e.ptEma)}`);
    set('seq', String(e.seq));
    set('gaps', String(e.gaps));
    set('shape', `${e.dims} × ${e.horizon}`);
    set('next', fmt(e.next));
    const a = e.lastAlert;
    set('alerts', a === null ? '0' : `${e.alerts}; last at seq ${a.seq}, likelihood ${fmt(a.lik, 3)} ≥ ${fmt(a.thr, 3)}`);
  }
}
