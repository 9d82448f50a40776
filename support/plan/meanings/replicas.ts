import type { Meaning } from '../meaning.ts';

// Replica faults on a Postgres primary and its streaming replicas: what each step strikes, for how long,
// with what blast radius.

export const REPLICAS: Record<string, Meaning> = {};
