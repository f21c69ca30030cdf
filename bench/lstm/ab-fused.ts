// A/B of the rtrl97 online step: learn() + createOptimizer SGD (the old table's path) against
// Rtrl97.learnSgd (fused), interleaved rounds in one process, CPU time. Run:
//   npx tsx bench/lstm/ab-fused.ts [rounds]
import { rtrl97Loop } from './carousel.ts';
import { abMedians } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const rounds = Number(process.argv[2] ?? 7);
const data = sineStream(8);
for (const H of [32, 64, 128]) {
  const unfused = rtrl97Loop(data, H, 0.05, 'plain');
  const fused = rtrl97Loop(data, H, 0.05, 'sgd');
  const [a, b] = abMedians(unfused.learnStep, fused.learnStep, rounds);
  console.log(`H=${H}: learn + plain SGD ${a.toFixed(0)} steps/CPU-s, learnSgd ${b.toFixed(0)} steps/CPU-s, x${(b / a).toFixed(2)}`);
}
