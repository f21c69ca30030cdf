// The body of one worker thread of `carousel nab`: takes one data file at a time from the main
// thread, runs a fresh detector over it and posts the scores back (buffers transferred, not
// copied). It holds no state between files. The pool itself is run-corpus.ts.

import { readDataFile } from '@carousel/anomaly';
import { parentPort } from 'node:worker_threads';
import { detectSeries, type NabDetectorConfig } from './detector.ts';

/** Main -> worker: run the detector over one file. */
export interface NabJob {
  readonly id: number;
  /** Absolute path of the data CSV. */
  readonly file: string;
  readonly config: Readonly<NabDetectorConfig>;
}

/** Worker -> main. */
export type NabJobMessage =
  | { readonly kind: 'progress'; readonly id: number; readonly rows: number }
  | { readonly kind: 'done'; readonly id: number; readonly timestamps: Float64Array; readonly values: Float64Array; readonly scores: Float64Array; readonly ms: number }
  | { readonly kind: 'error'; readonly id: number; readonly message: string };

/** Rows between two progress messages. */
export const PROGRESS_EVERY = 500;

/** Runs one job in this thread (also used in-process when there is a single file). */
export async function runJob(job: NabJob, post: (m: NabJobMessage) => void): Promise<void> {
  const t0 = performance.now();
  try {
    const { timestamps, values } = await readDataFile(job.file);
    const scores = detectSeries(values, timestamps, job.config, (i) => {
      if ((i + 1) % PROGRESS_EVERY === 0) post({ kind: 'progress', id: job.id, rows: PROGRESS_EVERY });
    });
    post({ kind: 'done', id: job.id, timestamps, values, scores, ms: performance.now() - t0 });
  } catch (err) {
    post({ kind: 'error', id: job.id, message: `${job.file}: ${(err as Error).stack ?? String(err)}` });
  }
}

function threadOnMessage(job: NabJob): void {
  void runJob(job, (m) => {
    if (m.kind === 'done') parentPort!.postMessage(m, [m.timestamps.buffer, m.values.buffer, m.scores.buffer] as ArrayBuffer[]);
    else parentPort!.postMessage(m);
  });
}

if (parentPort) parentPort.on('message', threadOnMessage);
