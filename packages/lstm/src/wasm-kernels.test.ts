import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { StreamBatch } from './batch.ts';
import { LSTM_ERR } from './errors.ts';
import { KERNELS_WASM_BASE64 } from './kernels-wasm-bytes.ts';
import { SINGLE_WASM_BASE64 } from './single-wasm-bytes.ts';
import { INFER_WASM_BASE64 } from './infer-wasm-bytes.ts';
import type { Lstm97Config } from './lstm97-config.ts';
import { createRng } from './prng.ts';
import type { RecurrentCell } from './recurrent-options.ts';
import { Rtrl97 } from './rtrl97.ts';
import { tbptt } from './tbptt.ts';
import { kernelBackend, reserveBatchForward, setKernelBackend, wasmKernelsAvailable, wasmMemoryBytes, type KernelBackend } from './wasm-kernels.ts';

const BACKENDS: KernelBackend[] = ['js', 'wasm'];
const initial = kernelBackend();
afterEach(() => setKernelBackend(initial));

/** Outputs and gradient of `steps` steps of B streams on seeded inputs: StreamBatch, or one stream at a time. */
function runStreamBatch(backend: KernelBackend, cell: RecurrentCell, B: number, steps: number, batched = true): { outs: Float64Array[]; grad: Float64Array } {
  setKernelBackend(backend);
  const net = tbptt({ inputs: 3, hidden: [9, 6], outputs: 2, cell, head: 'linear', initRange: 0.5, seed: 4 }, 2, 5);
  const streams = Array.from({ length: B }, () => net.newStream());
  const batch = new StreamBatch(net, streams);
  const rng = createRng(23);
  const outs: Float64Array[] = [];
  for (let t = 0; t < steps; t++) {
    const X = Float64Array.from({ length: B * 3 }, () => 2 * rng.uniform() - 1);
    const D = Float64Array.from({ length: B * 2 }, () => rng.uniform());
    if (batched) {
      outs.push(batch.step(X).slice());
      batch.learn(D);
    } else {
      const out = new Float64Array(B * 2);
      for (let b = 0; b < B; b++) out.set(net.step(streams[b]!, X.subarray(3 * b, 3 * b + 3)), 2 * b);
      for (let b = 0; b < B; b++) net.learn(streams[b]!, D.subarray(2 * b, 2 * b + 2));
      outs.push(out);
    }
  }
  return { outs, grad: net.grad.slice() };
}

/** Outputs, traces and gradient of Rtrl97.stepBatch/learnBatch (batched) or one stream at a time. */
function runRtrl97(backend: KernelBackend, cfg: Lstm97Config, B: number, steps: number, batched: boolean): { ys: Float64Array[]; grad: Float64Array; Pc: Float64Array } {
  setKernelBackend(backend);
  const net = new Rtrl97(cfg);
  const streams = Array.from({ length: B }, () => net.newStream());
  const rng = createRng(5);
  const ys: Float64Array[] = [];
  const Y = new Float64Array(B * cfg.outputs);
  const losses = new Float64Array(B);
  for (let t = 0; t < steps; t++) {
    const X = Float64Array.from({ length: B * cfg.inputs }, () => 2 * rng.uniform() - 1);
    const D = Float64Array.from({ length: B * cfg.outputs }, () => rng.uniform());
    if (batched) {
      net.stepBatch(streams, X, Y);
      net.learnBatch(streams, D, losses);
    } else {
      for (let b = 0; b < B; b++) {
        Y.set(net.step(streams[b]!, X.subarray(b * cfg.inputs, (b + 1) * cfg.inputs)), b * cfg.outputs);
        net.learn(streams[b]!, D.subarray(b * cfg.outputs, (b + 1) * cfg.outputs));
      }
    }
    ys.push(Y.slice());
  }
  return { ys, grad: net.grad.slice(), Pc: streams[B - 1]!.Pc.slice() };
}

