import type { Operation } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

/**
 * "The coordinator retried on an alternate member": the operation's own attempt history must show a failed
 * attempt on a member the fault hit, followed by a successful attempt on a different member the fault did
 * not hit. A first attempt that simply succeeded proves nothing about retries and fails this check.
 */
export function retriedOnAlternate(op: Operation | undefined, faulted: string[]): Verdict {
  const check = 'retry on an alternate member';
  if (!op) return { check, pass: false, message: 'no operation was recorded', figures: {} };
  const failed = op.attempts.filter((a) => a.outcome !== 'ok');
  const success = op.attempts.find((a) => a.outcome === 'ok');
  const figures = {
    attempts: op.attempts.map((a) => `${a.target}:${a.outcome}`),
    faulted,
  };
  const hitFault = failed.filter((a) => faulted.includes(a.target));
  if (hitFault.length === 0)
    return {
      check,
      pass: false,
      message: `no attempt of ${op.id} reached a faulted member (${faulted.join(', ')}); attempts: ${figures.attempts.join(' → ') || 'none'}`,
      figures,
    };
  if (!success)
    return {
      check,
      pass: false,
      message: `${op.id} was never retried successfully: attempts ${figures.attempts.join(' → ')} (${op.outcome}${op.error ? `: ${op.error}` : ''})`,
      figures,
    };
  if (faulted.includes(success.target) || hitFault.some((a) => a.target === success.target))
    return {
      check,
      pass: false,
      message: `the successful attempt went to ${success.target}, which is not an alternate to the faulted members`,
      figures,
    };
  return {
    check,
    pass: true,
    message: `${hitFault.length} attempt(s) on faulted member(s) failed (${hitFault.map((a) => `${a.target} ${a.outcome} after ${a.endedAt - a.startedAt} ms`).join(', ')}), then ${success.target} served it`,
    figures,
  };
}
