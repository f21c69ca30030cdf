// The harness's 3-node JetStream cluster: it forms (one meta leader all agree on), and a member
// killed with -9 comes back on the same ports and storage and rejoins.

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { connect } from 'nats';
import { NatsCluster } from './nats-cluster.ts';
import { printOutputOnFailure } from './output.ts';
import { waitFor } from './wait.ts';

interface Routez {
  num_routes: number;
}

describe('harness - 3-node nats cluster', () => {
  let cluster: NatsCluster;
  beforeAll(async () => {
    cluster = await NatsCluster.start({ size: 3 });
  });
  afterAll(async () => {
    await cluster?.close();
  });
  printOutputOnFailure(() => cluster?.servers ?? []);

  test('forms: every member is routed to the other two and a JetStream meta leader is elected', async () => {
    const leader = await cluster.waitForMetaLeader();
    expect(['n1', 'n2', 'n3']).toContain(leader);
    for (const s of cluster.servers) {
      await waitFor(`${s.name} routes`, async () => (await s.monitor<Routez>('routez'))?.num_routes === 2);
    }
  });

  test('a replicated stream survives kill -9 and restart of a member, which catches up', async () => {
    // The client talks to n1 and n2 only, so killing n3 tests the cluster, not client failover.
    const nc = await connect({ servers: [cluster.server('n1').url, cluster.server('n2').url] });
    try {
      const jsm = await nc.jetstreamManager();
      await jsm.streams.add({ name: 'R3', subjects: ['r3.>'], num_replicas: 3 });
      const js = nc.jetstream();
      for (let i = 0; i < 5; i++) await js.publish('r3.x', new Uint8Array([i]));

      const victim = cluster.server('n3');
      const port = victim.port;
      await victim.kill();
      expect(victim.running).toBe(false);
      // Two of three still form a quorum: writes go on (once a new stream leader is elected if n3
      // led; retries carry the same msg id, so none is stored twice).
      for (let i = 5; i < 10; i++) {
        await waitFor(`publish ${i} with n3 down`, () =>
          js.publish('r3.x', new Uint8Array([i]), { msgID: `m${i}`, timeout: 2_000 }).then(() => true),
        );
      }

      await victim.restart();
      expect(victim.port).toBe(port);
      await cluster.waitReady();
      const nc3 = await connect({ servers: victim.url });
      try {
        // n3 must catch up to all 10 messages (5 from its storage, 5 from the others).
        await waitFor('n3 replica caught up', async () => {
          const jsz = await victim.monitor<{ messages: number }>('jsz');
          return jsz?.messages === 10;
        });
        const info = await (await nc3.jetstreamManager()).streams.info('R3');
        expect(info.state.messages).toBe(10);
      } finally {
        await nc3.close();
      }
    } finally {
      await nc.close();
    }
  });
});
