import { fileURLToPath } from 'node:url';
import { type Removable, residue } from '../../cleanup/residue.ts';
import type { DnsControl } from '../../dns/control.ts';
import { type LocalDns, localDnsMissing, startLocalDns } from '../../dns/local.ts';
import { dnsName } from '../../dns/names.ts';
import { processTree } from '../../faults/resource/procfs.ts';
import { modulePath } from '../../module-path.ts';
import { parseListen, ToxiproxyClient, ToxiproxyError } from '../../proxy/client.ts';
import {
  type Endpoint,
  isDeclared,
  type LinkSpec,
  type ProcessService,
  proxyName,
  replicasOf,
  type StoreService,
  service,
  startOrder,
  type Topology,
  TopologyError,
  validateTopology,
  type Wiring,
} from '../../system/topology.ts';
import { type DataDisk, makeDisk } from '../disk.ts';
import type { Backend, Environment, LifecycleEvent, ServiceControl } from '../environment.ts';
import { freePort } from '../ports.ts';
import { awaitReady } from '../readiness.ts';
import { Supervisor } from '../supervisor.ts';
import { startPostgres } from './postgres.ts';
import { LocalProcess, listeningPort } from './process.ts';
import { startRedis } from './redis.ts';
import { PRIMARY_SETTINGS, startPostgresReplica } from './replica.ts';
import type { RunningService } from './service.ts';
import { isStopped } from './state.ts';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

interface Started {
  endpoint: Endpoint;
  /** Named extra ports (ProcessService.ports). */
  ports?: Record<string, number>;
  url?: string;
  process: LocalProcess;
  /** Its data disk, when its declaration gives one. */
  disk?: DataDisk;
  /** Starts (or restarts) the process and waits until it is ready. */
  start?(): Promise<void>;
  /** A declared service: its env as composed at launch, and what a restart set on top (RestartOptions.env). */
  env?: { composed: Record<string, string>; override: Record<string, string> };
  stop(): Promise<void>;
}

/** Our embedded Toxiproxy-compatible server, or an external one named by FAULTLINE_TOXIPROXY_URL. */
async function startFaultProxy(seed: number): Promise<{ client: ToxiproxyClient; process?: LocalProcess }> {
  const external = process.env.FAULTLINE_TOXIPROXY_URL;
  if (external) {
    // Links are named after their ends (controller>worker-1), the same in every environment: two parallel
    // workers sharing one external proxy would ask for the same names at once.
    if (process.env.CUCUMBER_PARALLEL === 'true' && Number(process.env.CUCUMBER_TOTAL_WORKERS) > 1)
      throw new Error(
        `FAULTLINE_TOXIPROXY_URL=${external} is shared by ${process.env.CUCUMBER_TOTAL_WORKERS} parallel workers, whose links would take the same proxy names: run in turn (--parallel 0 or FAULTLINE_WORKERS=1) or without FAULTLINE_TOXIPROXY_URL (each environment then starts its own fault proxy)`,
      );
    const client = new ToxiproxyClient(external);
    try {
      await client.version();
    } catch (error) {
      throw new Error(
        `FAULTLINE_TOXIPROXY_URL=${external} does not answer GET /version: ${(error as Error).message}`,
      );
    }
    return { client };
  }
  const proc = new LocalProcess({
    name: 'fault-proxy',
    command: process.execPath,
    args: [
      modulePath(import.meta.url, '../../../bin/faultline'),
      'proxy',
      '--host',
      '127.0.0.1',
      '--port',
      '0',
      '--seed',
      String(seed),
      // Its Prometheus metrics (per-link bytes, connections) for the run's Prometheus when a scenario
      // uses PromQL; prom-client adds a few tens of ms to the proxy's start.
      '--metrics',
    ],
    cwd: ROOT,
    ready: listeningPort,
  });
  const port = await proc.start();
  return { client: new ToxiproxyClient(`http://127.0.0.1:${port}`), process: proc };
}

let announcedNoDns = false;
function announceNoDns(missing: string): void {
  if (announcedNoDns) return;
  announcedNoDns = true;
  process.stderr.write(
    `faultline: no DNS faults on this run: ${missing}; the names are handed out as addresses\n`,
  );
}

class LocalEnvironment implements Environment {
  readonly backend = 'local';
  readonly topology: Topology;
  private proxyClient: ToxiproxyClient | undefined;
  private proxyProcess: LocalProcess | undefined;
  private readonly started = new Map<string, Started>();
  private readonly links = new Map<string, Endpoint>();
  /** Per service: the record of its exits and starts, and its restarts under a declared policy. */
  private readonly supervisors = new Map<string, Supervisor>();
  /** Proxies asked of an external fault proxy (it outlives the run): each deleted at teardown. */
  private readonly ownedProxies: Removable[] = [];
  private stopped = false;
  /** faultline's resolver, when a service looks a dependency up by name (support/dns/local.ts). */
  private localDns: LocalDns | undefined;

