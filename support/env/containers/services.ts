import { mkdirSync, realpathSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import type Dockerode from 'dockerode';
import type { ContainerCreateOptions } from 'dockerode';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { modulePath } from '../../module-path.ts';
import { describeReadiness } from '../../system/readiness.ts';
import { type Readiness, type ServiceSpec, TopologyError } from '../../system/topology.ts';
import { cacheRoot } from '../cache.ts';
import { persistence } from '../local/redis.ts';
import { PG_BAKED } from './images/catalog.ts';
import type { RoleImage } from './images/resolve.ts';
import { LogFollower } from './logs.ts';
import { planMounts } from './mounts.ts';
import { runtime } from './runtime.ts';
import { waitStrategy } from './wait.ts';

// How each kind of service is started as a container: stores through their Testcontainers modules, the
// fault proxy through ToxiProxyContainer, process services as GenericContainers of the base image with
// this machine's programs mounted, container services as GenericContainers of their own image.

export const PROXY_ALIAS = 'fault-proxy';
/** This checkout (or installed package), whose bin/faultline runs faultline's own fault proxy. */
const PACKAGE_ROOT = resolve(fileURLToPath(new URL('../../../', import.meta.url)));
/**
 * The folder whose node_modules holds faultline's own dependencies: above the first node_modules/ of an
 * installed package (a project, npx's cache), the checkout itself otherwise. Mounted for the proxy.
 */
const INSTALL_ROOT = PACKAGE_ROOT.includes(`${sep}node_modules${sep}`)
  ? PACKAGE_ROOT.slice(0, PACKAGE_ROOT.indexOf(`${sep}node_modules${sep}`))
  : PACKAGE_ROOT;
const PROXY_BIN = modulePath(import.meta.url, '../../../bin/faultline');
export const TOXIPROXY_API = 8474;
export const FIRST_PROXY_PORT = 8666;
/** Where a process service listens inside its container unless it declares a fixed port. */
export const SERVICE_PORT = 8080;
export const REDIS_PORT = 6379;
export const POSTGRES_PORT = 5432;

export type Kind = ServiceSpec['kind'] | 'proxy';

/** A started container of one service. */
export interface Running {
  name: string;
  kind: Kind;
  image: string;
  started: StartedTestContainer;
  container: Dockerode.Container;
  containerPort: number;
  logs: LogFollower;
  /** Kept current from the engine's events (start, die, pause, unpause) and after each control action. */
  state: { running: boolean; paused: boolean };
  /** A control action (kill, pause …) was applied: the container is not handed to another environment. */
  touched: boolean;
  /** Proxy only: how many link ports it publishes (none when the harness reaches it at `direct`). */
  published?: number;
  /**
   * Proxy only: its address on the run's network, where the harness reaches its link ports without the
   * engine publishing them (see startProxy).
   */
  direct?: string;
}

/** Where a container joins, how it is named and labelled. */
export interface Placement {
  network: string;
  containerName: string;
  labels: Record<string, string>;
  /** The cgroup the container is created under (runtime.ts cgroupParent()); the engine's default if unset. */
  cgroupParent?: string;
}

/**
 * Joins the container to the network under its alias at creation. (withNetworkAliases would create it on
 * the default bridge and connect it to the network in a second call: two attachments per container, each
 * a good part of its start time, and a way out of the topology's network.)
 */
export function place<T extends GenericContainer>(container: T, alias: string, at: Placement): T {
  const options = (container as unknown as { createOpts: ContainerCreateOptions }).createOpts;
  options.NetworkingConfig = { EndpointsConfig: { [at.network]: { Aliases: [alias] } } };
  if (at.cgroupParent !== undefined)
    (container as unknown as { hostConfig: { CgroupParent?: string } }).hostConfig.CgroupParent =
      at.cgroupParent;
  return container.withNetworkMode(at.network).withName(at.containerName).withLabels(at.labels);
}

/**
 * Starts a container and follows its logs. A failure names the service and shows its last output: kept
 * while it starts, because Testcontainers removes a container that never became ready, logs and all.
 */
export async function track(
  what: { name: string; kind: Kind; image: string; containerPort: number; readiness?: Readiness },
  toStart: GenericContainer,
): Promise<Running> {
  const tail: string[] = [];
  let startup: Readable | undefined;
  toStart.withLogConsumer((stream) => {
    startup = stream;
    stream.on('error', () => undefined);
    createInterface({ input: stream }).on('line', (line) => {
      tail.push(line);
      if (tail.length > 15) tail.shift();
    });
  });
  let started: StartedTestContainer;
  try {
    started = await toStart.start();
  } catch (error) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    const output = tail.length > 0 ? `\n  last output:\n  ${tail.join('\n  ')}` : '\n  (no output)';
    const waited = what.readiness
      ? ` (waited up to ${what.readiness.timeoutMs} ms for ${describeReadiness(what.readiness)})`
      : '';
    // The one way a service that starts fine locally is never ready here: it listens on loopback only.
    const hint =
      what.kind === 'process' && what.readiness?.kind !== 'log' && what.readiness?.kind !== 'command'
        ? '\n  (in a container, the service must listen on 0.0.0.0, not 127.0.0.1: the backend sets HOST, or <NAME>_HOST beside <NAME>_PORT, to 0.0.0.0)'
        : '';
    throw new Error(`${what.name} did not start${waited}: ${(error as Error).message}${hint}${output}`);
  } finally {
    startup?.destroy();
  }
  const client = await runtime();
  const container = client.container.getById(started.getId());
  const logs = new LogFollower(container, client.container.dockerode.modem);
  await logs.follow();
  return {
    name: what.name,
    kind: what.kind,
    image: what.image,
    started,
    container,
    containerPort: what.containerPort,
    logs,
    state: { running: true, paused: false },
    touched: false,
  };
}

