// CSV replay: streams a CSV with a header row into protocol Samples on <prefix>.in.<stream>, paced
// at a rate or as fast as possible. csv-parse reads it (RFC 4180: quoted fields, CRLF, a BOM); a
// row whose values or timestamp do not parse is skipped, counted, and the first one's reason kept,
// so a file that yields nothing says why. Publishes may be acknowledged (JetStream): up to
// `maxInFlight` are awaited together, and an ack marked duplicate (the stream already holds that
// stream:seq message id) is counted apart from the rows published.

import { createReadStream } from 'node:fs';
import { parse } from 'csv-parse';
import { PROTOCOL_VERSION, createSubjects, encodeSample, parseOptions } from '@carousel/protocol';
import { SYSTEM_CLOCK, type Clock, type Publisher } from './publisher.ts';

/** Header names taken as the timestamp column when none is named (case-insensitive). */
export const TIMESTAMP_COLUMN_NAMES: readonly string[] = ['timestamp', 'time', 'ts', 'date', 'datetime'];

export interface ReplayOptions {
  /** Stream id. Required. */
  stream: string;
  /** Where samples go. Required. */
  publisher: Publisher;
  /** Rows per second. Ignored with asFastAsPossible. Default 10. */
  rate?: number;
  /** Publish without pacing. Default false. */
  asFastAsPossible?: boolean;
  /**
   * Column holding the timestamp: epoch ms, or anything Date.parse reads (NAB's "2014-04-01
   * 00:00:00" is read as UTC). Default: the first header named as in TIMESTAMP_COLUMN_NAMES, if
   * any; `null` for none (every sample stamped with the publish time).
   */
  timestampColumn?: string | null;
  /** Columns making x, in order. Default every column except the timestamp column. */
  valueColumns?: readonly string[];
  /** Subject prefix. Default 'carousel'. */
  prefix?: string;
  /** A model group the stream is a member of: samples go to <prefix>.g.<group>.<stream>, where its members publish. */
  group?: string;
  /** First seq. Default 0, so a replay run twice is applied once. */
  firstSeq?: number;
  /** Publishes awaited together when the publisher returns promises (acks). Default 256. */
  maxInFlight?: number;
  /** Called every `progressEvery` rows and at the end. */
  onProgress?: (p: ReplayProgress) => void;
  /** Default 1000. */
  progressEvery?: number;
  /** Time source. Default the system clock. */
  clock?: Clock;
}

export interface ReplayProgress {
  /** Samples published (and acknowledged as new, when the publisher acknowledges). */
  published: number;
  /** Acknowledged as duplicates: the stream already held a message with that stream:seq id. */
  duplicates: number;
  /** Data rows skipped: a value or timestamp that did not parse, or a wrong column count. */
  skipped: number;
  /** Publishes that threw or rejected (the row is not retried). */
  errors: number;
  /** The first skipped row: its line in the file and why. */
  firstSkip?: { readonly line: number; readonly reason: string };
  /** The first failed publish: its line in the file and the error's message. */
  firstError?: { readonly line: number; readonly reason: string };
  /** The timestamp column used, if any; the value columns, in order. */
  columns?: { readonly timestamp: string | null; readonly values: readonly string[] };
  /** The seq the next row would get (firstSeq + the rows not skipped). */
  nextSeq: number;
}

function parseTimestamp(s: string): number {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  // NAB writes "2014-04-01 00:00:00" (no zone): read it as UTC.
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? s.replace(' ', 'T') + 'Z' : s;
  return Date.parse(iso);
}

/** The columns a header gives: the timestamp column's index (-1 for none) and the value columns'. */
function resolveColumns(header: readonly string[], opts: ReplayOptions): { ts: number; values: number[] } {
  let ts = -1;
  if (typeof opts.timestampColumn === 'string') {
    ts = header.indexOf(opts.timestampColumn);
    if (ts < 0) throw new RangeError(`timestamp column ${opts.timestampColumn} not in header (${header.join(', ')})`);
  } else if (opts.timestampColumn === undefined) {
    ts = header.findIndex((h) => TIMESTAMP_COLUMN_NAMES.includes(h.toLowerCase()));
  }
  const names = opts.valueColumns ?? header.filter((_, i) => i !== ts);
  const values = names.map((n) => {
    const i = header.indexOf(n);
    if (i < 0) throw new RangeError(`value column ${n} not in header (${header.join(', ')})`);
    return i;
  });
  if (values.length === 0) throw new RangeError('no value columns');
  return { ts, values };
}

