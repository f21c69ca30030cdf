// A cluster of real nats-servers with JetStream for tests: N members on free ports, each with its
// own temp storage, routes to one another, readiness once every member is healthy and a JetStream
// meta leader is elected. Members can be killed (-9) and restarted like single servers.

import type { NatsServer as NatsServerType } from './nats-server.ts';
import { NatsServer } from './nats-server.ts';
import { freePorts } from './ports.ts';
import { waitFor } from './wait.ts';

export interface NatsClusterOptions {
  /** Members (default 3). */
  size?: number;
  /** Cluster name (default 'carousel-test'). */
  clusterName?: string;
  /** Checked-in configs, one per member (infra/nats/cluster/n1.conf ...); substituted like single configs. */
  configTexts?: string[];
  /** Text appended to each generated member config. */
  extraConfig?: string;
  /** Deadline for the whole cluster to become ready, ms (default 30 000). */
  readyTimeoutMs?: number;
}

interface Jsz {
  meta_cluster?: { leader?: string; cluster_size?: number; replicas?: Array<{ name: string; current: boolean }> };
}

export class NatsCluster implements AsyncDisposable {
  private constructor(
    /** The members, n1..nN. */
    readonly servers: NatsServerType[],
    private readonly readyTimeoutMs: number,
  ) {}

  /** Starts every member, then waits until all are healthy and a meta leader is elected. */
  static async start(opts: NatsClusterOptions = {}): Promise<NatsCluster> {
    const size = opts.configTexts?.length ?? opts.size ?? 3;
    const ports = await freePorts(size * 3);
    const cluster = new NatsCluster([], opts.readyTimeoutMs ?? 30_000);
    try {
      for (let i = 0; i < size; i++) {
        const clusterPort = ports[i * 3 + 2]!;
        const routes = Array.from({ length: size }, (_, j) => ports[j * 3 + 2]!).filter((p) => p !== clusterPort);
        cluster.servers.push(
          await NatsServer.start({
            serverName: `n${i + 1}`,
            clusterName: opts.clusterName,
            configText: opts.configTexts?.[i],
            extraConfig: opts.extraConfig,
            endpoints: { port: ports[i * 3]!, monitorPort: ports[i * 3 + 1]!, clusterPort, routes },
            waitReady: false,
          }),
        );
      }
      await cluster.waitReady();
      return cluster;
    } catch (err) {
      await cluster.close();
      throw err;
    }
  }

  /** Client URLs of all members. */
  get urls(): string[] {
    return this.servers.map((s) => s.url);
  }

  /** Waits until every running member is healthy and all agree on a JetStream meta leader; returns its name. */
  async waitReady(timeoutMs = this.readyTimeoutMs): Promise<string> {
    await Promise.all(this.servers.filter((s) => s.running).map((s) => s.waitReady(timeoutMs)));
    return this.waitForMetaLeader(timeoutMs);
  }

  /** The JetStream meta leader's server name, once every running member reports the same one. */
  async waitForMetaLeader(timeoutMs = this.readyTimeoutMs): Promise<string> {
    return waitFor(
      'a JetStream meta leader all members agree on',
      async () => {
        const leaders = await Promise.all(
          this.servers.filter((s) => s.running).map(async (s) => (await s.monitor<Jsz>('jsz'))?.meta_cluster?.leader),
        );
        const first = leaders[0];
        return first !== undefined && first !== '' && leaders.every((l) => l === first) ? first : undefined;
      },
      { timeoutMs, intervalMs: 100 },
    );
  }

  /** The member called `name` (n1, n2, ...). */
  server(name: string): NatsServerType {
    const s = this.servers.find((x) => x.name === name);
    if (s === undefined) throw new Error(`no cluster member ${name}`);
    return s;
  }

  /** Stops every member and removes their storage. Idempotent. */
  async close(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.close()));
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }
}
