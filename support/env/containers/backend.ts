import { connect } from 'node:net';
import { threadId } from 'node:worker_threads';
import { type ContainerDns, startContainerDns } from '../../dns/containers.ts';
import type { DnsControl } from '../../dns/control.ts';
import { dnsName } from '../../dns/names.ts';
import { probe } from '../../faults/probe.ts';
import { processTree } from '../../faults/resource/procfs.ts';
import { poll, until } from '../../poll.ts';
import { ToxiproxyClient } from '../../proxy/client.ts';
import {
  type ContainerService,
  type Endpoint,
  isDeclared,
  lookingUp,
  type ProcessService,
  proxyName,
  type StoreService,
  service,
  startOrder,
  type Topology,
  TopologyError,
  validateTopology,
  type Wiring,
} from '../../system/topology.ts';
import { type DataDisk, makeDisk } from '../disk.ts';
import type { Backend, Environment, LifecycleEvent, ServiceControl, ServiceExit } from '../environment.ts';
import type { LogLine } from '../local/process.ts';
import { exitOfCode, Supervisor } from '../supervisor.ts';
import { PG_BAKED } from './images/catalog.ts';
import { type Images, image, images, type RoleImage } from './images/resolve.ts';
import { resolveProgram } from './mounts.ts';
import { acquireNetwork, type RunNetwork, releaseSharedNetwork } from './network.ts';
import { drain, emptying, evict, giveBack, reuseEnabled, SHARED_ENV, take } from './pool.ts';
import { startPostgresReplica, startReplicatedPrimary } from './replica.ts';
import { cgroupParent, LABEL, RUN_ID, runLabels, runtime } from './runtime.ts';
import {
  FIRST_PROXY_PORT,
  hostOf,
  type Placement,
  POSTGRES_PORT,
  PROXY_ALIAS,
  REDIS_PORT,
  type Running,
  SERVICE_PORT,
  startContainer,
  startPostgres,
  startProcess,
  startProxy,
  startRedis,
  TOXIPROXY_API,
} from './services.ts';
import { ensureWatchdog, registerWithResidue, sweepEnvironment, sweepLeftovers } from './sweep.ts';

// The containers backend: the same topology as the local backend, in containers on one Docker network.
// Stores come from @testcontainers/redis and @testcontainers/postgresql, the fault proxy from
// @testcontainers/toxiproxy (Shopify's image or ours), process services as GenericContainers running this
// machine's own programs (mounted into a next-to-empty base image, see mounts.ts), container services as
// GenericContainers of their image. Every link runs through the proxy, exactly as locally.
//
// Two address spaces: inside the network a service is reached by its alias (its name) and the proxy by
// PROXY_ALIAS on the link's listen port; that is what the Wiring hands to a service's env(). The harness on
// the host reaches everything through the engine's mapped ports; that is what endpoint(), linkEndpoint()
// and storeUrl() return.

/**
 * Where a process service is told to bind: its port variable with HOST for PORT (PORT → HOST,
 * WORKER_PORT → WORKER_HOST), so one that binds loopback unless told otherwise is reachable on the network.
 */
