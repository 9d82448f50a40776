import type { KubernetesConfig } from '../env/kubernetes/config.ts';
import type { Operation } from '../load/history.ts';
import type { Adapters, OperationContext, System } from './system.ts';
import type { Endpoint, ProbeKind, Readiness } from './topology.ts';

// The shapes a user's faultline.config.ts writes: services of a few kinds (each a small builder, in the
// style of Testcontainers' modules), links, operations and the optional adapters through which verdicts
// read a system's own records. A declaration is data; support/system/instantiate.ts turns it into the
// topology a backend starts.

/** What a service's `env` function is handed: addresses as that service reaches the others. */
export interface ServiceWiring {
  /** This service's own name (`worker-2` for the second replica of `worker`). */
  self: string;
  /** Its replica number (1-based) within a group of replicas; 1 for a single service. */
  replica: number;
  /** `host:port` through which this service reaches `to` (at `to`'s named port): a link of the fault proxy. */
  address(to: string, port?: string): string;
  /** The same as a host and a port. */
  endpoint(to: string, port?: string): Endpoint;
  /**
   * Connection URL of a store (redis://…, postgres://…) as this service reaches it through its link; with
   * `{ byName: true }` its host is the store's DNS name (`host(to)`), so the service looks it up — through
   * faultline's resolver, which DNS faults act on.
   */
  url(to: string, options?: { byName?: boolean }): string;
  /**
   * The DNS name through which this service looks `to` up (`redis.faultline`), to use with
   * `endpoint(to).port`. faultline's resolver answers it with this service's link to `to`, so traffic by
   * name still runs through the fault proxy, and a DNS fault can fail exactly this service's lookups of it.
   */
  host(to: string): string;
  /** Address through which another service `from` reaches `to`: e.g. the URL a worker advertises. */
  via(from: string, to: string, port?: string): Endpoint;
}

export type EnvOf = Record<string, string> | ((wiring: ServiceWiring) => Record<string, string>);

interface Common {
  name: string;
  /** Services that must be up (and ready) first. Services this one links to are added automatically. */
  dependsOn?: string[];
  /** Members of a group are what "N of its workers" picks from; replicas of a service form a group. */
  group?: string;
  /** Start this many copies named `<name>-1` … (a group; the scenario's "with 5 workers" overrides it). */
  replicas?: number;
  env?: EnvOf;
  /** When the started service counts as ready (`wait.forPort()` unless given). */
  readiness?: Readiness;
  /** The protocol a fault's proof speaks to it through a link (default: http). */
  protocol?: ProbeKind;
  /**
   * Whether the backend starts it again when its process exits, as a supervisor or Kubernetes would:
   * `{ policy: 'on-failure', backoff: { initialMs: 200, maxMs: 5000 } }`. Without one it stays down.
   */
  restart?: RestartDeclaration;
  /**
   * Where it serves Prometheus metrics: the run's Prometheus scrapes every service that declares this (when a
   * scenario uses PromQL). `{}` is GET /metrics on its main port; `{ path, port }` names another path or
   * one of its named ports.
   */
  metrics?: MetricsDeclaration;
}

export interface MetricsDeclaration {
  /** Default: /metrics. */
  path?: string;
  /** One of the service's named ports (`ports`); default: its main port. */
  port?: string;
}

/**
 * A service's restart policy: `always` (any exit), `on-failure` (a non-zero status or a signal) or `never`;
 * the wait before each restart doubles from `initialMs` (default 1000) up to `maxMs` (default 30000) with
 * every exit in a row, and starts again from `initialMs` once the service has run `resetMs` (default 10000).
 */
export interface RestartDeclaration {
  policy: 'always' | 'on-failure' | 'never';
  backoff?: { initialMs?: number; maxMs?: number; resetMs?: number };
}

export interface ProcessDeclaration extends Common {
  kind: 'process';
  /** The program and its arguments: ['python3', 'app.py'], ['./bin/server'], ['node', 'main.ts']. */
  command: string[];
  /** Working directory, relative to the config file's folder (or absolute). Default: that folder. */
  cwd?: string;
  /**
   * The port it listens on: `{ env: 'PORT' }` (default) has faultline pick a free port and pass it in
   * that variable; a number is a fixed port.
   */
  port?: number | { env: string };
  /** Further named ports, each handed to the process in a variable: `{ admin: { env: 'ADMIN_PORT' } }`. */
  ports?: Record<string, { env: string; protocol?: ProbeKind }>;
  /**
   * Its data directory, on a filesystem of this size of its own, its path handed over in `env`:
   * `{ env: 'DATA_DIR', size: '64 MB' }`. What "the disk of {service} fills to 90%" fills (a tmpfs, so
   * mounting it needs root; without root it is a plain directory and disk faults on it refuse).
   */
  disk?: { env: string; size: string | number };
}

export interface ContainerDeclaration extends Common {
  kind: 'container';
  image: string;
  command?: string[];
  /** The port the container listens on. */
  port: number;
}

