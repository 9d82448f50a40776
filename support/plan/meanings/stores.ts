import type { Meaning } from '../meaning.ts';

// Dependency faults on the stores faultline starts (Redis, Postgres, replicas): what each step strikes, for how long, with what blast radius.

export const STORES: Record<string, Meaning> = {};
