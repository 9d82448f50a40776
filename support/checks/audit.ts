import type { FaultRecord } from '../faults/ledger.ts';
import type { AuditEvent } from '../system/system.ts';
import type { Verdict } from './verdict.ts';

/** The system's own audit log must record the fault: an expected event about a faulted member, after it began. */
export function auditShows(
  events: readonly AuditEvent[],
  expected: readonly string[],
  faults: readonly FaultRecord[],
  kind = 'that kind',
): Verdict {
  const check = `audit log records ${expected.join(' or ')}`;
  const started = faults.filter((f) => f.startedAt !== undefined);
  const targets = new Set(started.flatMap((f) => f.targets));
  const since = Math.min(...started.map((f) => f.startedAt as number));
  const matching = events.filter(
    (e) =>
      expected.includes(e.event) &&
      e.subject !== undefined &&
      targets.has(e.subject) &&
      e.at >= since - 1_000,
  );
  const figures = {
    matching: matching.length,
    subjects: [...new Set(matching.map((e) => e.subject ?? ''))],
    seen_events: [...new Set(events.map((e) => e.event))],
  };
  if (started.length === 0 || targets.size === 0)
    return {
      check,
      pass: false,
      message: `no fault of ${kind} was injected in this scenario — there was nothing for the audit log to record, so nothing is proven`,
      figures,
    };
  return {
    check,
    pass: matching.length > 0,
    message:
      matching.length > 0
        ? `${matching.length} ${expected.join('/')} event(s) about ${figures.subjects.join(', ')}, first ${matching[0]!.at - since} ms after the fault began`
        : `no ${expected.join('/')} event about ${[...targets].join(', ')} since the fault began; events seen: ${figures.seen_events.join(', ') || 'none'}`,
    figures,
  };
}
