import type { AuditEvent } from '../env/system.ts';
import type { FaultRecord } from '../faults/ledger.ts';
import type { Verdict } from './verdict.ts';

/** The system's own audit log must record the fault: an expected event about a faulted member, after it began. */
export function auditShows(events: AuditEvent[], expected: string[], faults: FaultRecord[]): Verdict {
  const check = `audit log records ${expected.join(' or ')}`;
  const targets = new Set(faults.flatMap((f) => f.targets));
  const since = Math.min(...faults.map((f) => f.startedAt ?? Number.POSITIVE_INFINITY));
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
  if (faults.length === 0)
    return { check, pass: false, message: 'no fault of that kind was injected', figures };
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
