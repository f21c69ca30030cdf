// The PyTorch CPU peer: runs torch_peer.py (Debian's python3-torch, one thread) once per round,
// so it shares each round's machine noise with the others, and reads its JSON. Debian's torch is
// installed for /usr/bin/python3 (not a pyenv python3 that may come first on PATH), so that is
// tried first, then `python3`. When neither imports torch, every PyTorch figure is
// 'n/a (python3-torch not installed)'.

import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Work } from './contender.ts';

const SCRIPT = fileURLToPath(new URL('./torch_peer.py', import.meta.url));

export interface TorchRound {
  version: string;
  threads: number;
  guard?: { H: number; first: number; last: number };
  guard16?: { H: number; first: number; last: number };
  rows: { work: Work; H: number; steps_per_s: number }[];
}

/** Interpreters tried in order: Debian's (where python3-torch installs), then PATH's. */
const PYTHONS = ['/usr/bin/python3', 'python3'] as const;
let python = 'python3';

/** The version, or the reason when no interpreter imports torch. */
export function torchAvailable(): { ok: true; version: string; python: string } | { ok: false; reason: string } {
  let found = false;
  for (const py of PYTHONS) {
    const r = spawnSync(py, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' });
    if (!r.error) found = true;
    if (r.status === 0) {
      python = py;
      return { ok: true, version: r.stdout.trim(), python: py };
    }
  }
  return { ok: false, reason: found ? 'python3-torch not installed' : 'python3 not found' };
}

export function torchRound(opts: { X: number; Hs: readonly number[]; B: number; seconds: number; lr: number; guard: boolean }): TorchRound {
  const args = [SCRIPT, '--X', String(opts.X), '--H', opts.Hs.join(','), '--B', String(opts.B), '--seconds', String(opts.seconds), '--lr', String(opts.lr)];
  if (opts.guard) args.push('--guard');
  const r = spawnSync(python, args, { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`torch_peer.py failed (${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return JSON.parse(r.stdout) as TorchRound;
}
