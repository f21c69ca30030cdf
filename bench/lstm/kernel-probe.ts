// Quick probe of the rtrl97 / tbptt kernels' phases (forward, learn, update), for kernel work.
// Prints median microseconds per phase; not part of the bench table. Run: npx tsx bench/lstm/kernel-probe.ts
import { Rtrl97, createOptimizer, tbptt } from '@carousel/lstm';

const median = (a: number[]): number => [...a].sort((x, y) => x - y)[a.length >> 1]!;

for (const H of [32, 128]) {
  for (const cellSources of ['all', 'cells'] as const) {
    const net = new Rtrl97({ inputs: 8, outputs: 1, blocks: H, forgetGate: true, head: 'linear', cellSources });
    const opt = createOptimizer({ kind: 'sgd', lr: 0.001 }, net.params.length);
    const s = net.newStream();
    const x = new Float64Array(8);
    const fw: number[] = [], ln: number[] = [], up: number[] = [];
    const steps = H === 128 ? 400 : 2000;
    for (let t = 0; t < steps; t++) {
      for (let i = 0; i < 8; i++) x[i] = Math.sin(t * 0.1 + i);
      const t0 = performance.now();
      net.step(s, x);
      const t1 = performance.now();
      net.learn(s, [Math.sin((t + 1) * 0.1)]);
      const t2 = performance.now();
      opt.apply(net.params, net.grad);
      net.grad.fill(0);
      const t3 = performance.now();
      if (t > steps / 4) { fw.push(t1 - t0); ln.push(t2 - t1); up.push(t3 - t2); }
    }
    const us = (a: number[]): string => (median(a) * 1000).toFixed(1);
    const total = median(fw) + median(ln) + median(up);
    console.log(`rtrl97 H=${H} ${cellSources.padEnd(5)} W=${net.params.length}: step ${us(fw)}us learn ${us(ln)}us update ${us(up)}us => ${Math.round(1 / total * 1000)} steps/s`);
  }
  const v = tbptt({ inputs: 8, outputs: 1, hidden: H, cell: 'vanilla', peepholes: false }, 1, 16);
  const opt = createOptimizer({ kind: 'sgd', lr: 0.001 }, v.params.length);
  const s = v.newStream();
  const x = new Float64Array(8);
  const fw: number[] = [], ln: number[] = [], up: number[] = [];
  for (let t = 0; t < 600; t++) {
    for (let i = 0; i < 8; i++) x[i] = Math.sin(t * 0.1 + i);
    const t0 = performance.now();
    v.step(s, x);
    const t1 = performance.now();
    v.learn(s, [Math.sin((t + 1) * 0.1)]);
    const t2 = performance.now();
    opt.apply(v.params, v.grad);
    v.grad.fill(0);
    const t3 = performance.now();
    if (t > 150) { fw.push(t1 - t0); ln.push(t2 - t1); up.push(t3 - t2); }
  }
  const us = (a: number[]): string => (median(a) * 1000).toFixed(1);
  console.log(`tbptt(1,16) vanilla H=${H} W=${v.params.length}: step ${us(fw)}us learn ${us(ln)}us update ${us(up)}us => ${Math.round(1 / (median(fw) + median(ln) + median(up)) * 1000)} steps/s`);
}
