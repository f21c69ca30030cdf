// Public entry of the test harness (@carousel/test-suites): real nats-servers (single and
// clustered), Carousel services as child processes, free ports, waiting with deadlines.

export { freePort, freePorts } from './ports.ts';
export { httpGet, httpJson, take, waitFor, type WaitOptions } from './wait.ts';
export { OutputLog, printOutputOnFailure, type HasOutput } from './output.ts';
export { generateNatsConfig, rewriteNatsConfig, type NatsEndpoints, type GeneratedConfigOptions } from './nats-config.ts';
export { DEFAULT_NATS_READY_TIMEOUT_MS, NATS_SERVER_MISSING, NatsServer, findNatsServer, type NatsServerOptions } from './nats-server.ts';
export { NatsCluster, type NatsClusterOptions } from './nats-cluster.ts';
export { REPO_ROOT, ServiceProcess, type ServiceOptions } from './service.ts';
export type { ExitInfo } from './child.ts';
