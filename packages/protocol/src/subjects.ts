// Subject, KV bucket and JetStream stream names of Carousel, built from one configurable prefix,
// and the parser for incoming subjects. Builders throw ProtocolError on a bad stream id or
// partition (a caller bug); parse() returns null for anything that is not a Carousel subject.
//
//   <prefix>.in.<stream>               producer input (nats-server maps it to the partition subject)
//   <prefix>.p.<partition>.<stream>    partitioned input, captured by JetStream stream <PREFIX>_IN
//   <prefix>.out.<stream>              predictions
//   <prefix>.alert.<stream>            anomaly events
//   <prefix>.reject.<stream>           rejected input
//   <prefix>.infer.<stream>            request-reply: predict now
//   <prefix>.ctl.<stream>              request-reply: configure, reset, inspect, snapshot
//   <prefix>.ctl                       request-many: list (every worker answers)
//   KV bucket <prefix>_state           per-stream checkpoints; dots in the prefix become '_'

import { PROTO_ERR, ProtocolError } from './errors.ts';
import { DEFAULT_OPTIONS } from './options.ts';
import type { ProtocolOptions } from './options.ts';
import { partitionOf } from './partition.ts';
import { isStreamId } from './validate.ts';

/** Per-stream subject kinds (the token after the prefix). */
export const STREAM_SUBJECT_KINDS = Object.freeze(['in', 'out', 'alert', 'reject', 'infer', 'ctl'] as const);
export type StreamSubjectKind = (typeof STREAM_SUBJECT_KINDS)[number];

export type ParsedSubject =
  | { readonly kind: StreamSubjectKind; readonly stream: string }
  | { readonly kind: 'p'; readonly partition: number; readonly stream: string }
  /** The bare control subject, for `list`. */
  | { readonly kind: 'ctl'; readonly stream: null };

export interface Subjects {
  /** The prefix, e.g. `carousel`. */
  readonly prefix: string;
  /** Partition count P. */
  readonly partitions: number;
  /** KV bucket for checkpoints, e.g. `carousel_state`. */
  readonly kvBucket: string;
  /** Object Store bucket for large checkpoints and warm-start uploads, e.g. `carousel_blobs`. */
  readonly blobsBucket: string;
  /** JetStream stream that captures partitioned input, e.g. `CAROUSEL_IN`. */
  readonly jsStream: string;
  /** `<prefix>.in.<stream>`. */
  in(stream: string): string;
  /** `<prefix>.g.<group>.<stream>`: where a model group's member is published (group and stream are ids). */
  groupIn(group: string, stream: string): string;
  /** `<prefix>.p.<partitionOf(stream, P)>.<stream>`, where nats-server maps in(stream). */
  p(stream: string): string;
  /** `<prefix>.p.<partition>.<stream>` with the partition given. */
  partitioned(partition: number, stream: string): string;
  out(stream: string): string;
  alert(stream: string): string;
  reject(stream: string): string;
  infer(stream: string): string;
  /** `<prefix>.ctl.<stream>`, or the bare `<prefix>.ctl` (for list) without a stream. */
  ctl(stream?: string): string;
  /** `<prefix>.<kind>.*`: every stream of one kind. */
  all(kind: StreamSubjectKind): string;
  /** `<prefix>.p.<partition>.*`: a worker's consumer filter for one owned partition. */
  partitionFilter(partition: number): string;
  /** `<prefix>.p.*.*`: the JetStream stream's subjects. */
  readonly partitionsAll: string;
  /** The nats-server subject mapping from in.* to the partition subjects. */
  readonly mapping: { readonly source: string; readonly destination: string };
  /** Parses a Carousel subject under this prefix; null for anything else. */
  parse(subject: string): ParsedSubject | null;
}

/** Subject helpers for a prefix and partition count (from parseOptions()). */
export function createSubjects(options: ProtocolOptions = DEFAULT_OPTIONS): Subjects {
  const prefix = options.prefix;
  const P = options.partitions;
  const flat = prefix.replaceAll('.', '_');
  const head = `${prefix}.`;
  const perStream = (kind: StreamSubjectKind) => (stream: string): string => `${prefix}.${kind}.${token(stream)}`;
  const checkPartition = (partition: number): number => {
    if (!Number.isInteger(partition) || partition < 0 || partition >= P) {
      throw new ProtocolError(PROTO_ERR.SUBJECT, `partition must be an integer in [0, ${P}), got ${String(partition)}`, partition);
    }
    return partition;
  };
  return Object.freeze({
    prefix,
    partitions: P,
    kvBucket: `${flat}_state`,
    blobsBucket: `${flat}_blobs`,
    jsStream: `${flat.toUpperCase()}_IN`,
    in: perStream('in'),
    groupIn: (group: string, stream: string) => `${prefix}.g.${token(group, 'group')}.${token(stream)}`,
    p: (stream: string) => `${prefix}.p.${partitionOf(token(stream), P)}.${stream}`,
    partitioned: (partition: number, stream: string) => `${prefix}.p.${checkPartition(partition)}.${token(stream)}`,
    out: perStream('out'),
    alert: perStream('alert'),
    reject: perStream('reject'),
    infer: perStream('infer'),
    ctl: (stream?: string) => (stream === undefined ? `${prefix}.ctl` : `${prefix}.ctl.${token(stream)}`),
    all: (kind: StreamSubjectKind) => {
      if (!STREAM_SUBJECT_KINDS.includes(kind)) throw new ProtocolError(PROTO_ERR.SUBJECT, `unknown subject kind ${String(kind)}`, kind);
      return `${prefix}.${kind}.*`;
    },
    partitionFilter: (partition: number) => `${prefix}.p.${checkPartition(partition)}.*`,
    partitionsAll: `${prefix}.p.*.*`,
    mapping: Object.freeze({ source: `${prefix}.in.*`, destination: `${prefix}.p.{{partition(${P},1)}}.{{wildcard(1)}}` }),
    parse: (subject: string): ParsedSubject | null => {
      if (typeof subject !== 'string' || !subject.startsWith(head)) return null;
      const rest = subject.slice(head.length).split('.');
      const kind = rest[0];
      if (kind === 'ctl' && rest.length === 1) return { kind: 'ctl', stream: null };
      if (kind === 'p') {
        if (rest.length !== 3 || !/^(0|[1-9][0-9]{0,4})$/.test(rest[1]) || !isStreamId(rest[2])) return null;
        const partition = Number(rest[1]);
        return partition < P ? { kind: 'p', partition, stream: rest[2] } : null;
      }
      if (rest.length !== 2 || !(STREAM_SUBJECT_KINDS as readonly string[]).includes(kind) || !isStreamId(rest[1])) return null;
      return { kind: kind as StreamSubjectKind, stream: rest[1] };
    },
  });
}

function token(stream: string, what = 'stream'): string {
  if (!isStreamId(stream)) {
    throw new ProtocolError(PROTO_ERR.STREAM_ID, `${what} id must be one token [A-Za-z0-9_-]{1,128}, got ${JSON.stringify(String(stream).slice(0, 140))}`, stream);
  }
  return stream;
}
