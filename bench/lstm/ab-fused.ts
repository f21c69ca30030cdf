// A/B of the fused online SGD step, interleaved rounds in one process, CPU time: for rtrl97,
// learn() + a plain SGD loop against Rtrl97.learnSgd; for tbptt(1,16) on the vanilla cell, learn() +
// createOptimizer sgd apply + grad.fill(0) (the table's path until session 13) against
// RecurrentLearner.learnSgd (the same bits). Run:
//   npx tsx bench/lstm/ab-fused.ts [rounds]
import { rtrl97Loop, tbpttLoop } from './carousel.ts';
import { abMedians } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const rounds = Number(process.argv[2] ?? 7);
const data = sineStream(8);
for (const H of [32, 64, 128]) {
  const unfused = rtrl97Loop(data, H, 0.05, 'plain');
  const fused = rtrl97Loop(data, H, 0.05, 'sgd');
  const [a, b] = abMedians(unfused.learnStep, fused.learnStep, rounds);
  console.log(`rtrl97 H=${H}: learn + plain SGD ${a.toFixed(0)} steps/CPU-s, learnSgd ${b.toFixed(0)} steps/CPU-s, x${(b / a).toFixed(2)}`);
}
for (const H of [32, 64, 128]) {
  const unfused = tbpttLoop(data, H, 0.05, 'sgd', false)!;
  const fused = tbpttLoop(data, H, 0.05, 'sgd', true)!;
  const [a, b] = abMedians(unfused.learnStep, fused.learnStep, rounds);
  console.log(`tbptt(1,16) H=${H}: learn + createOptimizer sgd + fill ${a.toFixed(0)} steps/CPU-s, learnSgd ${b.toFixed(0)} steps/CPU-s, x${(b / a).toFixed(2)}`);
}
