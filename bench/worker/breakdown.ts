// Where one active stream's bytes are: the typed arrays reachable from a StreamProcessor after some
// samples, summed by the field that holds them (two levels deep), leaving out the buffers a second
// processor reaches too (the process's), and the JS heap of many processors per processor. Explains the bytes-per-active-stream figure; is not that figure.

import { parseStreamConfig, StreamProcessor } from '@carousel/worker';

export interface MemoryBreakdown {
  /** Typed-array bytes by holder path (e.g. 'model.trainer'), largest first. */
  typedArrays: { holder: string; bytes: number }[];
  typedArrayTotal: number;
  /** Typed-array bytes a second processor of the shape reaches too: the process's, not the stream's (shared workspace, scratch, the gradient). */
  processShared: number;
  /** heapUsed growth per processor over 200 processors after gc(); NaN without --expose-gc. */
  heapPerProcessor: number;
}

export function memoryBreakdown(dims: number, samples = 40): MemoryBreakdown {
  const gcFn = (globalThis as { gc?: () => void }).gc;
  const gc = gcFn ?? ((): void => {});
  const N = 200;
  gc();
  const h0 = process.memoryUsage().heapUsed;
  const ps = Array.from({ length: N }, () => new StreamProcessor(parseStreamConfig({}), dims));
  for (let i = 0; i < samples; i++) for (const p of ps) p.process(i, Array.from({ length: dims }, (_, d) => Math.sin(i / (7 + d))));
  gc();
  const heapPerProcessor = gcFn === undefined ? NaN : (process.memoryUsage().heapUsed - h0) / N;
  const sizes = new Map<string, number>();
  let seen = new Set<object>();
  const buffers = new Set<ArrayBufferLike>(); // views share buffers (named views of one flat buffer): count each buffer once
  // Buffers the second processor reaches are per process (shared workspace, scratch, the borrowed gradient).
  const other = new Set<ArrayBufferLike>();
  const collect = (o: unknown, depth: number): void => {
    if (o === null || typeof o !== 'object' || seen.has(o) || depth > 8) return;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      other.add(o.buffer);
      return;
    }
    if (o instanceof Map) for (const v of o.values()) collect(v, depth + 1);
    for (const k of Object.getOwnPropertyNames(o)) collect((o as Record<string, unknown>)[k], depth + 1);
  };
  collect(ps[1], 0);
  seen = new Set<object>();
  let processShared = 0;
  const walk = (o: unknown, path: string[], depth: number): void => {
    if (o === null || typeof o !== 'object' || seen.has(o) || depth > 8) return;
    seen.add(o);
    if (ArrayBuffer.isView(o)) {
      if (buffers.has(o.buffer)) return;
      buffers.add(o.buffer);
      if (other.has(o.buffer)) {
        processShared += o.buffer.byteLength;
        return;
      }
      const holder = path.slice(0, 2).join('.');
      sizes.set(holder, (sizes.get(holder) ?? 0) + o.buffer.byteLength);
      return;
    }
    if (o instanceof Map) for (const [k, v] of o) walk(v, [...path, String(k)], depth + 1);
    for (const k of Object.getOwnPropertyNames(o)) walk((o as Record<string, unknown>)[k], [...path, k], depth + 1);
  };
  walk(ps[0], [], 0);
  const typedArrays = [...sizes].map(([holder, bytes]) => ({ holder, bytes })).sort((a, b) => b.bytes - a.bytes);
  return { typedArrays, typedArrayTotal: typedArrays.reduce((a, r) => a + r.bytes, 0), processShared, heapPerProcessor };
}
