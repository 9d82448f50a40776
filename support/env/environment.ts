import type { DnsControl } from '../dns/control.ts';
import type { ToxiproxyClient } from '../proxy/client.ts';
import type { Endpoint, Topology } from '../system/topology.ts';
import type { DataDisk } from './disk.ts';
import type { LogLine } from './local/process.ts';

/** How a service's process last ended. */
export interface ServiceExit {
  code: number | null;
  signal: string | null;
  /** Epoch ms. */
  at: number;
}

/**
 * One exit or start of a service's process, in the order they happened: what "the workers restart within 5
 * seconds" and "at most 10 times per minute" are judged from, and what the report lists per service.
 */
export interface LifecycleEvent {
  /** Epoch ms. */
  at: number;
  event: 'exited' | 'started';
  /** Which incarnation (see ServiceControl.incarnation) exited or started. */
  incarnation: string;
  /** How it ended (exited only). */
  exit?: { code: number | null; signal: string | null };
  /**
   * Who started it (started only): the backend's supervisor under the service's restart policy, or the
   * harness (a fault's undo, a restart fault, the first start).
   */
  by?: 'supervisor' | 'harness';
  /** The supervisor's wait before this start (its backoff), when it restarted the service. */
  backoffMs?: number;
}

/** How a SIGTERM ended: the service exited by itself within the grace period, or needed SIGKILL. */
export interface Termination {
  graceful: boolean;
  /** SIGTERM → exit. */
  ms: number;
  exit?: { code: number | null; signal: string | null };
}

/** Process-level control of one service; what a crash or pause fault acts on. */
export interface ServiceControl {
  /** Whether the service's process is alive right now (measured, not remembered). */
  alive(): boolean;
  /** How it ended, when it is not running and the backend knows (a dead service is reported with it). */
  exited?(): ServiceExit | undefined;
  /** Names the running process (`pid 4242`, a container's start time): a restart changes it. */
  incarnation(): string;
  /**
   * The host's process id of the service's main process now (a container's State.Pid), where this machine
   * can read it under /proc: what the data faults' memory measurement reads. Undefined when not running.
   */
  pid?(): Promise<number | undefined>;
  /** Whether the process is stopped right now (SIGSTOP's state T, the container's Paused), read from the system. */
  paused(): Promise<boolean>;
  /** SIGKILL. */
  kill(): Promise<void>;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  terminate(graceMs: number): Promise<Termination>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  /**
   * The service's processes as this machine's kernel sees them (host pids: its process and every
   * descendant; a container's init process and its descendants), empty when it is not running. What a
   * resource fault moves into a group, measures and limits (support/faults/resource/).
   */
  processes?(): Promise<number[]>;
  /**
   * Settles once a restart its supervisor has under way (the service's restart policy) is over — the
   * process may look alive while it is still starting; at once when there is none.
   */
  settled(): Promise<void>;
  /**
   * Starts it again (stopping it first if it runs). Under a restart policy whose supervisor is about to
   * start it, waits for that start instead of racing it — unless `env` is given: then it is always started
   * anew, with that env.
   */
  restart(options?: RestartOptions): Promise<void>;
  /**
   * The environment a declared service's process is started with: the one its declaration composed and
   * what a restart set on top of it. Absent where the backend does not start it from a composed env (a
   * store, a Kubernetes pod).
   */
  env?(): ServiceEnv;
}

export interface ServiceEnv {
  /** As the declaration's env() composed it at the start (with the ports the backend gave it). */
  composed: Readonly<Record<string, string>>;
  /** Set on top of it by the last restart that gave an env (empty: none). */
  override: Readonly<Record<string, string>>;
}

export interface RestartOptions {
  /**
   * Variables set on top of the service's composed env from this start on, replacing any earlier override
   * (`{}` puts the composed env back); later restarts (a crash fault's undo, its restart policy) keep it.
   * A container's env is fixed at its creation: the containers backend recreates it, under the same name,
   * network alias and ports. Omitted: the service starts with the env it ran with.
   */
  env?: Record<string, string>;
}

/** A topology brought up by a backend: what steps, faults and checks work against. */
export interface Environment {
  readonly backend: string;
  readonly topology: Topology;
  /**
   * The environment's id, unique across runs, on a backend that labels what it starts with its owner
   * (containers: the faultline.env label of every container, by which taking the environment down sweeps
   * them): what the run starts beside it (a Prometheus) carries it too, so it is swept with it.
   */
  readonly id?: string;
  /** The fault proxy's Toxiproxy API. */
  readonly toxiproxy: ToxiproxyClient;
  /** Where the harness reaches a service (at a named port, if given) directly, never through the proxy. */
  endpoint(service: string, port?: string): Endpoint;
  /** Where `from` reaches `to` (at a named port, if given): the proxy listener of that link. */
  linkEndpoint(from: string, to: string, port?: string): Endpoint;
  /**
   * The service's own address as the system's services and the fault proxy reach it (an in-network alias
   * on containers), where a proxy link can be pointed: how a failover moves the links to a promoted replica.
   */
  direct?(service: string): Endpoint;
  /**
   * A service's data disk (its declaration's `disk`), when it has one: what a disk fault fills. Backends
   * without data disks leave it out.
   */
  disk?(service: string): DataDisk | undefined;
  /** Connection string the harness uses to read a store directly (e.g. the audit log). */
  storeUrl(service: string): string;
  control(service: string): ServiceControl;
  /** Every exit and start of a service's process since the environment came up, oldest first. */
  lifecycle(service: string): LifecycleEvent[];
  logs(service: string): LogLine[];
  /** faultline's resolver and its vantages, when some service looks a dependency up by name. */
  readonly dns?: DnsControl;
  /** Why there is no resolver although a service looks a dependency up by name (e.g. not root locally). */
  readonly dnsUnavailable?: string;
  /**
   * What is left of the experiment after rollback, for a backend whose clean state is not proxies and
   * processes (kubernetes: chaos objects still there, pods not running); replaces the proxy/process check.
   */
  inspect?(): Promise<string[]>;
  /**
   * Why there are no fault-proxy links to reach services through (kubernetes: services talk directly):
   * the steady state then probes each service at its own address (`endpoint`).
   */
  readonly withoutLinks?: string;
  /** Stops everything it started and removes its temp dirs; safe to call twice. */
  down(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  up(topology: Topology, options: { seed: number }): Promise<Environment>;
}
