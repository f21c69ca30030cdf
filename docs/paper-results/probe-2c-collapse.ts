// Probe of Experiment 2c (q = p = 100), trial 4 of seed 1: why a net that has learned the task falls
// back to chance. The trial, run by the runner exactly as `carousel paper 2c --first-trial 4 --trials 1
// --seed 1` runs it (its progress lines are in exp2c-5M-trial4.progress.txt: the task learned by
// ~63,000 sequences, then chance from ~1,342,000), is rerun to UNTIL sequences with its checkpoint
// copied every EVERY sequences from FROM on (phase "run"); phase "look" loads each copy and runs
// fresh test sequences through it, printing per copy: sequences correct (|error| < 0.2 at the end),
// both cells' state at the trigger and at the end, the input gates' mean over the distractors, the
// output gates at the end, both outputs at the end, the cells' mean signed state at the end for the
// sequences of each class (second symbol x or y), and the largest weights; phase "diff" prints the
// weights that moved most between two copies.
// Usage (repo root): npx tsx docs/paper-results/probe-2c-collapse.ts run DIR [FROM=1100000] [UNTIL=1360000] [EVERY=5000]
//                    npx tsx docs/paper-results/probe-2c-collapse.ts look DIR [TESTS=300]
//                    npx tsx docs/paper-results/probe-2c-collapse.ts diff DIR SEQS_A SEQS_B
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Rtrl97 } from '@carousel/lstm';
import { createGenerator, experimentById, isCorrect, runTrial, trialStreams } from '@carousel/tasks';

const [phase, dir] = [process.argv[2], process.argv[3]];
if ((phase !== 'run' && phase !== 'look' && phase !== 'diff') || dir === undefined) throw new Error('usage: run|look|diff DIR ...');
const cfg = experimentById('2c/q100-p100');
if (cfg === undefined) throw new Error('2c/q100-p100 missing');
/** A copy's trial state: the sequences trained so far and the weights (resume.ts's JSON). */
const readSnap = (file: string): { seqs: number; net: { params: number[] } } =>
  (JSON.parse(readFileSync(join(dir, file), 'utf8')) as { state: { seqs: number; net: { params: number[] } } }).state;
/** The net the copies' weights go into (look, diff). */
const probeNet = (): Rtrl97 => new Rtrl97({ ...cfg.net, seed: 1 });

