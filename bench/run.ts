// Entry of `npm run bench`: runs the selected benchmark sections in order, each in this process.
// Not a test runner: nothing here asserts on time; sections print figures and write results/.
//
//   npm run bench                  every section
//   npm run bench -- lstm          only the LSTM core section
//   npm run bench -- lstm --quick  fewer, shorter rounds (a smoke run, not for the record)
//   npm run bench -- --list        the section names
//
// A section is a module exporting `run(args: BenchArgs): Promise<void>`; add yours to SECTIONS.

import { parseBenchArgs, type BenchArgs } from './args.ts';

interface Section {
  /** One line for --list. */
  readonly about: string;
  readonly load: () => Promise<{ run(args: BenchArgs): Promise<void> }>;
}

const SECTIONS: Readonly<Record<string, Section>> = {
  lstm: {
    about: 'LSTM core: online steps/s, forward-only, B=256, GFLOP/s vs FMA peak, against tfjs, brain.js, PyTorch',
    load: () => import('./lstm/section.ts'),
  },
  worker: {
    about: 'worker end to end through nats-server: samples/s at 1k/10k streams vs the kernel, publish->prediction p50/p99, infer p99, bytes per stream',
    load: () => import('./worker/section.ts'),
  },
  'worker-memory': {
    about: 'worker memory on its own through nats-server: bytes per active stream (average and marginal) and per passivated stream, at 1,000 streams; where an active stream\'s bytes are',
    load: () => import('./worker/memory.ts'),
  },
  groups: {
    about: 'model group in process: member samples per CPU-second stepped batched against one at a time (64 and 256 members)',
    load: () => import('./worker/groups.ts'),
  },
  gateway: {
    about: 'gateway fan-out over real WebSockets: messages/s to 100 and 1,000 clients, prediction publish -> client receipt p50/p99',
    load: () => import('./gateway/section.ts'),
  },
};

async function main(): Promise<void> {
  const args = parseBenchArgs(process.argv.slice(2), Object.keys(SECTIONS));
  if (args.list) {
    for (const [name, s] of Object.entries(SECTIONS)) console.log(`${name.padEnd(10)} ${s.about}`);
    return;
  }
  const names = args.sections.length > 0 ? args.sections : Object.keys(SECTIONS);
  for (const name of names) {
    console.log(`\n== bench: ${name}${args.quick ? ' (--quick)' : ''} ==`);
    const mod = await SECTIONS[name]!.load();
    await mod.run(args);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