/**
 * Starts the fault proxy. With `publishLinks` false only its API is published: the harness then reaches its
 * link ports at the container's address on the run's network (a Linux engine on this machine routes it),
 * which spares the engine a port forwarder per link — 37 links took the engine 2–5 s more to start the
 * container under load, on the critical path of a run's first environment.
 */
export async function startProxy(
  image: RoleImage,
  links: number,
  seed: number,
  at: Placement,
  publishLinks = true,
): Promise<Running> {
  const { ToxiProxyContainer } = await import('@testcontainers/toxiproxy');
  /**
   * ToxiProxyContainer publishes its API and all 32 proxy ports; the engine starts a port forwarder per
   * published port, over a second per container. Only the ports the links take are published here: link i
   * listens on FIRST_PROXY_PORT + i (backend.ts creates each at its port).
   */
  class LinkProxyContainer extends ToxiProxyContainer {
    publishOnly(count: number): this {
      const kept = [TOXIPROXY_API, ...Array.from({ length: count }, (_, i) => FIRST_PROXY_PORT + i)];
      const keys = new Set(kept.map((p) => `${p}/tcp`));
      // The module's own range is 32 ports (8666–8697); a topology with more links (peers that talk to
      // each other) gets the ports after it, published the same way (any free host port).
      const bindings = this.hostConfig.PortBindings ?? {};
      this.exposedPorts = kept;
      this.createOpts.ExposedPorts = Object.fromEntries(kept.map((p) => [`${p}/tcp`, {}]));
      this.hostConfig.PortBindings = Object.fromEntries(
        [...keys].map((key) => [key, bindings[key] ?? [{ HostPort: '' }]]),
      );
      return this;
    }
  }
  const container = place(new LinkProxyContainer(image.image), PROXY_ALIAS, at).publishOnly(
    publishLinks ? links : 0,
  );
  if (image.ours) {
    // Ours is this checkout's `faultline proxy`, run by the runner's Node in the base image like any process
    // service; it takes the run's seed, so a re-run draws the same toxic randomness (Shopify's has no such flag).
    const command = [
      PROXY_BIN,
      'proxy',
      '--host',
      '0.0.0.0',
      '--port',
      String(TOXIPROXY_API),
      '--seed',
      String(seed),
      // Its metrics, for the run's Prometheus when a scenario uses PromQL (support/observe/prometheus/).
      '--metrics',
    ];
    const plan = planMounts({ command: ['node', ...command], cwd: INSTALL_ROOT, shared: [], writable: [] });
    // Ready when it says it listens (pushed by the engine's log stream): the module's HTTP wait polls
    // /version once a second, so a proxy up in 300 ms was seen up to a second later, on every cold start.
    const { Wait } = await import('testcontainers');
    container
      .withCommand([plan.program, ...command])
      .withWorkingDir(PACKAGE_ROOT)
      .withEnvironment({ LOG_LEVEL: 'info' })
      .withWaitStrategy(Wait.forLogMessage(/"msg":"listening"/))
      .withBindMounts(plan.mounts.map((m) => ({ ...m, mode: 'ro' as const })));
    if (process.getuid && process.getgid) container.withUser(`${process.getuid()}:${process.getgid()}`);
  }
  const running = await track(
    { name: PROXY_ALIAS, kind: 'proxy', image: image.image, containerPort: TOXIPROXY_API },
    container,
  );
  if (publishLinks) running.published = links;
  else running.direct = running.started.getIpAddress(at.network);
  return running;
}

