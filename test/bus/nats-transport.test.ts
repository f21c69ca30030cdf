// NatsTransport against the Transport contract, on a real nats-server (JetStream in a temp
// folder, free port) started by the harness; plus connection failures only a real server shows.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BUS_ERR, NatsTransport } from '@carousel/bus';
import { transportContract } from '@carousel/bus/contract';
import { NatsServer, freePort, printOutputOnFailure } from '@carousel/test-suites';

let server: NatsServer;
beforeAll(async () => {
  server = await NatsServer.start({ serverName: 'bus-contract' });
});
afterAll(async () => {
  await server?.close();
});
printOutputOnFailure(() => [server]);

transportContract('nats', () => NatsTransport.connect({ servers: [server.url], name: 'contract' }));

describe('nats transport - connection', () => {
  test('connecting to a port with no server fails with BUS_ERR_CONNECTION', async () => {
    const port = await freePort();
    await expect(NatsTransport.connect({ servers: [`nats://127.0.0.1:${port}`] })).rejects.toMatchObject({ code: BUS_ERR.CONNECTION });
  });
});
