// Ground-truth labels out to files: the anomaly windows of a stream as CSV rows or as a NAB-style
// JSON labels file ({ "<data file>": [["<start ISO>", "<end ISO>"], ...] }). Not a NAB scorer
// (that is @carousel/anomaly).

import { writeFileSync } from 'node:fs';
import type { AnomalyWindow } from './sensors.ts';

/** A window with its time span: start is the first labelled sample's ts, end the last one's. */
export interface LabelWindow extends AnomalyWindow {
  readonly startTs: number;
  readonly endTs: number;
}

/** Adds timestamps to windows of a stream sampled every `periodMs` from `start`. */
export function timedWindows(windows: readonly AnomalyWindow[], start: number, periodMs: number): LabelWindow[] {
  return windows.map((w) => ({ ...w, startTs: start + w.start * periodMs, endTs: start + (w.end - 1) * periodMs }));
}

/** CSV with a header: kind,start,end,channel,magnitude,start_ts,end_ts (ISO 8601). */
export function labelsCsv(windows: readonly LabelWindow[]): string {
  const rows = ['kind,start,end,channel,magnitude,start_ts,end_ts'];
  for (const w of windows) {
    rows.push([w.kind, w.start, w.end, w.channel, w.magnitude, new Date(w.startTs).toISOString(), new Date(w.endTs).toISOString()].join(','));
  }
  return rows.join('\n') + '\n';
}

/** NAB combined-windows JSON for one data file. */
export function labelsNab(file: string, windows: readonly LabelWindow[]): string {
  const spans = windows.map((w) => [new Date(w.startTs).toISOString(), new Date(w.endTs).toISOString()]);
  return JSON.stringify({ [file]: spans }, null, 2) + '\n';
}

/** Writes the labels as CSV (path ending .csv) or NAB JSON (anything else, keyed by `file`). */
export function writeLabels(path: string, windows: readonly LabelWindow[], file = 'stream.csv'): void {
  writeFileSync(path, path.endsWith('.csv') ? labelsCsv(windows) : labelsNab(file, windows));
}
