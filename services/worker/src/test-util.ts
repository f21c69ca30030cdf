// Helpers shared by the worker's in-process tests (not exported from the package).

import { InProcTransport, type BusMsg } from '@carousel/bus';
import { encodeSample } from '@carousel/protocol';

/** Polls `cond` every 10 ms until it holds; throws naming `what` after `ms`. */
export async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 15_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Runs the registered clean-ups in reverse order (call from afterEach). */
export class Cleanup {
  #fns: (() => Promise<void>)[] = [];
  push(fn: () => Promise<void>): void {
    this.#fns.push(fn);
  }
  async run(): Promise<void> {
    const fns = this.#fns.reverse();
    this.#fns = [];
    for (const f of fns) await f();
  }
}

/** An in-process transport mapping carousel.in.<stream> onto `partitions` partitions, as infra/nats does. */
export function mappedInProc(partitions: number): InProcTransport {
  return new InProcTransport({ mappings: { 'carousel.in.*': `carousel.p.{{partition(${partitions},1)}}.{{wildcard(1)}}` } });
}

/** Collects each stream's predictions (carousel.out.<stream>) as they arrive. */
export function collectPredictions(t: InProcTransport, streams: readonly string[]): Map<string, BusMsg[]> {
  const out = new Map<string, BusMsg[]>(streams.map((s) => [s, []]));
  t.subscribe('carousel.out.>', { callback: (m) => out.get(m.subject.slice('carousel.out.'.length))?.push(m) });
  return out;
}

/** Publishes samples from..to-1 of every stream, in turn, with message ids `<stream>-<seq>`. */
export async function publishSamples(t: InProcTransport, data: ReadonlyMap<string, readonly number[][]>, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    for (const [s, x] of data) await t.jsPublish(`carousel.in.${s}`, encodeSample({ v: 1, stream: s, seq: i, x: x[i]! }), { msgId: `${s}-${i}` });
  }
}
