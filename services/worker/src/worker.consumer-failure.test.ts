// A partition's consumer that ends on its own (an error the bus does not retry, such as the input
// stream missing, or no error at all): the worker restarts the partition from its record after a
// backoff, so the partition is not left without a consumer. Before session 31 it logged
// consumer_failed and nothing consumed the partition again until its lease changed hands.

import { afterEach, describe, expect, test } from 'vitest';
import { BUS_ERR, BusError, type ConsumeOptions, type StreamConsumer, type StreamMsg, type Transport } from '@carousel/bus';
import { Cleanup, expectEveryStreamBitIdentical, mappedInProc, publishSamples, startOwningWorker } from './test-util.ts';

const cleanup = new Cleanup();
afterEach(() => cleanup.run());

const P = 1;
const N = 30;
const STREAMS = ['cf-a', 'cf-b'];
const CFG = { model: { hidden: 6, seed: 5 } };

/** A consumer that yields `after` messages of `inner`, then ends: with `error`, or quietly when it is undefined. */
function dying(inner: StreamConsumer, after: number, error: BusError | undefined): StreamConsumer {
  return {
    get stream() {
      return inner.stream;
    },
    get lastSeq() {
      return inner.lastSeq;
    },
    pending: () => inner.pending(),
    close: () => inner.close(),
    async *[Symbol.asyncIterator](): AsyncGenerator<StreamMsg> {
      let n = 0;
      for await (const m of inner) {
        yield m;
        if (++n === after) break;
      }
      await inner.close();
      if (error !== undefined) throw error;
    },
  };
}

/** `t` whose first `failures` consumers die after `after` messages each; `started` counts consume() calls. */
function withDyingConsumers(t: Transport, failures: number, after: number, error: BusError | undefined): { transport: Transport; readonly started: number } {
  let started = 0;
  const transport = new Proxy(t, {
    get(target, prop) {
      if (prop === 'consume') {
        return (stream: string, opts: ConsumeOptions) => {
          const c = target.consume(stream, opts);
          return started++ < failures ? dying(c, after, error) : c;
        };
      }
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return {
    transport,
    get started() {
      return started;
    },
  };
}

const xs = (s: string): number[][] => Array.from({ length: N }, (_, i) => [Math.sin(i / 3 + s.length), Math.cos(i / 5)]);

describe("a partition's consumer that ends on its own", () => {
  for (const [name, error] of [['with an error the bus does not retry', new BusError(BUS_ERR.NOT_FOUND, 'stream CAROUSEL_IN not found (injected)')], ['without an error', undefined]] as const) {
    test(`${name}: the partition is restarted from its record (twice in a row here), and every stream ends bit-identical to one feed of each sample`, async () => {
      const inner = mappedInProc(P);
      const faults = withDyingConsumers(inner, 2, 7, error);
      await startOwningWorker(cleanup, inner, faults.transport, {
        partitions: P, leaseTtlMs: 2_000, heartbeatMs: 100, workerId: 'cf', checkpointEverySamples: 10, checkpointEveryMs: 3_600_000, stream: CFG,
      });
      const data = new Map(STREAMS.map((s) => [s, xs(s)]));
      await publishSamples(inner, data, 0, N);
      // Each stream's last sample applied and checkpointed (a snapshot at its seq), with the
      // weights of one feed of each sample; the replays applied nothing twice.
      await expectEveryStreamBitIdentical(inner, data, CFG);
      expect(faults.started).toBe(3); // the first consumer, then a restart after each of the two that died
    }, 30_000);
  }
});
