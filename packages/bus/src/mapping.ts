// Subject mappings as nats-server applies them (`mappings = { "a.*": "b.{{partition(16,1)}}.{{wildcard(1)}}" }`),
// so InProcTransport routes `carousel.in.<stream>` to the same partition a server would.
// Supports the `{{wildcard(n)}}` and `{{partition(P,n...)}}` functions only.

import { BUS_ERR, BusError } from './errors.ts';
import { checkPattern } from './subject.ts';

/** The partition nats-server's `partition(P, ...)` picks: FNV-1a 32 of the tokens' bytes, concatenated, mod P. */
export function partitionOf(tokens: readonly string[], partitions: number): number {
  let h = 0x811c9dc5;
  for (const t of tokens) {
    for (const b of new TextEncoder().encode(t)) {
      h ^= b;
      h = Math.imul(h, 0x01000193) >>> 0;
    }
  }
  return h % partitions;
}

/** A compiled mapping: the destination subject for `subject`, or undefined when the source does not match. */
export type SubjectMapping = (subject: string) => string | undefined;

const FN_RE = /\{\{\s*(wildcard|partition)\s*\(([^)]*)\)\s*\}\}/g;

/** Compiles one `source -> destination` mapping. Source wildcards are `*` only, numbered from 1. */
export function compileMapping(source: string, destination: string): SubjectMapping {
  checkPattern(source);
  const src = source.split('.');
  if (src.includes('>')) throw new BusError(BUS_ERR.CONFIG, `mapping source '${source}' may not use '>'`);
  const wildcardAt: number[] = [];
  src.forEach((t, i) => t === '*' && wildcardAt.push(i));
  const arg = (s: string): number => {
    const n = Number(s.trim());
    if (!Number.isInteger(n) || n < 1 || n > wildcardAt.length) {
      throw new BusError(BUS_ERR.CONFIG, `mapping '${destination}' refers to wildcard ${s.trim()}, source has ${wildcardAt.length}`);
    }
    return wildcardAt[n - 1]!;
  };
  const parts: Array<(tokens: string[]) => string> = [];
  let last = 0;
  for (const m of destination.matchAll(FN_RE)) {
    const lit = destination.slice(last, m.index);
    parts.push(() => lit);
    const args = m[2]!.split(',');
    if (m[1] === 'wildcard') {
      const at = arg(args[0] ?? '');
      parts.push((tokens) => tokens[at]!);
    } else {
      const p = Number(args[0]);
      if (!Number.isInteger(p) || p < 1) throw new BusError(BUS_ERR.CONFIG, `bad partition count in '${destination}'`);
      const at = args.slice(1).map(arg);
      parts.push((tokens) => String(partitionOf(at.map((i) => tokens[i]!), p)));
    }
    last = m.index + m[0].length;
  }
  const tail = destination.slice(last);
  parts.push(() => tail);
  return (subject) => {
    const tokens = subject.split('.');
    if (tokens.length !== src.length) return undefined;
    for (let i = 0; i < src.length; i++) if (src[i] !== '*' && src[i] !== tokens[i]) return undefined;
    return parts.map((p) => p(tokens)).join('');
  };
}
