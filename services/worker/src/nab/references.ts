// Scores published reference detectors (NAB's per-file outputs, `<detector>.tar.gz` holding
// `<detector>/<category>/<detector>_<file>.csv`) on exactly the files of our run, so a subset of
// the corpus is compared like for like. Extraction goes to a temporary folder that is removed.

import { readResults, type Profiles, type WindowLimits } from '@carousel/anomaly';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import * as tar from 'tar';
import { summarize, type CorpusSummary } from './run-corpus.ts';

/** The detectors whose archives lie in `referenceDir` (`<name>.tar.gz`), sorted. */
export async function listReferenceDetectors(referenceDir: string): Promise<string[]> {
  if (!existsSync(referenceDir)) return [];
  return (await readdir(referenceDir)).filter((f) => f.endsWith('.tar.gz')).map((f) => f.slice(0, -'.tar.gz'.length)).sort();
}

/** Each reference detector scored on `files` only (the keys of `windows`), thresholds optimised over those files. */
export async function scoreReferences(referenceDir: string, windows: ReadonlyMap<string, readonly WindowLimits[]>, profiles: Profiles): Promise<CorpusSummary[]> {
  const detectors = await listReferenceDetectors(referenceDir);
  if (detectors.length === 0) return [];
  const work = await mkdtemp(path.join(tmpdir(), 'carousel-nab-ref-'));
  try {
    const out: CorpusSummary[] = [];
    for (const d of detectors) {
      await tar.x({ file: path.join(referenceDir, `${d}.tar.gz`), cwd: work });
      const all = await readResults(work, d);
      const sub = new Map([...windows.keys()].filter((f) => all.has(f)).map((f) => [f, all.get(f)!]));
      if (sub.size < windows.size) throw new Error(`${d}: the archive lacks ${windows.size - sub.size} of the run's files`);
      out.push(summarize(d, sub, windows, profiles));
    }
    return out;
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}
