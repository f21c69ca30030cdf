// Fuzz - the gateway's WebSocket frame handler, against a real Gateway on a free port (in-process
// bus): seeded hostile JSON text and msgpack binary frames on both subprotocols, frames before
// authentication, invalid UTF-8, oversize frames and a flood; then the process must be healthy.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { caseSeed } from './generators.ts';
import { GatewayFuzz, gatewayCase } from './gateway-fuzz.ts';

const CASES = 1500;
const SEED = 0x5eed;
let fuzz: GatewayFuzz;
beforeAll(async () => {
  fuzz = await GatewayFuzz.start();
});
afterAll(async () => {
  await fuzz?.close();
});

describe('fuzz - gateway frames', () => {
  test(`${CASES} seeded hostile frames: each is answered with known frames (errors GW_ERR_*) or a stated close code, and nothing escapes`, async () => {
    const strategies = new Map<string, number>();
    const t0 = performance.now();
    for (let i = 0; i < CASES; i++) {
      const c = gatewayCase(caseSeed(SEED, i));
      strategies.set(c.strategy, (strategies.get(c.strategy) ?? 0) + 1);
      await fuzz.run(c);
      if (fuzz.stats.failures.length >= 5) break; // enough to report; each costs a sync timeout
    }
    const seconds = (performance.now() - t0) / 1000;
    const s = fuzz.stats;
    console.log(`gateway fuzz: ${s.cases} cases in ${seconds.toFixed(2)} s (${(s.cases / seconds).toFixed(0)}/s); errors ${JSON.stringify(s.errors)}; closes ${JSON.stringify(s.closes)}; strategies ${JSON.stringify(Object.fromEntries(strategies))}; failures ${s.failures.length}`);
    expect(s.failures.slice(0, 5)).toEqual([]);
    expect(s.errors['GW_ERR_BAD_FRAME'] ?? 0).toBeGreaterThan(100);
    expect(s.closes['4001'] ?? 0).toBeGreaterThan(10);
    expect(s.closes['1009'] ?? 0).toBeGreaterThan(5);
    expect(s.closes['1007'] ?? 0).toBeGreaterThan(5);
  });

  test('a flood of 5000 frames without waiting is answered in order on the same socket', async () => {
    const r = await fuzz.flood(5000, caseSeed(SEED, 1 << 20));
    // Every ping (2500 + the final one) is answered; bad frames get error frames on top.
    expect(r.close).toBeNull();
    expect(r.answered).toBeGreaterThanOrEqual(2501);
  });

  test('afterwards the gateway is healthy: /healthz 200, a fresh client of each format authenticates, subscribes and gets a prediction', async () => {
    expect(await fuzz.healthy()).toEqual([]);
    expect(fuzz.uncaught).toEqual([]);
  });
});