/**
 * Redis. Without a disk it keeps nothing (every environment starts from an empty store); with `disk` (a
 * data disk's path on this machine, support/env/disk.ts) it keeps an append-only file on it, mounted at
 * /data — the same persistence as on the local backend.
 */
export async function startRedis(
  name: string,
  image: RoleImage,
  at: Placement,
  options: { disk?: string } = {},
): Promise<Running> {
  const { RedisContainer } = await import('@testcontainers/redis');
  const container = place(new RedisContainer(image.image), name, at);
  const dir = options.disk !== undefined ? REDIS_DATA : '/tmp';
  container.withCommand([
    'redis-server',
    '--protected-mode',
    'no',
    '--save',
    '',
    ...persistence(dir, options.disk !== undefined),
  ]);
  if (options.disk !== undefined)
    container.withBindMounts([{ source: options.disk, target: REDIS_DATA, mode: 'rw' }]);
  return track({ name, kind: 'redis', image: image.image, containerPort: REDIS_PORT }, container);
}

/** Where a Redis container keeps its append-only file (its data disk, bind-mounted). */
const REDIS_DATA = '/data';

export async function startPostgres(
  name: string,
  image: RoleImage,
  at: Placement,
  extra: { args?: string[]; files?: { content: string; target: string; mode?: number }[] } = {},
): Promise<Running> {
  const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
  const { user, password, database } = PG_BAKED;
  const container = place(new PostgreSqlContainer(image.image), name, at)
    .withUsername(user)
    .withPassword(password)
    .withDatabase(database)
    // A throwaway test database: durability off, so start and writes are fast.
    .withCommand([
      'postgres',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      'max_connections=200',
      // Every login in the log, as on the local backend (a rotation's proof counts them).
      '-c',
      'log_connections=on',
      ...(extra.args ?? []),
    ]);
  if (extra.files) container.withCopyContentToContainer(extra.files);
  if (image.ours) {
    // Ours serves a cluster baked into the image: "ready" is printed once, by the server that stays. The
    // module's health check and in-container port check each exec a shell, which costs more than the start.
    const { Wait } = await import('testcontainers');
    container.withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/));
  } else {
    // Any other image: the module's health check, polled every 100 ms instead of 250.
    container.withHealthCheck({
      test: ['CMD-SHELL', `pg_isready --host 127.0.0.1 --username ${user} --dbname ${database}`],
      interval: 100,
      timeout: 1_000,
      retries: 300,
      startPeriod: 0,
    });
  }
  return track({ name, kind: 'postgres', image: image.image, containerPort: POSTGRES_PORT }, container);
}

