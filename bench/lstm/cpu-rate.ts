// Steps per CPU-second of a step function, for the interleaved A/B probes (ab-*.ts): CPU time of
// this process, so a busy neighbour on a shared machine slows the wall clock but not the figure.

import { median } from './contender.ts';

const cpu = (): number => process.cpuUsage().user / 1e6;

/** Runs `step` in batches of 20 for about `seconds` of user CPU time; returns steps per CPU-second. */
export function cpuRate(step: () => unknown, seconds: number): number {
  let n = 0;
  const t0 = cpu();
  while (cpu() - t0 < seconds) {
    for (let i = 0; i < 20; i++) step();
    n += 20;
  }
  return n / (cpu() - t0);
}

/** A/B of two step functions: a short warm-up each, then `rounds` interleaved 0.3 s rounds; medians of steps per CPU-second. */
export function abMedians(a: () => unknown, b: () => unknown, rounds: number): [number, number] {
  cpuRate(a, 0.2);
  cpuRate(b, 0.2);
  const ra: number[] = [];
  const rb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    ra.push(cpuRate(a, 0.3));
    rb.push(cpuRate(b, 0.3));
  }
  return [median(ra), median(rb)];
}
