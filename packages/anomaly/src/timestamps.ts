// NAB timestamps ('2014-04-10 07:15:00' in data, '2014-04-10 07:15:00.000000' in labels) as
// integer microseconds since the epoch, so that equal instants compare equal whatever their
// spelling, as pandas Timestamps do in NAB. Naive times are read as UTC; no time zones.

import { ANOMALY_ERR, AnomalyError } from './errors.ts';

const NAB_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?)?$/;

/** Parses 'YYYY-MM-DD[ HH:MM[:SS[.ffffff]]]' to microseconds since 1970-01-01 UTC. */
export function parseNabTimestamp(text: string): number {
  const m = NAB_TIMESTAMP.exec(text.trim());
  if (m === null) throw new AnomalyError(ANOMALY_ERR.PARSE, `not a NAB timestamp: '${text}'`, text);
  const ms = Date.UTC(+m[1], +m[2] - 1, +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0));
  const micros = m[7] === undefined ? 0 : +m[7].padEnd(6, '0');
  return ms * 1000 + micros;
}

/** Formats microseconds since the epoch as NAB writes them: 'YYYY-MM-DD HH:MM:SS[.ffffff]'. */
export function formatNabTimestamp(micros: number): string {
  const ms = Math.floor(micros / 1000);
  const frac = micros - ms * 1000;
  const iso = new Date(ms).toISOString(); // 'YYYY-MM-DDTHH:MM:SS.mmmZ'
  const base = `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
  const sub = (ms % 1000 + 1000) % 1000 * 1000 + frac;
  return sub === 0 ? base : `${base}.${String(sub).padStart(6, '0')}`;
}