  get dns(): DnsControl | undefined {
    return this.localDns?.control;
  }

  /** Why there is no resolver although a service looks a name up (not root): DNS faults then say so. */
  dnsUnavailable: string | undefined;

  async startDns(): Promise<void> {
    if (!this.topology.lookups?.length) return;
    const missing = localDnsMissing(this.topology);
    if (missing) {
      // The system still runs: a name is handed out as the link's address, and only a DNS fault fails.
      this.dnsUnavailable = missing;
      announceNoDns(missing);
      return;
    }
    this.localDns = await startLocalDns(this.topology, (name) => this.started.get(name)?.process.pid);
  }

  constructor(topology: Topology) {
    this.topology = topology;
  }

  get toxiproxy(): ToxiproxyClient {
    if (!this.proxyClient) throw new Error('the fault proxy is not running yet');
    return this.proxyClient;
  }

  async startProxy(seed: number): Promise<void> {
    const proxy = await startFaultProxy(seed);
    this.proxyClient = proxy.client;
    this.proxyProcess = proxy.process;
  }

  readonly wiring: Wiring = {
    via: (from, to, port) => this.linkEndpoint(from, to, port),
    direct: (name) => this.endpoint(name),
    storeUrl: (from, to) => {
      const { host, port } = this.linkEndpoint(from, to);
      const direct = this.storeUrl(to);
      const url = new URL(direct);
      url.hostname = host;
      url.port = String(port);
      return url.toString();
    },
    // Without faultline's resolver (not root) the name is the link's own address: nothing could resolve it.
    name: (from, to) => (this.dnsUnavailable ? this.linkEndpoint(from, to).host : dnsName(to)),
  };

  endpoint(name: string, port?: string): Endpoint {
    const found = this.started.get(name);
    if (!found) throw new TopologyError(`service '${service(this.topology, name).name}' is not running`);
    if (port === undefined) return found.endpoint;
    const number = found.ports?.[port];
    if (number === undefined)
      throw new TopologyError(
        `service '${name}' has no port '${port}'; declared: ${Object.keys(found.ports ?? {}).join(', ') || 'none'}`,
      );
    return { host: found.endpoint.host, port: number };
  }

  linkEndpoint(from: string, to: string, port?: string): Endpoint {
    const found = this.links.get(proxyName({ from, to, port }));
    if (!found)
      throw new TopologyError(
        `topology '${this.topology.name}' has no link ${from} → ${to}; links: ${this.topology.links
          .map((l) => `${l.from} → ${l.to}`)
          .join(', ')}`,
      );
    return found;
  }

  storeUrl(name: string): string {
    const url = this.started.get(name)?.url;
    if (!url) throw new TopologyError(`service '${name}' is not a running store (redis or postgres)`);
    return url;
  }

  logs(name: string) {
    return this.started.get(name)?.process.logs ?? [];
  }

