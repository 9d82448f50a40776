// A topology names the services of a system under test and the links between them. Every link runs through
// the fault proxy, so each one can be partitioned, slowed or cut on its own. Backends bring a topology up;
// steps only ever speak in its names.

export interface Endpoint {
  host: string;
  port: number;
}

/** What a service can see of the others when its environment is composed. */
export interface Wiring {
  /** Address through which `from` reaches `to` (at `to`'s named port, if given): that link's proxy listener. */
  via(from: string, to: string, port?: string): Endpoint;
  /** The service's own address (only for links that bypass the proxy, e.g. the harness itself). */
  direct(service: string): Endpoint;
  /** Connection string of a store service (redis://…, postgres://…) as reached through a link. */
  storeUrl(from: string, to: string): string;
  /**
   * The DNS name through which `from` looks `to` up (`to.faultline`): faultline's resolver answers it with
   * the address of the link `from` → `to` (see support/dns/). Absent: the name, without a recording.
   */
  name?(from: string, to: string): string;
}

/** How to tell a request that gets an immediate reply from a timeout: used to prove a fault took effect. */
export type ProbeKind = 'http' | 'tls' | 'redis' | 'postgres';

/**
 * When a started service counts as ready (Testcontainers' `Wait` strategies): its main port accepts a TCP
 * connection, an HTTP path answers with an expected status, a log line matches, or a command exits 0.
 */
export type Readiness = (
  | { kind: 'port' }
  | { kind: 'http'; path: string; status: number[] }
  | { kind: 'log'; pattern: RegExp }
  | { kind: 'command'; command: string[] }
) & { timeoutMs: number };

export interface StoreService {
  kind: 'redis' | 'postgres';
  name: string;
  /**
   * A streaming replica of this Postgres primary (cloned from it with pg_basebackup when it starts): replicas
   * of one primary form the group `<primary>-replicas`, which "1 of the postgres replicas" picks from.
   */
  replicaOf?: string;
  group?: string;
  /**
   * Redis only: it keeps an append-only file in a data directory on a filesystem of this many bytes of its
   * own (support/env/disk.ts), which a disk fault fills.
   */
  disk?: number;
}

/** The group a service belongs to (declared services and replicas of a store), if any. */
export const groupOf = (s: ServiceSpec): string | undefined => s.group;

/** The group of a Postgres primary's streaming replicas. */
export const replicaGroup = (primary: string): string => `${primary}-replicas`;

/** The streaming replicas of a Postgres primary, in order (none unless the declaration asked for them). */
export const replicasOf = (topology: Topology, primary: string): string[] =>
  topology.services.filter((s) => s.kind === 'postgres' && s.replicaOf === primary).map((s) => s.name);

/**
 * When a service is started again after its process exits (declared per service, see declare.ts): always,
 * or only after a failure (a non-zero exit status or a signal), after a backoff that doubles from `initialMs`
 * up to `maxMs` with each exit in a row, and starts again from `initialMs` once the service ran `resetMs`.
 */
export interface RestartPolicy {
  policy: 'always' | 'on-failure';
  backoff: { initialMs: number; maxMs: number; resetMs: number };
}

/** What every service started from a declaration shares. */
interface DeclaredService {
  name: string;
  /** Environment of the service, composed once the addresses are known. */
  env(wiring: Wiring): Record<string, string>;
  /** Services that must be up before this one starts. */
  dependsOn: string[];
  /** Members of one group ("workers") are what "3 of its workers" picks from. */
  group?: string;
  readiness: Readiness;
  /** Where the declaration came from, for error messages (e.g. "faultline.config.ts: services[2]"). */
  origin?: string;
  /** Started again by the backend when its process exits (none: it stays down until a fault's undo). */
  restart?: RestartPolicy;
  /** Where it serves Prometheus metrics (a named port, else its main port): what the run's Prometheus scrapes. */
  metrics?: { path: string; port?: string };
}

/** Any command line (node, python, a shell script, a Go binary) run as a child process of the backend. */
export interface ProcessService extends DeclaredService {
  kind: 'process';
  /** argv: the program (looked up on PATH; `node` is the runner's own Node) and its arguments. */
  command: string[];
  /** Absolute working directory. */
  cwd: string;
  /** Environment variable that receives the port the backend allocated for it (or a fixed port). */
  portEnv?: string;
  port?: number;
  /** Further named ports (name → env var that receives it), e.g. a TLS listener beside the HTTP one. */
  ports?: Record<string, string>;
  /** Its data directory, on a filesystem of `bytes` of its own (support/env/disk.ts), its path in `env`. */
  disk?: { env: string; bytes: number };
}

/** Any image, run by the containers backend (the local backend refuses it, naming the service). */
export interface ContainerService extends DeclaredService {
  kind: 'container';
  image: string;
  command?: string[];
  /** The port the container listens on. */
  port: number;
}

export type ServiceSpec = StoreService | ProcessService | ContainerService;

export const isDeclared = (s: ServiceSpec): s is ProcessService | ContainerService =>
  s.kind === 'process' || s.kind === 'container';

export interface LinkSpec {
  from: string;
  to: string;
  /** A named port of `to` (see ProcessService.ports); the main port when absent. */
  port?: string;
}