/** Why a row is skipped, or null when it makes a sample. */
function rowProblem(fields: readonly string[], header: readonly string[], ts: number, values: readonly number[], x: readonly number[], t: number): string | null {
  if (fields.length !== header.length) return `${fields.length} fields, the header has ${header.length}`;
  const bad = x.findIndex((v) => !Number.isFinite(v));
  if (bad >= 0) {
    const i = values[bad]!;
    return `column ${header[i]}: ${JSON.stringify(fields[i] ?? '')} is not a finite number`;
  }
  if (ts >= 0 && !Number.isFinite(t)) return `timestamp column ${header[ts]}: ${JSON.stringify(fields[ts] ?? '')} is not a date or epoch ms`;
  return null;
}

/** Where a replay publishes: the stream's input subject, or its model group's member subject. */
export function replaySubject(prefix: string, stream: string, group?: string): string {
  const subjects = createSubjects(parseOptions({ prefix }));
  return group === undefined ? subjects.in(stream) : subjects.groupIn(group, stream);
}

/** Replays the CSV at `path`; resolves with the final counts once every publish has settled. */
export async function replayCsv(path: string, opts: ReplayOptions): Promise<ReplayProgress> {
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const subject = replaySubject(opts.prefix ?? 'carousel', opts.stream, opts.group);
  const fast = opts.asFastAsPossible ?? false;
  const rate = opts.rate ?? 10;
  if (!fast && !(rate > 0)) throw new RangeError(`rate must be > 0 rows/s, got ${rate}`);
  const firstSeq = opts.firstSeq ?? 0;
  if (!Number.isSafeInteger(firstSeq) || firstSeq < 0) throw new RangeError(`first seq must be an integer >= 0, got ${firstSeq}`);
  const maxInFlight = Math.max(1, opts.maxInFlight ?? 256);
  const every = opts.progressEvery ?? 1000;
  const p: ReplayProgress = { published: 0, duplicates: 0, skipped: 0, errors: 0, nextSeq: firstSeq };
  const inFlight = new Set<Promise<void>>();
  const failed = (line: number, e: unknown) => {
    p.errors++;
    p.firstError ??= { line, reason: e instanceof Error ? e.message : String(e) };
  };
  const settle = (r: unknown) => {
    if (typeof r === 'object' && r !== null && (r as { duplicate?: unknown }).duplicate === true) p.duplicates++;
    else p.published++;
  };
  const parser = createReadStream(path).pipe(parse({ bom: true, info: true, relax_column_count: true, skip_empty_lines: true, trim: true }));
  let header: string[] | null = null;
  let cols = { ts: -1, values: [] as number[] };
  const t0 = clock.now();
  let rows = 0;
  for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
    if (header === null) {
      header = record;
      cols = resolveColumns(header, opts);
      p.columns = { timestamp: cols.ts >= 0 ? header[cols.ts]! : null, values: cols.values.map((i) => header![i]!) };
      continue;
    }
    rows++;
    const x = cols.values.map((i) => (record[i] === undefined || record[i] === '' ? NaN : Number(record[i])));
    const ts = cols.ts >= 0 ? parseTimestamp(record[cols.ts] ?? '') : NaN;
    const problem = rowProblem(record, header, cols.ts, cols.values, x, ts);
    if (problem !== null) {
      p.skipped++;
      p.firstSkip ??= { line: info.lines, reason: problem };
    } else {
      if (!fast) {
        const wait = t0 + ((p.nextSeq - firstSeq) * 1000) / rate - clock.now();
        if (wait > 0) await clock.sleep(wait);
      }
      const s = p.nextSeq++;
      const line = info.lines;
      try {
        const data = encodeSample({ v: PROTOCOL_VERSION, stream: opts.stream, seq: s, ts: Math.round(cols.ts >= 0 ? ts : clock.now()), x });
        const r = opts.publisher.publish(subject, data, { msgId: `${opts.stream}:${s}` });
        if (r instanceof Promise) {
          const done: Promise<void> = r.then(settle, (e: unknown) => failed(line, e)).finally(() => inFlight.delete(done));
          inFlight.add(done);
          if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
        } else settle(r);
      } catch (e) {
        failed(line, e);
      }
    }
    if (opts.onProgress && rows % every === 0) opts.onProgress({ ...p });
  }
  if (header === null) throw new RangeError(`${path}: no header row`);
  await Promise.all(inFlight);
  opts.onProgress?.({ ...p });
  return p;
}
