// What one stream holds in memory, pinned by structure rather than by heap size: the typed arrays
// an active StreamProcessor of the default model retains (counted by buffer, so views of one slab
// count once; buffers reachable from a second processor of the same shape too are per process,
// not per stream), and that nothing of a passivated stream's model stays reachable in a worker.
// Figures (bytes per active / passivated stream) come from `npm run bench -- worker`.

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { InProcTransport } from '@carousel/bus';
import { encodeSample, partitionOf } from '@carousel/protocol';
import { afterEach, describe, expect, test } from 'vitest';
import { scratchShapes } from './scratch.ts';
import { parseStreamConfig } from './stream-config.ts';
import { StreamProcessor } from './stream-processor.ts';
import { Worker } from './worker.ts';

/** Every ArrayBuffer reachable from `root` through own properties, arrays and maps, with its byte length. */
function buffersOf(root: object): ArrayBufferLike[] {
  const seen = new Set<object>();
  const buffers = new Set<ArrayBufferLike>();
  const walk = (o: unknown): void => {
    if (o === null || typeof o !== 'object' || seen.has(o)) return;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      buffers.add(o.buffer);
      return;
    }
    if (o instanceof Map) for (const v of o.values()) walk(v);
    for (const k of Object.getOwnPropertyNames(o)) walk((o as Record<string, unknown>)[k]);
  };
  walk(root);
  return [...buffers];
}

const sample = (t: number): number[] => [Math.sin(t / 7), Math.cos(t / 11)];

describe('memory of one stream', () => {
  test('an active default-model stream holds three parameter-sized vectors (weights, Adam m and v), a float32 last-good copy and one TBPTT window; the gradient is the process\'s', () => {
    const run = (): StreamProcessor => {
      const p = new StreamProcessor(parseStreamConfig({ horizon: 3 }), 2);
      for (let t = 0; t < 300; t++) {
        p.process(t, sample(t));
        if (t % 50 === 0) p.infer(sample(t));
      }
      return p;
    };
    const p = run();
    // Buffers a second stream of the same model shape reaches too are the process's (the learners' shared workspace).
    const other = new Set(buffersOf(run()));
    const shared = buffersOf(p).filter((b) => other.has(b));
    const P = p.model.learner.params.length;
    // Built without single-stream wasm kernels of its own (their memory would carry an unused
    // gradient): it runs on the process's shared kernels for its shape, one memory for all of them.
    const learner = p.model.learner as unknown as { kernels: unknown; stage: { params: Float64Array } | null };
    expect(learner.kernels).toBeNull();
    expect(learner.stage).not.toBeNull();
    const stageMemory = learner.stage!.params.buffer;
    expect(shared).toContain(stageMemory);
    const bytes = buffersOf(p).filter((b) => !other.has(b)).map((b) => b.byteLength).sort((a, b) => b - a);
    // The shared workspace: one unpacked step (ring.ts StepCache) and the backward carries, a few
    // KB, and the gradient every per-stream model of this shape borrows (Trainer.shareGradient).
    expect(p.model.learner.grad.buffer.byteLength).toBe(8 * P);
    expect(shared).toContain(p.model.learner.grad.buffer);
    expect(shared.filter((b) => b !== p.model.learner.grad.buffer && b !== stageMemory).reduce((a, b) => a + b.byteLength, 0)).toBeLessThan(8192);
    // The TBPTT(4,32) window: one slab of k2 = 32 slots, each x and dA (2 + 2), the gate
    // activations (4H) and hPrev, cPrev, tanh(c) (3H) of its step; the state leaving a step is the
    // next slot's hPrev, cPrev, so it is not stored twice (ring.ts).
    const ring = (p.stream as unknown as { ring: { capacity: number; floats: number } }).ring;
    expect(ring.capacity).toBe(32);
    expect(ring.floats).toBe(32 * (2 + 2 + 4 * 32 + 3 * 32));
    const slab = 8 * ring.floats;
    expect(bytes.filter((b) => b === 8 * P)).toHaveLength(3);
    expect(bytes.filter((b) => b === 4 * P)).toHaveLength(1);
    // Nothing else of size: no second window for infer or the rollout, no optimizer workspace, no guard copy of the optimizer state.
    expect(bytes.filter((b) => b > 1024 && b !== 8 * P && b !== 4 * P)).toEqual([slab]);
    const small = bytes.filter((b) => b <= 1024).reduce((a, b) => a + b, 0);
    console.log(`P=${P}: ${bytes.length} buffers, ${((3 * 8 + 4) * P / 1024).toFixed(1)} KB of parameter vectors, window ${(slab / 1024).toFixed(1)} KB, ${small} B in small ones`);
    // Per-layer state and backward scratch (H or 4H floats each), the normaliser's and the scorer's D-vectors.
    expect(small).toBeLessThan(4096);
    // The scratch stream of infer and the rollout is one per model shape in the process.
    expect(scratchShapes()).toBeGreaterThanOrEqual(1);
  });

  test('a forecast (infer, or a horizon > 1 rollout) leaves the weights learned afterwards bit-identical', () => {
    for (const over of [{}, { model: { cell: 'forget' as const, learner: 'rtrl97' as const, hidden: 6 } }]) {
      const plain = new StreamProcessor(parseStreamConfig(over), 2);
      const probed = new StreamProcessor(parseStreamConfig(over), 2);
      const rolled = new StreamProcessor(parseStreamConfig({ ...over, horizon: 4 }), 2);
      for (let t = 0; t < 200; t++) {
        const r = plain.process(t, sample(t));
        probed.process(t, sample(t));
        expect(rolled.process(t, sample(t)).forecast[0]).toEqual(r.forecast[0]);
        probed.infer(sample(t + 1));
      }
      expect(probed.model.learner.params).toEqual(plain.model.learner.params);
      expect(rolled.model.learner.params).toEqual(plain.model.learner.params);
    }
  });
});