describe('kernel backends', () => {
  it('loads the WebAssembly SIMD kernels on Node 20 and uses them by default', () => {
    expect(wasmKernelsAvailable()).toBe(true);
    expect(initial).toBe('wasm');
  });

  it('refuses an unknown backend name', () => {
    expect(() => setKernelBackend('gpu' as KernelBackend)).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
  });

  for (const cell of ['vanilla', 'cifg', 'gru'] as const) {
    it(`StreamBatch (${cell}, B = 7) gives the same bits on js and wasm, and equals one-by-one steps`, () => {
      const js = runStreamBatch('js', cell, 7, 6);
      const wasm = runStreamBatch('wasm', cell, 7, 6);
      expect(wasm.outs).toEqual(js.outs);
      expect(wasm.grad).toEqual(js.grad);
      const one = runStreamBatch('js', cell, 7, 6, false);
      expect(wasm.outs).toEqual(one.outs);
      expect(wasm.grad).toEqual(one.grad);
    });
  }

  it('a batch too large for WebAssembly memory is refused with LSTM_ERR_CONFIG, before any memory is grown', () => {
    const net = tbptt({ cell: 'vanilla', inputs: 8, outputs: 1, hidden: 64, peepholes: true }, 1, 1);
    const before = wasmMemoryBytes();
    // ~(16H + X) doubles a stream: 10^6 streams need about 8 GB, past wasm32's 4 GiB
    expect(() => reserveBatchForward(net.layout.layers, 1_000_000)).toThrow(expect.objectContaining({ code: LSTM_ERR.CONFIG }));
    expect(wasmMemoryBytes()).toBe(before);
    // a batch that fits: no error
    expect(() => reserveBatchForward(net.layout.layers, 16)).not.toThrow();
  });

  const CFGS: Record<string, Lstm97Config> = {
    "cellSources 'cells'": { inputs: 3, outputs: 2, blocks: 6, forgetGate: true, head: 'linear', cellSources: 'cells', seed: 3 },
    "cellSources 'all', 2 cells per block, peepholes, hidden units": { inputs: 2, outputs: 1, blocks: 3, cellsPerBlock: 2, hiddenUnits: 2, forgetGate: true, peepholes: true, connectivity: 'B', seed: 7 },
  };
  for (const [name, cfg] of Object.entries(CFGS)) {
    it(`Rtrl97 stepBatch/learnBatch (${name}, B = 9) equal one-by-one steps bit for bit on both backends`, () => {
      const ref = runRtrl97('js', cfg, 9, 5, false);
      for (const backend of BACKENDS) {
        const got = runRtrl97(backend, cfg, 9, 5, true);
        expect(got.ys).toEqual(ref.ys);
        expect(got.grad).toEqual(ref.grad);
        expect(got.Pc).toEqual(ref.Pc);
      }
    });
  }

  it('the committed kernels.wasm, single.wasm, infer.wasm and their -bytes.ts files equal a fresh AssemblyScript build', async () => {
    interface Mod { source: string; wasm: string; ts: string; name: string }
    const url = new URL('../wasm/build.mjs', import.meta.url).href;
    const build = (await import(url)) as { MODULES: Mod[]; buildKernels(m: Mod): Promise<Uint8Array>; bytesModule(w: Uint8Array, m: Mod): string };
    expect(build.MODULES.map((m) => m.source)).toEqual(['kernels.ts', 'single.ts', 'infer.ts']);
    const committed: Record<string, string> = { KERNELS_WASM_BASE64, SINGLE_WASM_BASE64, INFER_WASM_BASE64 };
    for (const m of build.MODULES) {
      const fresh = await build.buildKernels(m);
      expect(Buffer.from(fresh).equals(readFileSync(new URL(`../wasm/${m.wasm}`, import.meta.url)))).toBe(true);
      expect(Buffer.from(committed[m.name]!, 'base64').equals(Buffer.from(fresh))).toBe(true);
      expect(readFileSync(new URL(`./${m.ts}`, import.meta.url), 'utf8')).toBe(build.bytesModule(fresh, m));
    }
  }, 60_000);
});
