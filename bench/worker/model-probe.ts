// The worker's default per-stream model on its own, for the session-13 notes: (1) the model's
// online step (Trainer step + learn, Adam with clipNorm, TBPTT(4,32)) built on the JS kernels
// (`kernels: false`, the worker's build until session 13) against the process's shared kernels
// (`kernels: 'shared'`, its build since), interleaved rounds, CPU time per sample; (2) the bytes a
// StreamProcessor.process call allocates (V8's sampling heap profiler, collected objects included)
// and its time. Not part of `npm run bench`. Usage (repo root): npx tsx bench/worker/model-probe.ts [rounds=7]
import { Session } from 'node:inspector/promises';
import { createModel, type ModelBuild } from '@carousel/lstm';
import { DEFAULT_STREAM_MODEL, StreamProcessor, parseStreamConfig } from '@carousel/worker';

const rounds = Number(process.argv[2] ?? 7);
const x = (t: number): number[] => [Math.sin(t / 7), Math.cos(t / 11)];
const cpuNow = (): number => process.cpuUsage().user / 1e3;
const median = (a: number[]): number => a.slice().sort((p, q) => p - q)[a.length >> 1]!;

function loop(kernels: ModelBuild['kernels']): () => number {
  const m = createModel({ ...DEFAULT_STREAM_MODEL, inputs: 2, outputs: 2 }, undefined, { kernels });
  const s = m.learner.newStream();
  let t = 0;
  return () => {
    const t0 = cpuNow();
    for (let i = 0; i < 4000; i++, t++) {
      m.trainer.step(s, x(t));
      m.trainer.learn(s, x(t + 1));
    }
    return ((cpuNow() - t0) / 4000) * 1000;
  };
}
const a = loop(false);
const b = loop('shared');
a();
b();
const ra: number[] = [];
const rb: number[] = [];
for (let r = 0; r < rounds; r++) {
  ra.push(a());
  rb.push(b());
}
console.log(`model step + learn, us of CPU per sample (median of ${rounds}): JS kernels ${median(ra).toFixed(1)}, shared kernels ${median(rb).toFixed(1)}, x${(median(ra) / median(rb)).toFixed(2)}`);

const p = new StreamProcessor(parseStreamConfig({}), 2);
for (let t = 0; t < 2000; t++) p.process(t, x(t));
const session = new Session();
session.connect();
await session.post('HeapProfiler.startSampling', { samplingInterval: 512, includeObjectsCollectedByMinorGC: true, includeObjectsCollectedByMajorGC: true });
const N = 20_000;
const t0 = performance.now();
for (let t = 2000; t < 2000 + N; t++) p.process(t, x(t));
const dt = performance.now() - t0;
const { profile } = await session.post('HeapProfiler.stopSampling');
let bytes = 0;
const walk = (n: { selfSize: number; children: unknown[] }): void => {
  bytes += n.selfSize;
  for (const c of n.children) walk(c as typeof n);
};
walk(profile.head as unknown as { selfSize: number; children: unknown[] });
console.log(`StreamProcessor.process: ${((dt / N) * 1000).toFixed(1)} us per sample under the sampling profiler, ~${(bytes / N).toFixed(0)} bytes allocated per sample`);
