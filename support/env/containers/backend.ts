import type Dockerode from 'dockerode';
import type { GenericContainer, StartedTestContainer } from 'testcontainers';
import { ToxiproxyClient } from '../../faults/network/toxiproxy.ts';
import type { Backend, Environment, ServiceControl } from '../environment.ts';
import type { LogLine } from '../local/process.ts';
import {
  type Endpoint,
  type ProcessService,
  proxyName,
  type ServiceSpec,
  service,
  startOrder,
  type Topology,
  TopologyError,
  validateTopology,
  type Wiring,
} from '../topology.ts';
import { PG_BAKED } from './images/catalog.ts';
import { type Images, images } from './images/resolve.ts';
import { LogFollower } from './logs.ts';
import { acquireNetwork, type RunNetwork } from './network.ts';
import { LABEL, RUN_ID, runLabels, runtime } from './runtime.ts';
import { ensureWatchdog, registerWithResidue, sweepEnvironment, sweepLeftovers } from './sweep.ts';

// The containers backend: the same topology as the local backend, in containers on one Docker network.
// Stores come from @testcontainers/redis and @testcontainers/postgresql, the fault proxy from
// @testcontainers/toxiproxy (Shopify's image or ours), node services from the platform image as
// GenericContainers. Every link runs through the proxy, exactly as locally.
//
// Two address spaces: inside the network a service is reached by its alias (its name) and the proxy by
// PROXY_ALIAS on the link's listen port — that is what the Wiring hands to a service's env(). The harness
// on the host reaches everything through the engine's mapped ports — that is what endpoint(),
// linkEndpoint() and storeUrl() return.

const PROXY_ALIAS = 'fault-proxy';
const NODE_PORT = 8080;
const REDIS_PORT = 6379;
const POSTGRES_PORT = 5432;
const TOXIPROXY_API = 8474;
const READY: Record<ServiceSpec['kind'], RegExp> = {
  node: /"msg":"listening"/,
  redis: /Ready to accept connections/,
  postgres: /database system is ready to accept connections/,
};

interface Running {
  name: string;
  started: StartedTestContainer;
  container: Dockerode.Container;
  containerPort: number;
  logs: LogFollower;
  /** Kept current from the engine's events (start, die, pause, unpause) and after each control action. */
  state: { running: boolean; paused: boolean };
}

/** Where a node service is told to bind: its port variable with HOST for PORT (WORKER_PORT → WORKER_HOST). */
function hostEnvOf(spec: ProcessService): string | undefined {
  const declared = (spec as ProcessService & { hostEnv?: string }).hostEnv;
  if (declared) return declared;
  return spec.portEnv.endsWith('_PORT') ? `${spec.portEnv.slice(0, -'_PORT'.length)}_HOST` : undefined;
}

function hostOf(started: StartedTestContainer): string {
  const host = started.getHost();
  return host === 'localhost' ? '127.0.0.1' : host;
}

/** The engine's multiplexed log format: frames of [stream, 0, 0, 0, size (4 bytes, big-endian), payload]. */
function demux(buffer: Buffer): string {
  const parts: string[] = [];
  let at = 0;
  while (at + 8 <= buffer.length) {
    const size = buffer.readUInt32BE(at + 4);
    parts.push(buffer.subarray(at + 8, at + 8 + size).toString('utf8'));
    at += 8 + size;
  }
  return parts.join('');
}

let announced = false;
function announce(found: Images): void {
  if (announced) return;
  announced = true;
  const describe = (role: string, image: { image: string; origin: string }) =>
    `${role}=${image.image} (${image.origin})`;
  process.stderr.write(
    `faultline: containers backend images: ${[
      describe('redis', found.redis),
      describe('postgres', found.postgres),
      describe('proxy', found.toxiproxy),
      describe('platform', found.platform),
    ].join(', ')}\n`,
  );
}

let prepared: Promise<void> | undefined;
/** Once per thread: sweep what dead runs left, start the watchdog, hook into the interrupt path. */
function prepare(): Promise<void> {
  prepared ??= (async () => {
    await runtime();
    registerWithResidue();
    await Promise.all([sweepLeftovers(), ensureWatchdog()]);
  })().catch((error) => {
    prepared = undefined;
    throw error;
  });
  return prepared;
}

let environmentCount = 0;

