// How many of the demo's injected anomalies the worker's default stream flags: the simulator's
// sensor streams (@carousel/simulator `sensors`, its default noise, period and anomaly schedule,
// ground truth per sample) through StreamProcessor with the default stream config, as `carousel up`
// runs them. A window counts as caught when a point is flagged inside it or within `late` samples
// after it; every other flag after the first `warmup` samples is a false alarm. Deterministic
// (seeded); not part of `npm run bench`.
// Usage (repo root): npx tsx bench/worker/demo-detection-probe.ts [samples=20000] [seeds=1,2,3] [late=5] [warmup=500] [threshold: the scorer's default]
import { sensors } from '@carousel/simulator';
import { StreamProcessor, parseStreamConfig } from '@carousel/worker';

const N = Number(process.argv[2] ?? 20_000);
const seeds = (process.argv[3] ?? '1,2,3').split(',').map(Number);
const late = Number(process.argv[4] ?? 5);
const warmup = Number(process.argv[5] ?? 500);
const threshold = process.argv[6] === undefined ? undefined : Number(process.argv[6]);
const config = parseStreamConfig(threshold === undefined ? {} : { anomaly: { threshold } });

const byKind = new Map<string, { windows: number; caught: number }>();
let falseAlarms = 0;
let flags = 0;
let clean = 0;
for (const seed of seeds) {
  const p = new StreamProcessor(config, 1);
  let open: { kind: string; end: number; caught: boolean } | null = null;
  const close = (): void => {
    const k = byKind.get(open!.kind) ?? { windows: 0, caught: 0 };
    k.windows++;
    if (open!.caught) k.caught++;
    byKind.set(open!.kind, k);
    open = null;
  };
  let i = 0;
  for (const pt of sensors({ seed, count: N })) {
    const r = p.process(i, pt.x, pt.ts);
    if (pt.label === 1 && (open === null || open.end < i - late)) {
      if (open !== null) close();
      open = { kind: pt.kind!, end: i, caught: false };
    }
    if (pt.label === 1) open!.end = i;
    if (open !== null && i > open.end + late) close();
    if (r.flagged) {
      flags++;
      if (open !== null) open.caught = true;
      else if (i >= warmup) falseAlarms++;
    }
    if (open === null && pt.label === 0 && i >= warmup) clean++;
    i++;
  }
  if (open !== null) close();
}
const rows = [...byKind].sort(([a], [b]) => a.localeCompare(b));
console.log(`${seeds.length} sensor streams x ${N} samples, default stream config${threshold === undefined ? '' : ` with alert threshold ${threshold}`}; caught = a flag inside the window or up to ${late} samples after it`);
for (const [kind, k] of rows) console.log(`${kind.padEnd(18)} ${k.caught} of ${k.windows}`);
const all = rows.reduce((s, [, k]) => ({ w: s.w + k.windows, c: s.c + k.caught }), { w: 0, c: 0 });
console.log(`${'all'.padEnd(18)} ${all.c} of ${all.w}`);
console.log(`flags ${flags}; false alarms ${falseAlarms} in ${clean} clean samples after the first ${warmup}`);
