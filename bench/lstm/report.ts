// Turns the medians of the LSTM section into the markdown table (printed and written to
// results/lstm.md) and the raw JSON (results/lstm.json): Carousel against each peer per row,
// the ratio to each peer and to the peer(s) the issue names for that row, the issue's targets
// and whether they are met. The issue's peers: single-stream and forward rows are judged against
// the fastest of tfjs cpu, tfjs wasm and brain.js (PyTorch shown as information); the B=256 rows
// against tfjs wasm (≥ 1×) and PyTorch (≥ ½×), both judged.

import type { Work } from './contender.ts';
import { rtrl97Flops, vanillaFlops } from './flops.ts';
import type { GuardResult } from './guard.ts';

export interface Figures {
  X: number;
  Hs: number[];
  B: number;
  rounds: number;
  seconds: number;
  quick: boolean;
  date: string;
  machine: Record<string, unknown>;
  tfjs: Record<string, unknown>;
  torch: Record<string, unknown>;
  api: Record<string, boolean>;
  guard: GuardResult[];
  /** keyOf(work, H, id) → median steps/s (batch: batched steps/s); 'peak.js' / 'peak.wasm' → GFLOP/s. */
  medians: Record<string, number>;
  samples: Record<string, number[]>;
  does: Record<string, string>;
  lr: Record<string, number>;
  brainWindow: number;
  brainMemoryless: number;
}

type Target = { kind: 'ratio'; min: number } | { kind: 'batch' } | { kind: 'info' };

interface Row {
  label: string;
  work: Work;
  H: number;
  carousel: string;
  target: Target;
}

/** The peer columns; brain.js has only the window-16 trainPattern, so its 'train' cell is that. */
const PEERS = ['tfjs.cpu', 'tfjs.wasm', 'brainjs.w16', 'torch'] as const;
/** The peers issue #2 names for the single-stream and forward targets ("fastest peer"); PyTorch is not one of them. */
const TARGET_PEERS: readonly string[] = ['tfjs.cpu', 'tfjs.wasm', 'brainjs.w16'];
const peerWork = (id: string, work: Work): Work => (id.startsWith('brainjs') && work === 'train' ? 'train16' : work);
const isBatch = (w: Work): boolean => w === 'batch' || w === 'batchTrain';
const key = (work: string, H: number, id: string): string => `${work}|${H}|${id}`;

function fmt(v: number | undefined): string {
  if (v === undefined || !Number.isFinite(v)) return 'n/a';
  if (v >= 100) return Math.round(v).toLocaleString('en-US');
  return v.toPrecision(3);
}
const ratio = (a: number, b: number): string => `×${(a / b).toFixed(a / b >= 10 ? 0 : a / b >= 1 ? 1 : 2)}`;

