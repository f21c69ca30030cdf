// A model group's members stepped batched (group-steps.ts): however the samples are split into
// batches, the shared weights, every member's state and every forecast have the same bits as
// stepping each sample alone; a non-finite output rolls the model back at the group's next
// update in every split alike, and that pending rollback survives the group's record.

import { describe, expect, test } from 'vitest';
import { createRng, type Model, type StreamState } from '@carousel/lstm';
import { addMember, groupCore, groupModelBytes, packGroupRecord, replayGroup, restoreGroup, unpackGroupRecord, type GroupCore, type GroupRecord } from './group-actor.ts';
import { parseStreamConfig, type StreamConfig } from './stream-config.ts';

type Sample = { stream: string; seq: number; x: number[]; ts: number };

/** 5 members, 50 rounds; member k skips the rounds where (round + k) % 7 == 0, so batches are irregular. */
function samples(rounds: number, seed: number): Sample[] {
  const rng = createRng(seed);
  const out: Sample[] = [];
  for (let i = 0; i < rounds; i++) {
    for (let k = 0; k < 5; k++) {
      if ((i + k) % 7 === 0) continue;
      out.push({ stream: `m${k}`, seq: i, ts: 1000 * i, x: [Math.sin(i / (3 + k)) + 0.1 * rng.normal(), Math.cos(i / 5) + 0.1 * rng.normal()] });
    }
  }
  return out;
}

const CONFIGS: [string, Readonly<StreamConfig>][] = [
  ['vanilla tbptt(2,8), Adam', parseStreamConfig({ model: { hidden: 6, seed: 3, k1: 2, k2: 8 } as never })],
  ['vanilla tbptt(4,16), update every 3 windows, horizon 3', parseStreamConfig({ model: { hidden: 5, seed: 4, k1: 4, k2: 16, applyEvery: 3 } as never, horizon: 3 })],
  ['gru tbptt(1,4), update every 4 windows', parseStreamConfig({ model: { cell: 'gru', hidden: 5, seed: 5, k1: 1, k2: 4, applyEvery: 4 } as never })],
  ['forget cell, rtrl97, update every 6 samples', parseStreamConfig({ model: { cell: 'forget', learner: 'rtrl97', hidden: 3, seed: 6, applyEvery: 6 } as never })],
];

/** flushAfter(i) variants: each sample alone, never (only when forced), every 3rd, seeded random. */
function splits(): [string, (i: number) => boolean][] {
  const rng = createRng(17);
  return [
    ['alone', () => true],
    ['never', () => false],
    ['every 3rd', (i) => i % 3 === 2],
    ['random', () => rng.uniform() < 0.2],
  ];
}

/** Everything a group holds, as comparable values. */
function fingerprint(g: Pick<GroupCore, 'model' | 'members'>): { model: string; members: Record<string, unknown> } {
  const members: Record<string, unknown> = {};
  for (const [k, m] of g.members) members[k] = { proc: m.proc.snapshot(), seq: m.seq, forecast: m.forecast?.map((f) => [...f]) };
  return { model: Buffer.from(groupModelBytes(g)!).toString('base64'), members };
}