function hostEnvOf(spec: ProcessService): string | undefined {
  if (spec.portEnv === 'PORT') return 'HOST';
  return spec.portEnv?.endsWith('_PORT') ? `${spec.portEnv.slice(0, -'_PORT'.length)}_HOST` : undefined;
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
      describe('processes', found.base),
    ].join(', ')}\n`,
  );
}

let prepared: Promise<void> | undefined;
/** Where this thread's containers are created in the cgroup hierarchy (learnt in prepare()). */
let containerCgroupParent: string | undefined;
/** Once per thread: sweep what dead runs left, start the watchdog, hook into the interrupt path. */
function prepare(): Promise<void> {
  prepared ??= (async () => {
    await runtime();
    registerWithResidue();
    // A run that ends normally (the event loop drains) removes what outlived its environments right away;
    // the watchdog would too, but only after the process is gone.
    process.once('beforeExit', () => void containersBackend.shutdown().catch(() => undefined));
    await Promise.all([
      sweepLeftovers(),
      ensureWatchdog(),
      cgroupParent().then((parent) => {
        containerCgroupParent = parent;
      }),
    ]);
  })().catch((error) => {
    prepared = undefined;
    throw error;
  });
  return prepared;
}

let environmentCount = 0;

/** Whether the harness reaches the proxy's link ports at its network address (undefined: not yet known). */
let directLinks: boolean | undefined;

/** A TCP connection to host:port is accepted within a second. */
function reachable(host: string | undefined, port: number): Promise<boolean> {
  if (!host) return Promise.resolve(false);
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => done(true));
    socket.once('timeout', () => done(false));
    socket.once('error', () => done(false));
  });
}

class ContainersEnvironment implements Environment {
  readonly backend = 'containers';
  readonly topology: Topology;
  readonly id: string;
  toxiproxy!: ToxiproxyClient;
  /** When each step of bringing the environment up ended (ms after up() began); for benchmarks. */
  readonly timeline: { step: string; from: number; to: number }[] = [];
  private readonly t0 = performance.now();
  private readonly seed: number;
  private readonly network: RunNetwork;
  private readonly running = new Map<string, Running>();
  /** Data disks of its services (their declarations' `disk`), removed once their containers are. */
  private readonly disks = new Map<string, DataDisk>();
  /** Infrastructure (proxy, stores) that may go on to the next environment. */
  private readonly shared: Running[] = [];
  private proxy: Running | undefined;
  /** proxy name → listen port inside the network. */
  private readonly linkPorts = new Map<string, number>();
  private readonly starting: Promise<unknown>[] = [];
  private events: (NodeJS.ReadableStream & { destroy?: () => void }) | undefined;
  /** Per service: the record of its exits and starts, and its restarts under a declared policy. */
  private readonly supervisors = new Map<string, Supervisor>();
  /** Per service: its container's State.StartedAt (a restart changes it) and how it last exited. */
  private readonly states = new Map<string, { startedAt: string; exit?: ServiceExit }>();
  /** Per service restarted by us: container port → the host port the engine published it at since. */
  private readonly hostPorts = new Map<string, Map<number, number>>();
  /**
   * Per declared service: its env as composed at the start, what a restart set on top of it, and how its
   * container is created with a given env (a container's env is fixed at creation: RestartOptions.env).
   */
  private readonly recipes = new Map<
    string,
    {
      composed: Record<string, string>;
      override: Record<string, string>;
      create(env: Record<string, string>): Promise<Running>;
    }
  >();
  /** Resolved when the engine reports a service's container started (its process may not be ready yet). */
  private readonly containersStarted = new Map<string, { promise: Promise<void>; resolve: () => void }>();

  private containerStarted(name: string) {
    let signal = this.containersStarted.get(name);
    if (!signal) {
      let resolve = () => {};
      const promise = new Promise<void>((r) => {
        resolve = r;
      });
      signal = { promise, resolve };
      this.containersStarted.set(name, signal);
    }
    return signal;
  }
  private stopped = false;
  /** faultline's resolver, when a service looks a dependency up by name (support/dns/containers.ts). */
  private containerDns: ContainerDns | undefined;

  get dns(): DnsControl | undefined {
    return this.containerDns?.control;
  }

  /** Before any container starts: those that look names up are created with --dns at the resolver. */
  async startDns(): Promise<void> {
    if (!this.topology.lookups?.length) return;
    const client = await runtime();
    const docker = client.container.dockerode;
    this.containerDns = await startContainerDns(docker, {
      network: this.network.name,
      vantages: lookingUp(this.topology),
      // By its name, known before it starts: a service looks names up before its start is reported.
      container: (name) =>
        name === PROXY_ALIAS
          ? this.proxy?.container
          : docker.getContainer(this.placement(name, false).containerName),
      proxy: PROXY_ALIAS,
      hasLink: (from, to) => this.topology.links.some((l) => l.from === from && l.to === to),
      exec: async (name, command) => {
        const { exitCode, output } = await this.get(name).started.exec(command);
        return { exitCode, output };
      },
    });
  }

  /** The resolver a declared service is pointed at (--dns), when it looks names up. */
  private dnsFor(name: string): string | undefined {
    return this.containerDns && lookingUp(this.topology).includes(name)
      ? this.containerDns.address
      : undefined;
  }

  constructor(topology: Topology, network: RunNetwork, seed: number) {
    this.topology = topology;
    this.network = network;
    this.seed = seed;
    environmentCount += 1;
    this.id = `${RUN_ID}-${threadId}-${environmentCount}`;
    // The module hands out proxy ports lowest first, and the links are created in this order on a proxy
    // without any: so every address is known before anything runs (createLinks checks it).
    topology.links.forEach((link, i) => {
      this.linkPorts.set(proxyName(link), FIRST_PROXY_PORT + i);
    });
  }

  async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const from = performance.now() - this.t0;
    const pending = fn();
    this.starting.push(pending.catch(() => undefined));
    try {
      return await pending;
    } finally {
      this.timeline.push({ step: name, from: Math.round(from), to: Math.round(performance.now() - this.t0) });
    }
  }

  private reusable(): boolean {
    return reuseEnabled() && this.network.shared;
  }

  private placement(serviceName: string, reusable: boolean): Placement {
    return {
      network: this.network.name,
      containerName: `faultline-${this.id}-${serviceName}`,
      labels: { ...runLabels(), [LABEL.env]: reusable ? SHARED_ENV : this.id, [LABEL.service]: serviceName },
      ...(containerCgroupParent !== undefined ? { cgroupParent: containerCgroupParent } : {}),
    };
  }

  /** In-network addresses: what services are configured with. */
  readonly wiring: Wiring = {
    via: (from, to, port) => ({ host: PROXY_ALIAS, port: this.linkPort(from, to, port) }),
    direct: (name) => ({ host: name, port: this.portOf(name) }),
    storeUrl: (from, to) => this.url(to, { host: PROXY_ALIAS, port: this.linkPort(from, to) }),
    name: (_from, to) => dnsName(to),
  };

  private linkPort(from: string, to: string, named?: string): number {
    const port = this.linkPorts.get(proxyName({ from, to, port: named }));
    if (port === undefined)
      throw new TopologyError(
        `topology '${this.topology.name}' has no link ${from} → ${to}; links: ${this.topology.links
          .map((l) => `${l.from} → ${l.to}`)
          .join(', ')}`,
      );
    return port;
  }

  /**
   * The port a service listens on inside its container: fixed per store kind, declared for a container, the
   * declared fixed port or SERVICE_PORT for a process; named ports follow the main one.
   */
  private portOf(name: string, named?: string): number {
    const spec = service(this.topology, name);
    if (spec.kind === 'redis') return REDIS_PORT;
    if (spec.kind === 'postgres') return POSTGRES_PORT;
    if (spec.kind === 'container') return spec.port;
    const main = (spec as ProcessService).port ?? SERVICE_PORT;
    if (named === undefined) return main;
    const declared = Object.keys((spec as ProcessService).ports ?? {});
    const at = declared.indexOf(named);
    if (at === -1)
      throw new TopologyError(
        `service '${name}' has no port '${named}'; declared: ${declared.join(', ') || 'none'}`,
      );
    return main + 1 + at;
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

  endpoint(name: string, named?: string): Endpoint {
    const r = this.get(name);
    const port = named === undefined ? r.containerPort : this.portOf(name, named);
    const restarted = this.hostPorts.get(name)?.get(port);
    return { host: hostOf(r.started), port: restarted ?? r.started.getMappedPort(port) };
  }

  linkEndpoint(from: string, to: string, named?: string): Endpoint {
    const port = this.linkPort(from, to, named);
    if (!this.proxy) throw new TopologyError('the fault proxy is not running');
    if (this.proxy.direct !== undefined) return { host: this.proxy.direct, port };
    return { host: hostOf(this.proxy.started), port: this.proxy.started.getMappedPort(port) };
  }

  storeUrl(name: string): string {
    return this.url(name, this.endpoint(name));
  }

  /** In-network address: where the fault proxy reaches the service (a failover re-points links here). */
  direct(name: string): Endpoint {
    return this.wiring.direct(name);
  }

  logs(name: string): LogLine[] {
    return this.running.get(name)?.logs.lines ?? [];
  }

  /** Reads the container's state from the engine: running, paused, when it started, how it last exited. */
  private async refresh(name: string, r: Running): Promise<void> {
    const info = await r.container.inspect();
    r.state.running = info.State.Running;
    r.state.paused = info.State.Paused;
    const exit = info.State.Running
      ? undefined
      : { ...exitOfCode(info.State.ExitCode), at: Date.parse(info.State.FinishedAt) };
    this.states.set(name, { startedAt: info.State.StartedAt, ...(exit ? { exit } : {}) });
  }

  /**
   * Starts the container again and waits until it is ready. The engine's restart, not Testcontainers': that
   * one removes a container that is not ready in time, so a service killed again while it starts (a chaos
   * monkey, a crash loop) would vanish. The engine hands out new host ports, read back here.
   */
  private async restartContainer(name: string, r: Running): Promise<void> {
    if (r.state.paused) await r.container.unpause().catch(() => undefined);
    const since = Date.now();
    await r.container.restart({ t: 5 });
    const info = await r.container.inspect();
    const ports = new Map<number, number>();
    for (const [key, bindings] of Object.entries(info.NetworkSettings.Ports ?? {})) {
      const host = bindings?.find((b) => b.HostPort)?.HostPort;
      if (host) ports.set(Number.parseInt(key, 10), Number(host));
    }
    this.hostPorts.set(name, ports);
    await r.logs.follow();
    await this.awaitAnswer(name, r, since);
    await this.refresh(name, r);
  }

  /**
   * Replaces the service's container with a new one of the same name, network alias, labels and ports,
   * started with `env` (the engine cannot change a container's env). The Running record stays the one
   * every control and the event watcher hold: its container, log follower and ports move to the new one.
   */
  private async recreateContainer(name: string, r: Running, env: Record<string, string>): Promise<void> {
    const recipe = this.recipes.get(name);
    if (!recipe)
      throw new TopologyError(`${name} is not a declared service: it has no env of its own to restart with`);
    if (r.state.paused) await r.container.unpause().catch(() => undefined);
    await r.container.stop({ t: 5 }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 304 && error.statusCode !== 409) throw error;
    });
    // Its exit is recorded from the engine's die event, matched by container id: wait for it before the
    // record moves to the new container (bounded: a missed event must not hold the restart).
    await until(() => !r.state.running, { everyMs: 20, timeoutMs: 2_000 });
    await r.container.remove({ force: true, v: true }).catch((error: { statusCode?: number }) => {
      if (error.statusCode !== 404) throw error;
    });
    const fresh = await recipe.create(env);
    fresh.logs.close();
    this.hostPorts.delete(name);
    r.started = fresh.started;
    r.container = fresh.container;
    r.state = { running: true, paused: false };
    await r.logs.followAnother(fresh.container);
    await this.refresh(name, r);
  }

  /** Ready again: its readiness log line (if it declares one) since the restart, then it answers a probe. */
  private async awaitAnswer(name: string, r: Running, since: number): Promise<void> {
    const spec = service(this.topology, name);
    const timeoutMs = isDeclared(spec) ? spec.readiness.timeoutMs : 30_000;
    const deadline = Date.now() + timeoutMs;
    if (isDeclared(spec) && spec.readiness.kind === 'log')
      await r.logs.waitFor(spec.readiness.pattern, timeoutMs, since);
    const kind = this.topology.probes[name] ?? 'http';
    const { held, value: answer } = await poll(
      async () => {
        const answer = await probe(kind, this.endpoint(name), 1_000);
        if (!answer.replied && !(await r.container.inspect()).State.Running)
          throw new Error(`${name} exited while it restarted:\n${r.logs.tail(15)}`);
        return answer;
      },
      (answer) => answer.replied,
      { everyMs: 100, deadline },
    );
    if (!held)
      throw new Error(`${name} did not answer within ${timeoutMs} ms of its restart: ${answer.detail}`);
  }

  /** Process faults through the engine: SIGKILL, stop, pause (freezer), unpause, restart. */
  control(name: string): ServiceControl & { stop(): Promise<void> } {
    const r = this.get(name);
    const supervisor = this.supervisors.get(name);
    const act = async (action: string, fn: () => Promise<unknown>) => {
      r.touched = true;
      try {
        await fn();
      } catch (error) {
        const code = (error as { statusCode?: number }).statusCode;
        // 304: already in that state; 409: not running (already killed or stopped).
        if (code !== 304 && code !== 409) throw new Error(`${action} ${name}: ${(error as Error).message}`);
      }
      await this.refresh(name, r);
    };
    return {
      alive: () => r.state.running,
      exited: () => (r.state.running ? undefined : this.states.get(name)?.exit),
      incarnation: () => `container started ${this.states.get(name)?.startedAt ?? 'at an unknown time'}`,
      settled: async () => supervisor?.settled(),
      pid: async () => {
        const { State } = await r.container.inspect();
        return State.Running && State.Pid > 0 ? State.Pid : undefined;
      },
      paused: async () => {
        await this.refresh(name, r);
        return r.state.paused;
      },
      kill: () =>
        act('kill', async () => {
          if (r.state.paused) await r.container.unpause().catch(() => undefined);
          const before = (await r.container.inspect()).State.StartedAt;
          await r.container.kill({ signal: 'SIGKILL' });
          // Gone, or already started again by its supervisor (a wait for 'not-running' would then wait for
          // the next exit): polled, bounded.
          await until(
            async () => {
              const { State } = await r.container.inspect();
              return !State.Running || State.StartedAt !== before;
            },
            { everyMs: 20, timeoutMs: 5_000 },
          );
        }),
      terminate: async (graceMs) => {
        const t0 = performance.now();
        // The engine's stop: SIGTERM, then SIGKILL once the grace period (whole seconds) has passed.
        await act('stop', () => r.container.stop({ t: Math.max(1, Math.ceil(graceMs / 1000)) }));
        const ms = Math.round(performance.now() - t0);
        const exit = this.states.get(name)?.exit;
        return {
          graceful: exit?.signal !== 'SIGKILL',
          ms,
          ...(exit ? { exit: { code: exit.code, signal: exit.signal } } : {}),
        };
      },
      stop: () => act('stop', () => r.container.stop({ t: 5 })),
      pause: () => act('pause', () => r.container.pause()),
      resume: () => act('resume', () => r.container.unpause()),
      processes: async () => {
        const { State } = await r.container.inspect();
        return State.Running && State.Pid > 0 ? processTree(State.Pid) : [];
      },
      ...(this.recipes.has(name)
        ? {
            env: () => {
              const recipe = this.recipes.get(name)!;
              return { composed: recipe.composed, override: recipe.override };
            },
          }
        : {}),
      restart: async (options) => {
        const override = options?.env;
        const recipe = this.recipes.get(name);
        if (override !== undefined && !recipe)
          throw new TopologyError(
            `${name} is not a declared service: its env is faultline's own, a restart cannot set ${Object.keys(override).join(', ') || 'it'}`,
          );
        // The supervisor is about to start it (its policy, after a kill): wait for that, do not race it
        // (a start with another env must still follow it).
        if (supervisor?.restarting) {
          await supervisor.settled();
          await this.refresh(name, r);
          if (r.state.running && override === undefined) return;
        }
        // Another env: a new container (kept for every later start). Otherwise the engine's restart, which
        // hands out new mapped ports, read back, and waits again.
        const restarting = () =>
          act('restart', async () => {
            if (override === undefined || !recipe) return this.restartContainer(name, r);
            recipe.override = { ...override };
            await this.recreateContainer(name, r, { ...recipe.composed, ...override });
          });
        if (!supervisor) return restarting();
        await supervisor.hold(restarting);
        supervisor.started('harness');
      },
    };
  }

  lifecycle(name: string): LifecycleEvent[] {
    service(this.topology, name);
    return [...(this.supervisors.get(name)?.events ?? [])];
  }

  /**
   * Records every exit (the engine's die events, see watchEvents) and start of every service from now on
   * and, under a declared restart policy, starts a container again when its process exits (supervisor.ts).
   * Ours rather than the engine's restart policy: the engine's backoff (100 ms doubling, reset after 10 s)
   * cannot be set, and a `docker kill` does not count as a failure to it.
   */
  async superviseAll(): Promise<void> {
    await Promise.all(
      [...this.running].map(async ([name, r]) => {
        await this.refresh(name, r);
        const spec = service(this.topology, name);
        const supervisor = new Supervisor(
          name,
          isDeclared(spec) ? spec.restart : undefined,
          async () => {
            r.touched = true;
            await this.restartContainer(name, r);
          },
          () => `container started ${this.states.get(name)?.startedAt ?? 'at an unknown time'}`,
        );
        this.supervisors.set(name, supervisor);
        supervisor.started('harness');
      }),
    );
  }

  async startInfrastructure(): Promise<void> {
    const reuse = this.reusable();
    const links = this.topology.links.length;
    const proxyUp = this.step(PROXY_ALIAS, async () => {
      const proxyImage = await image('toxiproxy');
      // A proxy handed over has had its links deleted already (pool.ts).
      const taken = reuse ? await take('proxy', PROXY_ALIAS, proxyImage.image, links) : undefined;
      return taken ?? this.startLinkProxy(proxyImage, links, reuse);
    }).then((proxy) => {
      this.proxy = proxy;
      this.shared.push(proxy);
      this.toxiproxy = new ToxiproxyClient(this.apiUrl(proxy));
      return this.step('links', () => this.createLinks());
    });
    const stores = this.topology.services.filter(
      (s): s is StoreService => s.kind === 'redis' || s.kind === 'postgres',
    );
    const storesUp = stores.map((spec) =>
      this.step(spec.name, async () => {
        if (spec.replicaOf !== undefined || this.hasReplicas(spec.name)) return this.startReplication(spec);
        const storeImage = await image(spec.kind);
        // A Redis on a data disk is this environment's own: its disk goes with it, never handed over.
        if (spec.kind === 'redis' && spec.disk !== undefined) {
          const disk = await this.makeDisk(spec.name, spec.disk);
          const r = await startRedis(spec.name, storeImage, this.placement(spec.name, false), {
            disk: disk.path,
          });
          this.running.set(spec.name, r);
          return;
        }
        const taken = reuse ? await take(spec.kind, spec.name, storeImage.image) : undefined;
        const at = this.placement(spec.name, reuse);
        const r =
          taken ??
          (spec.kind === 'redis'
            ? await startRedis(spec.name, storeImage, at)
            : await startPostgres(spec.name, storeImage, at));
        this.shared.push(r);
        this.running.set(spec.name, r);
      }),
    );
    // Settle everything before judging, so a failure never leaves a start running behind the teardown.
    const results = await Promise.allSettled([proxyUp, ...storesUp]);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * The proxy with only its API published, reached at its network address, when this machine routes to the
   * run's network (a Linux engine here; learnt from the first proxy of the run: its API answers there);
   * otherwise, or with FAULTLINE_CONTAINERS_DIRECT=false, with every link port published.
   */
  private async startLinkProxy(proxyImage: RoleImage, links: number, reuse: boolean): Promise<Running> {
    const at = this.placement(PROXY_ALIAS, reuse);
    if (directLinks === undefined && process.env.FAULTLINE_CONTAINERS_DIRECT !== 'false') {
      const host = (await runtime()).info.containerRuntime.host;
      if (host !== 'localhost' && host !== '127.0.0.1') directLinks = false;
    } else if (process.env.FAULTLINE_CONTAINERS_DIRECT === 'false') directLinks = false;
    if (directLinks !== false) {
      const proxy = await startProxy(proxyImage, links, this.seed, at, false);
      if (directLinks === undefined) directLinks = await reachable(proxy.direct, TOXIPROXY_API);
      if (directLinks) return proxy;
      proxy.logs.close();
      await proxy.container.remove({ force: true, v: true }).catch(() => undefined);
    }
    return startProxy(proxyImage, links, this.seed, at, true);
  }

  private hasReplicas(name: string): boolean {
    return this.topology.services.some((s) => s.kind === 'postgres' && s.replicaOf === name);
  }

  /** Primary → its start; replicas wait for theirs. */
  private readonly primaries = new Map<string, Promise<void>>();

  /**
   * A primary with replicas and its replicas are this environment's own (never reused: the primary serves
   * replication, the replicas follow it): a replica starts once its primary has.
   */
  private startReplication(spec: StoreService): Promise<void> {
    const primary = spec.replicaOf;
    let started: Promise<void>;
    if (primary === undefined) {
      started = (async () => {
        await evict([spec.name]);
        const r = await startReplicatedPrimary(
          spec.name,
          await image('postgres'),
          this.placement(spec.name, false),
        );
        this.running.set(spec.name, r);
      })();
      this.primaries.set(spec.name, started);
    } else
      started = (async () => {
        // The primary's step is created in the same synchronous stretch as this one (stores are mapped in order).
        await this.primaries.get(primary);
        const r = await startPostgresReplica(
          spec.name,
          primary,
          await image('postgres'),
          this.placement(spec.name, false),
        );
        this.running.set(spec.name, r);
      })();
    return started;
  }

  private apiUrl(proxy: Running): string {
    return `http://${hostOf(proxy.started)}:${proxy.started.getMappedPort(TOXIPROXY_API)}`;
  }

  /**
   * Creates every link's proxy at the port it was given (FIRST_PROXY_PORT + its index), published at start,
   * in one /populate call (37 links of the reference platform were 37 round trips, one after another).
   */
  private async createLinks(): Promise<void> {
    const client = new ToxiproxyClient(this.apiUrl(this.proxy!));
    await client.populate(
      this.topology.links.map((link) => {
        const name = proxyName(link);
        return {
          name,
          listen: `0.0.0.0:${this.linkPorts.get(name)}`,
          upstream: `${link.to}:${this.portOf(link.to, link.port)}`,
        };
      }),
    );
  }

  /**
   * A process service's container starts as soon as the containers of the services it depends on have
   * started, alongside the stores and the proxy (the engine's part of a start is the slow one, and it
   * overlaps this way). Inside, the service's own process waits until its dependencies listen and its
   * outbound links exist (see GATE in services.ts), so the order of startOrder() holds. A container
   * service runs its image as it is (no gate inside): it starts once its dependencies are ready and, when
   * it has any dependency or outbound link, once the stores and the proxy are. When several fail, the
   * earliest in that order is reported.
   */
  async startDeclared(infrastructure: Promise<unknown>): Promise<void> {
    const declared = startOrder(this.topology).flatMap((wave) =>
      wave.filter((s): s is ProcessService | ContainerService => isDeclared(s)),
    );
    await evict(declared.map((s) => s.name));
    const starts = new Map<string, Promise<void>>();
    for (const spec of declared) {
      const outbound = this.topology.links.filter((l) => l.from === spec.name);
      // A dependency counts as started when the engine says its container did, or when its whole start
      // settled (so a failed one, or a missed event, never leaves this one waiting).
      const depsStarted = spec.dependsOn
        .filter((d) => starts.has(d))
        .map((d) =>
          spec.kind === 'process'
            ? Promise.race([this.containerStarted(d).promise, starts.get(d)!])
            : starts.get(d)!,
        );
      if (spec.kind === 'container' && (spec.dependsOn.length > 0 || outbound.length > 0))
        depsStarted.push(infrastructure.then(() => undefined));
      const start = this.step(spec.name, async () => {
        await Promise.all(depsStarted);
        const named = Object.entries(spec.kind === 'process' ? (spec.ports ?? {}) : {}).map(
          ([port, variable]) => [variable, String(this.portOf(spec.name, port))],
        );
        const main = this.portOf(spec.name);
        const common = {
          readiness: spec.readiness,
          ports: [main, ...named.map(([, port]) => Number(port))],
          sharedDirs: this.topology.sharedDirs ?? [],
          at: this.placement(spec.name, false),
          dns: this.dnsFor(spec.name),
        };
        if (spec.kind === 'container') {
          const composed = spec.env(this.wiring);
          const create = (env: Record<string, string>) =>
            startContainer(spec.name, { ...common, image: spec.image, command: spec.command, env });
          this.recipes.set(spec.name, { composed, override: {}, create });
          const r = await create(composed);
          this.running.set(spec.name, r);
          return;
        }
        const hostEnv = hostEnvOf(spec);
        const disk = spec.disk ? await this.makeDisk(spec.name, spec.disk.bytes) : undefined;
        const composed = {
          ...spec.env(this.wiring),
          ...(spec.portEnv ? { [spec.portEnv]: String(main) } : {}),
          ...(spec.disk && disk ? { [spec.disk.env]: disk.path } : {}),
          ...Object.fromEntries(named),
          ...(hostEnv ? { [hostEnv]: '0.0.0.0' } : {}),
        };
        const base = await image('base');
        const create = (env: Record<string, string>) =>
          startProcess(spec.name, base, {
            ...common,
            command: spec.command,
            cwd: spec.cwd,
            env,
            origin: spec.origin,
            ...(disk ? { writable: [disk.path] } : {}),
            waitFor: [
              ...spec.dependsOn.map((dep) => `${dep}:${this.portOf(dep)}`),
              ...outbound.map((l) => `${PROXY_ALIAS}:${this.linkPort(l.from, l.to, l.port)}`),
            ],
          });
        this.recipes.set(spec.name, { composed, override: {}, create });
        const r = await create(composed);
        this.running.set(spec.name, r);
      }).catch(async (error) => {
        // The first failure ends the others' waits: their containers go, so their starts fail at once.
        await sweepEnvironment(this.id).catch(() => undefined);
        throw error;
      });
      starts.set(spec.name, start);
    }
    const results = await Promise.allSettled(starts.values());
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Follows the engine's container events of this run, so alive() reflects what really happened. */
  async watchEvents(): Promise<void> {
    const client = await runtime();
    const stream = (await client.container.dockerode.getEvents({
      filters: { type: ['container'], label: [`${LABEL.run}=${RUN_ID}`] },
    })) as NodeJS.ReadableStream;
    this.events = stream;
    let buffer = '';
    stream.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      for (let nl = buffer.indexOf('\n'); nl !== -1; nl = buffer.indexOf('\n')) {
        const line = buffer.slice(0, nl);
        buffer = buffer.slice(nl + 1);
        let event: { Action?: string; id?: string; Actor?: { Attributes?: Record<string, string> } };
        try {
          event = JSON.parse(line);
        } catch {
          continue;
        }
        const labels = event.Actor?.Attributes ?? {};
        if (event.Action === 'start' && labels[LABEL.env] === this.id)
          this.containerStarted(labels[LABEL.service] ?? '').resolve();
        for (const r of this.running.values()) {
          if (r.started.getId() !== event.id) continue;
          if (event.Action === 'start') r.state = { running: true, paused: false };
          else if (event.Action === 'die') {
            r.state = { running: false, paused: false };
            const exit = exitOfCode(Number(labels.exitCode ?? Number.NaN));
            const supervisor = this.supervisors.get(r.name);
            const startedAt = this.states.get(r.name)?.startedAt ?? 'at an unknown time';
            supervisor?.exited(
              { code: Number.isNaN(exit.code) ? null : exit.code, signal: exit.signal },
              `container started ${startedAt}`,
            );
          } else if (event.Action === 'pause') r.state.paused = true;
          else if (event.Action === 'unpause') r.state.paused = false;
        }
      }
    });
    stream.on('error', () => undefined);
  }

  async down(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.supervisors.values()].map((s) => s.close()));
    // Remove first: a start still waiting (for a dependency, a log line) then fails at once instead of
    // running into its timeout; then once more for whatever was created meanwhile.
    await sweepEnvironment(this.id).catch(() => undefined);
    await Promise.allSettled(this.starting);
    this.events?.destroy?.();
    for (const r of this.running.values()) r.logs.close();
    try {
      // Declared services by label, not from memory: also whatever a failed start left half-made.
      // Handed over only once the environment's own containers are gone: the stores are emptied as they are
      // handed over, and no service of this environment may write into them after that.
      const handOver = this.reusable() ? this.shared : [];
      await sweepEnvironment(this.id);
      // The proxy first: deleting its links closes the sessions the removed services still held on the
      // stores through it (the proxy cannot know their clients are gone), so the database is dropped with
      // no session of theirs left to terminate.
      const proxies = handOver.filter((r) => r.kind === 'proxy');
      await Promise.all(proxies.map((r) => giveBack(r)));
      const linksGone = Promise.all(proxies.map((r) => emptying(r)));
      await Promise.all(handOver.filter((r) => r.kind !== 'proxy').map((r) => giveBack(r, linksGone)));
    } finally {
      // The containers that wrote on them are gone: the data disks go too.
      await Promise.allSettled([...this.disks.values()].map((d) => d.remove()));
      await this.containerDns?.close();
      await this.network.release();
    }
  }

  disk(service: string): DataDisk | undefined {
    return this.disks.get(service);
  }

  /** A data disk on this machine, bind-mounted into the service's container (support/env/disk.ts). */
  private async makeDisk(service: string, bytes: number): Promise<DataDisk> {
    const disk = await makeDisk(service, bytes);
    this.disks.set(service, disk);
    return disk;
  }
}

