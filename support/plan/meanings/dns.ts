import type { Meaning } from '../meaning.ts';

// DNS faults: a service's lookups of another name: what each step strikes, for how long, with what blast radius.

export const DNS: Record<string, Meaning> = {};
