import { durationOf, type Operation } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

/** The client's own measurement: the operation completed ok, and within the bound. */
export function succeededWithin(op: Operation | undefined, boundMs: number): Verdict {
  const check = `success within ${boundMs} ms`;
  if (!op) return { check, pass: false, message: 'no operation was recorded', figures: {} };
  const took = durationOf(op);
  const figures = { duration_ms: took, bound_ms: boundMs, outcome: op.outcome, status: op.status ?? 'none' };
  if (op.outcome !== 'ok')
    return {
      check,
      pass: false,
      message: `${op.id} did not succeed: ${op.outcome} (status ${op.status ?? 'none'}${op.error ? `, ${op.error}` : ''}) after ${took} ms`,
      figures,
    };
  return {
    check,
    pass: took <= boundMs,
    message: `${op.id} succeeded in ${took} ms (bound ${boundMs} ms)`,
    figures,
  };
}