/**
 * What a process service's container runs first, with the runner's own Node (mounted): it waits until every
 * address in FAULTLINE_WAIT_FOR accepts a connection (its dependencies listen, its outbound links exist),
 * then replaces itself with the service's command (execve: the command becomes the container's main
 * process, so kill, stop and exit codes are the service's own). The container itself (the engine's slow
 * part) thereby starts alongside its dependencies, while the service's process starts only once they are up.
 */
const GATE = `
import { mkdirSync, realpathSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
const reachable = (host, port) => new Promise((done) => {
  const socket = connect(port, host);
  socket.once('connect', () => { socket.destroy(); done(true); });
  socket.once('error', () => { socket.destroy(); done(false); });
});
for (const target of (process.env.FAULTLINE_WAIT_FOR ?? '').split(',').filter(Boolean)) {
  const at = target.lastIndexOf(':');
  while (!(await reachable(target.slice(0, at), Number(target.slice(at + 1)))))
    await new Promise((r) => setTimeout(r, 20));
}
const [program, ...argv] = JSON.parse(process.env.FAULTLINE_EXEC);
const env = { ...process.env };
delete env.FAULTLINE_EXEC;
delete env.FAULTLINE_WAIT_FOR;
try {
  process.execve(program, argv, env);
} catch (error) {
  console.error('faultline: could not run ' + program + ': ' + error.message);
  process.exit(127);
}
`;

/** The runner's environment a local child process inherits, minus what describes the runner's own shell. */
function inheritedEnv(): Record<string, string> {
  // TMPDIR: a folder of this machine that is not mounted; the container has its own /tmp.
  const dropped = new Set(['HOSTNAME', 'PWD', 'OLDPWD', 'SHLVL', '_', 'TMPDIR', 'FAULTLINE_LIFELINE']);
  return Object.fromEntries(
    Object.entries(process.env).filter(
      (e): e is [string, string] => e[1] !== undefined && !dropped.has(e[0]) && !e[0].startsWith('DOCKER_'),
    ),
  );
}

export interface ServiceStart {
  readiness: Readiness;
  env: Record<string, string>;
  /** Container ports to publish: the main one first. */
  ports: number[];
  /** Host directories mounted at the same path (read-only): certificates and other shared files. */
  sharedDirs: string[];
  at: Placement;
  /** faultline's resolver (`--dns`), for a service that looks its dependencies up by name. */
  dns?: string;
}

/**
 * `--dns` at faultline's resolver: Docker's embedded DNS still answers the network's aliases and forwards
 * the rest there. One try of one second, so a lookup that gets no answer fails in about a second.
 */
function withDns<T extends GenericContainer>(container: T, dns: string | undefined): T {
  if (dns === undefined) return container;
  const host = (container as unknown as { hostConfig: { Dns?: string[]; DnsOptions?: string[] } }).hostConfig;
  host.Dns = [dns];
  host.DnsOptions = ['timeout:1', 'attempts:1'];
  return container;
}

export interface ProcessStart extends ServiceStart {
  command: string[];
  /** Absolute working directory (the same path inside). */
  cwd: string;
  /** in-network host:port addresses that must accept connections before the command runs. */
  waitFor: string[];
  /** Host directories it writes, mounted read-write at the same path (its data disk). */
  writable?: string[];
  /** Where the service was declared (e.g. "faultline.config.ts: systems.shop.services[2] (api)"), for errors. */
  origin?: string;
}

/**
 * A process service: its command line run with this machine's programs and files, mounted at the same
 * paths into the base image (see mounts.ts), in its declared cwd, as the runner's own account (shared
 * files, such as a private key written 0600, are readable exactly as they are by a local process).
 */