describe('model groups stepped batched', () => {
  test.each(CONFIGS)('%s: any split into batches gives the bits of one sample at a time', (_, cfg) => {
    const all = samples(50, 1);
    const want = fingerprint(replayGroup(cfg, all));
    for (const [name, flushAfter] of splits()) {
      const g = replayGroup(cfg, all, { flushAfter, minBatch: 1 });
      expect(fingerprint(g), name).toEqual(want);
      // one last-good copy of the weights for the whole group, not one per member
      for (const m of g.members.values()) expect(m.proc.weightKeeper).toBe(g.steps!.keeper);
      if (name === 'never') {
        // the steps really were batched: fewer batches than samples
        const { count, steps } = g.steps!.flushes;
        expect(steps).toBe(all.length);
        expect(count).toBeLessThan(all.length / 1.5);
      }
    }
  });

  /**
   * Feeds `all` into `g`, batching as flushAfter says; after sample `at` the waiting steps run and
   * one head weight becomes NaN, so the next outputs are not finite (a rollback must follow).
   */
  function feedWithFault(g: GroupCore, all: Sample[], flushAfter: (i: number) => boolean, at: number): void {
    all.forEach((s, i) => {
      const m = g.members.get(s.stream) ?? addMember(g, s.stream, s.x.length);
      expect(m.guard.accept(s.stream, s.seq).ok).toBe(true);
      g.steps!.add(m, s.seq, s.x, s.ts, undefined);
      m.seq = s.seq;
      if (i === at) {
        g.steps!.flush();
        poisonHead(g.model!);
      } else if (flushAfter(i)) g.steps!.flush();
    });
    g.steps!.flush();
  }

  function poisonHead(model: Model<StreamState>): void {
    const V = model.learner.groups.find((p) => p.name === 'V')!;
    model.learner.params[V.offset] = NaN;
  }

  // An update every 20 backward passes: the outputs after the fault are seen before the next update
  // (with an update at every sample, the update right after the fault is caught first: diverged).
  const CFG = parseStreamConfig({ model: { hidden: 6, seed: 3, k1: 2, k2: 8, applyEvery: 20 } as never });
  // snapshotEvery (256) samples must pass before a member's last-good copy moves from the initial weights
  const ALL = samples(90, 2);
  const AT = 300;

  test("a non-finite output: the member steps again with its last-good weights and the model rolls back at the next update or that member's next sample, in every split alike", () => {
    const runs = splits().map(([name, flushAfter]) => {
      const g = groupCore(CFG, 1);
      feedWithFault(g, ALL, flushAfter, AT);
      return { name, g, fp: fingerprint(g) };
    });
    for (const r of runs.slice(1)) expect(r.fp, r.name).toEqual(runs[0]!.fp);
    const g = runs[0]!.g;
    const rollbacks = [...g.members.values()].reduce((n, m) => n + m.proc.stats.rollbacks, 0);
    expect(rollbacks).toBeGreaterThan(0);
    // the update after the fault restored good weights: every weight is finite again, nothing is due
    expect(g.model!.learner.params.every(Number.isFinite)).toBe(true);
    expect(g.steps!.due).toBeNull();
    for (const m of g.members.values()) expect(m.forecast!.every((f) => f.every(Number.isFinite))).toBe(true);
  });

  test("a rollback still due when the group's record is written happens after a restore too, with the weights it was due with", () => {
    const whole = groupCore(CFG, 1);
    feedWithFault(whole, ALL, () => false, AT);
    // stop right after the fault's first bad outputs: the rollback is due, no update has come yet
    const first = groupCore(CFG, 1);
    feedWithFault(first, ALL.slice(0, AT + 2), () => false, AT);
    expect(first.steps!.due).not.toBeNull();
    const record = (due: boolean): GroupRecord => unpackGroupRecord(packGroupRecord({
      v: 1, group: 'g', mv: 0, n: AT + 2, js: AT + 2, model: groupModelBytes(first),
      members: Object.fromEntries([...first.members].map(([k, m]) => [k, { proc: m.proc.snapshot(), seq: m.seq }])),
      due: due ? first.steps!.due : null,
    }));
    const continued = (rec: GroupRecord, count = Infinity): GroupCore => {
      const g = groupCore(CFG, 1);
      restoreGroup(g, rec);
      for (const s of ALL.slice(AT + 2, AT + 2 + count)) {
        const m = g.members.get(s.stream) ?? addMember(g, s.stream, s.x.length);
        expect(m.guard.accept(s.stream, s.seq).ok).toBe(true);
        g.steps!.add(m, s.seq, s.x, s.ts, undefined);
        m.seq = s.seq;
        g.steps!.flush();
      }
      return g;
    };
    const back = continued(record(true));
    expect(back.steps!.due).toBeNull();
    expect(fingerprint(back)).toEqual(fingerprint(whole));
    // negative control: without the due rollback in the record the restored group keeps the fault
    // through a round of every member, where the group restored with it has rolled back
    expect(continued(record(true), 5).model!.learner.params.every(Number.isFinite)).toBe(true);
    expect(continued(record(false), 5).model!.learner.params.every(Number.isFinite)).toBe(false);
  });
});
