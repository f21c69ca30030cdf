// The PyTorch CPU peer: runs torch_peer.py (Debian's python3-torch, one thread) once per round,
// so it shares each round's machine noise with the others, and reads its JSON. When
// `python3 -c 'import torch'` fails, every PyTorch figure is 'n/a (python3-torch not installed)'.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Work } from './contender.ts';

const SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

export interface TorchRound {
  version: string;
  threads: number;
  guard?: { H: number; first: number; last: number };
  rows: { work: Work; H: number; steps_per_s: number }[];
}

/** null with the reason when torch cannot be imported. */
export function torchAvailable(): { ok: true; version: string } | { ok: false; reason: string } {
  const r = spawnSync('python3', ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
  if (r.status === 0) return { ok: true, version: r.stdout.trim() };
  return { ok: false, reason: r.error ? 'python3 not found' : 'python3-torch not installed' };
}

export function torchRound(opts: { X: number; Hs: readonly number[]; B: number; seconds: number; lr: number; guard: boolean }): TorchRound {
  const args = [SCRIPT, '--X', String(opts.X), '--H', opts.Hs.join(','), '--B', String(opts.B), '--seconds', String(opts.seconds), '--lr', String(opts.lr)];
  if (opts.guard) args.push('--guard');
  const r = spawnSync('python3', args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`torch_peer.py failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as TorchRound;
}