export interface StoreDeclaration {
  kind: 'redis' | 'postgres';
  name: string;
  /**
   * Postgres only: this many streaming replicas `<name>-replica-1` … (the group `<name>-replicas`), each
   * cloned from the primary with pg_basebackup. None unless asked for; a scenario's "and 2 postgres
   * replicas" overrides the count.
   */
  replicas?: number;
  /**
   * Redis only: keep an append-only file (appendfsync everysec) in a data directory on a filesystem of this
   * size of its own, e.g. '16 MB' — what "the disk of redis is full" fills. Without it Redis keeps nothing
   * on disk.
   */
  disk?: string | number;
}

export type ServiceDeclaration = ProcessDeclaration | ContainerDeclaration | StoreDeclaration;

/** An HTTP request a client sends as one operation; needs no code. */
export interface HttpOperation {
  kind: 'http';
  /** The service that receives it (reached directly, like a client outside the system). */
  service: string;
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** A JSON body; `{{id}}` anywhere in its strings becomes the operation's unique id. */
  json?: unknown;
  /** Statuses that count as success (default: any 2xx). */
  ok?: number[];
  /** Give up after this long: the outcome is then unknown (default 30 s). */
  timeoutMs?: number;
}

export type OperationDeclaration = HttpOperation | ((ctx: OperationContext) => Promise<Operation>);

export interface SystemDeclaration extends Adapters {
  services: ServiceDeclaration[];
  /** Links besides those each service's `env` uses (those are found by themselves). */
  links?: { from: string; to: string; port?: string }[];
  operations?: Record<string, OperationDeclaration>;
  /**
   * Work before the services start, in a directory that lives as long as the environment (a per-run
   * certificate authority, seed files). It is shared with every service at the same path on every backend.
   */
  prepare?(workdir: string): Promise<void>;
}

/** A declaration, or a function of the scale a scenario asks for ({ workers: 5 }) that returns one. */
export type SystemSource = SystemDeclaration | ((scale: Record<string, number>) => SystemDeclaration);

const SYSTEM = Symbol.for('faultline.system');
const CONFIG = Symbol.for('faultline.config');

export interface SystemDefinition {
  readonly [SYSTEM]: true;
  readonly source: SystemSource;
}

export interface Config {
  readonly [CONFIG]: true;
  readonly systems: Record<string, SystemDefinition>;
  /** The system a run uses when neither FAULTLINE_SYSTEM nor a profile's worldParameters names one. */
  readonly default?: string;
  /** Where the system's pods run, for the kubernetes backend and `plan --emit chaos-mesh` (checked there). */
  readonly kubernetes?: KubernetesConfig;
}

export const isSystemDefinition = (value: unknown): value is SystemDefinition =>
  typeof value === 'object' && value !== null && SYSTEM in value;

export const isConfig = (value: unknown): value is Config =>
  typeof value === 'object' && value !== null && CONFIG in value;

/** A system under test: its services, links, operations and optional adapters. */
export function defineSystem(source: SystemSource): SystemDefinition {
  return { [SYSTEM]: true, source };
}

/** The default export of faultline.config.ts: the systems a run can target. */
export function defineConfig(config: {
  systems: Record<string, SystemDefinition>;
  default?: string;
  kubernetes?: KubernetesConfig;
}): Config {
  return { [CONFIG]: true, ...config };
}

/**
 * Redis, started by faultline (redis-server locally, a container on the containers backend); with
 * `{ disk: '16 MB' }` it persists to an append-only file on a data disk of that size.
 */
export const redis = (name = 'redis', options: { disk?: string | number } = {}): StoreDeclaration => ({
  kind: 'redis',
  name,
  ...(options.disk !== undefined ? { disk: options.disk } : {}),
});

/**
 * PostgreSQL, started by faultline (initdb into a temp dir locally, a container on containers); with
 * `{ replicas: N }`, N streaming replicas of it beside (`<name>-replica-1` …, the group `<name>-replicas`).
 */
export const postgres = (name = 'postgres', options: { replicas?: number } = {}): StoreDeclaration => ({
  kind: 'postgres',
  name,
  ...(options.replicas !== undefined ? { replicas: options.replicas } : {}),
});

/** Any command line as a service: Python, a shell script, a Go binary, Node. */
export const service = (
  name: string,
  declaration: Omit<ProcessDeclaration, 'kind' | 'name'>,
): ProcessDeclaration => ({ kind: 'process', name, ...declaration });

/** Any image as a service (containers backend only). */
export const container = (
  name: string,
  declaration: Omit<ContainerDeclaration, 'kind' | 'name'>,
): ContainerDeclaration => ({ kind: 'container', name, ...declaration });

/** An HTTP request template as an operation. */
export const http = (request: Omit<HttpOperation, 'kind'>): HttpOperation => ({ kind: 'http', ...request });

export type { Adapters, System };