describe('memory of a passivated stream', () => {
  let close: (() => Promise<void>) | undefined;
  let restore: (() => void) | undefined;
  afterEach(async () => {
    restore?.();
    await close?.();
  });

  test('once its actor passivated, nothing of the stream\'s model is reachable in the worker', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const refs: WeakRef<StreamProcessor>[] = [];
    const seen = new WeakSet<StreamProcessor>();
    // Not vi.spyOn: a spy keeps every `this` it saw.
    const process = StreamProcessor.prototype.process;
    StreamProcessor.prototype.process = function (this: StreamProcessor, ...args: Parameters<typeof process>) {
      if (!seen.has(this)) {
        seen.add(this);
        refs.push(new WeakRef(this));
      }
      return process.apply(this, args);
    };
    restore = () => {
      StreamProcessor.prototype.process = process;
    };
    const t = new InProcTransport();
    const w = new Worker({ transport: t, partitions: 2, leaseTtlMs: 900, heartbeatMs: 100, metricsPort: null, log: false, workerId: 'w1', idleMs: 200, stream: { model: { hidden: 8 } } });
    await w.start();
    close = async () => {
      await w.close();
      await t.close();
    };
    while (w.partitions().length < 2) await new Promise((r) => setTimeout(r, 20));
    let predictions = 0;
    t.subscribe('carousel.out.*', { callback: () => void predictions++ });
    const streams = ['mem-a', 'mem-b', 'mem-c'];
    for (let seq = 0; seq < 20; seq++) {
      for (const s of streams) await t.jsPublish(`carousel.p.${partitionOf(s, 2)}.${s}`, encodeSample({ v: 1, stream: s, seq, x: sample(seq) }));
    }
    while (predictions < 60) await new Promise((r) => setTimeout(r, 10));
    expect(refs).toHaveLength(3);
    while (w.actorCounters().active > 0) await new Promise((r) => setTimeout(r, 20));
    expect(w.actorCounters().passivatedTotal).toBe(3);
    // WeakRefs clear at a GC after the job that last used them: give the event loop a turn between.
    for (let i = 0; i < 3; i++) {
      await new Promise((r) => setTimeout(r, 0));
      gc();
    }
    expect(refs.map((r) => r.deref() === undefined)).toEqual([true, true, true]);
  });
});
