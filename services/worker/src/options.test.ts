// Worker options: defaults, checks naming the field, frozen results; the entry point's env/flag mapping.

import { describe, expect, test } from 'vitest';
import { optionsFromEnv } from './main.ts';
import { DEFAULT_PARTITIONS, parseWorkerOptions } from './options.ts';

describe('worker options', () => {
  test('defaults are complete and frozen', () => {
    const o = parseWorkerOptions({ workerId: 'w-1' });
    expect(o.partitions).toBe(DEFAULT_PARTITIONS);
    expect(o.heartbeatMs * 3).toBeLessThanOrEqual(o.leaseTtlMs);
    expect(Object.isFrozen(o)).toBe(true);
    expect(Object.isFrozen(o.stream)).toBe(true);
  });

  test('bad values are refused with the field named', () => {
    expect(() => parseWorkerOptions({ partitions: 0 })).toThrow(/partitions/);
    expect(() => parseWorkerOptions({ workerId: 'a.b' })).toThrow(/workerId/);
    expect(() => parseWorkerOptions({ leaseTtlMs: 1000, heartbeatMs: 500 })).toThrow(/heartbeatMs/);
    expect(() => parseWorkerOptions({ stream: { horizon: 0 } })).toThrow(/horizon/);
    // A model the LSTM refuses is a config error at start, not a failure of every stream's first sample.
    expect(() => parseWorkerOptions({ stream: { model: { hidden: -3 } as never } })).toThrow(/^WORKER_ERR_CONFIG: the stream config does not build a model: /);
    expect(() => parseWorkerOptions({ stream: { model: { optimizer: { kind: 'adam', lr: -1 } } as never } })).toThrow(/WORKER_ERR_CONFIG: .*lr must be/);
    expect(() => parseWorkerOptions({ groups: [{ name: 'g', pattern: 'm-*', stream: { model: { hidden: 0 } as never } }] })).toThrow(/WORKER_ERR_CONFIG/);
    expect(() => parseWorkerOptions({ sliceMs: -1 })).toThrow(/sliceMs/);
    expect(() => parseWorkerOptions({ sliceMs: Number.NaN })).toThrow(/sliceMs/);
    expect(() => parseWorkerOptions({ maxRestarts: -1 })).toThrow(/maxRestarts/);
    expect(() => parseWorkerOptions({ maxRestarts: 1.5 })).toThrow(/maxRestarts/);
    expect(() => parseWorkerOptions({ restartBackoffMs: 0 })).toThrow(/restartBackoffMs/);
    expect(() => parseWorkerOptions({ restartBackoffMs: 60_000 })).toThrow(/restartBackoffMs/);
  });

  test('environment variables and flags map onto options; flags win', () => {
    const o = parseWorkerOptions(optionsFromEnv(
      { NATS_URL: 'nats://a:4222', CAROUSEL_PARTITIONS: '8', CAROUSEL_WORKER_ID: 'env', CAROUSEL_METRICS_PORT: 'off', CAROUSEL_STREAM_CONFIG: '{"horizon":2}', CAROUSEL_SLICE_MS: '0.5' },
      ['--worker-id', 'flag', '--checkpoint-every', '50'],
    ));
    expect(o).toMatchObject({ natsUrl: 'nats://a:4222', partitions: 8, workerId: 'flag', metricsPort: null, checkpointEverySamples: 50, sliceMs: 0.5 });
    expect(parseWorkerOptions(optionsFromEnv({}, ['--slice-ms', '0'])).sliceMs).toBe(0);
    expect(parseWorkerOptions(optionsFromEnv({ CAROUSEL_MAX_RESTARTS: '3' }, ['--restart-backoff-ms', '20']))).toMatchObject({ maxRestarts: 3, restartBackoffMs: 20 });
    expect(parseWorkerOptions({})).toMatchObject({ maxRestarts: 10, restartBackoffMs: 100 });
    expect(o.stream.horizon).toBe(2);
  });
});
