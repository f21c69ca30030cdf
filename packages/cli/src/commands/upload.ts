// Warm-start uploads: PyTorch-layout weights (safetensors, or a state dict as JSON) put into the
// blobs bucket (<prefix>_blobs), where a stream's `configure` with cfg.warm = {obj, format}, or a
// model group's `warm`, starts from them (docs/worker.md, "Requests" and "Model groups").
// `carousel model upload <file>` stores one; `carousel streams configure <stream> --warm <file>`
// stores it and configures the stream from it. The file is checked first by the worker's own
// reading (checkWarmModel), so a file a worker would refuse is refused here, with the worker's
// code and reason, and nothing is stored.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { BUS_ERR, isBusError, type Transport } from '@carousel/bus';
import { createSubjects, parseOptions } from '@carousel/protocol';
import { checkWarmModel, type WarmRef } from '@carousel/worker';

export type WarmFormat = WarmRef['format'];

export interface UploadedModel extends WarmRef {
  /** The bucket it is in. */
  bucket: string;
  bytes: number;
  cell: 'vanilla' | 'gru';
  inputs: number;
  hidden: number[];
  outputs: number;
}

/** The format a file's extension names: .json is a state dict as JSON, anything else safetensors. */
export function formatOf(file: string, format?: string): WarmFormat {
  const f = format ?? (extname(file).toLowerCase() === '.json' ? 'json' : 'safetensors');
  if (f !== 'json' && f !== 'safetensors') throw new Error(`--format must be safetensors or json, got ${f}`);
  return f;
}

/**
 * The object name a file gets when none is given: its base name (characters a stream id may have)
 * and the first 12 hex digits of its SHA-256, so the same bytes always land on the same object and
 * changed weights on a new one.
 */
export function objectNameOf(file: string, bytes: Uint8Array): string {
  const stem = basename(file, extname(file)).replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 64) || 'model';
  return `${stem}-${createHash('sha256').update(bytes).digest('hex').slice(0, 12)}`;
}

/** Reads and checks `file`, then stores it in the prefix's blobs bucket. Throws, storing nothing, when a worker would refuse it. */
export async function uploadModel(t: Transport, prefix: string, file: string, o: { name?: string; format?: string } = {}): Promise<UploadedModel> {
  const bytes = new Uint8Array(readFileSync(file));
  const format = formatOf(file, o.format);
  const obj = o.name ?? objectNameOf(file, bytes);
  if (obj === '') throw new Error('--name must not be empty');
  const shape = checkWarmModel(bytes, format, file);
  const bucket = createSubjects(parseOptions({ prefix })).blobsBucket;
  let blobs;
  try {
    blobs = await t.objectStore(bucket);
  } catch (e) {
    if (isBusError(e) && e.code === BUS_ERR.NOT_FOUND) throw new Error(`no object store ${bucket} on this NATS: start a worker first, it creates the bucket`);
    throw e;
  }
  await blobs.put(obj, bytes);
  return { obj, format, bucket, bytes: bytes.length, cell: shape.cell, inputs: shape.inputs, hidden: shape.hidden, outputs: shape.outputs };
}
