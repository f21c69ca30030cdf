// infra/nats configs, started for real: the single-node config and the 3-node cluster set (copies
// with this run's ports and store dirs) map carousel.in.<stream> to carousel.p.<n>.<stream>,
// n in [0,16), and pick the same partition as the in-process transport's mapping.

import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { InProcTransport, NatsTransport, partitionOf, type Transport } from '@carousel/bus';
import { NatsCluster, NatsServer, REPO_ROOT, printOutputOnFailure } from '@carousel/test-suites';

const P = 16;
const INFRA = path.join(REPO_ROOT, 'infra/nats');
const STREAMS = ['abc', 'sensor-7', 'audio_mfcc_01', 'x', 'plant-42'];
const enc = new TextEncoder();

/** Publishes to carousel.in.<id> for each id and returns the subject each one arrived on. */
async function mappedSubjects(t: Transport, ids: string[]): Promise<Map<string, string>> {
  const sub = t.subscribe('carousel.p.*.*');
  await t.flush();
  for (const id of ids) t.publish(`carousel.in.${id}`, enc.encode(id));
  const out = new Map<string, string>();
  for await (const m of sub) {
    out.set(new TextDecoder().decode(m.data), m.subject);
    if (out.size === ids.length) break;
  }
  return out;
}

function expectPartitioned(arrived: Map<string, string>): void {
  for (const id of STREAMS) {
    const subject = arrived.get(id);
    expect(subject, id).toMatch(new RegExp(`^carousel\\.p\\.(\\d+)\\.${id}$`));
    const n = Number(subject!.split('.')[2]);
    expect(n).toBeGreaterThanOrEqual(0);
    expect(n).toBeLessThan(P);
    expect(n, `partition of ${id}`).toBe(partitionOf([id], P));
  }
}

describe('infra/nats/single.conf', () => {
  let server: NatsServer;
  beforeAll(async () => {
    server = await NatsServer.start({ serverName: 'single-conf', configText: await readFile(path.join(INFRA, 'single.conf'), 'utf8') });
  });
  afterAll(async () => {
    await server?.close();
  });
  printOutputOnFailure(() => [server]);

  test('starts with JetStream on the substituted ports', async () => {
    const varz = await server.monitor<{ port: number; server_name: string; jetstream?: { config?: { store_dir?: string } } }>('varz');
    expect(varz?.port).toBe(server.port);
    expect(varz?.server_name).toBe('carousel-1');
    expect(varz?.jetstream?.config?.store_dir).toContain(server.dir);
  });

  test('maps carousel.in.<stream> to carousel.p.<partition(16)>.<stream>, the partition InProcTransport computes', async () => {
    await using t = await NatsTransport.connect({ servers: [server.url] });
    const arrived = await mappedSubjects(t, STREAMS);
    expect(arrived.get('abc')).toMatch(/^carousel\.p\.(\d|1[0-5])\.abc$/);
    expectPartitioned(arrived);
  });

  test('the same mapping in InProcTransport routes every stream to the same subject', async () => {
    const src = 'carousel.in.*';
    const dst = 'carousel.p.{{partition(16,1)}}.{{wildcard(1)}}';
    const conf = await readFile(path.join(INFRA, 'single.conf'), 'utf8');
    expect(conf).toContain(`"${src}": "${dst}"`);
    await using t = new InProcTransport({ mappings: { [src]: dst } });
    expectPartitioned(await mappedSubjects(t, STREAMS));
  });
});

describe('infra/nats/cluster (n1, n2, n3)', () => {
  let cluster: NatsCluster;
  beforeAll(async () => {
    const texts = await Promise.all(['n1', 'n2', 'n3'].map((n) => readFile(path.join(INFRA, 'cluster', `${n}.conf`), 'utf8')));
    cluster = await NatsCluster.start({ configTexts: texts });
  });
  afterAll(async () => {
    await cluster?.close();
  });
  printOutputOnFailure(() => cluster?.servers ?? []);

  test('forms a JetStream cluster with a meta leader', async () => {
    expect(['n1', 'n2', 'n3']).toContain(await cluster.waitForMetaLeader());
  });

  test('every member applies the partition mapping, and an R3 stream captures carousel.p.*.*', async () => {
    await using t = await NatsTransport.connect({ servers: cluster.urls });
    await t.ensureStream({ name: 'CAROUSEL_IN', subjects: ['carousel.p.*.*'], replicas: 3, duplicateWindowMs: 60_000 });
    for (const s of cluster.servers) {
      await using one = await NatsTransport.connect({ servers: [s.url] });
      expectPartitioned(await mappedSubjects(one, STREAMS));
    }
    const c = t.consume('CAROUSEL_IN', { afterSeq: 0, filterSubject: `carousel.p.${partitionOf(['abc'], P)}.abc` });
    const first = await c[Symbol.asyncIterator]().next();
    expect(first.value?.subject).toBe(`carousel.p.${partitionOf(['abc'], P)}.abc`);
    await c.close();
  });
});
