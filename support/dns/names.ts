// The names faultline's resolver answers (support/dns/resolver.ts), in a module of their own so that the
// declaration code can name them without loading the resolver.

/** The zone faultline answers; a service's name in it is what a service looks up. */
export const DNS_ZONE = 'faultline';
export const dnsName = (service: string): string => `${service}.${DNS_ZONE}`;

/**
 * Faultline's own probe asks in upper case (`REDIS.FAULTLINE`): DNS names are case-insensitive, so it gets
 * the same answer, and it is told apart from the system's lookups (which use the name as given, lower case)
 * so a probe never counts as the system's own traffic.
 */
export const probeName = (service: string): string => dnsName(service).toUpperCase();
