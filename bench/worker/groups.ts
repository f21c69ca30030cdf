// Bench section `groups`: a model group's members stepped batched (services/worker group-steps.ts)
// against one sample at a time, in process (no NATS: the group actor's learning step alone). A
// group of M members of the worker's default model (vanilla H=32, TBPTT(4,32), Adam) takes rounds
// of one sample per member, as a mailbox holding one round would; "batched" runs the waiting
// steps once per round (a 'gstep' turn behind the round), "alone" after every sample. Both feed
// the same samples; the bits are the same (group-steps.test.ts), only the time differs. Figures:
// member samples per CPU-second, medians of interleaved rounds, and their ratio; with the default
// applyEvery 1 (an update at every backward pass: each update runs the steps waiting before it)
// and with applyEvery = M (about one update per TBPTT period of k1 rounds); H = 32 (the default)
// and one row at H = 128. Writes
// results/groups.{md,json} unless --quick / --no-write.

import { mkdirSync, writeFileSync } from 'node:fs';
import { createRng } from '@carousel/lstm';
import { addMember, groupCore, parseStreamConfig, type GroupCore } from '@carousel/worker';
import type { BenchArgs } from '../args.ts';
import { abMediansBoth } from '../lstm/cpu-rate.ts';

const ROUND_INPUTS = 512;

interface Row {
  members: number;
  hidden: number;
  applyEvery: number;
  alone: number;
  batched: number;
  ratio: number;
  /** Member steps per batch in the batched run. */
  perBatch: number;
}

/** A group of `members`, and a function that feeds it its next round (flushing per sample or per round). */
function feeder(members: number, applyEvery: number, hidden: number, perSample: boolean): { g: GroupCore; round: () => void } {
  const cfg = parseStreamConfig({ model: { applyEvery, hidden } as never });
  const g = groupCore(cfg);
  const names = Array.from({ length: members }, (_, k) => `m${k}`);
  const rng = createRng(7);
  const xs = Float64Array.from({ length: ROUND_INPUTS * members }, (_, i) => Math.sin(i / (members * 9)) + 0.1 * rng.normal());
  let seq = 0;
  const round = (): void => {
    const base = (seq % ROUND_INPUTS) * members;
    for (let k = 0; k < members; k++) {
      const name = names[k]!;
      const m = g.members.get(name) ?? addMember(g, name, 1);
      g.steps!.add(m, seq, [xs[base + k]!], 1000 * seq, undefined);
      m.seq = seq;
      if (perSample) g.steps!.flush();
    }
    g.steps!.flush();
    seq++;
  };
  return { g, round };
}

export async function run(args: BenchArgs): Promise<void> {
  const rounds = args.rounds ?? (args.quick ? 3 : 7);
  const rows: Row[] = [];
  // [members, applyEvery, hidden]: the default model's H = 32, then H = 128 where the batched forward gains most per stream
  const cases: [number, number, number][] = args.quick ? [[64, 1, 32], [64, 64, 32]] : [[64, 1, 32], [64, 64, 32], [256, 1, 32], [256, 256, 32], [64, 64, 128]];
  for (const [members, applyEvery, hidden] of cases) {
    const a = feeder(members, applyEvery, hidden, true);
    const b = feeder(members, applyEvery, hidden, false);
    const [ca, cb] = abMediansBoth(a.round, b.round, rounds);
    const { count, steps } = b.g.steps!.flushes;
    const row: Row = { members, hidden, applyEvery, alone: ca * members, batched: cb * members, ratio: cb / ca, perBatch: steps / count };
    rows.push(row);
    console.log(`M=${members} H=${hidden} applyEvery=${applyEvery}: alone ${row.alone.toFixed(0)} samples/CPU-s, batched ${row.batched.toFixed(0)} (x${row.ratio.toFixed(2)}), ${row.perBatch.toFixed(1)} steps a batch`);
  }
  const lines = [
    `Model group, in process: member samples per CPU-second of the group's learning step (worker default model: vanilla, TBPTT(4,32), Adam; H as given), one sample per member per round; medians of ${rounds} interleaved rounds (\`npm run bench -- groups\`, ${new Date().toISOString().slice(0, 16)}Z).`,
    '',
    '| members | H | applyEvery | one at a time | batched | ratio | steps per batch |',
    '|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.members} | ${r.hidden} | ${r.applyEvery} | ${r.alone.toFixed(0)} | ${r.batched.toFixed(0)} | ×${r.ratio.toFixed(2)} | ${r.perBatch.toFixed(1)} |`),
  ];
  console.log('\n' + lines.join('\n'));
  if (!args.noWrite) {
    const dir = new URL('../results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('groups.md', dir), lines.join('\n') + '\n');
    writeFileSync(new URL('groups.json', dir), JSON.stringify({ date: new Date().toISOString(), rounds, rows }, null, 2) + '\n');
    console.log('wrote bench/results/groups.md and bench/results/groups.json');
  }
}
