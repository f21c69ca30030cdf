// The worker-memory section of `npm run bench`: bytes per active and per passivated stream of one
// worker process (services/worker/src/bench-memory.ts), on their own through a real nats-server,
// with a warm-up cohort in the baseline and the marginal (slope) figure beside the average; and
// where one active stream's bytes are (breakdown.ts). Rounds, medians. Prints the table; writes
// results/worker-memory.{md,json} unless --quick / --no-write.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { NatsServer } from '@carousel/test-suites';
import { benchWorkerMemory, parseStreamConfig, WORKER_NODE_FLAGS, type BenchMemoryResult } from '@carousel/worker';
import type { BenchArgs } from '../args.ts';
import { median } from '../lstm/contender.ts';
import { memoryBreakdown, type MemoryBreakdown } from './breakdown.ts';

/** Streams per run (the 1,000). */
const STREAMS = 1_000;
/** Samples per stream before the active figure: the TBPTT(4,32) window full, the scorer warm. */
const SAMPLES = 40;
const DIMS = 2;
/** Targets of issue 5, bytes. */
const ACTIVE_TARGET = 200 * 1024;
const PASSIVATED_TARGET = 2 * 1024;
const KB = 1024;

export async function run(args: BenchArgs): Promise<void> {
  const rounds = args.rounds ?? (args.quick ? 1 : 3);
  const config = parseStreamConfig({});
  console.log(`machine: ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, node ${process.version}, load ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`model: ${JSON.stringify(config.model)}, ${DIMS} features; ${STREAMS} streams x ${SAMPLES} samples; rounds ${rounds}\n`);
  // gc() for the breakdown's JS-heap figure (the bench process is not started with --expose-gc).
  setFlagsFromString('--expose-gc');
  (globalThis as { gc?: () => void }).gc ??= runInNewContext('gc') as () => void;
  const breakdown = memoryBreakdown(DIMS);
  const results: BenchMemoryResult[] = [];
  for (let r = 0; r < rounds; r++) {
    const server = await NatsServer.start({ serverName: 'carousel-bench-memory' });
    try {
      const res = await benchWorkerMemory({ natsUrl: server.url, streams: STREAMS, samplesPerStream: SAMPLES });
      results.push(res);
      console.log(`round ${r + 1}: ${kb(res.bytesPerActiveStream)} per active stream (marginal ${kb(res.bytesPerActiveStreamSlope)}, JS heap ${kb(res.heapPerActiveStream)}), ${kb(res.bytesPerPassivatedStream, 2)} per passivated stream`);
    } finally {
      await server.close();
    }
  }
  const m = (f: (r: BenchMemoryResult) => number): number => median(results.map(f));
  const active = m((r) => r.bytesPerActiveStream);
  const slope = m((r) => r.bytesPerActiveStreamSlope);
  const passivated = m((r) => r.bytesPerPassivatedStream);
  const md = [
    '# Worker memory benchmark',
    '',
    `${new Date().toISOString()}; ${os.cpus()[0]?.model ?? '?'}, ${os.cpus().length} cores, node ${process.version}. Medians of ${rounds} round(s)${args.quick ? ' (quick: not for the record)' : ''}.`,
    '',
    '| figure | target | measured | met |',
    '|---|---|---|---|',
    `| bytes per active stream, ${STREAMS.toLocaleString('en-US')} streams | <= 200 KB | ${kb(active)} | ${active <= ACTIVE_TARGET ? 'yes' : '**no**'} |`,
    `| (check) marginal bytes per active stream, second half of the streams | - | ${kb(slope)} |  |`,
    `| (of which) JS heap per active stream | - | ${kb(m((r) => r.heapPerActiveStream))} |  |`,
    `| bytes per passivated stream, ${STREAMS.toLocaleString('en-US')} streams | <= 2 KB | ${kb(passivated, 2)} | ${passivated <= PASSIVATED_TARGET ? 'yes' : '**no**'} |`,
    '',
    `Model: ${JSON.stringify(config.model)}, ${DIMS} features per sample.`,
    '',
    '## How',
    '',
    `- A fresh nats-server per round; the worker alone in a child process (\`node --expose-gc ${WORKER_NODE_FLAGS.join(' ')}\`: the worker's node flags, as deployed; services/worker/src/bench-memory.ts), idle passivation at 60 s (no measured actor passivates before its figure is read: checked), the time-based checkpoint deferred to passivation.`,
    '- Memory: `heapUsed + external` of the worker process after two `gc()`. Baseline: after a warm-up cohort of 32 streams learned, checkpointed and passivated (compiled code, client and msgpack buffers are in it). Then 500 streams learn 40 samples each (half), the other 500 (active): per active stream = (active - baseline) / 1,000, and the marginal figure (active - half) / 500, which no fixed cost enters. Then every actor passivates on idle (its checkpoint written): per passivated stream = (passivated - baseline) / 1,000.',
    '',
    '## Where one active stream\'s bytes are',
    '',
    breakdownText(breakdown),
  ];
  const markdown = md.join('\n') + '\n';
  console.log('\n' + markdown);
  if (!args.noWrite) {
    const dir = new URL('../results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('worker-memory.md', dir), markdown);
    writeFileSync(new URL('worker-memory.json', dir), JSON.stringify({ date: new Date().toISOString(), rounds, streams: STREAMS, samples: SAMPLES, model: config.model, breakdown, results }, null, 2) + '\n');
    console.log('wrote bench/results/worker-memory.md and bench/results/worker-memory.json');
  }
}

function breakdownText(b: MemoryBreakdown): string {
  const rows = b.typedArrays.map((r) => `\`${r.holder}\` ${kb(r.bytes)}`).join(', ');
  const heap = Number.isFinite(b.heapPerProcessor) ? `${kb(b.heapPerProcessor)} of JS heap` : 'JS heap not measured';
  return `One StreamProcessor of this model (bench/worker/breakdown.ts): ${kb(b.typedArrayTotal)} of typed arrays (${rows}) and ${heap} (the processor's, model's and stream's JS objects; the TBPTT window is one slab read at offsets, without the per-slot view objects that were ~35 KB of it before 3203f03). Not counted there (${kb(b.processShared)}, one per process and model shape, not per stream): the gradient every per-stream model borrows (Trainer.shareGradient), the infer/rollout scratch stream, the learners' step workspace and the optimizer's atomic-path buffers. The last-good copy of the weights is float32.`;
}

function kb(bytes: number, digits = 1): string {
  return `${(bytes / KB).toFixed(digits)} KB`;
}
