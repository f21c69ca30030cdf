// infra/nats/secure.conf with tls.conf enabled, on a real nats-server: a CA and a server
// certificate for 127.0.0.1 are made with openssl for this run. A service that trusts the CA
// connects; a plain-TCP client is refused by the server; a client that does not trust the CA
// fails the handshake.

import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { connect as tcpConnect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { NatsTransport } from '@carousel/bus';
import { NatsServer, printOutputOnFailure } from '@carousel/test-suites';
import { USERS, WAIT_MS, hashEnv, login, readSecureConfig, rejection, setEnv, take } from './nats-secure.ts';

const run = promisify(execFile);
const enc = new TextEncoder();

let dir: string;
let server: NatsServer;

/** A CA and a server certificate (SAN 127.0.0.1 and localhost) signed by it, in `dir`. */
async function makeCertificates(dir: string): Promise<{ ca: string; cert: string; key: string }> {
  const f = (n: string) => path.join(dir, n);
  const ossl = (...args: string[]) => run('openssl', args, { cwd: dir });
  // nats.js upgrades the socket to TLS without a host name when the URL holds an IP address, and
  // Node then checks the certificate against 'localhost': the certificate names both.
  await writeFile(f('san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  await ossl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=carousel-test-ca',
    '-keyout', f('ca-key.pem'), '-out', f('ca.pem'));
  await ossl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', f('server-key.pem'), '-out', f('server.csr'));
  await ossl('x509', '-req', '-in', f('server.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca-key.pem'), '-CAcreateserial',
    '-days', '2', '-extfile', f('san.ext'), '-out', f('server.pem'));
  return { ca: f('ca.pem'), cert: f('server.pem'), key: f('server-key.pem') };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'carousel-tls-'));
  const { cert, key } = await makeCertificates(dir);
  const restore = setEnv({ ...hashEnv(), CAROUSEL_NATS_TLS_CERT: JSON.stringify(cert), CAROUSEL_NATS_TLS_KEY: JSON.stringify(key) });
  try {
    server = await NatsServer.start({ serverName: 'secure-tls', configText: await readSecureConfig('secure.conf', ['tls.conf']) });
  } finally {
    restore();
  }
});
afterAll(async () => {
  await server?.close();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});
printOutputOnFailure(() => [server]);

/** What the server says to a client that speaks plain NATS protocol on the TLS port. */
function plainSession(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const socket = tcpConnect(port, '127.0.0.1');
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`the server kept a plain connection open for ${WAIT_MS} ms; it said: ${text}`));
    }, WAIT_MS);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      const first = text === '';
      text += chunk;
      if (first) socket.write(`CONNECT {"verbose":false,"user":"worker","pass":"${USERS.worker.pass}"}\r\nPING\r\n`);
    });
    socket.on('error', () => {}); // a reset is one way of being refused; 'close' reports it
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(text);
    });
  });
}

describe('secure.conf with tls.conf', () => {
  test('a service that trusts the CA connects over TLS and works', async () => {
    const { t } = await login([server.url], 'worker', { tls: { caFile: path.join(dir, 'ca.pem') } });
    try {
      const sub = t.subscribe('carousel.ctl.*');
      await t.flush();
      const { t: admin } = await login([server.url], 'admin', { tls: { caFile: path.join(dir, 'ca.pem') } });
      admin.publish('carousel.ctl.x', enc.encode('over tls'));
      const [m] = await take(sub[Symbol.asyncIterator](), 1);
      expect(new TextDecoder().decode(m!.data)).toBe('over tls');
      await admin.close();
    } finally {
      await t.close();
    }
  });

  test('a plain-TCP client is refused: the server announces TLS, never answers PING, and closes', async () => {
    const said = await plainSession(server.port);
    expect(said).toMatch(/^INFO .*"tls_required":true/);
    expect(said).not.toContain('PONG');
  });

  test('a client that does not trust the CA fails the handshake', async () => {
    const err = await rejection(NatsTransport.connect({ servers: [server.url], user: 'worker', pass: USERS.worker.pass }));
    expect(err.message).toMatch(/certificate/i);
  });
});
