import type { FailedPolicy } from '../checks/consistency/effects.ts';
import type { RecordedEffect, RememberedOutcome } from '../checks/consistency/tally.ts';
import type { Environment } from '../env/environment.ts';
import type { Pki } from '../faults/tls/pki.ts';
import type { Operation } from '../load/history.ts';
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
  /** Payload size in bytes, when the step names one ("a 50 MB upload request"). */
  sizeBytes?: number;
}

/**
 * A system under test as a run sees it: its topology plus the optional adapters through which generic steps
 * talk about it — the operations a client can perform, which members a coordinator sees, where its audit
 * log lives. Built from a user's declaration (support/system/instantiate.ts); everything else (faults, load,
 * checks) is generic. A step that needs an adapter the system lacks fails naming it (requireAdapter).
 */
/** Optional abilities: a verdict that needs one the system does not declare says which to add. */
export interface Adapters {
  /** Members of `group` that `coordinator` currently sees as registered and healthy. */
  healthyMembers?(env: Environment, coordinator: string, group: string): Promise<string[]>;
  /** Members of `group` in the order the coordinator will send them the next requests. */
  routingOrder?(env: Environment, coordinator: string, group: string): Promise<string[]>;
  /** The member of `group` working on operation `id` and since when (ms epoch). */
  holder?(
    env: Environment,
    group: string,
    id: string,
  ): Promise<{ member: string; since: number } | undefined>;
  /** The system's own record of resilience events since `since` (ms epoch). */
  audit?(env: Environment, since: number): Promise<AuditEvent[]>;
  /**
   * Which `audit` events mean what: a fault kind → the events that show the system noticed it on a member
   * (`partition: ['peer_unreachable']`), `breaker` → the events that show a coordinator opened a member's
   * circuit breaker (`breaker: ['circuit_opened']`). Each event's subject must name the member.
   */
  events?: SystemEvents;
  /** How the system reports refusing a member's certificate: the reasons it gives and where to read them. */
  certificateRejections?: CertificateRejections;
  /** What a member logs when it learns its certificate must be renewed (a pattern, or text the line contains). */
  renewalLog?: RegExp | string;
  /**
   * What a client logs when it refuses the certificate a service presents (a pattern, or text the line
   * contains): what "the <clients> refuse the <service>'s certificate" looks for in the clients' logs.
   */
  serverCertificateRefusedLog?: RegExp | string;
  /**
   * How to read back what each operation did, by the operation's name as steps write it: the effects the
   * system recorded (a ledger's rows, a table's items, the messages a consumer took), and what it remembers
   * of each outcome. What the consistency checkers judge ("every acknowledged … is present after the heal",
   * "… is consumed exactly once", "… of each key are applied in order", "every successful request is
   * charged exactly once").
   */
  records?: Record<string, OperationRecords>;
  /** Members whose identity is a certificate faultline can replace. */
  certificates?: MemberCertificates;
  /**
   * What a client sends for an operation, as data: the valid request data faults mutate ("a client submits
   * 20 malformed order requests (invalid JSON)"). Operations declared with http({ json }) have one already.
   */
  requests?: Record<string, (ctx: RequestContext) => DeclaredRequest>;
  /**
   * The user each store's clients in the system connect as, and where the system reads its secret (store
   * name → credentials): what the security faults rotate, invalidate and take privileges from.
   */
  credentials?: Record<string, StoreCredentials>;
  /**
   * How a client outside the system causes one auditable event (event words → how): what "a client causes
   * 300 audited rejected registrations per second for 3 seconds" sends, e.g. a request that is refused and
   * audited. Keyed by the words steps use, in the singular ("rejected registration").
   */
  audited?: Record<string, AuditedEvent>;
}

