// faultline's own metrics, in one prom-client registry per process: the load generator's operations (and,
// from other modules, the chaos_* figures) are scraped by the run's Prometheus like any service's, so a
// PromQL verdict can put the client's view next to the system's. One registry, not prom-client's global
// one, so a user's code loaded in the same process cannot mix its metrics into ours (or ours into theirs).

import { Counter, Histogram, Registry } from 'prom-client';
import type { Operation } from '../load/history.ts';
import { latencyOf } from '../load/history.ts';

export const runMetrics = new Registry();

const operations = new Counter({
  name: 'faultline_load_operations_total',
  help: 'Operations the load generator completed, by kind and outcome (ok | fail | unknown)',
  labelNames: ['kind', 'outcome'],
  registers: [runMetrics],
});

// Buckets from 1 ms to 30 s: a faulted system's latencies span that range (a toxic's delay, a timeout).
const latency = new Histogram({
  name: 'faultline_load_latency_seconds',
  help: "Operations' latency as the client saw it (from the intended start: coordinated omission counted)",
  labelNames: ['kind', 'outcome'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [runMetrics],
});

// The generator records tens of thousands of operations a second: the labelled children are looked up once
// per kind and outcome, not hashed from a labels object on every operation.
const children = new Map<string, { count: { inc(): void }; latency: { observe(v: number): void } }>();

/** Counts one completed operation; the generator calls it for every operation it records. */
export function recordOperation(op: Operation): void {
  const key = `${op.kind}\u0000${op.outcome}`;
  let child = children.get(key);
  if (!child) {
    const labels = { kind: op.kind, outcome: op.outcome };
    child = { count: operations.labels(labels), latency: latency.labels(labels) };
    children.set(key, child);
  }
  child.count.inc();
  child.latency.observe(latencyOf(op) / 1000);
}
