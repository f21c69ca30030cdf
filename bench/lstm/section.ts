// The LSTM core section of `npm run bench`: Carousel's rtrl97 and tbptt(1,16) against tfjs
// (cpu, wasm), brain.js and PyTorch, in one process, in interleaved rounds (every contender gets
// one sample per round, in a rotating order, so machine noise hits all alike), medians reported.
// Also the scalar f64 multiply-add peak for the GFLOP/s figure. Prints a markdown table; writes
// results/lstm.md and results/lstm.json unless --quick / --no-write. Asserts nothing.

import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { kernelBackend } from '@carousel/lstm';
import type { BenchArgs } from '../args.ts';
import { brainContender, BrainOnline } from './brain-peer.ts';
import { carouselApi, updateVariantContender, rtrl97BatchContender, rtrl97Contender, rtrl97InferContender, rtrl97Loop, tbpttContender, tbpttLoop, vanillaBatchContender, vanillaInferContender } from './carousel.ts';
import { calibrate, median, now, sample, type Contender } from './contender.ts';
import { guardLine, guardOf, runGuard, type GuardResult } from './guard.ts';
import { jsPeakLoop, PEAK_FLOPS_PER_ITER, wasmPeakLoop, type PeakLoop } from './peak.ts';
import { renderReport, type Figures } from './report.ts';
import { sineStream } from './sine.ts';
import { TFJS_WINDOW, tfjsContender, tfjsInfo, TfjsOnline, useBackend } from './tfjs-peer.ts';
import { torchAvailable, torchRound, type TorchRound } from './torch-peer.ts';

const X = 8;
const HS = [32, 64, 128] as const;
const B = 256;
/** Learning rates with which each contender learns the guard stream (checked by the guard). */
const LR = { carousel: 0.05, tfjs: 0.05, brain: 0.01, torch: 0.05 } as const;
/** brain.js windows: 16 = the context of tbptt(1,16) (a peer); 1 = memoryless (information only). */
const BRAIN_WINDOW = 16;
const BRAIN_MEMORYLESS = 1;

export const keyOf = (work: string, H: number, id: string): string => `${work}|${H}|${id}`;

