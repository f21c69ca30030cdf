// A/B of the squashing kernels: the cells' squashing (gates' sigmoid, the cell input and output
// squashes) in JS (Math.exp / Math.tanh) against WebAssembly (wasm/math.ts sigmoid2 / tanh2, two
// lanes at a time; setWasmSquash), everything else the same wasm backend. Same seed, same data,
// same bits; interleaved rounds in one process, CPU time. Rows: the vanilla cell's tbptt(1,16)
// online step and forward step of one stream and StreamBatch.step of 256 streams; Rtrl97's online
// step (step + learnSgd) and predict (its batched forward squashes in JS either way). Run:
//   npx tsx bench/lstm/ab-squash.ts [rounds]
import { Rtrl97, StreamBatch, createOptimizer, setWasmSquash, tbptt, type RecurrentOptions } from '@carousel/lstm';
import { RTRL97_CONFIG, TBPTT_K1, TBPTT_K2, VANILLA_OPTIONS } from './carousel.ts';
import { abMedians } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const data = sineStream(8);
const rounds = Number(process.argv[2] ?? 7);

type Loops = { learn: () => void; forward: () => void };

/** The two loops over the sine stream (an online step, a forward step), each setting the squash first. */
function drive(on: boolean, learnStep: (x: Float64Array, d: Float64Array) => void, forwardStep: (x: Float64Array) => void): Loops {
  const d = new Float64Array(1);
  let t = 0;
  return {
    learn: () => {
      setWasmSquash(on);
      d[0] = data.d[t % data.d.length]!;
      learnStep(data.row(t++), d);
    },
    forward: () => {
      setWasmSquash(on);
      forwardStep(data.row(t++));
    },
  };
}

/** One vanilla stream under tbptt(1,16): online step (step + learn + SGD) and forward. */
function single(H: number, on: boolean): Loops {
  const net = tbptt(VANILLA_OPTIONS(data.X, H) as RecurrentOptions, TBPTT_K1, TBPTT_K2);
  const opt = createOptimizer({ kind: 'sgd', lr: 0.01 }, net.params.length);
  const s = net.newStream();
  return drive(
    on,
    (x, d) => {
      net.step(s, x);
      net.learn(s, d);
      opt.apply(net.params, net.grad);
      net.grad.fill(0);
    },
    (x) => net.step(s, x),
  );
}

/** StreamBatch.step over B streams, with the squash in wasm (on) or JS. */
function batched(H: number, B: number, on: boolean): () => void {
  const net = tbptt(VANILLA_OPTIONS(data.X, H) as RecurrentOptions, 1, TBPTT_K2);
  const batch = new StreamBatch(net, Array.from({ length: B }, () => net.newStream()));
  const X = Float64Array.from({ length: B * data.X }, (_, i) => data.row(i % 1000)[0]!);
  return () => {
    setWasmSquash(on);
    batch.step(X);
  };
}

/** Rtrl97: one stream's online step (step + learnSgd) and predict. */
function rtrl97(H: number, on: boolean): Loops {
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H));
  const s = net.newStream();
  return drive(
    on,
    (x, d) => {
      net.step(s, x);
      net.learnSgd(s, d, 0.05);
    },
    (x) => net.predict(s, x),
  );
}

for (const H of [32, 64, 128]) {
  const js = rtrl97(H, false);
  const wasm = rtrl97(H, true);
  const [a, b] = abMedians(js.learn, wasm.learn, rounds);
  const [c, d] = abMedians(js.forward, wasm.forward, rounds);
  console.log(`rtrl97 H=${H}: online step JS squash ${a.toFixed(0)}, wasm ${b.toFixed(0)} steps/CPU-s (x${(b / a).toFixed(2)}); predict ${c.toFixed(0)} -> ${d.toFixed(0)} (x${(d / c).toFixed(2)})`);
}
for (const H of [32, 64, 128]) {
  const js = single(H, false);
  const wasm = single(H, true);
  const [a, b] = abMedians(js.learn, wasm.learn, rounds);
  const [c, d] = abMedians(js.forward, wasm.forward, rounds);
  const [e, f] = abMedians(batched(H, 256, false), batched(H, 256, true), rounds);
  console.log(
    `vanilla H=${H}: online step JS squash ${a.toFixed(0)}, wasm ${b.toFixed(0)} steps/CPU-s (x${(b / a).toFixed(2)}); ` +
      `forward ${c.toFixed(0)} -> ${d.toFixed(0)} (x${(d / c).toFixed(2)}); B=256 forward ${e.toFixed(1)} -> ${f.toFixed(1)} (x${(f / e).toFixed(2)})`,
  );
}
setWasmSquash(true);
