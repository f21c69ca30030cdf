// A/B of Rtrl97's single-stream kernels: the JS kernels (kernel backend 'js' when the learner is
// built) against WebAssembly (backend 'wasm', the default: its own memory, wasm-single.ts), on the
// online step (step + learnSgd) and on predict. Same seed, same data, same bits; interleaved
// rounds in one process, CPU time. Run:
//   npx tsx bench/lstm/ab-wasm.ts [rounds]
import { Rtrl97, setKernelBackend, type KernelBackend } from '@carousel/lstm';
import { RTRL97_CONFIG } from './carousel.ts';
import { abMedians } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const rounds = Number(process.argv[2] ?? 7);
const data = sineStream(8);
function loops(H: number, backend: KernelBackend): { learn: () => void; predict: () => void } {
  setKernelBackend(backend);
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H));
  setKernelBackend('wasm');
  const s = net.newStream();
  const d = new Float64Array(1);
  let t = 0;
  return {
    learn: () => {
      net.step(s, data.row(t));
      d[0] = data.d[t % data.d.length]!;
      net.learnSgd(s, d, 0.05);
      t++;
    },
    predict: () => {
      net.predict(s, data.row(t));
      t++;
    },
  };
}
for (const H of [32, 64, 128]) {
  const js = loops(H, 'js');
  const wasm = loops(H, 'wasm');
  const [a, b] = abMedians(js.learn, wasm.learn, rounds);
  const [c, d] = abMedians(js.predict, wasm.predict, rounds);
  console.log(`H=${H}: online step JS ${a.toFixed(0)}, wasm ${b.toFixed(0)} steps/CPU-s (x${(b / a).toFixed(2)}); predict JS ${c.toFixed(0)}, wasm ${d.toFixed(0)} (x${(d / c).toFixed(2)})`);
}
