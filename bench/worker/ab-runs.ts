// The loop the worker side-by-side probes share (gc-probe, infer-probe, phase-probe): 2 × pairs whole
// benchWorker runs in turn, A B A B ..., each against a fresh nats-server from infra/nats/single.conf
// (the bench's partition mapping), printing one JSON line per run: its number, then what `run` returns.
import { readFileSync } from 'node:fs';
import { NatsServer, REPO_ROOT } from '@carousel/test-suites';

/** Seconds -> milliseconds, 2 decimals, for the probes' JSON lines. */
export const ms = (s: number): string => (s * 1000).toFixed(2);

export async function abRuns(pairs: number, run: (arm: 'A' | 'B', natsUrl: string) => Promise<Record<string, unknown>>): Promise<void> {
  const conf = readFileSync(`${REPO_ROOT}/infra/nats/single.conf`, 'utf8');
  for (let i = 0; i < 2 * pairs; i++) {
    const server = await NatsServer.start({ serverName: 'carousel-bench', configText: conf });
    try {
      console.log(JSON.stringify({ run: i + 1, ...(await run(i % 2 === 0 ? 'A' : 'B', server.url)) }));
    } finally {
      await server.close();
    }
  }
}