class ContainersEnvironment implements Environment {
  readonly backend = 'containers';
  readonly topology: Topology;
  readonly id: string;
  toxiproxy!: ToxiproxyClient;
  private readonly images: Images;
  private readonly seed: number;
  private readonly network: RunNetwork;
  private readonly running = new Map<string, Running>();
  /** proxy name → listen port inside the network. */
  private readonly linkPorts = new Map<string, number>();
  private proxy: Running | undefined;
  private readonly starting: Promise<unknown>[] = [];
  /** When each step of bringing the environment up began and ended (ms since up() began), for benchmarks. */
  readonly timeline: { step: string; from: number; to: number }[] = [];
  readonly t0 = performance.now();

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const from = performance.now() - this.t0;
    try {
      return await fn();
    } finally {
      this.timeline.push({ step: name, from: Math.round(from), to: Math.round(performance.now() - this.t0) });
    }
  }
  private events: NodeJS.ReadableStream | undefined;
  private stopped = false;

  constructor(topology: Topology, found: Images, network: RunNetwork, seed: number) {
    this.topology = topology;
    this.images = found;
    this.network = network;
    this.seed = seed;
    environmentCount += 1;
    this.id = `${RUN_ID}-${process.pid}-${environmentCount}`;
  }

  private labels(serviceName: string): Record<string, string> {
    return { ...runLabels(), [LABEL.env]: this.id, [LABEL.service]: serviceName };
  }

  private containerName(serviceName: string): string {
    return `faultline-${this.id}-${serviceName}`;
  }

  /** In-network addresses: what services are configured with. */
  readonly wiring: Wiring = {
    via: (from, to) => ({ host: PROXY_ALIAS, port: this.linkPort(from, to) }),
    direct: (name) => ({ host: name, port: this.portOf(name) }),
    storeUrl: (from, to) => this.url(to, { host: PROXY_ALIAS, port: this.linkPort(from, to) }),
  };

  private linkPort(from: string, to: string): number {
    const port = this.linkPorts.get(proxyName({ from, to }));
    if (port === undefined)
      throw new TopologyError(
        `topology '${this.topology.name}' has no link ${from} → ${to}; links: ${this.topology.links
          .map((l) => `${l.from} → ${l.to}`)
          .join(', ')}`,
      );
    return port;
  }

  private portOf(name: string): number {
    const spec = service(this.topology, name);
    return spec.kind === 'redis' ? REDIS_PORT : spec.kind === 'postgres' ? POSTGRES_PORT : NODE_PORT;
  }

  private url(name: string, at: Endpoint): string {
    const spec = service(this.topology, name);
    if (spec.kind === 'redis') return `redis://${at.host}:${at.port}`;
    if (spec.kind === 'postgres') {
      const { user, password, database } = PG_BAKED;
      return `postgres://${user}:${password}@${at.host}:${at.port}/${database}`;
    }
    throw new TopologyError(`service '${name}' is not a store (redis or postgres)`);
  }

  private get(name: string): Running {
    const found = this.running.get(name);
    if (!found) throw new TopologyError(`service '${service(this.topology, name).name}' is not running`);
    return found;
  }

  endpoint(name: string): Endpoint {
    const r = this.get(name);
    return { host: hostOf(r.started), port: r.started.getMappedPort(r.containerPort) };
  }

  linkEndpoint(from: string, to: string): Endpoint {
    const port = this.linkPort(from, to);
    if (!this.proxy) throw new TopologyError('the fault proxy is not running');
    return { host: hostOf(this.proxy.started), port: this.proxy.started.getMappedPort(port) };
  }

  storeUrl(name: string): string {
    return this.url(name, this.endpoint(name));
  }

  logs(name: string): LogLine[] {
    return this.running.get(name)?.logs.lines ?? [];
  }

  control(name: string): ServiceControl & { stop(): Promise<void> } {
    const r = this.get(name);
    const refresh = async () => {
      const info = await r.container.inspect();
      r.state.running = info.State.Running;
      r.state.paused = info.State.Paused;
    };
    const whileRunning = async (action: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (error) {
        const code = (error as { statusCode?: number }).statusCode;
        // 409: not running (already killed or stopped), 304: already in that state.
        if (code !== 409 && code !== 304) throw new Error(`${action} ${name}: ${(error as Error).message}`);
      }
      await refresh();
    };
    return {
      alive: () => r.state.running,
      kill: () =>
        whileRunning('kill', async () => {
          if (r.state.paused) await r.container.unpause().catch(() => undefined);
          await r.container.kill({ signal: 'SIGKILL' });
          await r.container.wait({ condition: 'not-running' });
        }),
      stop: () => whileRunning('stop', () => r.container.stop({ t: 5 })),
      pause: () => whileRunning('pause', () => r.container.pause()),
      resume: () => whileRunning('resume', () => r.container.unpause()),
      restart: async () => {
        if (r.state.paused) await r.container.unpause().catch(() => undefined);
        // Testcontainers' restart re-reads the mapped ports (the engine assigns new ones) and waits again.
        await r.started.restart({ timeout: 5_000 });
        await refresh();
        await r.logs.follow();
      },
    };
  }

  /** Starts a container and follows its logs; a failure names the service and shows its last output. */
  private async track(
    name: string,
    containerPort: number,
    start: () => Promise<StartedTestContainer>,
  ): Promise<Running> {
    const pending = this.step(name, start);
    this.starting.push(pending.catch(() => undefined));
    let started: StartedTestContainer;
    try {
      started = await pending;
    } catch (error) {
      throw new Error(`${name} did not start: ${(error as Error).message}${await this.tailOf(name)}`);
    }
    const client = await runtime();
    const container = client.container.getById(started.getId());
    const logs = new LogFollower(container, client.container.dockerode.modem);
    await logs.follow();
    return { name, started, container, containerPort, logs, state: { running: true, paused: false } };
  }

  private async tailOf(serviceName: string): Promise<string> {
    try {
      const client = await runtime();
      const found = client.container.dockerode.getContainer(this.containerName(serviceName));
      const lines = demux(await found.logs({ stdout: true, stderr: true, tail: 15 })).trim();
      return lines ? `\n  last output:\n  ${lines.split('\n').join('\n  ')}` : '';
    } catch {
      return '';
    }
  }

  private prepare<T extends GenericContainer>(container: T, name: string): T {
    return container
      .withNetworkMode(this.network.name)
      .withNetworkAliases(name)
      .withName(this.containerName(name))
      .withLabels(this.labels(name));
  }

  async startProxy(): Promise<void> {
    const { ToxiProxyContainer } = await import('@testcontainers/toxiproxy');
    const image = this.images.toxiproxy;
    const container = this.prepare(new ToxiProxyContainer(image.image), PROXY_ALIAS);
    // Ours takes the run's seed, so a re-run draws the same toxic randomness; Shopify's has no such flag.
    if (image.ours)
      container.withCommand([
        '--host',
        '0.0.0.0',
        '--port',
        String(TOXIPROXY_API),
        '--seed',
        String(this.seed),
      ]);
    this.proxy = await this.track(PROXY_ALIAS, TOXIPROXY_API, () => container.start());
    const { started } = this.proxy;
    this.toxiproxy = new ToxiproxyClient(`http://${hostOf(started)}:${started.getMappedPort(TOXIPROXY_API)}`);
  }

  /** Creates every link's proxy through the module (ports 8666-8697, one at a time: it picks the lowest free). */
  async createLinks(): Promise<void> {
    const proxy = this.proxy?.started as unknown as {
      createProxy(body: { name: string; upstream: string }): Promise<{ instance: { listen: string } }>;
    };
    for (const link of this.topology.links) {
      const created = await proxy.createProxy({
        name: proxyName(link),
        upstream: `${link.to}:${this.portOf(link.to)}`,
      });
      const listen = created.instance.listen;
      this.linkPorts.set(proxyName(link), Number(listen.slice(listen.lastIndexOf(':') + 1)));
    }
  }

  async startStore(spec: ServiceSpec & { kind: 'redis' | 'postgres' }): Promise<void> {
    if (spec.kind === 'redis') {
      const { RedisContainer } = await import('@testcontainers/redis');
      const container = this.prepare(new RedisContainer(this.images.redis.image), spec.name);
      // No persistence: every environment starts from an empty store and nothing is written.
      container.withCommand(['redis-server', '--protected-mode', 'no', '--save', '', '--appendonly', 'no']);
      this.running.set(spec.name, await this.track(spec.name, REDIS_PORT, () => container.start()));
      return;
    }
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql');
    const { user, password, database } = PG_BAKED;
    const container = this.prepare(new PostgreSqlContainer(this.images.postgres.image), spec.name);
    container
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
      ])
      .withHealthCheck({
        test: ['CMD-SHELL', `pg_isready --host 127.0.0.1 --username ${user} --dbname ${database}`],
        interval: 100,
        timeout: 1_000,
        retries: 300,
        startPeriod: 0,
      });
    this.running.set(spec.name, await this.track(spec.name, POSTGRES_PORT, () => container.start()));
  }

  async startNode(spec: ProcessService): Promise<void> {
    const { GenericContainer, Wait } = await import('testcontainers');
    const hostEnv = hostEnvOf(spec);
    const env: Record<string, string> = {
      ...spec.env(this.wiring),
      [spec.portEnv]: String(NODE_PORT),
      ...(hostEnv ? { [hostEnv]: '0.0.0.0' } : {}),
    };
    const container = this.prepare(new GenericContainer(this.images.platform.image), spec.name);
    container
      .withCommand([spec.entry])
      .withEnvironment(env)
      .withExposedPorts(NODE_PORT)
      .withWaitStrategy(Wait.forLogMessage(READY.node))
      .withStartupTimeout(30_000);
    this.running.set(spec.name, await this.track(spec.name, NODE_PORT, () => container.start()));
  }

  /** Follows the engine's events for this environment's containers, so alive() reflects what really happened. */
  async watchEvents(): Promise<void> {
    const client = await runtime();
    const stream = (await client.container.dockerode.getEvents({
      filters: { type: ['container'], label: [`${LABEL.env}=${this.id}`] },
    })) as NodeJS.ReadableStream;
    this.events = stream;
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      let nl = buffer.indexOf('\n');
      while (nl !== -1) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        nl = buffer.indexOf('\n');
        try {
          const event = JSON.parse(line) as {
            Action?: string;
            Actor?: { Attributes?: Record<string, string> };
          };
          const r = this.running.get(event.Actor?.Attributes?.[LABEL.service] ?? '');
          if (!r) continue;
          if (event.Action === 'start') r.state = { running: true, paused: false };
          else if (event.Action === 'die') r.state = { running: false, paused: false };
          else if (event.Action === 'pause') r.state.paused = true;
          else if (event.Action === 'unpause') r.state.paused = false;
        } catch {
          // a partial or unknown event: ignore
        }
      }
    });
    stream.on('error', () => undefined);
  }

  async down(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.allSettled(this.starting);
    (this.events as (NodeJS.ReadableStream & { destroy?: () => void }) | undefined)?.destroy?.();
    for (const r of this.running.values()) r.logs.close();
    this.proxy?.logs.close();
    // By label, not from memory: also whatever a failed start left half-made.
    try {
      await sweepEnvironment(this.id);
    } finally {
      await this.network.release();
    }
  }
}

