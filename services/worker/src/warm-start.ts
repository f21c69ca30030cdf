// Warm start: a stream's model from uploaded PyTorch weights. The client stores the bytes in the
// Object Store (<prefix>_blobs) and sends `configure` with cfg.warm = {obj, format}, format
// 'safetensors' (default) or 'json' (a state dict as nested arrays). The stream's model becomes
// that architecture (cell, hidden from the tensors) with those weights; its dimension is the
// model's input size. Model groups warm-start from the same objects through warmProcessor
// (group-actor.ts takes its model as the group's shared model).

import type { BlobStore } from '@carousel/bus';
import { inspectStateDict, modelFromPytorch, readSafetensors, saveModel, stateDictFromJson, type StateDict } from '@carousel/lstm';
import type { ConfigValue, ModelConfig } from '@carousel/protocol';
import { WorkerError, WORKER_ERR } from './errors.ts';
import { parseStreamConfig, type StreamConfig } from './stream-config.ts';
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
 * Builds the stream's processor from the uploaded weights: its config gets the tensors' cell and
 * hidden sizes. `dims` is the stream's fixed dimension when it already has one.
 */
export async function warmProcessor(blobs: BlobStore, ref: WarmRef, over: ModelConfig, defaults: Readonly<StreamConfig>, dims: number | null): Promise<{ proc: StreamProcessor; cfg: Readonly<StreamConfig> }> {
  const bytes = await blobs.get(ref.obj);
  if (bytes === null) throw new WorkerError(WORKER_ERR.CONFIG, `warm start object ${ref.obj} not found`);
  let sd: StateDict;
  try {
    sd = ref.format === 'json' ? stateDictFromJson(JSON.parse(new TextDecoder().decode(bytes))) : readSafetensors(bytes).tensors;
  } catch (e) {
    throw new WorkerError(WORKER_ERR.CONFIG, `warm start object ${ref.obj}: ${(e as Error).message}`);
  }
  const shape = inspectStateDict(sd);
  if (shape.inputs !== shape.outputs) throw new WorkerError(WORKER_ERR.DIMENSION, `a forecasting model needs inputs = outputs, got ${shape.inputs} and ${shape.outputs}`);
  if (dims !== null && dims !== shape.inputs) throw new WorkerError(WORKER_ERR.DIMENSION, `stream has ${dims} features, the model ${shape.inputs}`);
  const base = parseStreamConfig(over as Partial<StreamConfig>, defaults);
  const hidden = shape.hidden.length === 1 ? shape.hidden[0]! : shape.hidden;
  const cfg = parseStreamConfig({ model: { ...base.model, cell: shape.cell, hidden } }, base);
  const model = modelFromPytorch(sd, cfg.model);
  // A fresh processor of that shape, then the same with the uploaded weights in its model slot.
  const fresh = new StreamProcessor(cfg, shape.inputs).snapshot();
  const proc = new StreamProcessor(cfg, shape.inputs, { ...fresh, model: saveModel(model, {}) });
  return { proc, cfg };
}
