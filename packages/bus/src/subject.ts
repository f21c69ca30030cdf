// Subject names and patterns: validation and wildcard matching (`*` one token, `>` the rest).
// Used by InProcTransport to route and by both transports to check names early.

import { BUS_ERR, BusError } from './errors.ts';

const TOKEN_RE = /^[^\s.*>]+$/;
/** Tokens as TOKEN_RE, joined by single dots: one test per publish, no token array to allocate. */
const SUBJECT_RE = /^[^\s.*>]+(?:\.[^\s.*>]+)*$/;
const NAME_RE = /^[A-Za-z0-9_-]+$/;

/** Throws BUS_ERR_INVALID_NAME unless `subject` is a concrete subject (no wildcards). */
export function checkSubject(subject: string): string {
  if (typeof subject !== 'string' || !SUBJECT_RE.test(subject)) {
    throw new BusError(BUS_ERR.INVALID_NAME, `invalid subject '${String(subject)}'`);
  }
  return subject;
}

/** Throws BUS_ERR_INVALID_NAME unless `pattern` is a subject with optional `*` tokens and a trailing `>`. */
export function checkPattern(pattern: string): string {
  const tokens = typeof pattern === 'string' && pattern.length > 0 ? pattern.split('.') : [];
  const ok =
    tokens.length > 0 &&
    tokens.every((t, i) => t === '*' || (t === '>' && i === tokens.length - 1) || TOKEN_RE.test(t));
  if (!ok) throw new BusError(BUS_ERR.INVALID_NAME, `invalid subject pattern '${String(pattern)}'`);
  return pattern;
}

/** Throws BUS_ERR_INVALID_NAME unless `name` is a valid stream or bucket name. */
export function checkName(kind: string, name: string): string {
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw new BusError(BUS_ERR.INVALID_NAME, `invalid ${kind} name '${String(name)}'`);
  }
  return name;
}

/** True when the concrete `subject` matches `pattern`. */
export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const t = p[i];
    if (t === '>') return s.length > i;
    if (i >= s.length) return false;
    if (t !== '*' && t !== s[i]) return false;
  }
  return p.length === s.length;
}
