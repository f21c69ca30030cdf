// Steps per CPU-second of a step function, for the interleaved A/B probes (ab-*.ts): CPU time of
// this process, so a busy neighbour on a shared machine slows the wall clock but not the figure.

import { median } from './contender.ts';

const cpu = (): number => process.cpuUsage().user / 1e6;

/** Runs `step` in batches of 20 for about `seconds` of user CPU time; returns steps per CPU-second. */
export function cpuRate(step: () => unknown, seconds: number): number {
  return rates(step, seconds).cpu;
}

/**
 * cpuRate, with the same run's steps per wall-clock second beside it. They differ where the step
 * keeps another thread of the process busy (V8's concurrent GC for a library that allocates per
 * step): its CPU time counts, while on a second core it costs no wall-clock time.
 */
export function rates(step: () => unknown, seconds: number): { cpu: number; wall: number } {
  let n = 0;
  const t0 = cpu();
  const w0 = performance.now();
  while (cpu() - t0 < seconds) {
    for (let i = 0; i < 20; i++) step();
    n += 20;
  }
  return { cpu: n / (cpu() - t0), wall: (n * 1000) / (performance.now() - w0) };
}

/** A/B of two step functions: a short warm-up each, then `rounds` interleaved 0.3 s rounds; medians of steps per CPU-second. */
export function abMedians(a: () => unknown, b: () => unknown, rounds: number): [number, number] {
  const [ca, cb] = abMediansBoth(a, b, rounds);
  return [ca, cb];
}

/** abMedians, with the medians of steps per wall-clock second of the same rounds: [cpu a, cpu b, wall a, wall b]. */
export function abMediansBoth(a: () => unknown, b: () => unknown, rounds: number): [number, number, number, number] {
  cpuRate(a, 0.2);
  cpuRate(b, 0.2);
  const ra: { cpu: number; wall: number }[] = [];
  const rb: { cpu: number; wall: number }[] = [];
  for (let r = 0; r < rounds; r++) {
    ra.push(rates(a, 0.3));
    rb.push(rates(b, 0.3));
  }
  return [median(ra.map((x) => x.cpu)), median(rb.map((x) => x.cpu)), median(ra.map((x) => x.wall)), median(rb.map((x) => x.wall))];
}