/** How to read back one operation's effects. */
export interface OperationRecords {
  /**
   * Every effect of the operation the system recorded since `since` (ms epoch), and any recorded earlier
   * under one of `ids` (the ids this run's operations carried): one entry per effect, so an operation
   * applied twice appears twice, and an effect under an id no operation carried is reported as unexpected.
   * Per-key order needs `key` and `seq` on each.
   */
  effects(env: Environment, since: number, ids: readonly string[]): Promise<RecordedEffect[]>;
  /**
   * What the system remembers of each id's outcome, where it keeps one (an idempotency store): what a retry
   * of it would be told. Optional; the exactly-once check then also checks it agrees with the effects.
   */
  remembered?(env: Environment, ids: readonly string[]): Promise<RememberedOutcome[]>;
  /**
   * What an operation the client was told failed may have done: 'at-most-once' (the default: an error does
   * not prove the effect did not happen, so it may be present once, and is counted) or 'never' (the
   * system's contract: a failure never takes effect, so one present breaks every consistency verdict).
   */
  failed?: FailedPolicy;
}

/** One auditable event a client can cause, and how the system's audit records it. */
export interface AuditedEvent {
  /** The request that causes one event (a fresh id each time: the event's subject). */
  request: (ctx: RequestContext) => DeclaredRequest;
  /** The names of the `audit` events that record one: the proof the flood was audited. */
  events: readonly string[];
}

/**
 * How the system authenticates to one store faultline starts. The system creates the user itself (its
 * migrations, a bootstrap job) and is handed the secret one of two ways: a file it reads, again whenever it
 * changes (`secretFile`: a rotation writes the new secret there), or an environment variable of some of its
 * services, read at start (`secretEnv`: a rotation restarts those services with the variable set to the
 * new secret, as a deployment rolls its pods after a secret changed).
 */
export type StoreCredentials = SecretInFile | SecretInEnv;

interface StoreUser {
  /** The Postgres role or Redis ACL user the system's clients connect as (never the store's superuser). */
  user: string;
}

export interface SecretInFile extends StoreUser {
  /** Absolute path of the file holding the current secret (usually under prepare()'s workdir). */
  secretFile: string;
  secretEnv?: never;
}

export interface SecretInEnv extends StoreUser {
  secretFile?: never;
  /**
   * The variable that holds the secret in the env of the services that use it. The current secret is what
   * their composed env gives it (or the last value faultline set); a rotation restarts each of them with it
   * set to the new secret. A replicated service's name stands for all its replicas.
   */
  secretEnv: SecretEnv;
}

export interface SecretEnv {
  /** The variable's name, e.g. 'PGPASSWORD'. */
  variable: string;
  /** The services that read it at start (at least one): the ones a rotation restarts. */
  services: readonly string[];
}

export interface RequestContext {
  /** The operation's unique id (the id the system's effects are recorded under). */
  id: string;
  random: () => number;
}

/** One valid request of an operation: a JSON body sent over HTTP straight to a service. */
export interface DeclaredRequest {
  /** The service that receives it (reached directly, like a client outside the system). */
  service: string;
  /** Default POST. */
  method?: string;
  path: string;
  headers?: Record<string, string>;
  /** The valid body, as JSON data. */
  json: unknown;
  /** Top-level fields the service requires: what "missing fields" removes (default: every field of json). */
  required?: readonly string[];
}

export interface System extends Adapters {
  topology: Topology;
  /**
   * Work done before the topology starts, in a directory that lives as long as the environment (e.g. a
   * per-run certificate authority), visible to every service at the same path, whatever the backend.
   */
  prepare?(workdir: string): Promise<void>;
  /** Client operations by the name steps use ("order request"). */
  operations: Record<string, (ctx: OperationContext) => Promise<Operation>>;
}

