import type { Pki } from '../faults/tls/pki.ts';
import type { Operation } from '../load/history.ts';
import type { Environment } from './environment.ts';
import type { Topology } from './topology.ts';

/** A row of the system's own record of resilience events (the reference platform keeps it in Postgres). */
export interface AuditEvent {
  at: number;
  event: string;
  subject?: string;
  requestId?: string;
  detail: Record<string, unknown>;
}

export interface OperationContext {
  env: Environment;
  /** Unique, seed-derived id for this operation (also the idempotency key where the system has one). */
  id: string;
  random: () => number;
  /** Payload size in bytes, when the step names one ("a 50 MB document conversion request"). */
  sizeBytes?: number;
}

/**
 * A system under test: its topology plus the few adapters through which generic steps talk about it —
 * the operations a client can perform, which members a coordinator sees, and where its audit log lives.
 * Everything else (faults, load, checks) is generic.
 */
export interface System {
  topology: Topology;
  /**
   * Work done before the topology starts, in a directory that lives as long as the environment (e.g. a
   * per-run certificate authority). Directories listed in topology.sharedDirs are visible to every service
   * at the same path, whatever the backend.
   */
  prepare?(workdir: string): Promise<void>;
  /** Members whose identity is a certificate the harness can replace (expire, revoke, renew) mid-run. */
  certificates?: MemberCertificates;
  /** Client operations by the name steps use ("document conversion request"). */
  operations: Record<string, (ctx: OperationContext) => Promise<Operation>>;
  /** Members of `group` that `coordinator` currently sees as registered and healthy. */
  healthyMembers(env: Environment, coordinator: string, group: string): Promise<string[]>;
  /** Members of `group` in the order the coordinator will send them the next requests, when it knows one. */
  routingOrder?(env: Environment, coordinator: string, group: string): Promise<string[]>;
  /** The member of `group` working on operation `id` and since when (ms epoch), when the system can tell. */
  holder?(
    env: Environment,
    group: string,
    id: string,
  ): Promise<{ member: string; since: number } | undefined>;
  /** Resilience events recorded since `since` (ms epoch). */
  audit(env: Environment, since: number): Promise<AuditEvent[]>;
  /** Audit events that show a fault of a given kind was noticed ("partition" → worker_unreachable). */
  faultEvents: Record<string, string[]>;
}

export interface MemberCertificates {
  pki: Pki;
  /** File stem of a member's certificate in the PKI directory: reissuing under it swaps the live files. */
  stemOf(member: string): string;
}

export type SystemFactory = (scale: Record<string, number>) => System;
