// The float64 inference rows against tfjs-wasm, interleaved round by round in one process (CPU
// time, medians; the same rounds' wall-clock rates beside, which credit tfjs with the work its
// allocations give V8's concurrent GC on the other core): the bench table's rows with the thinnest margins, measured more times than the
// table's 9 rounds. Rows: InferBatch (vanilla) and Lstm97InferBatch (the rtrl97 model), float64, at
// B = 1 ('forward') and B = 256 ('batch'), each against tfjs-wasm's same work; and the learners' own
// forward rows (Rtrl97.predict / the vanilla step() at B = 1, Rtrl97.predictBatch / StreamBatch.step
// at B = 256), which keep what learning needs. Run:
//   npx tsx bench/lstm/ab-infer.ts [rounds] [H] [B,B,...: default 1,256]
import { abMediansBoth } from './cpu-rate.ts';
import { rtrl97BatchContender, rtrl97Contender, rtrl97InferContender, tbpttContender, vanillaBatchContender, vanillaInferContender } from './carousel.ts';
import type { Contender } from './contender.ts';
import { sineStream } from './sine.ts';
import { tfjsContender, useBackend } from './tfjs-peer.ts';

const rounds = Number(process.argv[2] ?? 15);
const H = Number(process.argv[3] ?? 128);
const data = sineStream(8);
await useBackend('wasm');
const batches = (process.argv[4] ?? '1,256').split(',').map(Number);
for (const B of batches) {
  const work = B === 1 ? 'forward' : 'batch';
  const peer = tfjsContender('wasm', work, data, H, B, 0.01);
  const ours: [string, Contender | null][] = [
    ['InferBatch f64', vanillaInferContender(data, H, B, 'f64')],
    ['Lstm97InferBatch f64', rtrl97InferContender(data, H, B, 'f64')],
    B === 1 ? ['Rtrl97.predict', rtrl97Contender('forward', data, H, 0.01)] : ['Rtrl97.predictBatch', rtrl97BatchContender('batch', data, H, B, 0.01)],
    B === 1 ? ['vanilla step()', tbpttContender('forward', data, H, 0.01)] : ['StreamBatch.step', vanillaBatchContender('batch', data, H, B, 0.01)],
  ];
  for (const [name, c] of ours) {
    if (c === null) {
      console.log(`${name} B=${B}: n/a (no WebAssembly)`);
      continue;
    }
    const [a, b, wa, wb] = abMediansBoth(() => c.run(1), () => peer.run(1), rounds);
    console.log(`H=${H} B=${B}: ${name} ${a.toFixed(1)} steps/CPU-s, tfjs-wasm ${b.toFixed(1)}, x${(a / b).toFixed(2)}; wall clock ${wa.toFixed(1)} against ${wb.toFixed(1)} steps/s, x${(wa / wb).toFixed(2)}`);
  }
}
