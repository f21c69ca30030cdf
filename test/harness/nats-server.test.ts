// The harness's single nats-server: starts on free ports with JetStream in a temp folder, survives
// kill -9 and restart with its storage, and cleans up.

import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect, type NatsConnection } from 'nats';
import { NatsServer } from './nats-server.ts';
import { printOutputOnFailure } from './output.ts';
import { rewriteNatsConfig } from './nats-config.ts';

describe('harness - single nats-server', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start({ serverName: 'single' });
  });
  afterAll(async () => {
    await server?.close();
  });
  printOutputOnFailure(() => [server]);

  test('is healthy on its free ports with JetStream enabled in its temp folder', async () => {
    expect(server.running).toBe(true);
    const varz = await server.monitor<{ port: number; server_name: string; jetstream?: { config?: { store_dir?: string } } }>('varz');
    expect(varz?.port).toBe(server.port);
    expect(varz?.server_name).toBe('single');
    expect(varz?.jetstream?.config?.store_dir).toContain(server.dir);
  });

  test('kill -9 and restart keeps the ports and the JetStream storage', async () => {
    let nc: NatsConnection = await connect({ servers: server.url });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'KEEP', subjects: ['keep.>'] });
      const js = nc.jetstream();
      for (let i = 0; i < 5; i++) await js.publish('keep.x', new Uint8Array([i]));
    } finally {
      await nc.close();
    }
    const pidBefore = server.pid;
    const exit = await server.kill();
    expect(exit?.signal).toBe('SIGKILL');
    expect(server.running).toBe(false);

    await server.restart();
    expect(server.pid).not.toBe(pidBefore);
    nc = await connect({ servers: server.url });
    try {
      const info = await (await nc.jetstreamManager()).streams.info('KEEP');
      expect(info.state.messages).toBe(5);
      expect(info.state.last_seq).toBe(5);
    } finally {
      await nc.close();
    }
  });

  test('close stops the process and removes the temp folder, and is idempotent', async () => {
    const s = await NatsServer.start({ serverName: 'short', jetstream: false });
    expect(existsSync(s.configFile)).toBe(true);
    await s.close();
    await s.close();
    expect(s.running).toBe(false);
    expect(existsSync(s.dir)).toBe(false);
  });

  test('await using stops the server at the end of the block', async () => {
    let leaked: NatsServer | undefined;
    {
      await using s = await NatsServer.start({ serverName: 'scoped', jetstream: false });
      leaked = s;
      expect(s.running).toBe(true);
    }
    expect(leaked.running).toBe(false);
  });

  test('a missing binary gives the setup hint', async () => {
    const saved = process.env.NATS_SERVER_BIN;
    process.env.NATS_SERVER_BIN = '/nonexistent/nats-server';
    try {
      await expect(NatsServer.start()).rejects.toThrow('nats-server not found: run `bash scripts/setup.sh` (installs Debian package nats-server)');
    } finally {
      if (saved === undefined) delete process.env.NATS_SERVER_BIN;
      else process.env.NATS_SERVER_BIN = saved;
    }
  });

  test('a bad config fails fast with the server output in the error', async () => {
    await expect(NatsServer.start({ serverName: 'broken', extraConfig: 'this is { not valid' })).rejects.toThrow(/exited/);
  });

  test('rewriting a checked-in config fails loudly when a key is missing', () => {
    expect(() => rewriteNatsConfig('port: 4222\n', { port: 1, monitorPort: 2, storeDir: '/x' })).toThrow("no 'http_port'");
  });
});
