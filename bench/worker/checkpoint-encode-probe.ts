// What a stream checkpoint's encode costs the worker's main thread: StreamProcessor.snapshot()
// (saveModel: the model's checkpoint bytes) and packBody (the stream's body around them), for the
// default model at steady state, 100 processors in turn; microseconds per checkpoint (wall and CPU) and the GC over
// 3,000 of them, 5 timed rounds after one untimed. Not part of `npm run bench`.
// Usage (repo root): node --max-semi-space-size=64 --import tsx bench/worker/checkpoint-encode-probe.ts
import { PerformanceObserver } from 'node:perf_hooks';
import { StreamProcessor, parseStreamConfig, defaultStreamConfig, steadyStateSamples, packBody } from '@carousel/worker';
const gc: number[] = [];
new PerformanceObserver((l) => { for (const e of l.getEntries()) gc.push(e.duration); }).observe({ entryTypes: ['gc'] });
const ps = Array.from({ length: 100 }, () => new StreamProcessor(parseStreamConfig({}, defaultStreamConfig()), 2));
const x = [0, 0];
for (let i = 0; i < steadyStateSamples() + 8; i++) for (const p of ps) { x[0] = Math.sin(i / 7); x[1] = Math.cos(i / 11); p.process(i, x); }
let bytes = 0;
for (let r = 0; r < 6; r++) {
  gc.length = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < 3000; i++) bytes += packBody({ v: 1, cfg: null, n: i, proc: ps[i % 100]!.snapshot() } as never).length;
  const us = ((performance.now() - t0) * 1000) / 3000;
  const cpu = process.cpuUsage(c0);
  const cpuUs = (cpu.user + cpu.system) / 3000;
  await new Promise((r) => setTimeout(r, 50));
  if (r > 0) console.log(`round ${r}: ${us.toFixed(1)} us per checkpoint encode (CPU ${cpuUs.toFixed(1)} us, GC threads included), GC ${gc.length} pauses ${gc.reduce((a, b) => a + b, 0).toFixed(0)} ms`);
}
console.log(`${(bytes / 18000).toFixed(0)} bytes per checkpoint body`);
