// The harness's service runner: a stand-in service started as `node --import tsx <entry>`.

import { afterEach, describe, expect, test } from 'vitest';
import { freePort } from './ports.ts';
import { ServiceProcess } from './service.ts';
import { httpGet } from './wait.ts';

describe('harness - service processes', () => {
  const started: ServiceProcess[] = [];
  afterEach(async () => {
    await Promise.all(started.splice(0).map((s) => s.close()));
  });

  test('a service started with env is ready by URL and log line, and its output is collected', async () => {
    const port = await freePort();
    const svc = await ServiceProcess.start({
      entry: 'test/harness/fixtures/hello-service.ts',
      name: 'hello',
      env: { PORT: String(port), GREETING: 'bonjour' },
      readyLine: /listening on \d+/,
      readyUrl: `http://127.0.0.1:${port}/ready`,
    });
    started.push(svc);
    expect((await httpGet(`http://127.0.0.1:${port}/ready`))?.status).toBe(200);
    await svc.waitForLine('greeting: bonjour');
    expect(svc.output).toContain(`hello-service listening on ${port}`);
    expect(svc.output).toContain('[err] greeting: bonjour');
    const exit = await svc.close();
    expect(exit.code).toBe(0);
    expect(svc.output).toContain('hello-service stopping');
    expect(svc.running).toBe(false);
  });

  test('a service that exits before it is ready fails the start with its output', async () => {
    const err = await ServiceProcess.start({
      entry: 'test/harness/fixtures/hello-service.ts',
      name: 'noport',
      env: { PORT: '99999' },
      readyLine: 'listening',
    }).then(() => undefined, (e: Error) => e);
    expect(err?.message).toMatch(/noport exited \(code=1/);
    expect(err?.message).toContain('ERR_SOCKET_BAD_PORT');
  });
});