const ADAPTER_USE: Record<string, string> = {
  healthyMembers: 'which members a coordinator sees as healthy',
  routingOrder: 'where the coordinator sends the next requests',
  holder: 'which member works on a request',
  audit: 'its record of resilience events',
  events: 'which of its audit events mean what: a fault noticed, a breaker opened',
  certificateRejections: 'how it reports refusing a member certificate',
  renewalLog: 'the line a member logs when its certificate must be renewed',
  serverCertificateRefusedLog: "the line a client logs when it refuses a service's certificate",
  records:
    'how to read back what each operation did (its recorded effects, by operation name): what the consistency checks judge',
  certificates: 'member and server certificates faultline can replace',
  requests: 'the valid request of each operation, as data, for data faults to mutate',
  credentials:
    'the user its clients connect to a store as, and how it is handed the secret (a file it reads, or an env var of some of its services)',
  audited:
    'how a client causes one auditable event (a request refused and audited), and its audit event names',
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

/**
 * Audit event names by meaning. A fault kind (`partition`, `crash`, `latency`, `certificate`) → the events
 * that show the system noticed a fault of that kind on a member (the event's subject); `breaker` → the events
 * that show a coordinator stopped sending to a member (its circuit breaker opened).
 */
export type SystemEvents = Readonly<Record<string, readonly string[]>>;

/** The meanings of SystemEvents that are not fault kinds. */
export const EVENT_MEANINGS = {
  breaker: 'a coordinator opened the breaker of a member',
  // The event's subject names the store (the dependency) that failed.
  outage: 'a service noticed that a store it depends on became unavailable',
} as const;

/** One refusal of a member's certificate, as the system recorded it. */
export interface CertificateRejection {
  at: number;
  /** The member whose certificate was refused. */
  member: string;
  /** Why, in the system's own words — the words a scenario writes ("expired", "untrusted_issuer"). */
  reason: string;
  /** Serial number (hex) of the refused certificate, when the system records it: the proof it was the forged one. */
  serial?: string;
}

export interface CertificateRejections {
  /** Every reason the system gives: the words "… rejects the member's certificate as <reason>" accepts. */
  reasons: readonly string[];
  /** Refusals recorded since `since` (ms epoch). */
  read(env: Environment, since: number): Promise<CertificateRejection[]>;
}

/**
 * The event names that mean `meaning` (a fault kind, or one of EVENT_MEANINGS) for this system, or an error
 * naming the entry to add to its `events`.
 */
export function requireEvents(system: System, meaning: string, step: string): readonly string[] {
  const events = requireAdapter(system, 'events', step);
  const found = events[meaning];
  if (found === undefined || found.length === 0) {
    const what =
      meaning in EVENT_MEANINGS
        ? EVENT_MEANINGS[meaning as keyof typeof EVENT_MEANINGS]
        : `the system noticed a ${meaning} fault`;
    throw new Error(
      `${step} needs the system to declare \`events.${meaning}\` (the audit events that show ${what}); the system '${system.topology.name}' declares events for: ${Object.keys(events).join(', ') || 'nothing'}. Add e.g. events: { ${meaning}: ['…'] } to its defineSystem({ … }) in faultline.config`,
    );
  }
  return found;
}

/**
 * How to read back `operation`'s effects, or an error naming what to declare: the system's `records`, or
 * the entry for this operation in them (with the operations that have one).
 */
export function requireRecords(system: System, operation: string, step: string): OperationRecords {
  const records = requireAdapter(system, 'records', step);
  const found = records[operation];
  if (found === undefined)
    throw new Error(
      `${step} needs the system to declare how to read back what a ${operation} did: \`records['${operation}']\`; the system '${system.topology.name}' declares records for: ${Object.keys(records).join(', ') || 'nothing'}. Add records: { '${operation}': { effects(env, since, ids) { … } } } to its defineSystem({ … }) in faultline.config`,
    );
  return found;
}

export interface MemberCertificates {
  pki: Pki;
  /** File stem of a member's certificate in the PKI directory: reissuing under it swaps the live files. */
  stemOf(member: string): string;
  /**
   * The services that present a server certificate of this PKI (on their TLS ports), each with the file
   * stem of that certificate (`<stem>.crt` / `<stem>.key` in the PKI directory): what "the <service>
   * presents a certificate that is …" replaces. The service must re-read the files when they change.
   */
  servers?: Readonly<Record<string, string>>;
}
