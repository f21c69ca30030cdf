// Free TCP ports for servers under test: bind port 0 on 127.0.0.1, read the port, close.
// All ports of one call are held open together, so they are distinct.

import net from 'node:net';

function listenOnZero(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => resolve(srv));
  });
}

/** `n` distinct ports that were free a moment ago. */
export async function freePorts(n: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < n; i++) servers.push(await listenOnZero());
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  }
}

/** One port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const [p] = await freePorts(1);
  return p!;
}