function rows(Hs: number[]): Row[] {
  const out: Row[] = [];
  for (const H of Hs) out.push({ label: "rtrl97 online step ('cells')", work: 'train', H, carousel: 'carousel.rtrl97', target: { kind: 'ratio', min: H >= 128 ? 4 : 10 } });
  for (const H of Hs) out.push({ label: "rtrl97 online step ('all', info)", work: 'train', H, carousel: 'carousel.rtrl97.all', target: { kind: 'info' } });
  for (const H of Hs) out.push({ label: 'tbptt(1,16) online step', work: 'train16', H, carousel: 'carousel.vanilla', target: { kind: 'ratio', min: 3 } });
  for (const H of Hs) out.push({ label: "forward: Rtrl97.predict ('cells')", work: 'forward', H, carousel: 'carousel.rtrl97', target: { kind: 'ratio', min: 5 } });
  for (const H of Hs) out.push({ label: "forward: rtrl97 model, Lstm97InferBatch(1) (float64, Rtrl97.predict's bits)", work: 'forward', H, carousel: 'carousel.rtrl97.infer', target: { kind: 'ratio', min: 5 } });
  for (const H of Hs) out.push({ label: 'forward: rtrl97 model, Lstm97InferBatch(1) in float32', work: 'forward', H, carousel: 'carousel.rtrl97.infer32', target: { kind: 'ratio', min: 5 } });
  for (const H of Hs) out.push({ label: 'forward: vanilla cell', work: 'forward', H, carousel: 'carousel.vanilla', target: { kind: 'ratio', min: 5 } });
  for (const H of Hs) out.push({ label: "forward: vanilla, InferBatch(1) (float64, the learner's bits)", work: 'forward', H, carousel: 'carousel.vanilla.infer', target: { kind: 'ratio', min: 5 } });
  for (const H of Hs) out.push({ label: 'forward: vanilla, InferBatch(1) in float32', work: 'forward', H, carousel: 'carousel.vanilla32', target: { kind: 'ratio', min: 5 } });
  for (const H of Hs) out.push({ label: 'B=256 learning step: vanilla (1-step grad)', work: 'batchTrain', H, carousel: 'carousel.vanilla', target: { kind: 'batch' } });
  for (const H of Hs) out.push({ label: "B=256 learning step: rtrl97 ('cells', traces)", work: 'batchTrain', H, carousel: 'carousel.rtrl97', target: { kind: 'batch' } });
  for (const H of Hs) out.push({ label: 'B=256 forward step: vanilla, StreamBatch.step (+ the caches learn() reads)', work: 'batch', H, carousel: 'carousel.vanilla', target: { kind: 'batch' } });
  for (const H of Hs) out.push({ label: "B=256 forward step: vanilla, InferBatch (float64, the learner's bits)", work: 'batch', H, carousel: 'carousel.vanilla.infer', target: { kind: 'batch' } });
  for (const H of Hs) out.push({ label: "B=256 forward step: rtrl97 ('cells')", work: 'batch', H, carousel: 'carousel.rtrl97', target: { kind: 'batch' } });
  for (const H of Hs) out.push({ label: "B=256 forward step: rtrl97 model, Lstm97InferBatch (float64, Rtrl97.predict's bits)", work: 'batch', H, carousel: 'carousel.rtrl97.infer', target: { kind: 'batch' } });
  for (const H of Hs) out.push({ label: 'B=256 forward step: vanilla, InferBatch in float32', work: 'batch', H, carousel: 'carousel.vanilla32', target: { kind: 'batch' } });
  for (const H of Hs) out.push({ label: 'B=256 forward step: rtrl97 model, Lstm97InferBatch in float32', work: 'batch', H, carousel: 'carousel.rtrl97.infer32', target: { kind: 'batch' } });
  return out;
}

