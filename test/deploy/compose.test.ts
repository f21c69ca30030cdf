// docker-compose.yml, checked without Docker: parsed (merge keys resolved) and cross-checked with the
// Dockerfile's targets and commands, the repository's files, the services' ports and environment,
// infra/nats, infra/prometheus and infra/grafana. What it cannot check is that the images build
// and the containers start; that needs a Docker engine.

import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, test } from 'vitest';
import { parse } from 'yaml';
import { GATEWAY_ENV } from '@carousel/gateway';
import { WORKER_NODE_FLAGS } from '@carousel/worker';
import { REPO_ROOT } from '@carousel/test-suites';

interface Service {
  image?: string;
  build?: { context: string; target?: string; dockerfile?: string };
  command?: string[];
  environment?: Record<string, string>;
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  depends_on?: Record<string, unknown> | string[];
  healthcheck?: { test: string[] };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const compose = parse(readFileSync(path.join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const services = Object.entries(compose.services);
/** Services built from the repository's Dockerfile: the Carousel services. */
const carousel = services.filter(([, s]) => s.build !== undefined);
const natsMembers = services.filter(([, s]) => s.image?.startsWith('nats:'));

// --- Dockerfile -------------------------------------------------------------------------------

interface Stage {
  name: string;
  parent: string;
  cmd?: string[];
  expose: string[];
}

/** The Dockerfile's stages with their CMD (inherited from the parent stage) and EXPOSE lines. */
function dockerStages(file: string): Map<string, Stage> {
  const stages = new Map<string, Stage>();
  let current: Stage | undefined;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const from = /^FROM\s+(\S+)(?:\s+AS\s+(\S+))?/i.exec(line);
    if (from) {
      const parent = stages.get(from[1]!);
      current = { name: from[2] ?? from[1]!, parent: from[1]!, cmd: parent?.cmd, expose: [...(parent?.expose ?? [])] };
      stages.set(current.name, current);
      continue;
    }
    const cmd = /^CMD\s+(\[.*\])\s*$/.exec(line);
    if (cmd && current) current.cmd = JSON.parse(cmd[1]!) as string[];
    const expose = /^EXPOSE\s+(.+)$/.exec(line);
    if (expose && current) current.expose.push(...expose[1]!.trim().split(/\s+/));
  }
  return stages;
}

function stageOf(svc: Service): Stage | undefined {
  const b = svc.build!;
  return dockerStages(path.join(REPO_ROOT, b.context, b.dockerfile ?? 'Dockerfile')).get(b.target ?? '');
}

/** What the container runs: the compose command, else the Dockerfile target's CMD. */
function effectiveCommand(svc: Service): string[] {
  return svc.command ?? stageOf(svc)?.cmd ?? [];
}

/** The script `node [options] <entry> [args]` runs, and the arguments after it. */
function nodeEntry(cmd: string[]): { entry: string; args: string[] } | undefined {
  if (cmd[0] !== 'node') return undefined;
  for (let i = 1; i < cmd.length; i++) {
    const a = cmd[i]!;
    if (a === '--import' || a === '-r' || a === '--require' || a === '--loader') i++;
    else if (!a.startsWith('-')) return { entry: a, args: cmd.slice(i + 1) };
  }
  return undefined;
}

const CLI_BIN = 'packages/cli/bin/carousel.mjs';

/** `carousel <args>` run from the repository root. */
function carouselCli(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [path.join(REPO_ROOT, CLI_BIN), ...args], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Environment variables the command can read. For `carousel <command>`: the `env:` names its --help
 * lists. For a service entry (services/x/src/main.ts): NATS_* and CAROUSEL_* names quoted in the
 * non-test TypeScript beside it.
 */
function envNamesRead(run: { entry: string; args: string[] }): Set<string> {
  if (run.entry === CLI_BIN) return new Set([...carouselCli(run.args[0]!, '--help').stdout.matchAll(/env:\s+([A-Z][A-Z0-9_]+)/g)].map((m) => m[1]!));
  const dir = path.dirname(path.join(REPO_ROOT, run.entry));
  const names = new Set<string>();
  for (const f of readdirSync(dir, { recursive: true, encoding: 'utf8' })) {
    if (!f.endsWith('.ts') || f.endsWith('.test.ts')) continue;
    const text = readFileSync(path.join(dir, f), 'utf8');
    for (const m of text.matchAll(/['"`]((?:NATS|CAROUSEL)_[A-Z0-9_]+)['"`]/g)) names.add(m[1]!);
  }
  return names;
}

// --- volumes, ports, environment -------------------------------------------------------------

interface Bind {
  source: string;
  target: string;
}

/** Bind mounts of the repository's files (sources starting with ./), resolved to absolute paths. */
function binds(svc: Service): Bind[] {
  return (svc.volumes ?? [])
    .map((v) => v.split(':'))
    .filter(([src]) => src!.startsWith('./'))
    .map(([src, target]) => ({ source: path.join(REPO_ROOT, src!), target: target! }));
}

/** The host file a container path is mounted from, if a bind mount covers it. */
function hostPath(svc: Service, containerPath: string): string | undefined {
  const covering = binds(svc)
    .filter((b) => containerPath === b.target || containerPath.startsWith(`${b.target}/`))
    .sort((a, b) => b.target.length - a.target.length)[0];
  return covering === undefined ? undefined : path.join(covering.source, path.relative(covering.target, containerPath));
}

interface Published {
  hostIp: string;
  hostPort: number;
  containerPort: number;
}

function published(svc: Service): Published[] {
  return (svc.ports ?? []).map((p) => {
    const parts = p.split(':');
    const containerPort = Number(parts.at(-1));
    const hostPort = parts.length >= 2 ? Number(parts.at(-2)) : containerPort;
    const hostIp = parts.length === 3 ? parts[0]! : '0.0.0.0';
    return { hostIp, hostPort, containerPort };
  });
}

/** The port a Carousel service serves /metrics on, from its environment. */
function metricsPort(name: string, svc: Service): number {
  const env = svc.environment ?? {};
  const v = name === 'gateway' ? env['CAROUSEL_GATEWAY_PORT'] : env['CAROUSEL_METRICS_PORT'];
  return Number(v);
}

/** The port of the http://127.0.0.1:<port>/ URL in a healthcheck command. */
function healthcheckPort(svc: Service): number | undefined {
  const m = /http:\/\/127\.0\.0\.1:(\d+)\//.exec((svc.healthcheck?.test ?? []).join(' '));
  return m ? Number(m[1]) : undefined;
}

function dependsOn(svc: Service): string[] {
  const d = svc.depends_on ?? [];
  return Array.isArray(d) ? d : Object.keys(d);
}

// --- nats-server configs -----------------------------------------------------------------------

interface NatsConf {
  serverName: string;
  port: number;
  routes: { host: string; port: number }[];
  clusterPort: number;
  mapping: string;
  partitions: number;
}

function natsConf(file: string): NatsConf {
  const text = readFileSync(file, 'utf8');
  const one = (re: RegExp): string => {
    const m = re.exec(text);
    if (!m) throw new Error(`${file}: no match for ${re}`);
    return m[1]!;
  };
  const routes = [...text.matchAll(/nats-route:\/\/([\w.-]+):(\d+)/g)].map((m) => ({ host: m[1]!, port: Number(m[2]) }));
  return {
    serverName: one(/^server_name:\s*(\S+)/m),
    port: Number(one(/^port:\s*(\d+)/m)),
    routes,
    clusterPort: Number(one(/listen:\s*[\d.]+:(\d+)/)),
    mapping: one(/("carousel\.in\.\*":\s*"[^"]+")/),
    partitions: Number(one(/\{\{partition\((\d+),1\)\}\}/)),
  };
}

function natsConfOf(svc: Service): NatsConf {
  const i = svc.command!.indexOf('-c');
  const file = hostPath(svc, svc.command![i + 1]!);
  if (file === undefined) throw new Error('nats config is not mounted');
  return natsConf(file);
}

// --- the tests ---------------------------------------------------------------------------------

describe('docker-compose.yml services', () => {
  test('are the NATS cluster, two workers, the gateway, the simulator, Prometheus and Grafana', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['gateway', 'grafana', 'n1', 'n2', 'n3', 'prometheus', 'simulator', 'worker-1', 'worker-2']);
  });

  test('build Dockerfile targets that exist, or use third-party images with a pinned tag', () => {
    for (const [name, svc] of services) {
      if (svc.build !== undefined) {
        expect(existsSync(path.join(REPO_ROOT, svc.build.context, svc.build.dockerfile ?? 'Dockerfile')), name).toBe(true);
        expect(svc.build.target, name).toBeDefined();
        expect(stageOf(svc)?.name, `${name}: Dockerfile target ${svc.build.target}`).toBe(svc.build.target);
      } else {
        expect(svc.image, name).toMatch(/^[\w./-]+:[\w.-]+$/);
        expect(svc.image, name).not.toMatch(/:latest$/);
      }
    }
  });

  test('run entry files that exist in the repository', () => {
    expect(carousel.length).toBe(4);
    for (const [name, svc] of carousel) {
      const cmd = effectiveCommand(svc);
      const run = nodeEntry(cmd);
      expect(run, `${name}: ${cmd.join(' ')}`).toBeDefined();
      expect(existsSync(path.join(REPO_ROOT, run!.entry)), `${name}: ${run!.entry}`).toBe(true);
    }
  });

  test("run the workers with the worker's node flags (WORKER_NODE_FLAGS) before the entry", () => {
    const workers = carousel.filter(([, svc]) => nodeEntry(effectiveCommand(svc))?.entry === 'services/worker/src/main.ts');
    expect(workers.map(([name]) => name).sort()).toEqual(['worker-1', 'worker-2']);
    for (const [name, svc] of workers) {
      const cmd = effectiveCommand(svc);
      const options = cmd.slice(1, cmd.indexOf(nodeEntry(cmd)!.entry));
      for (const flag of WORKER_NODE_FLAGS) expect(options, `${name}: ${cmd.join(' ')}`).toContain(flag);
    }
  });

  test('give the gateway image the dashboard bundle, built in the image, where the gateway looks for it', () => {
    const dockerfile = readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8');
    const gatewayStage = dockerfile.slice(dockerfile.search(/^FROM \S+ AS gateway$/m)).split(/^FROM /m)[1]!;
    expect(gatewayStage).toMatch(/^COPY --from=(\S+) \/app\/services\/dashboard\/dist services\/dashboard\/dist$/m);
    const from = /^COPY --from=(\S+) \/app\/services\/dashboard\/dist/m.exec(gatewayStage)![1]!;
    expect(dockerStages(path.join(REPO_ROOT, 'Dockerfile')).has(from)).toBe(true);
    expect(dockerfile).toMatch(new RegExp(`^FROM deps AS ${from}\\n(?:.*\\n)*?RUN npm run build --workspace @carousel/dashboard$`, 'm'));
    expect(existsSync(path.join(REPO_ROOT, 'services/dashboard/package.json'))).toBe(true);
    expect(compose.services['gateway']!.environment?.['CAROUSEL_GATEWAY_STATIC_DIR']).toBeUndefined();
  });

  test('run `carousel <command>`s that the CLI has', () => {
    const viaCli = carousel.map(([name, svc]) => [name, nodeEntry(effectiveCommand(svc))] as const).filter(([, run]) => run?.entry === CLI_BIN);
    expect(viaCli.length).toBeGreaterThan(0);
    for (const [name, run] of viaCli) {
      const sub = run!.args[0]!;
      // An unknown command's --help prints the program's help and exits 0, so look at the usage line.
      const r = carouselCli(sub, '--help');
      const usage = r.stdout.split('\n')[0];
      expect({ service: name, status: r.status, usage }, `${r.stdout}${r.stderr}`).toEqual({ service: name, status: 0, usage: expect.stringMatching(new RegExp(`^Usage: carousel ${sub}\\b`)) });
    }
  });

  test('mount only files and folders that exist', () => {
    const mounts = services.flatMap(([name, svc]) => binds(svc).map((b) => [name, b] as const));
    expect(mounts.length).toBeGreaterThan(5);
    for (const [name, b] of mounts) expect(existsSync(b.source), `${name}: ${path.relative(REPO_ROOT, b.source)}`).toBe(true);
    for (const [name, svc] of services) {
      for (const v of svc.volumes ?? []) {
        const src = v.split(':')[0]!;
        if (!src.startsWith('./') && !src.startsWith('/')) expect(Object.keys(compose.volumes ?? {}), `${name}: named volume ${src}`).toContain(src);
      }
    }
  });

  test('depend only on services that exist', () => {
    for (const [name, svc] of services) for (const d of dependsOn(svc)) expect(Object.keys(compose.services), `${name} depends on ${d}`).toContain(d);
  });

  test('publish each host port once', () => {
    const seen = new Map<string, string>();
    for (const [name, svc] of services) {
      for (const p of published(svc)) {
        const key = `${p.hostIp}:${p.hostPort}`;
        expect(seen.get(key), `${name} publishes ${key}`).toBeUndefined();
        seen.set(key, name);
      }
    }
    expect(seen.size).toBeGreaterThanOrEqual(4);
  });

  test('listen on the ports their environment configures, which the image exposes and the healthcheck probes', () => {
    for (const [name, svc] of carousel) {
      const port = metricsPort(name, svc);
      expect(Number.isInteger(port) && port > 0, `${name} port`).toBe(true);
      expect(stageOf(svc)?.expose, `${name}: Dockerfile EXPOSE`).toContain(String(port));
      const reachable = [...(svc.expose ?? []).map(Number), ...published(svc).map((p) => p.containerPort)];
      expect(reachable, `${name}: expose/ports`).toContain(port);
      const probed = healthcheckPort(svc);
      if (probed !== undefined) expect(probed, `${name}: healthcheck`).toBe(port);
    }
    expect(published(compose.services['gateway']!).map((p) => p.containerPort)).toEqual([Number(compose.services['gateway']!.environment!['CAROUSEL_GATEWAY_PORT'])]);
  });

  test('give each worker its own id', () => {
    const ids = carousel.filter(([, s]) => s.build?.target === 'worker').map(([, s]) => s.environment?.['CAROUSEL_WORKER_ID']);
    expect(ids).toEqual(['worker-1', 'worker-2']);
  });

  test('set on the gateway only environment variables the gateway reads', () => {
    const env = Object.keys(compose.services['gateway']!.environment ?? {});
    expect(env.length).toBeGreaterThan(3);
    for (const k of env) expect(Object.keys(GATEWAY_ENV), k).toContain(k);
  });

  test('set only environment variables that the command they run reads', () => {
    for (const [name, svc] of carousel) {
      const run = nodeEntry(effectiveCommand(svc));
      expect(run, name).toBeDefined();
      const read = envNamesRead(run!);
      expect(read.size, `${name} reads some environment`).toBeGreaterThan(0);
      for (const k of Object.keys(svc.environment ?? {})) expect(read, `${name}: ${k}`).toContain(k);
    }
  });
});

describe('the NATS cluster in docker-compose.yml', () => {
  test('has three members, each running its infra/nats/cluster config under its own name', () => {
    expect(natsMembers.map(([n]) => n)).toEqual(['n1', 'n2', 'n3']);
    for (const [name, svc] of natsMembers) {
      const mounted = binds(svc).map((b) => path.relative(REPO_ROOT, b.source));
      expect(mounted, name).toContain(`infra/nats/cluster/${name}.conf`);
      expect(natsConfOf(svc).serverName, name).toBe(name);
      expect((svc.volumes ?? []).some((v) => v.endsWith(':/data/nats')), `${name}: JetStream store on a volume`).toBe(true);
    }
  });

  test('routes every member to every member by its compose name', () => {
    for (const [name, svc] of natsMembers) {
      const conf = natsConfOf(svc);
      expect(conf.routes.map((r) => r.host).sort(), name).toEqual(natsMembers.map(([n]) => n));
      for (const r of conf.routes) expect(r.port, name).toBe(conf.clusterPort);
    }
  });

  test('maps carousel.in.* to the same partitions on every member, as many as the workers use', () => {
    const confs = natsMembers.map(([, svc]) => natsConfOf(svc));
    expect(new Set(confs.map((c) => c.mapping)).size).toBe(1);
    for (const [name, svc] of carousel.filter(([, s]) => s.build?.target === 'worker')) {
      expect(Number(svc.environment?.['CAROUSEL_PARTITIONS']), name).toBe(confs[0]!.partitions);
    }
  });

  test('is what every Carousel service connects to', () => {
    const urls = natsMembers.map(([name, svc]) => `nats://${name}:${natsConfOf(svc).port}`);
    for (const [name, svc] of carousel) {
      expect(svc.environment?.['NATS_URL']?.split(','), name).toEqual(urls);
      const waits = dependsOn(svc);
      const onCluster = natsMembers.every(([n]) => waits.includes(n));
      const onWorkers = waits.length > 0 && waits.every((d) => compose.services[d]?.build?.target === 'worker');
      expect(onCluster || onWorkers, `${name} waits for the cluster (or for workers that wait for it)`).toBe(true);
    }
  });
});

describe('Prometheus in docker-compose.yml', () => {
  const prom = compose.services['prometheus']!;
  const configArg = (prom.command ?? []).find((a) => a.startsWith('--config.file='))!;
  const configFile = hostPath(prom, configArg.slice('--config.file='.length));

  interface PromConfig {
    rule_files?: string[];
    scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
  }
  const config = (): PromConfig => parse(readFileSync(configFile!, 'utf8')) as PromConfig;

  test('loads infra/prometheus/prometheus.yml and its rule files through its mount', () => {
    expect(configFile && path.relative(REPO_ROOT, configFile)).toBe('infra/prometheus/prometheus.yml');
    for (const f of config().rule_files ?? []) expect(existsSync(path.join(path.dirname(configFile!), f)), f).toBe(true);
  });

  test('scrapes only compose services, on the port each one serves /metrics on', () => {
    for (const job of config().scrape_configs) {
      for (const target of job.static_configs.flatMap((s) => s.targets)) {
        const [host, port] = target.split(':');
        if (host === 'localhost') continue;
        const svc = compose.services[host!];
        expect(svc, `${job.job_name}: ${target}`).toBeDefined();
        expect(svc!.build?.target, `${target} in job ${job.job_name}`).toBe(job.job_name);
        expect(Number(port), target).toBe(metricsPort(host!, svc!));
      }
    }
  });

  test('scrapes every Carousel service', () => {
    const scraped = new Set(config().scrape_configs.flatMap((j) => j.static_configs.flatMap((s) => s.targets.map((t) => t.split(':')[0]))));
    for (const [name] of carousel) expect(scraped, name).toContain(name);
  });
});

describe('Grafana in docker-compose.yml', () => {
  const grafana = compose.services['grafana']!;

  test('mounts the provisioning folders, each holding YAML files', () => {
    for (const kind of ['datasources', 'dashboards']) {
      const dir = hostPath(grafana, `/etc/grafana/provisioning/${kind}`);
      expect(dir && path.relative(REPO_ROOT, dir), kind).toBe(`infra/grafana/provisioning/${kind}`);
      const files = readdirSync(dir!).filter((f) => /\.ya?ml$/.test(f));
      expect(files.length, kind).toBeGreaterThan(0);
    }
  });

  test('points the data source at the Prometheus service and port', () => {
    const dir = hostPath(grafana, '/etc/grafana/provisioning/datasources')!;
    const urls = readdirSync(dir).flatMap((f) => (parse(readFileSync(path.join(dir, f), 'utf8')) as { datasources: { url: string }[] }).datasources.map((d) => d.url));
    const promPort = published(compose.services['prometheus']!).map((p) => p.containerPort)[0];
    expect(urls).toEqual([`http://prometheus:${promPort}`]);
    expect(dependsOn(grafana)).toContain('prometheus');
  });

  test('finds the dashboards where the dashboard provider looks, and the home dashboard', () => {
    const dir = hostPath(grafana, '/etc/grafana/provisioning/dashboards')!;
    for (const f of readdirSync(dir)) {
      const doc = parse(readFileSync(path.join(dir, f), 'utf8')) as { providers: { options: { path: string } }[] };
      for (const p of doc.providers) {
        const host = hostPath(grafana, p.options.path);
        expect(host && path.relative(REPO_ROOT, host), p.options.path).toBe('infra/grafana/dashboards');
        expect(readdirSync(host!)).toContain('carousel.json');
      }
    }
    const home = hostPath(grafana, grafana.environment!['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH']!);
    expect(home !== undefined && statSync(home).isFile()).toBe(true);
  });
});
