// A/B of the single-stream kernels: the JS kernels (kernel backend 'js' when the learner is built)
// against WebAssembly (backend 'wasm', the default: the learner's own memory, wasm-single.ts), for
// Rtrl97 (online step = step + learnSgd; predict) and for the vanilla cell under tbptt(1,16)
// (online step = step + learn + SGD; forward = step alone). Same seed, same data, same bits;
// interleaved rounds in one process, CPU time. Run:
//   npx tsx bench/lstm/ab-wasm.ts [rounds]
import { Rtrl97, createOptimizer, setKernelBackend, tbptt, type KernelBackend, type RecurrentOptions } from '@carousel/lstm';
import { RTRL97_CONFIG, TBPTT_K1, TBPTT_K2, VANILLA_OPTIONS } from './carousel.ts';
import { abMedians } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const rounds = Number(process.argv[2] ?? 7);
const data = sineStream(8);
type Loops = { learn: () => void; forward: () => void };

/** The two loops over the sine stream: an online step (step + learn + update) and a forward step. */
function drive(learnStep: (x: Float64Array, d: Float64Array) => void, forwardStep: (x: Float64Array) => void): Loops {
  const d = new Float64Array(1);
  let t = 0;
  return {
    learn: () => {
      d[0] = data.d[t % data.d.length]!;
      learnStep(data.row(t++), d);
    },
    forward: () => forwardStep(data.row(t++)),
  };
}

function rtrl97Loops(H: number, backend: KernelBackend): Loops {
  setKernelBackend(backend);
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H));
  setKernelBackend('wasm');
  const s = net.newStream();
  return drive(
    (x, d) => {
      net.step(s, x);
      net.learnSgd(s, d, 0.05);
    },
    (x) => net.predict(s, x),
  );
}

function vanillaLoops(H: number, backend: KernelBackend): Loops {
  setKernelBackend(backend);
  const net = tbptt(VANILLA_OPTIONS(data.X, H) as RecurrentOptions, TBPTT_K1, TBPTT_K2);
  setKernelBackend('wasm');
  const opt = createOptimizer({ kind: 'sgd', lr: 0.01 }, net.params.length);
  const s = net.newStream();
  return drive(
    (x, d) => {
      net.step(s, x);
      net.learn(s, d);
      opt.apply(net.params, net.grad);
      net.grad.fill(0);
    },
    (x) => net.step(s, x),
  );
}

const which = process.argv[3] ?? 'both';
for (const [name, make] of [['rtrl97', rtrl97Loops], ['vanilla tbptt(1,16)', vanillaLoops]] as const) {
  if (which !== 'both' && !name.startsWith(which)) continue;
  for (const H of [32, 64, 128]) {
    const js = make(H, 'js');
    const wasm = make(H, 'wasm');
    const [a, b] = abMedians(js.learn, wasm.learn, rounds);
    const [c, d] = abMedians(js.forward, wasm.forward, rounds);
    console.log(`${name} H=${H}: online step JS ${a.toFixed(0)}, wasm ${b.toFixed(0)} steps/CPU-s (x${(b / a).toFixed(2)}); forward JS ${c.toFixed(0)}, wasm ${d.toFixed(0)} (x${(d / c).toFixed(2)})`);
  }
}
