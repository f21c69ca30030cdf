// The Prediction encode on its own: encode('prediction', m) (the one-pass writer,
// packages/protocol/src/prediction-writer.ts) against the validating encoder it falls back to
// (encodeChecked: wire copy, validator, msgpackr), on the message the worker publishes per sample
// (2 features, one-step forecast, every optional field). Interleaved rounds, medians, us per message.
// Not part of `npm run bench` (a microbenchmark). Run (repo root): npx tsx bench/worker/encode-probe.ts [rounds=7]
import { encode, encodeChecked, type Prediction } from '@carousel/protocol';

import { median } from '../lstm/contender.ts';

const rounds = Number(process.argv[2] ?? 7);
const x = new Float64Array([0.3, -1.2]);
const message = (i: number): Prediction<Float64Array> => ({
  v: 1, stream: `stream-${i % 1000}`, seq: i, ts: 1.7e12 + i, f: new Float64Array([Math.sin(i), Math.cos(i)]), x,
  err: 0.1, score: 0.2, lik: 0.3, mv: 0, pt: 0.00012, lr: 0.003, n: i >> 2,
});
const N = 200_000;
function time(fn: (m: Prediction<Float64Array>) => Uint8Array): number {
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < N; i++) bytes += fn(message(i)).length;
  if (bytes === 0) throw new Error('nothing encoded');
  return ((performance.now() - t0) * 1e3) / N;
}
const writer: number[] = [];
const checked: number[] = [];
for (let r = 0; r < rounds; r++) {
  writer.push(time((m) => encode('prediction', m)));
  checked.push(time((m) => encodeChecked('prediction', m)));
}
const w = median(writer);
const c = median(checked);
console.log(`prediction encode, us per message (median of ${rounds}): writer ${w.toFixed(2)}, validating encoder ${c.toFixed(2)}; ratio ${(c / w).toFixed(2)}x`);
