import type { DnsControl } from '../dns/control.ts';
import type { ToxiproxyClient } from '../proxy/client.ts';
import type { Endpoint, Topology } from '../system/topology.ts';
import type { LogLine } from './local/process.ts';

/** How a service's process last ended. */
export interface ServiceExit {
  code: number | null;
  signal: string | null;
  /** Epoch ms. */
  at: number;
}

/** Process-level control of one service; what a crash or pause fault acts on. */
export interface ServiceControl {
  /** Whether the service's process is alive right now (measured, not remembered). */
  alive(): boolean;
  /** How it ended, when it is not running and the backend knows (a dead service is reported with it). */
  exited?(): ServiceExit | undefined;
  kill(): Promise<void>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  restart(): Promise<void>;
}

/** A topology brought up by a backend: what steps, faults and checks work against. */
export interface Environment {
  readonly backend: string;
  readonly topology: Topology;
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
  /** Connection string the harness uses to read a store directly (e.g. the audit log). */
  storeUrl(service: string): string;
  control(service: string): ServiceControl;
  logs(service: string): LogLine[];
  /** faultline's resolver and its vantages, when some service looks a dependency up by name. */
  readonly dns?: DnsControl;
  /** Why there is no resolver although a service looks a dependency up by name (e.g. not root locally). */
  readonly dnsUnavailable?: string;
  /** Stops everything it started and removes its temp dirs; safe to call twice. */
  down(): Promise<void>;
}

export interface Backend {
  readonly name: string;
  up(topology: Topology, options: { seed: number }): Promise<Environment>;
}
