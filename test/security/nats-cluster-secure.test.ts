// The secured 3-node cluster (infra/nats/cluster/secure-n*.conf) started for real: client
// authentication and per-service permissions from accounts.conf on every member, and routes
// authenticated by mutual TLS (openssl makes a CA and a member certificate for this run). Shown:
// the members form the cluster over TLS routes; a server whose route certificate is not signed by
// the cluster's CA never joins; no member accepts a client without credentials; a real worker
// process (user `worker`, NATS_INBOX_PREFIX=_INBOX_worker) consumes a replicas-3 CAROUSEL_IN fed
// by a producer logged in as `producer` on another member, answers the producer's infer and the
// admin's control; and the producer is refused on the control subject while the admin's identical
// publish reaches a control listener across the routes.

import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { connect as tlsConnect } from 'node:tls';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NatsTransport } from '@carousel/bus';
import { decodeInferReply, decodePrediction, encodeInferRequest, encodeSample } from '@carousel/protocol';
import { NatsCluster, NatsServer, freePorts, printOutputOnFailure } from '@carousel/test-suites';
import { control, startWorker, until, type WorkerProc } from '../worker/helpers.ts';
import { USERS, WAIT_MS, eventually, hashEnv, inboxPrefix, login, natsCode, readSecureConfig, rejection, setEnv, take, type Login } from './nats-secure.ts';

const run = promisify(execFile);
const enc = new TextEncoder();
const dec = new TextDecoder();
const MEMBERS = ['n1', 'n2', 'n3'];

let dir: string | undefined;
let cluster: NatsCluster | undefined;
let rogue: NatsServer | undefined;
let worker: WorkerProc | undefined;
const logins: Login[] = [];
printOutputOnFailure(() => [...(cluster?.servers ?? []), rogue, worker?.proc]);

interface Certs {
  ca: string;
  cert: string;
  key: string;
}

/** A CA and one certificate signed by it (no EKU: usable as TLS server and client), in `dir` under `name`. */
async function makeCa(dir: string, name: string): Promise<Certs> {
  const f = (n: string) => path.join(dir, `${name}-${n}`);
  const ossl = (...args: string[]) => run('openssl', args, { cwd: dir });
  // Routes dial 127.0.0.1 here (n1..n3 in docker-compose); the certificate names all of them.
  await writeFile(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:n1,DNS:n2,DNS:n3\n');
  await ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=${name}-ca`, '-keyout', f('ca-key.pem'), '-out', f('ca.pem'));
  await ossl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', `/CN=${name}-route`, '-keyout', f('key.pem'), '-out', f('route.csr'));
  await ossl('x509', '-req', '-in', f('route.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial', '-days', '2', '-extfile', f('san.ext'), '-out', f('cert.pem'));
  return { ca: f('ca.pem'), cert: f('cert.pem'), key: f('key.pem') };
}

/** The environment a member reads its route TLS material from (quoted: nats-server parses it). */
function routeEnv(c: { ca: string; cert: string; key: string }): Record<string, string> {
  return { CAROUSEL_NATS_ROUTE_CA: JSON.stringify(c.ca), CAROUSEL_NATS_ROUTE_CERT: JSON.stringify(c.cert), CAROUSEL_NATS_ROUTE_KEY: JSON.stringify(c.key) };
}

interface Routez {
  num_routes: number;
  routes?: Array<{ remote_id: string; remote_name?: string }>;
}

/** Opens a TLS connection to a route port with `c`'s certificate; resolves with the negotiated protocol once the server's certificate checked out against `c.ca`. */
function routeTls(port: number, c: Certs): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca: readFileSync(c.ca), cert: readFileSync(c.cert), key: readFileSync(c.key) });
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no TLS handshake on port ${port} within ${WAIT_MS} ms`));
    }, WAIT_MS);
    socket.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    socket.on('secureConnect', () => {
      clearTimeout(timer);
      const protocol = socket.authorized ? String(socket.getProtocol()) : `unauthorized: ${String(socket.authorizationError)}`;
      socket.destroy();
      resolve(protocol);
    });
  });
}

