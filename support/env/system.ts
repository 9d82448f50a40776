import type { BillingEvidence } from '../checks/exactly-once.ts';
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
 * A system under test as a run sees it: its topology plus the optional adapters through which generic steps
 * talk about it — the operations a client can perform, which members a coordinator sees, where its audit
 * log lives. Built from a user's declaration (support/system/instantiate.ts); everything else (faults, load,
 * checks) is generic. A step that needs an adapter the system lacks fails naming it (requireAdapter).
 */
export interface System {
  topology: Topology;
  /**
   * Work done before the topology starts, in a directory that lives as long as the environment (e.g. a
   * per-run certificate authority), visible to every service at the same path, whatever the backend.
   */
  prepare?(workdir: string): Promise<void>;
  /** Members whose identity is a certificate the harness can replace (expire, revoke, renew) mid-run. */
  readonly certificates?: MemberCertificates;
  /** Client operations by the name steps use ("document conversion request"). */
  operations: Record<string, (ctx: OperationContext) => Promise<Operation>>;
  /** Members of `group` that `coordinator` currently sees as registered and healthy. */
  healthyMembers?(env: Environment, coordinator: string, group: string): Promise<string[]>;
  /** Members of `group` in the order the coordinator will send them the next requests, when it knows one. */
  routingOrder?(env: Environment, coordinator: string, group: string): Promise<string[]>;
  /** The member of `group` working on operation `id` and since when (ms epoch), when the system can tell. */
  holder?(
    env: Environment,
    group: string,
    id: string,
  ): Promise<{ member: string; since: number } | undefined>;
  /** Resilience events recorded since `since` (ms epoch). */
  audit?(env: Environment, since: number): Promise<AuditEvent[]>;
  /** Audit events that show a fault of a given kind was noticed ("partition" → worker_unreachable). */
  faultEvents?: Record<string, string[]>;
  /** The effects of operations (charges, stored outcomes) the exactly-once check reads. */
  billing?(env: Environment, requestIds: readonly string[], since: number): Promise<BillingEvidence>;
}

const ADAPTER_USE: Record<string, string> = {
  healthyMembers: 'which members a coordinator sees as healthy',
  routingOrder: 'where the coordinator sends the next requests',
  holder: 'which member works on a request',
  audit: 'its record of resilience events',
  faultEvents: 'which events show a fault was noticed',
  billing: 'the effects of its operations (what the exactly-once check reads)',
  certificates: 'member certificates faultline can replace',
};

/** The adapter a step needs, or an error naming the member to add to the system's declaration. */
export function requireAdapter<K extends keyof typeof ADAPTER_USE & keyof System>(
  system: System,
  member: K,
  step: string,
): NonNullable<System[K]> {
  const found = system[member];
  if (found === undefined)
    throw new Error(
      `${step} needs the system to declare \`${member}\` (${ADAPTER_USE[member]}); the system '${system.topology.name}' does not. Add it to its defineSystem({ … }) in faultline.config`,
    );
  return (typeof found === 'function' ? found.bind(system) : found) as NonNullable<System[K]>;
}

export interface MemberCertificates {
  pki: Pki;
  /** File stem of a member's certificate in the PKI directory: reissuing under it swaps the live files. */
  stemOf(member: string): string;
}
