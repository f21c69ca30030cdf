// CSV replay: streams a numeric CSV with a header into protocol Samples on <prefix>.in.<stream>,
// paced at a rate or as fast as possible. The parser is deliberately minimal (comma separated,
// optional double quotes without embedded commas or newlines, numbers or ISO timestamps): enough
// for sensor exports and NAB files. A full RFC 4180 parser (csv-parse) is the intended successor.

import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { PROTOCOL_VERSION, createSubjects, encodeSample, parseOptions } from '@carousel/protocol';
import { SYSTEM_CLOCK, type Clock, type Publisher } from './publisher.ts';

export interface ReplayOptions {
  /** Stream id. Required. */
  stream: string;
  /** Where samples go. Required. */
  publisher: Publisher;
  /** Rows per second. Ignored with asFastAsPossible. Default 10. */
  rate?: number;
  /** Publish without pacing. Default false. */
  asFastAsPossible?: boolean;
  /** Column holding the timestamp: epoch ms, or anything Date.parse reads. Default none (the publish time). */
  timestampColumn?: string;
  /** Columns making x, in order. Default every column except the timestamp column. */
  valueColumns?: readonly string[];
  /** Subject prefix. Default 'carousel'. */
  prefix?: string;
  /** First seq. Default 0. */
  firstSeq?: number;
  /** Called every `progressEvery` rows and at the end. */
  onProgress?: (p: ReplayProgress) => void;
  /** Default 1000. */
  progressEvery?: number;
  /** Time source. Default the system clock. */
  clock?: Clock;
}

export interface ReplayProgress {
  /** Samples published. */
  published: number;
  /** Data rows skipped: a value or timestamp that did not parse, or a wrong column count. */
  skipped: number;
  /** Publishes that threw or rejected (the row is not retried). */
  errors: number;
}

/** Splits one CSV line (no embedded commas in quotes). */
export function splitCsvLine(line: string): string[] {
  return line.split(',').map((f) => {
    const t = f.trim();
    return t.length >= 2 && t.startsWith('"') && t.endsWith('"') ? t.slice(1, -1).replaceAll('""', '"') : t;
  });
}

function parseTimestamp(s: string): number {
  if (/^-?\d+(\.\d+)?$/.test(s)) return Number(s);
  // NAB writes "2014-04-01 00:00:00" (no zone): read it as UTC.
  const iso = /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s) ? s.replace(' ', 'T') + 'Z' : s;
  return Date.parse(iso);
}

/** Replays the CSV at `path`; resolves with the final counts. */
export async function replayCsv(path: string, opts: ReplayOptions): Promise<ReplayProgress> {
  const clock = opts.clock ?? SYSTEM_CLOCK;
  const subject = createSubjects(parseOptions({ prefix: opts.prefix ?? 'carousel' })).in(opts.stream);
  const fast = opts.asFastAsPossible ?? false;
  const rate = opts.rate ?? 10;
  if (!fast && !(rate > 0)) throw new RangeError(`rate must be > 0 rows/s, got ${rate}`);
  const every = opts.progressEvery ?? 1000;
  const p: ReplayProgress = { published: 0, skipped: 0, errors: 0 };
  const lines = createInterface({ input: createReadStream(path, 'utf8'), crlfDelay: Infinity });
  let header: string[] | null = null;
  let tsIdx = -1;
  let valIdx: number[] = [];
  let seq = opts.firstSeq ?? 0;
  const t0 = clock.now();
  let rows = 0;
  for await (const raw of lines) {
    const line = header === null ? raw.replace(/^\uFEFF/, '') : raw;
    if (line.trim() === '') continue;
    const fields = splitCsvLine(line);
    if (header === null) {
      header = fields;
      tsIdx = opts.timestampColumn === undefined ? -1 : header.indexOf(opts.timestampColumn);
      if (opts.timestampColumn !== undefined && tsIdx < 0) throw new RangeError(`timestamp column ${opts.timestampColumn} not in header`);
      const names = opts.valueColumns ?? header.filter((_, i) => i !== tsIdx);
      valIdx = names.map((n) => {
        const i = header!.indexOf(n);
        if (i < 0) throw new RangeError(`value column ${n} not in header`);
        return i;
      });
      if (valIdx.length === 0) throw new RangeError('no value columns');
      continue;
    }
    rows++;
    const x = valIdx.map((i) => (fields[i] === undefined || fields[i] === '' ? NaN : Number(fields[i])));
    const ts = tsIdx >= 0 ? parseTimestamp(fields[tsIdx] ?? '') : NaN;
    if (fields.length !== header.length || x.some((v) => !Number.isFinite(v)) || (tsIdx >= 0 && !Number.isFinite(ts))) {
      p.skipped++;
    } else {
      if (!fast) {
        const wait = t0 + (p.published * 1000) / rate - clock.now();
        if (wait > 0) await clock.sleep(wait);
      }
      const s = seq++;
      try {
        const data = encodeSample({ v: PROTOCOL_VERSION, stream: opts.stream, seq: s, ts: Math.round(tsIdx >= 0 ? ts : clock.now()), x });
        await opts.publisher.publish(subject, data, { msgId: `${opts.stream}:${s}` });
        p.published++;
      } catch {
        p.errors++;
      }
    }
    if (opts.onProgress && rows % every === 0) opts.onProgress({ ...p });
  }
  opts.onProgress?.({ ...p });
  return p;
}
