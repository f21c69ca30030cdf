// Entry the CLI (`carousel simulate`) calls: runs a Simulator until its limits are reached or the
// signal aborts, then drains. Reading flags and environment is the CLI's job, not this file's.

import { Simulator, type SimulatorOptions, type SimulatorStats } from './simulator.ts';

export interface RunSimulatorOptions extends SimulatorOptions {
  /** Aborting drains the simulator and resolves. */
  signal?: AbortSignal;
}

/** Starts a simulator, waits for it to finish (limits or abort) and returns its counters. */
export async function runSimulator(options: RunSimulatorOptions): Promise<SimulatorStats> {
  const sim = new Simulator(options);
  const onAbort = (): void => void sim.drain();
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    sim.start();
    if (options.signal?.aborted) await sim.drain();
    await sim.closed();
    return { ...sim.stats };
  } finally {
    options.signal?.removeEventListener('abort', onAbort);
  }
}
