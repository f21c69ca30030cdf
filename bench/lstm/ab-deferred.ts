// A/B of the rtrl97 online step (step + learnSgd): the trace update in the step (A, traces: true,
// the path before the deferral) against Rtrl97.step's deferred update fused into learnSgd's pass
// (B). Same weights, same data; interleaved rounds in one process, CPU time. Run:
//   npx tsx bench/lstm/ab-deferred.ts [rounds]
import { Rtrl97, lstm97Forward, type Rtrl97Stream } from '@carousel/lstm';
import { RTRL97_CONFIG } from './carousel.ts';
import { abMedians } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const rounds = Number(process.argv[2] ?? 7);
const data = sineStream(8);
function loop(H: number, defer: boolean): () => void {
  const net = new Rtrl97(RTRL97_CONFIG(data.X, H));
  const s: Rtrl97Stream = net.newStream();
  const d = new Float64Array(1);
  let t = 0;
  return () => {
    if (defer) net.step(s, data.row(t));
    else lstm97Forward(net.layout, net.params, s, data.row(t), true);
    d[0] = data.d[t % data.d.length]!;
    net.learnSgd(s, d, 0.05);
    t++;
  };
}
for (const H of [32, 64, 128]) {
  const a = loop(H, false);
  const b = loop(H, true);
  const [ma, mb] = abMedians(a, b, rounds);
  console.log(`H=${H}: traces in the step ${ma.toFixed(0)} steps/CPU-s, deferred into learnSgd ${mb.toFixed(0)} steps/CPU-s, x${(mb / ma).toFixed(2)}`);
}
