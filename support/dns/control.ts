import type { LookupFailure, Resolver } from './resolver.ts';

// What an environment offers DNS faults: the run's resolver, which services ask it (their vantages), and a
// lookup made from inside a service — through its own resolver configuration, exactly as the service's own
// lookups go — for a fault's proof. Each backend builds one (support/dns/local.ts, containers.ts).

export interface LookupResult {
  /** The name resolved. */
  ok: boolean;
  addresses: string[];
  /** What the lookup said: the addresses, or how it failed. */
  detail: string;
  ms: number;
}

export interface DnsControl {
  readonly resolver: Resolver;
  /** The services whose lookups go to faultline's resolver. */
  readonly vantages: string[];
  /** Where the resolver listens, for the evidence (`127.53.9.2:53 (controller)`). */
  where(vantage: string): string;
  /** Looks `name` up from inside `service`, through its own resolver configuration. */
  lookupFrom(service: string, name: string): Promise<LookupResult>;
}

export type { LookupFailure };