export function renderReport(f: Figures): { markdown: string; json: unknown } {
  const m = f.medians;
  const torchNa = 'na' in f.torch;
  const verdicts: { row: string; H: number | null; target: string; value: string; met: string }[] = [];
  const L: string[] = [];
  L.push(`# LSTM core benchmark${f.quick ? ' (QUICK RUN, not for the record)' : ''}`);
  L.push('');
  L.push(`${f.date}; ${String(f.machine['cpu'])}, ${String(f.machine['cores'])} cores (shared), node ${String(f.machine['node'])}; X=${f.X} inputs, 1 linear output; medians of ${f.rounds} interleaved rounds of ~${f.seconds} s samples.`);
  L.push(`Carousel kernel backend: ${String(f.machine['kernels'] ?? 'js')} (batched gate GEMMs, StreamBatch.step's vanilla/cifg cells, and the gate-block weight gradients of StreamBatch.learn's one-step backward, in WebAssembly SIMD f64x2 for B ≥ 4; Rtrl97's nets, trace pass and output-gate rows in WebAssembly for the streams in its own memory (all rtrl97 rows here); the vanilla learner's gate blocks (forward pre-activations; backward errors and 16-step deferred weight gradients) in WebAssembly in its own memory too; the cells' squashing (vanilla/cifg, the 1997 cell's nets and h(s) for Rtrl97's kernel streams, one or a batch) in WebAssembly with fdlibm's bits; InferBatch and Lstm97InferBatch rows: forward-only, weights and state in a WebAssembly instance of their own, lanes over streams in panels of 8 (one stream: over units), f64x2 with the learner's bits or f32x4; packages/lstm/wasm, docs/kernels.md).`);
  L.push(`Peers: tfjs ${String(f.tfjs['version'])} cpu and wasm (simd ${String(f.tfjs['wasmSimd'])}, threads ${String(f.tfjs['wasmThreads'])}), brain.js 2.0.0-beta.24, PyTorch ${torchNa ? `n/a (${String(f.torch['na'])})` : `${String(f.torch['version'])}, 1 thread`}.`);
  const load = (k: string): string => ((f.machine[k] as number[] | undefined) ?? []).map((l) => l.toFixed(1)).join(' ');
  const spread: Record<string, number> = {};
  for (const [k, v] of Object.entries(f.samples)) spread[k] = (Math.max(...v) - Math.min(...v)) / (f.medians[k] ?? NaN);
  const sp = Object.values(spread).filter(Number.isFinite).sort((a, b) => a - b);
  L.push(`Machine load average (1/5/15 min) at start ${load('load')}, at end ${load('loadEnd')}; sample spread (max−min)/median: median ${(100 * (sp[sp.length >> 1] ?? NaN)).toFixed(0)}%, worst ${(100 * (sp[sp.length - 1] ?? NaN)).toFixed(0)}% (every sample is in lstm.json).`);
  L.push('');
  L.push('Steps per second (B=256 rows: batched steps/s, each advancing 256 streams). A peer cell shows the peer\'s figure and (×r) = Carousel ÷ that peer.');
  L.push('');
  L.push('Targets as issue #2 defines them: single-stream online and forward rows, Carousel ÷ the fastest of tfjs cpu, tfjs wasm and brain.js (the issue\'s peers for those targets; the PyTorch column and its ratio are information, not judged); B=256 rows, two targets, both judged: ≥ 1× tfjs wasm and ≥ ½× PyTorch (CPU, one thread), the ratio column shows Carousel ÷ each.');
  L.push('');
  L.push('| row | H | Carousel | tfjs cpu | tfjs wasm | brain.js w=16 | PyTorch | Carousel ÷ target peer(s) | target | met |');
  L.push('|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows(f.Hs)) {
    const c = m[key(r.work, r.H, r.carousel)];
    const peers = PEERS.map((p) => ({ id: p as string, v: isBatch(r.work) && p.startsWith('brainjs') ? undefined : m[key(peerWork(p, r.work), r.H, p)] }));
    const cells = peers.map(({ id, v }) => {
      if (id === 'torch' && torchNa) return 'n/a';
      if (id.startsWith('brainjs') && isBatch(r.work)) return 'n/a (no batch API)';
      if (v === undefined) return 'n/a';
      return c === undefined ? fmt(v) : `${fmt(v)} (${ratio(c, v)})`;
    });
    const measured = peers.filter((p) => p.v !== undefined && TARGET_PEERS.includes(p.id)) as { id: string; v: number }[];
    const best = measured.reduce<{ id: string; v: number } | null>((a, p) => (a === null || p.v > a.v ? p : a), null);
    let vsBest = 'n/a';
    let targetText: string;
    let met: string;
    if (c === undefined) {
      targetText = r.target.kind === 'ratio' ? `≥${r.target.min}×` : r.target.kind === 'info' ? 'information' : '≥ tfjs wasm, ≥ ½ PyTorch';
      met = 'n/a (not built yet)';
    } else if (r.target.kind === 'info') {
      targetText = '(information: 4× the weights)';
      vsBest = best ? `${ratio(c, best.v)} (${best.id})` : 'n/a';
      met = '—';
    } else if (r.target.kind === 'ratio') {
      targetText = `≥${r.target.min}× fastest peer`;
      vsBest = best ? `${ratio(c, best.v)} (${best.id})` : 'n/a';
      met = best && c / best.v >= r.target.min ? 'met' : 'NOT met';
    } else {
      targetText = '≥ 1× tfjs wasm; ≥ ½× PyTorch';
      const wasm = m[key(r.work, r.H, 'tfjs.wasm')];
      const torch = torchNa ? undefined : m[key(r.work, r.H, 'torch')];
      const okWasm = wasm !== undefined && c >= wasm;
      const okTorch = torch !== undefined && c >= torch / 2;
      vsBest = `${wasm === undefined ? 'n/a' : ratio(c, wasm)} (tfjs.wasm); ${torch === undefined ? 'n/a' : ratio(c, torch)} (torch)`;
      const wasmMet = `tfjs wasm ${wasm === undefined ? 'not measured' : okWasm ? 'met' : 'NOT met'}`;
      const torchMet = `PyTorch ${torch === undefined ? 'not measured' : okTorch ? 'met' : 'NOT met'}`;
      met = `${okWasm && okTorch ? 'met' : 'NOT met'} (${wasmMet}; ${torchMet})`;
    }
    L.push(`| ${r.label} | ${r.H} | ${fmt(c)} | ${cells.join(' | ')} | ${vsBest} | ${targetText} | ${met} |`);
    if (r.target.kind !== 'info') verdicts.push({ row: r.label, H: r.H, target: targetText, value: vsBest, met });
  }

  // GFLOP/s at the largest H against the measured scalar peak.
  const H = f.Hs[f.Hs.length - 1]!;
  const pj = m['peak.js'] ?? NaN;
  const pw = m['peak.wasm'] ?? NaN;
  const peak = Math.max(Number.isFinite(pj) ? pj : 0, Number.isFinite(pw) ? pw : 0);
  const r97 = rtrl97Flops(f.X, H, 1, 'cells');
  const r97all = rtrl97Flops(f.X, H, 1, 'all');
  const van = vanillaFlops(f.X, H, 1, 16);
  const van1 = vanillaFlops(f.X, H, 1, 1);
  const gf: { label: string; k: string; flops: number; streams: number }[] = [
    { label: "rtrl97 online step ('cells')", k: key('train', H, 'carousel.rtrl97'), flops: r97.train, streams: 1 },
    { label: "rtrl97 online step ('all')", k: key('train', H, 'carousel.rtrl97.all'), flops: r97all.train, streams: 1 },
    { label: 'tbptt(1,16) online step', k: key('train16', H, 'carousel.vanilla'), flops: van.train, streams: 1 },
    { label: "Rtrl97.predict ('cells')", k: key('forward', H, 'carousel.rtrl97'), flops: r97.forward, streams: 1 },
    { label: "Rtrl97 model forward (Lstm97InferBatch(1), float64)", k: key('forward', H, 'carousel.rtrl97.infer'), flops: r97.forward, streams: 1 },
    { label: 'vanilla forward', k: key('forward', H, 'carousel.vanilla'), flops: van.forward, streams: 1 },
    { label: 'vanilla forward (InferBatch(1), float64)', k: key('forward', H, 'carousel.vanilla.infer'), flops: van.forward, streams: 1 },
    { label: 'B=256 vanilla learning step', k: key('batchTrain', H, 'carousel.vanilla'), flops: van1.train - van1.update + van1.update / f.B, streams: f.B },
    { label: "B=256 rtrl97 learning step ('cells')", k: key('batchTrain', H, 'carousel.rtrl97'), flops: r97.train - r97.update + r97.update / f.B, streams: f.B },
    { label: 'B=256 vanilla forward step (StreamBatch)', k: key('batch', H, 'carousel.vanilla'), flops: van.forward, streams: f.B },
    { label: 'B=256 vanilla forward step (InferBatch, float64)', k: key('batch', H, 'carousel.vanilla.infer'), flops: van.forward, streams: f.B },
    { label: "B=256 rtrl97 forward step ('cells')", k: key('batch', H, 'carousel.rtrl97'), flops: r97.forward, streams: f.B },
    { label: 'B=256 rtrl97 forward step (Lstm97InferBatch, float64)', k: key('batch', H, 'carousel.rtrl97.infer'), flops: r97.forward, streams: f.B },
  ];
  L.push('');
  L.push(`Achieved GFLOP/s at H=${H} (flops counted analytically, bench/lstm/flops.ts) against the scalar float64 multiply-add peak measured in this run: JS ${pj.toFixed(2)}, WebAssembly ${pw.toFixed(2)} GFLOP/s → peak ${peak.toFixed(2)} GFLOP/s. Target: ≥40% of peak.`);
  L.push('');
  L.push('| Carousel step | flops/step | steps/s | GFLOP/s | % of peak | met (≥40%) |');
  L.push('|---|---|---|---|---|---|');
  const gflops: Record<string, number> = {};
  for (const g of gf) {
    const s = m[g.k];
    const flops = g.flops * g.streams;
    if (s === undefined) {
      L.push(`| ${g.label} | ${fmt(flops)} | n/a | n/a | n/a | n/a (not built yet) |`);
      continue;
    }
    const G = (s * flops) / 1e9;
    gflops[g.label] = G;
    const pct = (100 * G) / peak;
    const met = pct >= 40 ? 'met' : 'NOT met';
    L.push(`| ${g.label} | ${fmt(flops)} | ${fmt(s)} | ${G.toFixed(2)} | ${pct.toFixed(0)}% | ${met} |`);
    verdicts.push({ row: `GFLOP/s ${g.label}`, H, target: '≥40% of peak', value: `${pct.toFixed(0)}%`, met });
  }

  L.push('');
  L.push(`Where a Carousel online step's time goes at H=${H} (steps/s; µs per step):`);
  L.push('');
  const us = (v: number | undefined): string => (v === undefined ? 'n/a' : `${fmt(v)} (${(1e6 / v).toFixed(0)} µs)`);
  for (const [label, id, work] of [["rtrl97 ('cells')", 'carousel.rtrl97', 'train'], ['tbptt(1,16)', 'carousel.vanilla', 'train16']] as const) {
    const full = m[key(work, H, id)];
    const plain = m[key(work, H, `${id}.plain`)];
    const none = m[key(work, H, `${id}.none`)];
    L.push(`- ${label}: step + learn, no update ${us(none)}; + plain SGD loop ${us(plain)}; step + learnSgd, learn and the SGD step fused (the table's figure) ${us(full)}`);
  }
  L.push('');
  L.push('Correctness guard (before timing; 400 online steps on the sine stream at H=32, mean loss of steps 0-99 → 300-399):');
  L.push('');
  for (const g of f.guard) L.push(`- ${g.id}: ${g.first.toExponential(2)} → ${g.last.toExponential(2)} ${g.learns ? 'learns' : 'DOES NOT LEARN'}${g.note ? ` (${g.note})` : ''}`);
  if (torchNa) L.push(`- torch: n/a (${String(f.torch['na'])})`);
  L.push('');
  L.push(`brain.js memoryless (window ${f.brainMemoryless}, no recurrence used; information only, not counted as a peer): ` +
    f.Hs.map((h) => `H=${h} train ${fmt(m[key('train16', h, 'brainjs.w1')])}, forward ${fmt(m[key('forward', h, 'brainjs.w1')])}`).join('; ') + ' steps/s.');
  L.push('');
  L.push('What each contender does per step:');
  L.push('');
  const seen = new Set<string>();
  for (const [k, d] of Object.entries(f.does)) {
    const [work, , id] = k.split('|');
    const u = `${work}|${id}`;
    if (seen.has(u)) continue;
    seen.add(u);
    L.push(`- ${work} ${id}: ${d}`);
  }
  if (!torchNa) L.push(`- torch (${String(f.torch['python'])}): torch.nn.LSTMCell + Linear, float32, 1 thread; train = forward, ½(y−d)², backward, SGD step, (h, c) detached (1-step gradient); train16 = TBPTT(1,16): the last 16 steps rerun from the state stored 16 steps back, backward of the newest loss, SGD; forward/batch under no_grad; batchTrain = one [B, X] step, summed loss, backward, SGD (bench/lstm/torch_peer.py)`);
  L.push('');
  L.push("Notes: Carousel computes in float64, the peers in float32. The rtrl97 rows use cellSources 'cells' (gates and cells read x and the H cell outputs: 4H·(X+H+1) + H+1 weights, the peers' LSTM weight count; no peepholes); the ('all', info) row is the 1997 paper's connectivity, all 4H activations fed back, about 4× the recurrent weights. rtrl97's online step carries exact forward-mode traces for the cell-input, input- and forget-gate weights (more work per step than a 1-step gradient); the 1-step-gradient tfjs/PyTorch peer is the closest a tfjs or PyTorch user gets to an online step without a window. The tbptt(1,16) row's peers all backpropagate through the last 16 steps every step. brain.js has no carried state and needs inputSize = outputSize, so its online step retrains a 16-step window from zero state and predicts 8 outputs; it stands in both online rows. B=256 learning rows: Carousel vanilla = tbptt(1,1) (1-step gradient per stream, as the peers); Carousel rtrl97 also updates every stream's traces.");
  const markdown = L.join('\n') + '\n';
  const json = { ...f, spread, peak: { js: pj, wasm: pw, used: peak }, gflops, flopsPerStep: { rtrl97: r97, rtrl97all: r97all, vanilla: van, H }, verdicts };
  return { markdown, json };
}