export async function startProcess(name: string, image: RoleImage, start: ProcessStart): Promise<Running> {
  const { GenericContainer } = await import('testcontainers');
  // The V8 compile cache the local backend's Node services share: their modules start compiled here too.
  const compileCache = join(cacheRoot(), 'v8');
  mkdirSync(compileCache, { recursive: true });
  let plan: ReturnType<typeof planMounts>;
  try {
    plan = planMounts({
      command: start.command,
      cwd: start.cwd,
      shared: start.sharedDirs,
      writable: [compileCache, ...(start.writable ?? [])],
    });
  } catch (error) {
    throw new TopologyError(
      `${name}${start.origin ? ` (${start.origin})` : ''}: ${(error as Error).message}`,
    );
  }
  const node = realpathSync(process.execPath);
  const [first, ...args] = start.command;
  const container = place(new GenericContainer(image.image), name, start.at)
    .withCommand([node, '--input-type=module', '-e', GATE])
    .withWorkingDir(start.cwd)
    .withEnvironment({
      ...inheritedEnv(),
      NODE_COMPILE_CACHE: compileCache,
      ...start.env,
      FAULTLINE_EXEC: JSON.stringify([plan.program, first === 'node' ? plan.program : first, ...args]),
      FAULTLINE_WAIT_FOR: start.waitFor.join(','),
    })
    .withExposedPorts(...start.ports)
    .withBindMounts(plan.mounts)
    .withWaitStrategy(await waitStrategy(start.readiness, start.ports[0]!))
    .withStartupTimeout(start.readiness.timeoutMs);
  if (process.getuid && process.getgid) container.withUser(`${process.getuid()}:${process.getgid()}`);
  withDns(container, start.dns);
  return track(
    { name, kind: 'process', image: image.image, containerPort: start.ports[0]!, readiness: start.readiness },
    container,
  );
}

export interface ContainerStart extends ServiceStart {
  image: string;
  command?: string[];
}

/** A container service: any image, as it is, on the run's network; the shared directories mounted read-only. */
export async function startContainer(name: string, start: ContainerStart): Promise<Running> {
  const { GenericContainer } = await import('testcontainers');
  const container = place(new GenericContainer(start.image), name, start.at)
    .withEnvironment(start.env)
    .withExposedPorts(...start.ports)
    .withBindMounts(start.sharedDirs.map((dir) => ({ source: dir, target: dir, mode: 'ro' as const })))
    .withWaitStrategy(await waitStrategy(start.readiness, start.ports[0]!))
    .withStartupTimeout(start.readiness.timeoutMs);
  if (start.command) container.withCommand(start.command);
  withDns(container, start.dns);
  return track(
    {
      name,
      kind: 'container',
      image: start.image,
      containerPort: start.ports[0]!,
      readiness: start.readiness,
    },
    container,
  );
}

export function hostOf(started: StartedTestContainer): string {
  const host = started.getHost();
  return host === 'localhost' ? '127.0.0.1' : host;
}

/** Empties a redis handed over from a previous environment (FLUSHALL over its mapped port). */
export function flushRedis(r: Running): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = connect(r.started.getMappedPort(REDIS_PORT), hostOf(r.started));
    let reply = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`${r.name}: FLUSHALL got no reply within 5 s`));
    }, 5_000);
    socket.once('connect', () => socket.write('FLUSHALL\r\n'));
    socket.on('data', (d) => {
      reply += d.toString();
      if (!reply.includes('\r\n')) return;
      clearTimeout(timer);
      socket.end();
      if (reply.startsWith('+OK')) resolve();
      else reject(new Error(`${r.name}: FLUSHALL answered ${reply.trim()}`));
    });
    socket.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${r.name}: FLUSHALL failed: ${error.message}`));
    });
  });
}

/** Replaces the database of a postgres handed over from a previous environment with an empty one. */
export async function recreateDatabase(r: Running): Promise<void> {
  const { default: pg } = await import('pg');
  const { user, password, database } = PG_BAKED;
  const client = new pg.Client({
    host: hostOf(r.started),
    port: r.started.getMappedPort(POSTGRES_PORT),
    user,
    password,
    database: 'postgres',
    connectionTimeoutMillis: 5_000,
  });
  // Emptying runs in the background (pool.ts): the container may be removed under it (the run ends); a
  // failed query still rejects, but a connection lost between queries must not crash the runner.
  client.on('error', () => undefined);
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
    await client.query(`CREATE DATABASE "${database}" OWNER "${user}"`);
  } finally {
    await client.end();
  }
}