  control(name: string): ServiceControl {
    const target = this.started.get(name);
    if (!target) throw new TopologyError(`service '${service(this.topology, name).name}' is not running`);
    const proc = target.process;
    const supervisor = this.supervisors.get(name);
    const start = target.start ?? (async () => void (await proc.start()));
    return {
      alive: () => proc.running,
      exited: () => (proc.running ? undefined : proc.exitInfo),
      incarnation: () => `pid ${proc.pid}`,
      pid: async () => (proc.running ? proc.pid : undefined),
      settled: async () => supervisor?.settled(),
      paused: () => isStopped(proc.running ? proc.pid : undefined),
      kill: () => proc.kill(),
      terminate: async (graceMs) => {
        const t0 = performance.now();
        proc.signal('SIGTERM');
        const graceful = await proc.waitForExit(graceMs);
        if (!graceful) await proc.kill();
        const exit = proc.exitInfo;
        return {
          graceful,
          ms: Math.round(performance.now() - t0),
          ...(exit ? { exit: { code: exit.code, signal: exit.signal } } : {}),
        };
      },
      pause: async () => {
        proc.signal('SIGSTOP');
      },
      resume: async () => {
        proc.signal('SIGCONT');
      },
      processes: async () => (proc.running && proc.pid !== undefined ? processTree(proc.pid) : []),
      ...(target.env
        ? { env: () => ({ composed: target.env!.composed, override: target.env!.override }) }
        : {}),
      restart: async (options) => {
        const override = options?.env;
        if (override !== undefined && !target.env)
          throw new TopologyError(
            `${name} is a store faultline starts: its env is faultline's own, a restart cannot set ${Object.keys(override).join(', ') || 'it'}`,
          );
        // The supervisor is about to start it (its policy, after a kill): wait for that, do not race it
        // (a start with another env must still follow it).
        if (supervisor?.restarting) {
          await supervisor.settled();
          if (proc.running && override === undefined) return;
        }
        const restarting = async () => {
          await proc.stop();
          if (override !== undefined && target.env) {
            // Kept for every later start of this process (its policy's, a crash fault's undo).
            target.env.override = { ...override };
            proc.spec.env = { ...target.env.composed, ...override };
          }
          await start();
        };
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
   * Records every exit and start of a started service from now on and, under its declared restart policy,
   * starts it again when it exits (supervisor.ts). Every later start (the supervisor's, the harness's)
   * watches the new process the same way.
   */
  supervise(name: string): void {
    const entry = this.started.get(name);
    if (!entry || this.supervisors.has(name)) return;
    const spec = service(this.topology, name);
    const proc = entry.process;
    const first = entry.start ?? (async () => void (await proc.start()));
    const watch = () => {
      const pid = proc.pid;
      void proc.exit?.then((exit) => supervisor.exited(exit, `pid ${pid}`));
    };
    const start = async () => {
      try {
        await first();
      } catch (error) {
        // Exited before it was ready (or was killed for not getting ready): an exit like any other.
        if (!proc.running && proc.exitInfo) {
          const { code, signal } = proc.exitInfo;
          supervisor.exited({ code, signal }, `pid ${proc.pid}`);
        }
        throw error;
      }
      watch();
    };
    const supervisor = new Supervisor(
      name,
      isDeclared(spec) ? spec.restart : undefined,
      start,
      () => `pid ${proc.pid}`,
    );
    entry.start = start;
    this.supervisors.set(name, supervisor);
    supervisor.started('harness');
    watch();
  }

  async createLink(link: LinkSpec): Promise<void> {
    const upstream = this.endpoint(link.to, link.port);
    const name = proxyName(link);
    const client = this.toxiproxy;
    // An external fault proxy outlives the run, and the environment is known to the signal handler only
    // once it is all up: each proxy is registered for an interrupt's sweep in the same synchronous stretch
    // as it is asked for, and none is asked for once the sweep began. Its removal waits for the request, so a
    // proxy whose creation is in flight at the signal cannot be created after its deletion.
    if (residue.closing) throw new Error(`the run is stopping (interrupted): no new proxy ${name}`);
    const creating = client.createProxy({
      name,
      listen: '127.0.0.1:0',
      upstream: `${upstream.host}:${upstream.port}`,
    });
    if (!this.proxyProcess) {
      const owned: Removable = {
        async remove() {
          // A refusal from the proxy (e.g. the name is taken) means nothing of ours was created.
          const ours = await creating.then(
            () => true,
            (error) => !(error instanceof ToxiproxyError),
          );
          if (ours) await deleteProxyIfPresent(client, name);
          residue.deleteElsewhere(owned);
        },
      };
      residue.addElsewhere(owned);
      this.ownedProxies.push(owned);
    }
    const proxy = await creating;
    this.links.set(proxy.name, parseListen(proxy.listen));
  }

  /** The service's own address, as the fault proxy reaches it (a link re-pointed at a promoted replica). */
  direct(name: string): Endpoint {
    return this.endpoint(name);
  }

  async startStore(spec: StoreService): Promise<void> {
    if (spec.replicaOf !== undefined) return this.startReplica(spec.name, spec.replicaOf);
    const running: RunningService =
      spec.kind === 'redis'
        ? await startRedis({ name: spec.name, ...(spec.disk !== undefined ? { disk: spec.disk } : {}) })
        : await startPostgres({
            name: spec.name,
            args: replicasOf(this.topology, spec.name).length > 0 ? PRIMARY_SETTINGS : [],
          });
    this.started.set(spec.name, {
      endpoint: { host: running.host, port: running.port },
      url: running.url,
      process: running.process,
      ...(running.disk ? { disk: running.disk } : {}),
      stop: running.stop,
    });
  }

  disk(service: string): DataDisk | undefined {
    return this.started.get(service)?.disk;
  }

  /** A streaming replica, cloned from its primary (started in an earlier wave); a restart rejoins it. */
  private async startReplica(name: string, primary: string): Promise<void> {
    const running = await startPostgresReplica({ name, primary: this.endpoint(primary) });
    this.started.set(name, {
      endpoint: { host: running.host, port: running.port },
      url: running.url,
      process: running.process,
      start: running.rejoin,
      stop: running.stop,
    });
  }

  /** Allocates the ports first: links into the service need them before the service itself can start. */
  async reserve(spec: ProcessService): Promise<void> {
    const port = spec.port ?? (await freePort());
    const ports: Record<string, number> = {};
    for (const name of Object.keys(spec.ports ?? {})) ports[name] = await freePort();
    const [program, ...args] = spec.command;
    const proc = new LocalProcess({
      name: spec.name,
      // `node` is the runner's own Node (PATH may hold an older one).
      command: program === 'node' ? process.execPath : program!,
      args,
      cwd: spec.cwd,
      wrapper: this.localDns?.wrapper(spec.name),
    });
    const endpoint = { host: '127.0.0.1', port };
    const start = async () => {
      const from = proc.logs.length;
      await proc.start();
      try {
        await awaitReady(
          {
            name: spec.name,
            endpoint,
            cwd: spec.cwd,
            alive: () => proc.running,
            lines: () => proc.logs.slice(from).map((l) => l.line),
            exit: () => `code ${proc.exitInfo?.code}, signal ${proc.exitInfo?.signal}`,
          },
          spec.readiness,
        );
      } catch (error) {
        await proc.kill();
        throw error;
      }
    };
    const disk = spec.disk ? await makeDisk(spec.name, spec.disk.bytes) : undefined;
    this.started.set(spec.name, {
      endpoint,
      ports,
      process: proc,
      start,
      ...(disk ? { disk } : {}),
      async stop() {
        await proc.stop();
        await disk?.remove();
      },
    });
  }

  async launch(spec: ProcessService): Promise<void> {
    const entry = this.started.get(spec.name)!;
    const extra = Object.entries(spec.ports ?? {}).map(([name, variable]) => [
      variable,
      String(entry.ports?.[name]),
    ]);
    const composed = {
      ...spec.env(this.wiring),
      ...(spec.portEnv ? { [spec.portEnv]: String(entry.endpoint.port) } : {}),
      ...(spec.disk && entry.disk ? { [spec.disk.env]: entry.disk.path } : {}),
      ...Object.fromEntries(extra),
    };
    entry.env = { composed, override: {} };
    entry.process.spec.env = { ...composed };
    await entry.start!();
  }

  async down(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all([...this.supervisors.values()].map((s) => s.close()));
    const waves = startOrder(this.topology).reverse();
    for (const wave of waves)
      await Promise.allSettled(wave.map((s) => this.started.get(s.name)?.stop() ?? Promise.resolve()));
    if (this.proxyProcess) await this.proxyProcess.stop();
    else await Promise.allSettled(this.ownedProxies.map((owned) => owned.remove()));
    await this.localDns?.close();
  }
}

async function deleteProxyIfPresent(client: ToxiproxyClient, name: string): Promise<void> {
  try {
    await client.deleteProxy(name);
  } catch (error) {
    if (!(error instanceof ToxiproxyError && error.status === 404)) throw error;
  }
}

/**
 * Like Promise.all, but waits for every start before failing: a service still starting when a sibling
 * fails would otherwise come up after the teardown and outlive the run.
 */
async function settled(starts: Promise<unknown>[]): Promise<void> {
  const results = await Promise.allSettled(starts);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
}

export const localBackend: Backend = {
  name: 'local',
  async up(topology, { seed }) {
    validateTopology(topology);
    const containers = topology.services.filter((s) => s.kind === 'container');
    if (containers.length > 0)
      throw new TopologyError(
        `the local backend runs processes, not images: ${containers.map((s) => `'${s.name}' (image ${s.kind === 'container' ? s.image : ''}${s.origin ? `, ${s.origin}` : ''})`).join(', ')} needs the containers backend (FAULTLINE_BACKEND=containers), or declare it as service('${containers[0]!.name}', { command: [ … ] })`,
      );
    const env = new LocalEnvironment(topology);
    // Before anything starts: a service that looks names up is spawned in its own namespace.
    await env.startDns();
    // The proxy starts alongside the first stores; links are only created once both are up.
    const proxyReady = env.startProxy(seed);
    proxyReady.catch(() => {});
    try {
      for (const wave of startOrder(topology)) {
        await settled(
          wave.map((spec) =>
            spec.kind === 'process' ? env.reserve(spec) : env.startStore(spec as StoreService),
          ),
        );
        await proxyReady;
        const names = new Set(wave.map((s) => s.name));
        await settled(topology.links.filter((l) => names.has(l.to)).map((l) => env.createLink(l)));
        await settled(wave.flatMap((spec) => (spec.kind === 'process' ? [env.launch(spec)] : [])));
        for (const spec of wave) env.supervise(spec.name);
      }
      return env;
    } catch (error) {
      // Everything started beside the failure has been waited for (settled), so down() sees all of it;
      // the proxy may still be starting.
      await proxyReady.catch(() => {});
      await env.down();
      throw error;
    }
  },
};
