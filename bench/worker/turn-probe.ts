// What one stream's turn and one checkpoint encode cost the worker's main thread for a per-stream
// model of `hidden` units (the default model otherwise): StreamProcessor.process per sample over
// `streams` processors in turn at steady state (mean, p50, p99, max: every k1-th sample of a stream
// runs its TBPTT backward pass), then snapshot + packBody per checkpoint (mean, bytes). These bound
// how long a slice of turns, or a checkpoint, keeps I/O (infer, heartbeats) waiting. Not part of
// `npm run bench`. Usage (repo root): npx tsx bench/worker/turn-probe.ts [hidden=128] [streams=20] [samples=40]
import { StreamProcessor, defaultStreamConfig, packBody, parseStreamConfig, steadyStateSamples } from '@carousel/worker';

const [hidden, streams, samples] = [128, 20, 40].map((d, i) => Number(process.argv[2 + i] ?? d)) as [number, number, number];
const cfg = parseStreamConfig({ model: { hidden } }, defaultStreamConfig());
const ps = Array.from({ length: streams }, () => new StreamProcessor(cfg, 2));
const x = [0, 0];
let t = 0;
const feed = (time: number[] | null): void => {
  for (const p of ps) {
    x[0] = Math.sin(t / 7);
    x[1] = Math.cos(t / 11);
    const t0 = performance.now();
    p.process(t, x);
    time?.push((performance.now() - t0) * 1000);
  }
  t++;
};
for (let i = 0; i < steadyStateSamples(cfg) + 8; i++) feed(null);
const turns: number[] = [];
for (let i = 0; i < samples; i++) feed(turns);
turns.sort((a, b) => a - b);
const q = (v: number[], p: number): number => v[Math.min(v.length - 1, Math.floor(p * v.length))]!;
const mean = turns.reduce((a, b) => a + b, 0) / turns.length;
let bytes = 0;
const t0 = performance.now();
for (const p of ps) bytes += packBody({ v: 1, cfg: null, n: t, proc: p.snapshot() }).length;
const encode = ((performance.now() - t0) * 1000) / streams;
console.log(`H = ${hidden}, ${streams} streams in turn, ${turns.length} turns: mean ${mean.toFixed(0)} us, p50 ${q(turns, 0.5).toFixed(0)}, p99 ${q(turns, 0.99).toFixed(0)}, max ${turns[turns.length - 1]!.toFixed(0)} us; 16 turns ~${((16 * mean) / 1000).toFixed(1)} ms; checkpoint snapshot + encode ${encode.toFixed(0)} us, ${(bytes / streams / 1024).toFixed(0)} KB`);