export interface Topology {
  name: string;
  services: ServiceSpec[];
  links: LinkSpec[];
  /** Host directories every process service must see at the same path (certificates, shared files). */
  sharedDirs?: string[];
  /** Probe kind per service, or per `service:port` for a named port (e.g. 'controller:registration': 'tls'). */
  probes: Record<string, ProbeKind>;
  /**
   * Dependencies a service addresses by name (its env used `w.host(to)` / `w.url(to, { byName: true })`):
   * its lookups go to faultline's resolver, which is what a DNS fault acts on. Each is also a link.
   */
  lookups?: LinkSpec[];
}

/** The services that look names up through faultline's resolver (each has a vantage of its own). */
export const lookingUp = (topology: Topology): string[] => [
  ...new Set((topology.lookups ?? []).map((l) => l.from)),
];

export const probeKind = (topology: Topology, link: LinkSpec): ProbeKind =>
  (link.port ? topology.probes[`${link.to}:${link.port}`] : undefined) ?? topology.probes[link.to] ?? 'http';

/**
 * The ports at which a service speaks TLS (probed as 'tls'): a named port's name, or undefined for its main
 * port. A service with one presents a server certificate there.
 */
export function tlsPortsOf(topology: Topology, name: string): (string | undefined)[] {
  const ports: (string | undefined)[] = topology.probes[name] === 'tls' ? [undefined] : [];
  for (const [key, kind] of Object.entries(topology.probes))
    if (kind === 'tls' && key.startsWith(`${name}:`)) ports.push(key.slice(name.length + 1));
  return ports;
}

export const proxyName = (link: LinkSpec): string =>
  `${link.from}-to-${link.to}${link.port ? `-${link.port}` : ''}`;

export class TopologyError extends Error {}

export function service(topology: Topology, name: string): ServiceSpec {
  const found = topology.services.find((s) => s.name === name);
  if (!found)
    throw new TopologyError(
      `unknown service '${name}' in topology '${topology.name}'; known services: ${topology.services.map((s) => s.name).join(', ')}`,
    );
  return found;
}

export function groupMembers(topology: Topology, group: string): string[] {
  const members = topology.services.filter((s) => groupOf(s) === group).map((s) => s.name);
  if (members.length === 0) {
    const groups = [...new Set(topology.services.flatMap((s) => (s.group ? [s.group] : [])))];
    throw new TopologyError(
      `topology '${topology.name}' has no group '${group}'; known groups: ${groups.join(', ') || '(none)'}`,
    );
  }
  return members;
}

/** Links between two services, in either direction (a partition cuts both ways). */
export function linksBetween(topology: Topology, a: string, b: string): LinkSpec[] {
  return topology.links.filter((l) => (l.from === a && l.to === b) || (l.from === b && l.to === a));
}

/** Services in an order where everything a service depends on (including what it links to) comes first. */
export function startOrder(topology: Topology): ServiceSpec[][] {
  const deps = new Map<string, Set<string>>();
  for (const s of topology.services) {
    // A replica is cloned from its primary: it starts once the primary is up.
    const set = new Set<string>(isDeclared(s) ? s.dependsOn : s.replicaOf ? [s.replicaOf] : []);
    deps.set(s.name, set);
  }
  const waves: ServiceSpec[][] = [];
  const done = new Set<string>();
  while (done.size < topology.services.length) {
    const wave = topology.services.filter(
      (s) => !done.has(s.name) && [...(deps.get(s.name) ?? [])].every((d) => done.has(d)),
    );
    if (wave.length === 0)
      throw new TopologyError(
        `topology '${topology.name}' has a dependency cycle or an unknown dependency among: ${topology.services
          .filter((s) => !done.has(s.name))
          .map((s) => s.name)
          .join(', ')}`,
      );
    for (const s of wave) done.add(s.name);
    waves.push(wave);
  }
  return waves;
}

/** Checks a topology once, up front, so a typo fails with its name instead of half-way through a start. */
export function validateTopology(topology: Topology): void {
  const names = new Set<string>();
  for (const s of topology.services) {
    if (names.has(s.name))
      throw new TopologyError(`topology '${topology.name}': service '${s.name}' is declared twice`);
    names.add(s.name);
  }
  for (const l of topology.links) {
    for (const end of [l.from, l.to]) if (!names.has(end)) service(topology, end);
    const target = service(topology, l.to);
    const named = target.kind === 'process' ? Object.keys(target.ports ?? {}) : [];
    if (l.port !== undefined && !named.includes(l.port))
      throw new TopologyError(
        `topology '${topology.name}': link ${l.from} → ${l.to} names port '${l.port}', which ${l.to} does not declare` +
          ` (declared: ${named.join(', ') || 'none'})`,
      );
  }
  for (const s of topology.services) if (isDeclared(s)) for (const d of s.dependsOn) service(topology, d);
  for (const s of topology.services) {
    const port = isDeclared(s) ? s.metrics?.port : undefined;
    const named = s.kind === 'process' ? Object.keys(s.ports ?? {}) : [];
    if (port !== undefined && !named.includes(port))
      throw new TopologyError(
        `topology '${topology.name}': ${s.name}'s metrics name port '${port}', which it does not declare` +
          ` (declared: ${named.join(', ') || 'none'})`,
      );
  }
  for (const l of topology.lookups ?? []) for (const end of [l.from, l.to]) service(topology, end);
  for (const s of topology.services)
    if (!isDeclared(s) && s.replicaOf !== undefined && service(topology, s.replicaOf).kind !== 'postgres')
      throw new TopologyError(
        `topology '${topology.name}': '${s.name}' is a replica of '${s.replicaOf}', which is not a postgres`,
      );
  for (const p of Object.keys(topology.probes)) service(topology, p.split(':')[0]!);
  startOrder(topology);
}
