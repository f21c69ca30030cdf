// The worker section's table (target / measured / met) and its results/worker.{md,json} shapes.
// Figures are medians over rounds; the notes under the table say how each was taken and, where a
// target is missed, why (from the profile of this run's configuration) and what would fix it.

import type { BenchWorkerResult } from '@carousel/worker';

export interface WorkerFigures {
  date: string;
  quick: boolean;
  rounds: number;
  machine: { cpu: string; cores: number; node: string; loadStart: number[]; loadEnd: number[] };
  model: unknown;
  dims: number;
  kernelRR: number;
  kernel: { median: number; samples: number[] };
  kernelRoundRobin: { median: number; samples: number[] };
  runs: Record<string, { median: BenchWorkerResult; samples: BenchWorkerResult[]; kernelSchedule: number; kernelScheduleSamples: number[] }>;
}

interface Row {
  what: string;
  target: string;
  measured: string;
  met: boolean | null;
}

const KB = 1024;
const ms = (s: number): string => `${(s * 1e3).toFixed(2)} ms`;

export function renderWorkerReport(f: WorkerFigures): { markdown: string; json: unknown } {
  const rows: Row[] = [];
  for (const [n, { median: m, kernelSchedule }] of Object.entries(f.runs)) {
    const streams = Number(n).toLocaleString('en-US');
    const ratio = m.samplesPerSecond / f.kernel.median;
    rows.push({ what: `samples/s, ${streams} streams`, target: '-', measured: m.samplesPerSecond.toFixed(0), met: null });
    rows.push({ what: `ratio to kernel (${f.kernel.median.toFixed(0)}/s), ${streams} streams`, target: '>= 0.7', measured: ratio.toFixed(2), met: ratio >= 0.7 });
    rows.push({ what: `(information) ratio to the kernel on the same schedule (${kernelSchedule.toFixed(0)}/s), ${streams} streams`, target: '-', measured: (m.samplesPerSecond / kernelSchedule).toFixed(2), met: null });
    rows.push({ what: `publish->prediction p50 at ${m.latencyRate.toFixed(0)}/s, ${streams} streams`, target: '-', measured: ms(m.p50), met: null });
    rows.push({ what: `publish->prediction p99 at ${m.latencyRate.toFixed(0)}/s, ${streams} streams`, target: '< 5 ms', measured: ms(m.p99), met: m.p99 < 0.005 });
    rows.push({ what: `infer request-reply p99, ${streams} streams`, target: '< 1 ms', measured: ms(m.inferP99), met: m.inferP99 < 0.001 });
    if (m.echoP99 !== undefined) rows.push({ what: `(floor) empty request-reply to the worker process, p50 / p99`, target: '-', measured: `${ms(m.echoP50)} / ${ms(m.echoP99)}`, met: null });
    rows.push({ what: `bytes per active stream, ${streams} streams`, target: '<= 200 KB', measured: `${(m.bytesPerActiveStream / KB).toFixed(1)} KB`, met: m.bytesPerActiveStream <= 200 * KB });
    rows.push({ what: `bytes per passivated stream, ${streams} streams`, target: '<= 2 KB', measured: `${(m.bytesPerPassivatedStream / KB).toFixed(2)} KB`, met: m.bytesPerPassivatedStream <= 2 * KB });
    rows.push({ what: `checkpoints written by the worker during the timed phases, ${streams} streams`, target: '-', measured: String(m.checkpointsWhileTimed), met: null });
    rows.push({ what: `checkpoint size, ${streams} streams`, target: '-', measured: `${(m.checkpointBytes / KB).toFixed(1)} KB`, met: null });
  }
  const load = (l: number[]): string => l.map((x) => x.toFixed(2)).join(' ');
  const lines = [
    `# Worker benchmark${f.quick ? ' (--quick: not for the record)' : ''}`,
    '',
    `${f.date}; ${f.machine.cpu}, ${f.machine.cores} cores shared with other work, node ${f.machine.node}; load average ${load(f.machine.loadStart)} at start, ${load(f.machine.loadEnd)} at end. Medians of ${f.rounds} interleaved round(s).`,
    '',
    '| figure | target | measured | met |',
    '|---|---|---|---|',
    ...rows.map((r) => `| ${r.what} | ${r.target} | ${r.measured} | ${r.met === null ? '' : r.met ? 'yes' : '**no**'} |`),
    '',
    `Model: ${JSON.stringify(f.model)}, ${f.dims} features per sample, every stream learning every sample. Kernel: ${f.kernel.median.toFixed(0)} samples/s for one StreamProcessor in a tight loop (the ratio's denominator), ${f.kernelRoundRobin.median.toFixed(0)} samples/s round robin over ${f.kernelRR} processors (same process as the producer, between worker runs).`,
    '',
    ...HOW,
    '',
    ...WHY,
  ];
  return { markdown: lines.join('\n') + '\n', json: f };
}

/** How the figures are taken (services/worker/src/bench.ts). */
const HOW = [
  '## How',
  '',
  '- A fresh nats-server per run from infra/nats/single.conf (JetStream, `carousel.in.*` -> `carousel.p.{{partition(16,1)}}.{{wildcard(1)}}`).',
  '- The worker runs alone in a child process (`node --expose-gc --import tsx services/worker/src/bench.ts --serve`), with its production defaults except idle passivation at 15 s; the bench process is the producer (JetStream publish with ack to `carousel.in.<stream>`) and the prediction subscriber, so both ends of the latency are one clock.',
  '- Warm-up: one sample per stream (activation: KV lookup, model allocation), untimed. Throughput: a backlog of N samples per stream published as fast as acks come back while the worker drains it; first to last prediction.',
  '- Latency: half the measured rate, streams in turn, paced by the clock; publish (before the JetStream publish call) to prediction receipt.',
  '- Infer: sequential request-reply round trips to the owning worker, nothing else running.',
  '- Memory: `heapUsed + external` of the worker process after two `gc()`, minus the same before the first stream, divided by the stream count; once after the throughput phase (every actor active), once after every actor passivated on idle.',
];

/** Why the missed targets are missed, and what would fix them (filled in from the profile). */
const WHY: string[] = [];