if (phase === 'run') {
  const [from, until, every] = [Number(process.argv[4] ?? 1_100_000), Number(process.argv[5] ?? 1_360_000), Number(process.argv[6] ?? 5000)];
  const ckDir = join(dir, 'ck');
  mkdirSync(ckDir, { recursive: true });
  const r = runTrial('2c', {
    seed: 1, trial: 4, maxSequences: until, checkpointDir: ckDir, checkpointEvery: every, progressEvery: every,
    onProgress: (p) => {
      if (p.sequences % 50_000 === 0) console.log(`${p.sequences} seq, E ${p.trainError.toExponential(2)}, ${(100 * p.recentCorrect).toFixed(0)}% ok`);
      if (p.sequences < from) return;
      const [f] = readdirSync(ckDir).filter((n) => n.endsWith('.json'));
      if (f !== undefined) copyFileSync(join(ckDir, f), join(dir, `snap-${String(p.sequences).padStart(8, '0')}.json`));
    },
  });
  console.log(`done: ${r.sequences} sequences, success ${r.success}, wrong ${r.wrong} of ${r.tested}`);
} else if (phase === 'diff') {
  const snap = (n: string): number[] => readSnap(`snap-${n.padStart(8, '0')}.json`).net.params;
  const [a, b] = [snap(process.argv[4] ?? ''), snap(process.argv[5] ?? '')];
  const net = probeNet();
  const { W_in, W_out, W_c, W_k } = net.layout;
  const { zGate: Zg, zCell: Zc, outSources: O, inputs: I } = net.spec;
  // z = [x (I); y_c (2); y_in (2); y_out (2)] for every gate and cell row (2c: no biases)
  // the inputs: a_1..a_p (the distractors) at 0..I-5, then e (the trigger), b, x, y
  const src = (i: number): string => (i < I - 4 ? `a${i + 1}` : i < I ? ['e', 'b', 'x', 'y'][i - (I - 4)]! : ['y_c0', 'y_c1', 'y_in0', 'y_in1', 'y_out0', 'y_out1'][i - I]!);
  const name = (i: number): string =>
    i >= W_k ? `W_k[out ${Math.floor((i - W_k) / O)}][cell ${(i - W_k) % O}]`
      : i >= W_c ? `W_c[cell ${Math.floor((i - W_c) / Zc)}][${src((i - W_c) % Zc)}]`
        : i >= W_out ? `W_out[${Math.floor((i - W_out) / Zg)}][${src((i - W_out) % Zg)}]`
          : `W_in[${Math.floor((i - W_in) / Zg)}][${src((i - W_in) % Zg)}]`;
  const moved = a.map((v, i) => ({ i, d: b[i]! - v, v })).sort((p, q) => Math.abs(q.d) - Math.abs(p.d)).slice(0, 14);
  for (const m of moved) console.log(`${name(m.i)} ${m.v.toFixed(3)} -> ${(m.v + m.d).toFixed(3)} (${m.d >= 0 ? '+' : ''}${m.d.toFixed(3)})`);
} else {
  const tests = Number(process.argv[4] ?? 300);
  const gen = createGenerator(cfg.task);
  const net = probeNet();
  const s = net.newStream();
  const { W_in, W_out, W_c, W_k } = net.layout;
  const spec = net.spec;
  const fmt = (v: number): string => v.toFixed(2);
  for (const f of readdirSync(dir).filter((n) => n.startsWith('snap-')).sort()) {
    const snap = readSnap(f);
    net.params.set(snap.net.params);
    const rng = trialStreams(99, 0).test; // the same test sequences for every copy
    let ok = 0;
    const sTrig = [0, 0], sEnd = [0, 0], inMean = [0, 0], outEnd = [0, 0], yEnd = [0, 0];
    const signed = { x: [0, 0, 0], y: [0, 0, 0] };
    let inN = 0;
    for (let n = 0; n < tests; n++) {
      const seq = gen.next(rng);
      net.reset(s);
      const T = seq.inputs.length;
      const outs: Float64Array[] = new Array<Float64Array>(T);
      let y: Float64Array = new Float64Array(2);
      for (let t = 0; t < T; t++) {
        y = net.predict(s, seq.inputs[t]!);
        if (t >= 2 && t < T - 2) { for (let j = 0; j < 2; j++) inMean[j]! += s.yIn[j]!; inN++; }
        if (t === T - 2) for (let j = 0; j < 2; j++) sTrig[j]! += Math.abs(s.s[j]!);
      }
      outs[T - 1] = y; // 2c's rule reads the last step only
      if (isCorrect('2c', outs, seq)) ok++;
      for (let j = 0; j < 2; j++) { sEnd[j]! += Math.abs(s.s[j]!); outEnd[j]! += s.yOut[j]!; yEnd[j]! += y[j]!; }
      if (seq.meta.task !== 'longlag') throw new Error('2c sequences expected');
      const c = signed[seq.meta.cls];
      c[0]! += s.s[0]!; c[1]! += s.s[1]!; c[2]!++;
    }
    let maxW = 0, maxAt = '';
    const groups: [string, number, number][] = [['in', W_in, spec.blocks * spec.zGate], ['out', W_out, spec.blocks * spec.zGate], ['c', W_c, spec.cells * spec.zCell], ['k', W_k, spec.outputs * spec.outSources]];
    const norms = groups.map(([name, at, n]) => {
      let m = 0;
      for (let i = 0; i < n; i++) { const a = Math.abs(net.params[at + i]!); m = Math.max(m, a); if (a > maxW) { maxW = a; maxAt = `${name}[${i}]`; } }
      return `${name} ${fmt(m)}`;
    });
    const kw = Array.from(net.params.subarray(W_k, W_k + spec.outputs * spec.outSources), fmt).join(',');
    console.log(`${snap.seqs} ok ${ok}/${tests} |s| trig ${sTrig.map((v) => fmt(v / tests))} end ${sEnd.map((v) => fmt(v / tests))} in-gate ${inMean.map((v) => fmt(v / inN))} out-gate end ${outEnd.map((v) => fmt(v / tests))} y end ${yEnd.map((v) => fmt(v / tests))} s end if x ${fmt(signed.x[0]! / signed.x[2]!)},${fmt(signed.x[1]! / signed.x[2]!)} if y ${fmt(signed.y[0]! / signed.y[2]!)},${fmt(signed.y[1]! / signed.y[2]!)} max|w| ${norms.join(' ')} (${maxAt}) W_k ${kw}`);
  }
}