export const containersBackend: Backend & { images(): Promise<Images> } = {
  name: 'containers',
  images,
  async up(topology, { seed }) {
    validateTopology(topology);
    if (topology.links.length > 32)
      throw new TopologyError(
        `topology '${topology.name}' has ${topology.links.length} links; the containers backend's fault proxy exposes 32 ` +
          '(ToxiProxyContainer ports 8666-8697): use the local backend (FAULTLINE_BACKEND=local) or fewer links',
      );
    const t0 = performance.now();
    const [found] = await Promise.all([images(), prepare()]);
    announce(found);
    const network = await acquireNetwork();
    const env = new ContainersEnvironment(topology, found, network, seed);
    env.timeline.push({ step: 'images, sweep, network', from: Math.round(t0 - env.t0), to: 0 });
    try {
      await env.step('events', () => env.watchEvents());
      const stores = topology.services.filter(
        (s): s is ServiceSpec & { kind: 'redis' | 'postgres' } => s.kind !== 'node',
      );
      const storesUp = Promise.all(stores.map((s) => env.startStore(s)));
      const linksUp = env.startProxy().then(() => env.step('links', () => env.createLinks()));
      // Settle both before judging, so a failure never leaves a start running behind the teardown.
      const [storesResult, linksResult] = await Promise.allSettled([storesUp, linksUp]);
      if (storesResult.status === 'rejected') throw storesResult.reason;
      if (linksResult.status === 'rejected') throw linksResult.reason;
      for (const wave of startOrder(topology)) {
        const nodes = wave.filter((s): s is ProcessService => s.kind === 'node');
        const results = await Promise.allSettled(nodes.map((s) => env.startNode(s)));
        const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
        if (failed) throw failed.reason;
      }
      return env;
    } catch (error) {
      await env.down();
      throw error;
    }
  },
};
