// Worker-thread entry of runExperiment: runs the trials it is sent, one at a time, and posts
// progress and results back. Loaded through the tsx bootstrap in experiment.ts (spawnTrialWorker).

import { parentPort } from 'node:worker_threads';
import { runTrial } from './trial.ts';
import type { RunTrialOptions, TrialProgress } from './options.ts';
import type { TrialResult } from './trial.ts';

/** parent -> worker */
export interface RunMessage {
  readonly type: 'run';
  readonly experiment: string;
  readonly options: Omit<RunTrialOptions, 'onProgress'>;
}

/** worker -> parent */
export type WorkerMessage =
  | { readonly type: 'progress'; readonly progress: TrialProgress }
  | { readonly type: 'result'; readonly result: TrialResult }
  | { readonly type: 'error'; readonly trial: number; readonly message: string };

function workerOnMessage(msg: RunMessage): void {
  const port = parentPort!;
  try {
    const result = runTrial(msg.experiment, {
      ...msg.options,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress } satisfies WorkerMessage),
    });
    port.postMessage({ type: 'result', result } satisfies WorkerMessage);
  } catch (e) {
    port.postMessage({ type: 'error', trial: msg.options.trial ?? 0, message: e instanceof Error ? e.message : String(e) } satisfies WorkerMessage);
  }
}

parentPort?.on('message', workerOnMessage);
