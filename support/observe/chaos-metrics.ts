import { Counter, Histogram } from 'prom-client';
import { statusOf, type Verdict } from '../checks/verdict.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import { runMetrics } from './run-metrics.ts';

// The experiment's own figures, the way the seed's PromEx plugin exports them: recovery time by fault
// kind, failures by fault kind and check, experiments by outcome. In faultline's run registry, so the run's
// Prometheus scrapes them beside the system's metrics, and attached as text to every scenario's report.

const recovery = new Histogram({
  name: 'chaos_recovery_time_seconds',
  help: 'Time from the removal of a fault to the measured recovery (client streak or steady-state hypothesis), by fault kind',
  labelNames: ['fault_kind'],
  buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
  registers: [runMetrics],
});

const failures = new Counter({
  name: 'chaos_failures_total',
  help: 'Verdicts that failed (or could not be decided) under a fault, by fault kind, check and status',
  labelNames: ['fault_kind', 'check', 'status'],
  registers: [runMetrics],
});

const experiments = new Counter({
  name: 'chaos_experiments_total',
  help: 'Scenarios run, by outcome (passed, failed, unknown …)',
  labelNames: ['outcome'],
  registers: [runMetrics],
});

const kindsOf = (faults: readonly FaultRecord[]): string[] => [
  ...new Set(faults.filter((f) => f.startedAt !== undefined).map((f) => f.kind)),
];

/**
 * Reads what a judged verdict measured: a recovery time (mttr_ms, restored_ms) is observed per fault kind
 * of the scenario; a verdict that did not pass while faults were injected counts as a failure of each kind.
 */
export function recordVerdict(verdict: Verdict, faults: readonly FaultRecord[]): void {
  const kinds = kindsOf(faults);
  if (kinds.length === 0) return;
  const recovered = verdict.figures.mttr_ms ?? verdict.figures.restored_ms;
  if (typeof recovered === 'number')
    for (const kind of kinds) recovery.observe({ fault_kind: kind }, recovered / 1000);
  if (!verdict.pass)
    for (const kind of kinds)
      failures.inc({ fault_kind: kind, check: verdict.check, status: statusOf(verdict) });
}

export function recordExperiment(outcome: string): void {
  experiments.inc({ outcome: outcome.toLowerCase() });
}

/** The chaos_* series in Prometheus's text format, as the run's endpoint serves them. */
export async function chaosExposition(): Promise<string> {
  const text = await runMetrics.metrics();
  // Only our families: the registry also holds the load generator's.
  return text
    .split(/\n(?=# HELP )/)
    .filter((family) => family.startsWith('# HELP chaos_'))
    .join('\n');
}
