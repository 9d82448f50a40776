import type { Operation } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

export interface RetryExpectation {
  /** The service the step says retries: the one the operation was sent to. */
  coordinator: string;
  /** The group the step names ("an alternate worker" → workers). */
  group: string;
  /** Its members. */
  members: readonly string[];
  /** Members of the group a fault of this scenario hit. */
  faulted: readonly string[];
}

/**
 * "The coordinator retried on an alternate member": the operation went to that coordinator, and its own
 * attempt history shows a failed attempt on a member the fault hit, *followed* by a successful attempt on
 * another member of the same group that no fault hit. Everything else fails, naming what was missing: an
 * operation that does not say where it went or what it tried, no faulted member, a first attempt that
 * simply succeeded, a success before the failure, or a success on a faulted member.
 */
export function retriedOnAlternate(op: Operation | undefined, expected: RetryExpectation): Verdict {
  const { coordinator, group, members, faulted } = expected;
  const check = `${coordinator} retries on an alternate member of ${group}`;
  if (!op) return { check, pass: false, message: 'no operation was recorded', figures: {} };
  const figures = {
    operation: op.id,
    sent_to: op.service ?? 'not said',
    attempts: op.attempts.map((a) => `${a.target}:${a.outcome}`),
    faulted: [...faulted],
  };
  const fail = (message: string): Verdict => ({ check, pass: false, message, figures });
  if (op.service === undefined)
    return fail(
      `${op.id} does not say which service it was sent to (the operation's \`service\`), so it cannot show that ${coordinator} retried it`,
    );
  if (op.service !== coordinator)
    return fail(
      `${op.id} was sent to ${op.service}, not ${coordinator}: ${coordinator} had nothing to retry`,
    );
  if (faulted.length === 0)
    return fail(
      `no fault of this scenario hit a member of ${group}, so no alternate to a faulted one exists`,
    );
  if (op.attempts.length === 0)
    return fail(
      `${op.id} reports no attempts (the operation's \`attempts\`), so whether ${coordinator} retried it cannot be told`,
    );
  const shown = figures.attempts.join(' → ');
  const firstHit = op.attempts.findIndex((a) => a.outcome !== 'ok' && faulted.includes(a.target));
  if (firstHit < 0)
    return fail(
      `no attempt of ${op.id} failed on a faulted member (${faulted.join(', ')}); attempts: ${shown}`,
    );
  const hit = op.attempts[firstHit]!;
  const later = op.attempts.slice(firstHit + 1);
  const success = later.find(
    (a) => a.outcome === 'ok' && members.includes(a.target) && !faulted.includes(a.target),
  );
  if (!success) {
    const okElsewhere = later.find((a) => a.outcome === 'ok');
    return fail(
      okElsewhere
        ? `after failing on ${hit.target}, ${op.id} succeeded on ${okElsewhere.target}, which is ${faulted.includes(okElsewhere.target) ? 'itself faulted' : `not a member of ${group}`}; attempts: ${shown}`
        : `${op.id} was never served by an alternate member after failing on ${hit.target}: attempts ${shown} (${op.outcome}${op.error ? `: ${op.error}` : ''})`,
    );
  }
  const hits = op.attempts
    .slice(0, firstHit + 1 + later.indexOf(success))
    .filter((a) => a.outcome !== 'ok' && faulted.includes(a.target));
  return {
    check,
    pass: true,
    message: `${coordinator} tried ${hits.map((a) => `${a.target} (${a.outcome} after ${a.endedAt - a.startedAt} ms)`).join(', ')}, then ${success.target} served ${op.id}`,
    figures,
  };
}
