// A/B of Rtrl97.predict's cell step (session 31): the fused wasm kernel cells97One (one call: the
// gates, g, the CEC, h and y_c of every block) against the path it replaced (the nets squashed in
// wasm, then lstm97Cells' JS loop), interleaved rounds in one process, CPU time. Both streams are
// the first (kernel) stream of their own learner, same config and inputs; the old path is taken by
// giving stream B its state s as a JS array, which the fused kernel needs in wasm memory (how every
// stream's s was held before). The same bits either way (wasm-single.test.ts). Run:
//   npx tsx bench/lstm/ab-cells97.ts [rounds] [H]
import { Rtrl97 } from '@carousel/lstm';
import { RTRL97_CONFIG } from './carousel.ts';
import { abMedians } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const rounds = Number(process.argv[2] ?? 9);
const H = Number(process.argv[3] ?? 128);
const data = sineStream(8);

function predictLoop(fused: boolean): () => void {
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H));
  const s = net.newStream();
  if (!fused) Object.assign(s, { s: Float64Array.from(s.s) });
  let t = 0;
  return () => {
    net.predict(s, data.row(t++));
  };
}

const [old, fused] = abMedians(predictLoop(false), predictLoop(true), rounds);
console.log(`Rtrl97.predict H=${H}: JS cell loop ${old.toFixed(0)} steps/CPU-s, cells97One ${fused.toFixed(0)} steps/CPU-s, x${(fused / old).toFixed(2)}`);
