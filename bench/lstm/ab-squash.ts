// A/B of the squashing kernels: the cells' squashing (gates' sigmoid, the cell input and output
// squashes) in JS (Math.exp / Math.tanh) against WebAssembly (wasm/math.ts sigmoid2 / tanh2, two
// lanes at a time; setWasmSquash), everything else the same wasm backend. Same seed, same data,
// same bits. Each side runs in a process of its own (a child of this one), alternating, because
// flipping setWasmSquash inside one process makes V8 deoptimize the shared JS cell loops again and
// again and slows the JS side. CPU time per row; medians over the rounds. Rows: the vanilla cell's
// tbptt(1,16) online step and forward step of one stream; Rtrl97's online step (step + learnSgd)
// and predict; Rtrl97.predictBatch over 256 streams (kernelStreams 256: every stream's nets and
// h(s) squashed in the learner's wasm memory since session 15); StreamBatch.step over 256 streams
// (since session 15 the whole vanilla layer step in wasm-kernels.ts, against the wasm GEMM and the
// JS cells). Run:
//   npx tsx bench/lstm/ab-squash.ts [rounds]
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Rtrl97, StreamBatch, createOptimizer, setWasmSquash, tbptt, type RecurrentOptions } from '@carousel/lstm';
import { RTRL97_CONFIG, TBPTT_K1, TBPTT_K2, VANILLA_OPTIONS } from './carousel.ts';
import { median } from './contender.ts';
import { cpuRate } from './cpu-rate.ts';
import { sineStream } from './sine.ts';

const data = sineStream(8);
const HS = [32, 64, 128];
const BATCH = 256;

/** The rows of one side, each a step function. */
function rows(): [string, () => void][] {
  const out: [string, () => void][] = [];
  for (const H of HS) {
    const d = new Float64Array(1);
    let t = 0;
    const net = tbptt(VANILLA_OPTIONS(data.X, H) as RecurrentOptions, TBPTT_K1, TBPTT_K2);
    const opt = createOptimizer({ kind: 'sgd', lr: 0.01 }, net.params.length);
    const s = net.newStream();
    out.push([`vanilla H=${H} online`, () => {
      d[0] = data.d[t % data.d.length]!;
      net.step(s, data.row(t++));
      net.learn(s, d);
      opt.apply(net.params, net.grad);
      net.grad.fill(0);
    }]);
    const fwd = tbptt(VANILLA_OPTIONS(data.X, H) as RecurrentOptions, TBPTT_K1, TBPTT_K2);
    const fs = fwd.newStream();
    out.push([`vanilla H=${H} forward`, () => void fwd.step(fs, data.row(t++))]);
    const r = new Rtrl97(RTRL97_CONFIG(data.X, H));
    const rs = r.newStream();
    out.push([`rtrl97 H=${H} online`, () => {
      d[0] = data.d[t % data.d.length]!;
      r.step(rs, data.row(t++));
      r.learnSgd(rs, d, 0.05);
    }]);
    const p = new Rtrl97(RTRL97_CONFIG(data.X, H));
    const ps = p.newStream();
    out.push([`rtrl97 H=${H} predict`, () => void p.predict(ps, data.row(t++))]);
    const pb = new Rtrl97(RTRL97_CONFIG(data.X, H), undefined, { kernelStreams: BATCH });
    const pbs = Array.from({ length: BATCH }, () => pb.newStream());
    const X = Float64Array.from({ length: BATCH * data.X }, (_, i) => data.row(Math.floor(i / data.X))[i % data.X]!);
    const Y = new Float64Array(BATCH);
    out.push([`rtrl97 H=${H} B=${BATCH} predictBatch`, () => pb.predictBatch(pbs, X, Y)]);
    const sb = tbptt(VANILLA_OPTIONS(data.X, H) as RecurrentOptions, 1, TBPTT_K2);
    const batch = new StreamBatch(sb, Array.from({ length: BATCH }, () => sb.newStream()));
    out.push([`vanilla H=${H} B=${BATCH} StreamBatch.step`, () => void batch.step(X)]);
  }
  return out;
}

const self = fileURLToPath(import.meta.url);
if (process.argv[2] === '--side') {
  // a child: one side, every row, warm-up then one timed sample each; JSON to stdout
  setWasmSquash(process.argv[3] === 'wasm');
  const res: Record<string, number> = {};
  for (const [name, step] of rows()) {
    cpuRate(step, 0.2);
    res[name] = cpuRate(step, 0.4);
  }
  process.stdout.write(JSON.stringify(res));
} else {
  const rounds = Number(process.argv[2] ?? 5);
  const got: Record<'js' | 'wasm', Record<string, number>[]> = { js: [], wasm: [] };
  for (let r = 0; r < rounds; r++) {
    for (const side of r % 2 === 0 ? (['js', 'wasm'] as const) : (['wasm', 'js'] as const)) {
      const out = execFileSync(process.execPath, [...process.execArgv, self, '--side', side], { encoding: 'utf8' });
      got[side].push(JSON.parse(out) as Record<string, number>);
    }
  }
  for (const name of Object.keys(got.js[0]!)) {
    const a = median(got.js.map((x) => x[name]!));
    const b = median(got.wasm.map((x) => x[name]!));
    console.log(`${name.padEnd(26)} JS squash ${a.toFixed(1).padStart(10)}  wasm ${b.toFixed(1).padStart(10)} steps/CPU-s  x${(b / a).toFixed(2)}`);
  }
}