export async function run(args: BenchArgs): Promise<void> {
  const rounds = args.rounds ?? (args.quick ? 5 : 9);
  const seconds = args.seconds ?? (args.quick ? 0.04 : 0.25);
  const data = sineStream(X);
  const api = carouselApi();
  const torch = torchAvailable();
  const tfInfo = await tfjsInfo();
  const machine: Record<string, unknown> & { load: number[]; loadEnd?: number[] } = {
    cpu: os.cpus()[0]?.model ?? '?', cores: os.cpus().length, node: process.version, load: os.loadavg(), kernels: kernelBackend(),
  };
  console.log(`machine: ${String(machine['cpu'])}, ${String(machine['cores'])} cores, node ${String(machine['node'])}, load ${machine.load.map((l) => l.toFixed(2)).join(' ')}`);
  console.log(`tfjs ${String(tfInfo['version'])} (wasm simd ${String(tfInfo['wasmSimd'])}, threads ${String(tfInfo['wasmThreads'])}); PyTorch: ${torch.ok ? torch.version : `n/a (${torch.reason})`}`);
  console.log(`@carousel/lstm exports: tbptt ${api.tbptt ? 'yes' : 'no'}, StreamBatch ${api.streamBatch ? 'yes' : 'no'}, createOptimizer ${api.optimizer ? 'yes' : 'no (plain SGD loop)'}`);
  console.log(`rounds ${rounds}, ~${seconds} s per sample${args.quick ? ' (quick: not for the record)' : ''}\n`);

  // 1. Correctness guard, before any timing.
  console.log(`guard: ${400} online steps on the sine stream, H=32, mean loss first vs last 100 steps`);
  const guard: GuardResult[] = [];
  const g = (r: GuardResult): void => {
    guard.push(r);
    console.log('  ' + guardLine(r));
  };
  g(runGuard('carousel.rtrl97', 32, rtrl97Loop(data, 32, LR.carousel).learnStep, "cellSources 'cells'"));
  g(runGuard('carousel.rtrl97.all', 32, rtrl97Loop(data, 32, LR.carousel, 'sgd', 'all').learnStep, "cellSources 'all'"));
  const tb = tbpttLoop(data, 32, LR.carousel);
  if (tb) g(runGuard('carousel.vanilla', 32, tb.learnStep, 'tbptt(1,16)'));
  else console.log('  carousel.vanilla   n/a (not built yet)');
  for (const be of ['cpu', 'wasm'] as const) {
    await useBackend(be);
    const net = new TfjsOnline(be, data, 32, 1, LR.tfjs);
    g(runGuard(`tfjs.${be}`, 32, () => net.learnStep(), '1-step gradient'));
    const net16 = new TfjsOnline(be, data, 32, 1, LR.tfjs);
    g(runGuard(`tfjs.${be}`, 32, () => net16.learnWindowStep(TFJS_WINDOW), 'TBPTT(1,16)'));
  }
  for (const w of [BRAIN_WINDOW, BRAIN_MEMORYLESS]) {
    const net = new BrainOnline(data, 32, w, LR.brain);
    g(runGuard(`brainjs.w${w}`, 32, () => net.learnStep(), "brain.js's own error over 8 outputs"));
  }
  if (torch.ok) {
    const t = torchRound({ X, Hs: [32], B, seconds: 0.01, lr: LR.torch, guard: true });
    if (t.guard) g(guardOf('torch', 32, t.guard.first, t.guard.last, '1-step gradient'));
    if (t.guard16) g(guardOf('torch', 32, t.guard16.first, t.guard16.last, 'TBPTT(1,16)'));
  } else console.log(`  torch              n/a (${torch.reason})`);

  // 2. Contenders.
  const contenders: Contender[] = [];
  const add = (c: Contender | null): void => {
    if (c) contenders.push(c);
  };
  for (const H of HS) {
    add(rtrl97Contender('train', data, H, LR.carousel));
    add(rtrl97Contender('train', data, H, LR.carousel, 'all'));
    add(tbpttContender('train16', data, H, LR.carousel));
    add(rtrl97Contender('forward', data, H, LR.carousel));
    add(tbpttContender('forward', data, H, LR.carousel));
    for (const work of ['batch', 'batchTrain'] as const) {
      add(vanillaBatchContender(work, data, H, B, LR.carousel));
      add(rtrl97BatchContender(work, data, H, B, LR.carousel));
    }
    for (const precision of ['f64', 'f32'] as const) for (const streams of [1, B]) add(vanillaInferContender(data, H, streams, precision));
    for (const precision of ['f64', 'f32'] as const) for (const streams of [1, B]) add(rtrl97InferContender(data, H, streams, precision));
    for (const be of ['cpu', 'wasm'] as const) {
      await useBackend(be);
      add(tfjsContender(be, 'train', data, H, 1, LR.tfjs));
      add(tfjsContender(be, 'train16', data, H, 1, LR.tfjs));
      add(tfjsContender(be, 'forward', data, H, 1, LR.tfjs));
      add(tfjsContender(be, 'batch', data, H, B, LR.tfjs));
      add(tfjsContender(be, 'batchTrain', data, H, B, LR.tfjs / B));
    }
    if (H === HS[HS.length - 1]) {
      for (const learner of ['rtrl97', 'vanilla'] as const) {
        for (const update of ['plain', 'none'] as const) add(updateVariantContender(learner, update, data, H, LR.carousel));
      }
    }
    for (const w of [BRAIN_WINDOW, BRAIN_MEMORYLESS]) {
      add(brainContender('train16', data, H, w, LR.brain));
      add(brainContender('forward', data, H, w, LR.brain));
    }
  }

  // 3. Calibrate (also the JIT warm-up), then interleaved rounds.
  const t0 = now();
  const steps = new Map<Contender, number>();
  for (const c of contenders) {
    await c.enter?.();
    steps.set(c, calibrate(c, seconds));
  }
  const wasmPeak = await wasmPeakLoop();
  const peakIters = new Map<PeakLoop, number>();
  for (const f of [jsPeakLoop, wasmPeak]) {
    const probe = 1 << 20;
    f(probe, 0.9999999, 1e-7);
    const s = now();
    f(probe, 0.9999999, 1e-7);
    peakIters.set(f, Math.max(probe, Math.round((probe * seconds) / (now() - s))));
  }
  console.log(`\ncalibrated ${contenders.length} contenders in ${(now() - t0).toFixed(1)} s`);

  const samples: Record<string, number[]> = {};
  const push = (k: string, v: number): void => {
    (samples[k] ??= []).push(v);
  };
  const torchRounds: TorchRound[] = [];
  for (let r = 0; r < rounds; r++) {
    const rs = now();
    const order = contenders.map((_, i) => contenders[(i + r * 7) % contenders.length]!);
    for (const c of order) {
      await c.enter?.();
      push(keyOf(c.work, c.H, c.id), sample(c, steps.get(c)!));
    }
    for (const [name, f] of [['peak.js', jsPeakLoop], ['peak.wasm', wasmPeak]] as const) {
      const n = peakIters.get(f)!;
      const s = now();
      f(n, 0.9999999, 1e-7);
      push(name, (n * PEAK_FLOPS_PER_ITER) / (now() - s) / 1e9);
    }
    if (torch.ok) {
      try {
        const t = torchRound({ X, Hs: HS, B, seconds, lr: LR.torch, guard: false });
        torchRounds.push(t);
        for (const row of t.rows) push(keyOf(row.work, row.H, 'torch'), row.steps_per_s);
      } catch (err) {
        console.log(`  torch round failed: ${(err as Error).message}`);
      }
    }
    console.log(`round ${r + 1}/${rounds}: ${(now() - rs).toFixed(1)} s`);
  }

  machine.loadEnd = os.loadavg();
  const medians: Record<string, number> = {};
  for (const [k, v] of Object.entries(samples)) medians[k] = median(v);
  const does: Record<string, string> = {};
  for (const c of contenders) does[keyOf(c.work, c.H, c.id)] = c.does;

  const figures: Figures = {
    X, Hs: [...HS], B, rounds, seconds, quick: args.quick,
    date: new Date().toISOString(),
    machine, tfjs: tfInfo,
    torch: torch.ok ? { version: torch.version, python: torch.python, threads: torchRounds[0]?.threads ?? 1 } : { na: torch.reason },
    api, guard, medians, samples, does,
    lr: LR, brainWindow: BRAIN_WINDOW, brainMemoryless: BRAIN_MEMORYLESS,
  };
  const { markdown, json } = renderReport(figures);
  console.log('\n' + markdown);
  if (!args.noWrite) {
    const dir = new URL('../results/', import.meta.url);
    mkdirSync(dir, { recursive: true });
    writeFileSync(new URL('lstm.md', dir), markdown);
    writeFileSync(new URL('lstm.json', dir), JSON.stringify(json, null, 2) + '\n');
    console.log('wrote bench/results/lstm.md and bench/results/lstm.json');
  }
}
