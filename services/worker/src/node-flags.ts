// The node/V8 flags a worker process is meant to run with. V8 reads them only when the process
// starts (v8.setFlagsFromString cannot resize a running heap), so they live where processes are
// launched: the `carousel` command's shebang (packages/cli/bin/carousel.mjs, which also runs
// `carousel up` and `carousel worker`; packages/cli/src/bin.test.ts checks that they reach node)
// and the Dockerfile's worker target (test/deploy/compose.test.ts); the worker bench runs its
// worker process with them.
//
// --max-semi-space-size=64: V8's young generation may grow to 64 MB semi-spaces instead of
// Node 20's 16 MB. A worker turn allocates a little per sample (decode, the prediction, the
// message objects), and with thousands of actors much of it lives across a few turns, so with
// the default size the worker scavenges often and promotes what would have died young. Measured
// side by side (`npx tsx bench/worker/gc-probe.ts 1000 3` twice and 2 pairs at 256 MB, 2026-11-24):
// at 1,000 streams GC in the 5 s latency phase 19-61 ms instead of 80-122 ms in every pair, and
// publish -> prediction p99 lower in 6 of 8 pairs (medians 56 against 100 ms); docs/deployment.md.

/** The flags; the shebang and the Dockerfile spell them out (checked by their tests). */
export const WORKER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];

/**
 * The semi-space size in MB that a process's flags set (`--max-semi-space-size=N` or
 * `--max-semi-space-size N`, in its execArgv or NODE_OPTIONS; the last one wins, execArgv over
 * NODE_OPTIONS as node applies them), or null when neither sets it (V8's default).
 */
export function maxSemiSpaceMb(execArgv: readonly string[], nodeOptions: string | undefined): number | null {
  const fromArgs = (args: readonly string[]): number | null => {
    let mb: number | null = null;
    for (let i = 0; i < args.length; i++) {
      const a = args[i]!.replace(/_/g, '-');
      let v: string | undefined;
      if (a.startsWith('--max-semi-space-size=')) v = a.slice('--max-semi-space-size='.length);
      else if (a === '--max-semi-space-size') v = args[++i];
      if (v !== undefined && /^\d+$/.test(v)) mb = Number(v);
    }
    return mb;
  };
  return fromArgs(execArgv) ?? fromArgs((nodeOptions ?? '').split(/\s+/).filter((s) => s !== ''));
}

/** What to tell an operator whose worker runs with V8's default young generation. */
export function youngGenerationHint(): string {
  return `V8's default young generation: run node with ${WORKER_NODE_FLAGS.join(' ')} (the carousel command and the worker image do; docs/deployment.md)`;
}
