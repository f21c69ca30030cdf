// A/B of the rtrl97 online step: learn() + createOptimizer SGD (the old table's path) against
// Rtrl97.learnSgd (fused), interleaved rounds in one process, CPU time. Run:
//   npx tsx bench/lstm/ab-fused.ts [rounds]
import { rtrl97Loop } from './carousel.ts';
import { median } from './contender.ts';
import { sineStream } from './sine.ts';

const rounds = Number(process.argv[2] ?? 7);
const data = sineStream(8);
const cpu = (): number => process.cpuUsage().user / 1e6;
function rate(step: () => number, seconds: number): number {
  let n = 0;
  const t0 = cpu();
  while (cpu() - t0 < seconds) {
    for (let i = 0; i < 20; i++) step();
    n += 20;
  }
  return n / (cpu() - t0);
}
for (const H of [32, 64, 128]) {
  const unfused = rtrl97Loop(data, H, 0.05, 'plain');
  const fused = rtrl97Loop(data, H, 0.05, 'sgd');
  rate(unfused.learnStep, 0.2);
  rate(fused.learnStep, 0.2);
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < rounds; r++) {
    a.push(rate(unfused.learnStep, 0.3));
    b.push(rate(fused.learnStep, 0.3));
  }
  console.log(`H=${H}: learn + plain SGD ${median(a).toFixed(0)} steps/CPU-s, learnSgd ${median(b).toFixed(0)} steps/CPU-s, x${(median(b) / median(a)).toFixed(2)}`);
}