/** How many route TLS handshakes `s` has refused so far (from its log). */
function refusedHandshakes(s: NatsServer): number {
  return s.log.text.match(/TLS route handshake error/g)?.length ?? 0;
}

async function routez(s: NatsServer): Promise<Routez> {
  return (await s.monitor<Routez>('routez'))!;
}

let good: Certs;
let bad: Certs;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'carousel-cluster-tls-'));
  good = await makeCa(dir, 'cluster');
  bad = await makeCa(dir, 'rogue');
  const configTexts = await Promise.all(MEMBERS.map((n) => readSecureConfig(`cluster/secure-${n}.conf`)));
  const restore = setEnv({ ...hashEnv(), ...routeEnv(good) });
  try {
    cluster = await NatsCluster.start({ configTexts, readyTimeoutMs: 60_000 });
  } finally {
    restore();
  }
});
afterAll(async () => {
  await worker?.proc.close();
  for (const l of logins) await l.t.close();
  await rogue?.close();
  await cluster?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function loginAt(member: number, who: 'producer' | 'worker' | 'admin'): Promise<Login> {
  const l = await login([cluster!.servers[member]!.url], who, { name: `sec-${who}-${MEMBERS[member]}` });
  logins.push(l);
  return l;
}

describe('secured 3-node cluster (cluster/secure-n*.conf)', () => {
  test('the members route to one another over TLS', async () => {
    for (const s of cluster!.servers) {
      const r = await until(`${s.name} has 2 routes`, async () => {
        const z = await routez(s);
        return z.num_routes === 2 ? z : undefined;
      }, 30_000, 100);
      expect(r.routes!.length).toBe(2);
      // The route port speaks TLS with a certificate of the cluster's CA.
      expect(await routeTls(s.endpoints.clusterPort!, good), `${s.name} route port`).toMatch(/^TLSv1\.[23]$/);
    }
  });

  test('a server whose route certificate is not signed by the cluster CA never joins', async () => {
    const text = (await readSecureConfig('cluster/secure-n1.conf')).replace(/^server_name:\s*n1\s*$/m, 'server_name: rogue');
    const members = cluster!.servers.map((s) => s.endpoints.clusterPort!);
    const before = cluster!.servers.map(refusedHandshakes);
    // The rogue trusts the cluster's CA (so only the members' own check can stop it) but holds a
    // certificate from another CA.
    const restore = setEnv({ ...hashEnv(), ...routeEnv({ ca: good.ca, cert: bad.cert, key: bad.key }) });
    try {
      const [port, monitorPort, clusterPort] = await freePorts(3);
      rogue = await NatsServer.start({ serverName: 'rogue', configText: text, endpoints: { port: port!, monitorPort: monitorPort!, clusterPort: clusterPort!, routes: members }, waitReady: false });
    } finally {
      restore();
    }
    // It has tried, and the members refused it in the TLS handshake (nats-server logs 'TLS route
    // handshake error: tls: client didn't provide a certificate': Go's TLS client does not even
    // offer a certificate that the members' CA did not sign).
    await until('every member refused the rogue in the route TLS handshake', () => cluster!.servers.every((s, i) => refusedHandshakes(s) > before[i]!), 30_000, 100);
    for (const s of cluster!.servers) {
      const z = await routez(s);
      expect(z.num_routes, `${s.name} still has only its 2 members`).toBe(2);
      expect((z.routes ?? []).map((r) => r.remote_name)).not.toContain('rogue');
    }
    expect((await routez(rogue!)).num_routes).toBe(0);
    await rogue!.close();
    rogue = undefined;
  });

  test('no member accepts a client without credentials or with a wrong password', async () => {
    for (const s of cluster!.servers) {
      expect(natsCode(await rejection(NatsTransport.connect({ servers: [s.url] })))).toBe('AUTHORIZATION_VIOLATION');
      expect(natsCode(await rejection(NatsTransport.connect({ servers: [s.url], user: 'admin', pass: USERS.producer.pass })))).toBe('AUTHORIZATION_VIOLATION');
    }
  });

  test('a real worker and a producer on different members work with their credentials; the producer is refused on the control subject', async () => {
    const admin = await loginAt(0, 'admin');
    // Operator provisioning with replicas 3 (the admin may use the JetStream API), as in chaos 3.
    await admin.t.ensureStream({ name: 'CAROUSEL_IN', subjects: ['carousel.p.>'], duplicateWindowMs: 120_000, replicas: 3 });
    await admin.t.ensureKv({ bucket: 'carousel_state', history: 1, replicas: 3 });
    await admin.t.ensureKv({ bucket: 'carousel_leases', history: 1, ttlMs: 2_000, replicas: 3 });
    await admin.t.ensureObjectStore({ bucket: 'carousel_blobs', replicas: 3 });
    worker = await startWorker(cluster!.urls.join(','), 'sec-cw1', {
      NATS_USER: 'worker', NATS_PASS: USERS.worker.pass, NATS_INBOX_PREFIX: inboxPrefix('worker'),
    });
    const producer = await loginAt(1, 'producer');
    const predictions = admin.t.subscribe('carousel.out.>');
    await admin.t.flush();

    const streams = ['sc-a', 'sc-b'];
    for (let seq = 0; seq < 20; seq++) {
      for (const stream of streams) {
        const ack = await producer.t.jsPublish(`carousel.in.${stream}`, encodeSample({ v: 1, stream, seq, ts: 1_700_000_000_000 + seq, x: [Math.sin(seq / 2), 1] }), { msgId: `${stream}-${seq}`, timeout: 10_000 });
        expect(ack.stream).toBe('CAROUSEL_IN');
      }
    }
    for (const stream of streams) {
      await until(`${stream} applied to seq 19`, async () => {
        const r = await control(admin.t, stream, 'inspect', 5_000).catch(() => null);
        return r?.ok === true && r.op === 'inspect' && r.info.seq === 19 && r.info.n === 20;
      }, 60_000, 100);
    }
    const [p] = await take(predictions[Symbol.asyncIterator](), 1);
    const d = decodePrediction(p!.data);
    expect(d.ok && streams.includes(d.value.stream)).toBe(true);
    predictions.close();
    const inf = decodeInferReply((await producer.t.request('carousel.infer.sc-a', encodeInferRequest({ v: 1, stream: 'sc-a' }), { timeout: 10_000 })).data);
    expect(inf.ok && inf.value.ok && inf.value.seq).toBe(19);
    const info = await admin.t.streamState('CAROUSEL_IN');
    expect(info.messages).toBe(40);

    // The producer on the control subject: a publish is denied at its member (status event), a
    // request fails with a permissions violation; the admin's identical publish, from another
    // member, reaches a control listener on the third.
    const listener = await loginAt(2, 'worker');
    const ctl = listener.t.subscribe('carousel.ctl.sec-probe');
    await listener.t.flush();
    producer.t.publish('carousel.ctl.sec-probe', enc.encode('reset from producer'));
    await producer.t.flush();
    await eventually('the producer is told its publish was denied', () =>
      producer.events.some((e) => e.type === 'error' && e.error.message.includes('permission denied for publish on carousel.ctl.sec-probe')),
    );
    expect(natsCode(await rejection(producer.t.request('carousel.ctl.sc-a', enc.encode('inspect'), { timeout: 5_000 })))).toBe('PERMISSIONS_VIOLATION');
    admin.t.publish('carousel.ctl.sec-probe', enc.encode('from admin'));
    const [first] = await take(ctl[Symbol.asyncIterator](), 1);
    expect(dec.decode(first!.data)).toBe('from admin');
    ctl.close();
    // The worker still owns the streams and answered the admin throughout.
    expect(await control(admin.t, 'sc-b', 'inspect', 5_000)).toMatchObject({ ok: true, op: 'inspect' });
    expect(worker.proc.output).not.toMatch(/Permissions Violation|permission denied/i);
  });
});