export interface ContainersBackend extends Backend {
  /** Resolves (and where needed builds) the images; done once per run. */
  images(): Promise<Images>;
  /** Removes what outlives environments (reusable infrastructure, the shared network); tests and benchmarks. */
  shutdown(): Promise<void>;
}

export const containersBackend: ContainersBackend = {
  name: 'containers',
  images,
  async shutdown() {
    await drain();
    await releaseSharedNetwork();
  },
  async up(topology, { seed }) {
    validateTopology(topology);
    // A program this machine lacks fails here, naming its service, before any container starts.
    for (const spec of topology.services)
      if (spec.kind === 'process')
        try {
          resolveProgram(spec.command[0]!, spec.cwd);
        } catch (error) {
          throw new TopologyError(
            `${spec.name}${spec.origin ? ` (${spec.origin})` : ''}: ${(error as Error).message}`,
          );
        }
    const t0 = performance.now();
    // Images resolve per role while the environment starts: stores need not wait for another role's image.
    images().then(announce, () => undefined);
    await prepare();
    const network = await acquireNetwork();
    const env = new ContainersEnvironment(topology, network, seed);
    env.timeline.push({ step: 'sweep, network', from: 0, to: Math.round(performance.now() - t0) });
    try {
      await env.startDns();
      await env.watchEvents();
      // Settle both before judging, so a failure never leaves a start running behind the teardown.
      const infrastructure = env.startInfrastructure().catch(async (error) => {
        // Declared services wait for the stores and the proxy: removing them ends that wait at once.
        await sweepEnvironment(env.id).catch(() => undefined);
        throw error;
      });
      const results = await Promise.allSettled([infrastructure, env.startDeclared(infrastructure)]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
      await env.superviseAll();
      return env;
    } catch (error) {
      await env.down();
      throw error;
    }
  },
};
