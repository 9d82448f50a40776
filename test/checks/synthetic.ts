import type { FaultRecord } from '../../support/faults/ledger.ts';
import type { Operation, Outcome } from '../../support/load/history.ts';

// Synthetic histories for check tests: every figure a verdict states can be worked out by hand from these.

export function op(
  id: string,
  start: number,
  latency: number,
  outcome: Outcome = 'ok',
  extra: Partial<Operation> = {},
): Operation {
  return { kind: 'k', id, invokedAt: start, completedAt: start + latency, outcome, attempts: [], ...extra };
}

/** n operations starting every `every` ms from `from`, with latencies from `latency(i)`. */
export function series(
  prefix: string,
  n: number,
  from: number,
  every: number,
  latency: (i: number) => number,
  outcome: (i: number) => Outcome = () => 'ok',
): Operation[] {
  return Array.from({ length: n }, (_, i) => op(`${prefix}-${i}`, from + i * every, latency(i), outcome(i)));
}

export function fault(startedAt: number, stoppedAt?: number, targets = ['worker-1']): FaultRecord {
  return {
    id: 1,
    kind: 'partition',
    description: `partition of ${targets.join(', ')}`,
    targets,
    state: stoppedAt === undefined ? 'active' : 'undone',
    startedAt,
    ...(stoppedAt === undefined ? {} : { stoppedAt }),
    evidence: [],
  };
}
