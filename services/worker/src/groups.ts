// Model groups: their configuration (WorkerOptions.groups, CAROUSEL_GROUPS) and their subjects.
// A group's members publish on <prefix>.g.<group>.<stream>; nats-server maps that, hashing the
// GROUP token, to <prefix>.p.<partition(group)>.<group>.<stream>, so every member of a group is
// in one partition, consumed in one order by one owner (docs/worker.md "Model groups").
// Not here: the group's actor and checkpoint (group-actor.ts).

import { partitionOf } from '@carousel/protocol';
import { WorkerError, WORKER_ERR } from './errors.ts';
import { MIN_GROUP_BATCH } from './group-steps.ts';
import { parseStreamConfig, type StreamConfig } from './stream-config.ts';
import { checkStreamConfig } from './stream-processor.ts';
import type { WarmRef } from './warm-start.ts';

const TOKEN_RE = /^[A-Za-z0-9_-]{1,128}$/;
const PATTERN_RE = /^[A-Za-z0-9_*-]{1,128}$/;

/** One model group as configured. */
export interface GroupSpec {
  /** Group name, one subject token [A-Za-z0-9_-]{1,128}; it picks the partition. */
  readonly name: string;
  /** Member stream ids: a glob where `*` matches any run of id characters (e.g. `pump-*`). */
  readonly pattern: string;
  /** The group's stream config (model, horizon, normaliser, anomaly), merged over the worker's default. */
  readonly cfg: Readonly<StreamConfig>;
  /** Warm start: the group's model starts from these uploaded weights when it has no checkpoint. */
  readonly warm: WarmRef | null;
  /** Batches of fewer member steps than this run one by one (group-steps.ts MIN_GROUP_BATCH by default). */
  readonly minBatch: number;
  /** The compiled pattern. */
  readonly match: RegExp;
}

/** A group as given in options or CAROUSEL_GROUPS (JSON array of these). */
export interface GroupInput {
  name: string;
  pattern: string;
  /** Stream config override (the same fields as a configure request's cfg). */
  stream?: Partial<StreamConfig>;
  warm?: { obj: string; format?: 'safetensors' | 'json' };
  /** Smallest batch of member steps run batched, an integer >= 1. Default MIN_GROUP_BATCH (8). */
  minBatch?: number;
}

/** Checks, compiles and freezes the groups; names must be unique. Throws WORKER_ERR_CONFIG. */
export function parseGroups(input: readonly GroupInput[] | undefined, defaults: Readonly<StreamConfig>): readonly GroupSpec[] {
  if (input === undefined) return Object.freeze([]);
  if (!Array.isArray(input)) bad('groups must be an array');
  const seen = new Set<string>();
  return Object.freeze(input.map((g, i) => {
    if (g === null || typeof g !== 'object') bad(`groups[${i}] must be an object`);
    if (typeof g.name !== 'string' || !TOKEN_RE.test(g.name)) bad(`groups[${i}].name must be one token [A-Za-z0-9_-]{1,128}`);
    if (seen.has(g.name)) bad(`group ${g.name} is configured twice`);
    seen.add(g.name);
    if (typeof g.pattern !== 'string' || !PATTERN_RE.test(g.pattern)) bad(`groups[${i}].pattern must be a glob of [A-Za-z0-9_-] and *`);
    let warm: WarmRef | null = null;
    if (g.warm !== undefined) {
      const format = g.warm.format ?? 'safetensors';
      if (typeof g.warm.obj !== 'string' || g.warm.obj === '' || (format !== 'safetensors' && format !== 'json')) bad(`groups[${i}].warm must be {obj, format: safetensors|json}`);
      warm = Object.freeze({ obj: g.warm.obj, format });
    }
    const minBatch = g.minBatch ?? MIN_GROUP_BATCH;
    if (!Number.isInteger(minBatch) || minBatch < 1) bad(`groups[${i}].minBatch must be an integer >= 1, got ${String(g.minBatch)}`);
    const match = new RegExp(`^${g.pattern.replaceAll('*', '[A-Za-z0-9_-]*')}$`);
    const cfg = parseStreamConfig(g.stream ?? {}, defaults);
    checkStreamConfig(cfg);
    return Object.freeze({ name: g.name, pattern: g.pattern, cfg, warm, minBatch, match });
  }));
}

/** The group a stream id belongs to (the first whose pattern matches), or undefined. */
export function groupOfStream(groups: readonly GroupSpec[], stream: string): GroupSpec | undefined {
  return groups.find((g) => g.match.test(stream));
}

/** Actor key of a group: `g.<name>`. A stream id has no dot, so it never collides with one. */
export function groupKey(name: string): string {
  return `g.${name}`;
}

/** The group name of an actor key, or null for a stream's key. */
export function groupOfKey(key: string): string | null {
  return key.startsWith('g.') ? key.slice(2) : null;
}

/** The partition of an actor key: a stream's by its id, a group's by its name. */
export function partitionOfKey(key: string, partitions: number): number {
  return partitionOf(groupOfKey(key) ?? key, partitions);
}

/** Subjects of model groups under a prefix. */
export interface GroupSubjects {
  /** `<prefix>.g.<group>.<stream>`: where a member's producer publishes. */
  in(group: string, stream: string): string;
  /** `<prefix>.p.*.*.*`: group members' partitioned input (CAROUSEL_IN captures it with `<prefix>.p.>`, see provision). */
  readonly partitionsAll: string;
  /** `<prefix>.p.<n>.>`: a partition's consumer filter covering streams and group members. */
  filter(partition: number): string;
  /** The nats-server mapping rule for group subjects (beside the in.* rule). */
  readonly mapping: { readonly source: string; readonly destination: string };
  /** `{group, stream}` of `<prefix>.p.<n>.<group>.<stream>`, else null. */
  parse(subject: string): { group: string; stream: string } | null;
}

export function groupSubjects(prefix: string, partitions: number): GroupSubjects {
  const depth = prefix.split('.').length;
  return Object.freeze({
    in: (group: string, stream: string) => `${prefix}.g.${group}.${stream}`,
    partitionsAll: `${prefix}.p.*.*.*`,
    filter: (partition: number) => `${prefix}.p.${partition}.>`,
    mapping: Object.freeze({ source: `${prefix}.g.*.*`, destination: `${prefix}.p.{{partition(${partitions},1)}}.{{wildcard(1)}}.{{wildcard(2)}}` }),
    parse: (subject: string) => {
      const t = subject.split('.');
      if (t.length !== depth + 4 || t[depth] !== 'p') return null;
      const group = t[depth + 2]!;
      const stream = t[depth + 3]!;
      return TOKEN_RE.test(group) && TOKEN_RE.test(stream) ? { group, stream } : null;
    },
  });
}

function bad(msg: string): never {
  throw new WorkerError(WORKER_ERR.CONFIG, msg);
}
