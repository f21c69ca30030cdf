// Warm start: a stream's model from uploaded PyTorch weights. The client stores the bytes in the
// Object Store (<prefix>_blobs) and sends `configure` with cfg.warm = {obj, format}, format
// 'safetensors' (default) or 'json' (a state dict as nested arrays). The stream's model becomes
// that architecture (cell, hidden from the tensors) with those weights; its dimension is the
// model's input size. Model groups warm-start from the same objects through warmProcessor
// (group-actor.ts takes its model as the group's shared model).

import type { BlobStore } from '@carousel/bus';
import { inspectStateDict, modelFromPytorch, readSafetensors, saveModel, stateDictFromJson, type StateDict, type StateDictShape } from '@carousel/lstm';
import type { ConfigValue, ModelConfig } from '@carousel/protocol';
import { WorkerError, WORKER_ERR } from './errors.ts';
import { checkModelWeights, defaultStreamConfig, parseStreamConfig, type StreamConfig } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';

export interface WarmRef {
  /** Object name in the blobs bucket. */
  obj: string;
  format: 'safetensors' | 'json';
}

/** Splits cfg.warm off a configure request's cfg; null when there is none. Throws WORKER_ERR_CONFIG when malformed. */
export function warmRef(cfg: ModelConfig): { warm: WarmRef | null; rest: ModelConfig } {
  const { warm, ...rest } = cfg as { warm?: ConfigValue } & ModelConfig;
  if (warm === undefined || warm === null) return { warm: null, rest };
  const w = warm as { obj?: unknown; format?: unknown };
  if (typeof w !== 'object' || typeof w.obj !== 'string' || w.obj === '') throw new WorkerError(WORKER_ERR.CONFIG, 'warm.obj must name an object in the blobs bucket');
  const format = w.format ?? 'safetensors';
  if (format !== 'safetensors' && format !== 'json') throw new WorkerError(WORKER_ERR.CONFIG, `warm.format must be safetensors or json, got ${JSON.stringify(format)}`);
  return { warm: { obj: w.obj, format }, rest };
}

/**
 * The uploaded bytes as the worker reads them: the state dict and its shape. Throws
 * WORKER_ERR_CONFIG when they do not parse (naming `name`), WORKER_ERR_DIMENSION when the model
 * cannot forecast its own inputs.
 */
function readWarmModel(bytes: Uint8Array, format: WarmRef['format'], name: string): { sd: StateDict; shape: StateDictShape } {
  let sd: StateDict;
  let shape: StateDictShape;
  try {
    sd = format === 'json' ? stateDictFromJson(JSON.parse(new TextDecoder().decode(bytes))) : readSafetensors(bytes).tensors;
    shape = inspectStateDict(sd);
  } catch (e) {
    throw new WorkerError(WORKER_ERR.CONFIG, `warm start object ${name}: ${(e as Error).message}`);
  }
  if (shape.inputs !== shape.outputs) throw new WorkerError(WORKER_ERR.DIMENSION, `a forecasting model needs inputs = outputs, got ${shape.inputs} and ${shape.outputs}`);
  return { sd, shape };
}

/** The stream config a warm start gives: `over` on `defaults`, with the tensors' cell and hidden sizes (the stream limits apply). */
function warmConfig(shape: StateDictShape, over: ModelConfig, defaults: Readonly<StreamConfig>): Readonly<StreamConfig> {
  const base = parseStreamConfig(over as Partial<StreamConfig>, defaults);
  const hidden = shape.hidden.length === 1 ? shape.hidden[0]! : shape.hidden;
  return parseStreamConfig({ model: { ...base.model, cell: shape.cell, hidden } }, base);
}

/**
 * The uploaded bytes as a model, the way a warm start takes them: read, checked against a stream
 * of `dims` features (null: none fixed yet), given their config and the weight cap (before the
 * tensors become a model), then built. Throws the WorkerError a `configure` replies with.
 */
function warmModel(bytes: Uint8Array, format: WarmRef['format'], name: string, over: ModelConfig, defaults: Readonly<StreamConfig>, dims: number | null): { shape: StateDictShape; cfg: Readonly<StreamConfig>; model: ReturnType<typeof modelFromPytorch> } {
  const { sd, shape } = readWarmModel(bytes, format, name);
  if (dims !== null && dims !== shape.inputs) throw new WorkerError(WORKER_ERR.DIMENSION, `stream has ${dims} features, the model ${shape.inputs}`);
  const cfg = warmConfig(shape, over, defaults);
  checkModelWeights(cfg.model, shape.inputs);
  try {
    return { shape, cfg, model: modelFromPytorch(sd, cfg.model) };
  } catch (e) {
    throw e instanceof WorkerError ? e : new WorkerError(WORKER_ERR.CONFIG, `warm start object ${name}: ${(e as Error).message}`);
  }
}

/**
 * What a client checks before it uploads (`carousel model upload`): that a worker with the default
 * stream config would warm-start a new stream from these bytes (warmModel). Returns the model's
 * shape; throws the WorkerError the worker's `configure` would reply with.
 */
export function checkWarmModel(bytes: Uint8Array, format: WarmRef['format'], name: string): StateDictShape {
  return warmModel(bytes, format, name, {}, defaultStreamConfig(), null).shape;
}

/**
 * Builds the stream's processor from the uploaded weights: its config gets the tensors' cell and
 * hidden sizes. `dims` is the stream's fixed dimension when it already has one.
 */
export async function warmProcessor(blobs: BlobStore, ref: WarmRef, over: ModelConfig, defaults: Readonly<StreamConfig>, dims: number | null): Promise<{ proc: StreamProcessor; cfg: Readonly<StreamConfig> }> {
  const bytes = await blobs.get(ref.obj);
  if (bytes === null) throw new WorkerError(WORKER_ERR.CONFIG, `warm start object ${ref.obj} not found`);
  const { shape, cfg, model } = warmModel(bytes, ref.format, ref.obj, over, defaults, dims);
  // A fresh processor of that shape, then the same with the uploaded weights in its model slot.
  const fresh = new StreamProcessor(cfg, shape.inputs).snapshot();
  const proc = new StreamProcessor(cfg, shape.inputs, { ...fresh, model: saveModel(model, {}) });
  return { proc, cfg };
}
