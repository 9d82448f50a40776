import type { Operation, Outcome } from '../../load/history.ts';
import type { Verdict } from '../verdict.ts';
import { OUTCOMES, type RecordedEffect, type Tally, tally } from './tally.ts';

// The client's history against the system's record of effects, id by id, as Jepsen's set and queue
// checkers read them: an acknowledged (ok) operation must have taken effect; an unknown one may or may not
// have (a timeout says nothing); a failed one that took effect is counted (an HTTP error does not prove the
// effect did not happen), and is a violation only where the system's contract says failures never take
// effect; an effect under an id no operation of the run carried is unexpected. The set and queue verdicts
// differ only in which of these figures break them.

/** What a failed operation may have done: at most one effect (the default), or none (the stricter contract). */
export type FailedPolicy = 'at-most-once' | 'never';

export interface EffectsReport {
  /** The operation's name, as steps write it. */
  operation: string;
  /** Distinct ids the client attempted. */
  attempted: number;
  outcomes: Record<Outcome, number>;
  /** Effects read from the system, in all. */
  effects: number;
  /** Attempted ids with at least one effect. */
  present: number;
  /** Acknowledged (ok), yet no effect recorded. */
  lost: string[];
  /** Failed or unknown, yet recorded: the system applied them after all (not a violation by itself). */
  recovered: string[];
  /** Of `recovered`, those the client was told failed. */
  failedPresent: string[];
  /** Attempted ids recorded more than once, with how many times (any outcome). */
  duplicated: Record<string, number>;
  /** Recorded, but no operation of this run carried the id: never attempted. */
  unexpected: string[];
  failedPolicy: FailedPolicy;
}

export function compareEffects(
  operation: string,
  operations: readonly Operation[],
  effects: readonly RecordedEffect[],
  failedPolicy: FailedPolicy = 'at-most-once',
): EffectsReport {
  return reportOf(operation, tally(operations, effects), effects.length, failedPolicy);
}

export function reportOf(
  operation: string,
  t: Tally,
  effects: number,
  failedPolicy: FailedPolicy,
): EffectsReport {
  const report: EffectsReport = {
    operation,
    attempted: 0,
    outcomes: { ok: 0, fail: 0, unknown: 0 },
    effects,
    present: 0,
    lost: [],
    recovered: [],
    failedPresent: [],
    duplicated: {},
    unexpected: [],
    failedPolicy,
  };
  for (let s = 0; s < t.ids.length; s++) {
    const id = t.ids[s] as string;
    const n = t.effects[s] as number;
    const r = t.rank[s] as number;
    if (r < 0) {
      report.unexpected.push(id);
      continue;
    }
    const outcome = OUTCOMES[r] as Outcome;
    report.attempted += 1;
    report.outcomes[outcome] += 1;
    if (n > 0) report.present += 1;
    if (n > 1) report.duplicated[id] = n;
    if (outcome === 'ok' && n === 0) report.lost.push(id);
    if (outcome !== 'ok' && n > 0) report.recovered.push(id);
    if (outcome === 'fail' && n > 0) report.failedPresent.push(id);
  }
  return report;
}

/** The figures every consistency verdict carries: counts, and every id behind each (for the attachment). */
export function effectFigures(report: EffectsReport): Verdict['figures'] {
  return {
    operation: report.operation,
    attempted: report.attempted,
    acknowledged: report.outcomes.ok,
    unknown: report.outcomes.unknown,
    failed: report.outcomes.fail,
    effects_read: report.effects,
    present: report.present,
    lost: report.lost,
    recovered: report.recovered,
    failed_present: report.failedPresent,
    duplicated: Object.entries(report.duplicated).map(([id, n]) => `${id} × ${n}`),
    unexpected: report.unexpected,
    failed_policy: report.failedPolicy,
  };
}

/** "40 attempted (38 acknowledged, 1 unknown, 1 failed), 39 present (1 of them not acknowledged)". */
export function describeReport(report: EffectsReport): string {
  const { outcomes } = report;
  return `${report.attempted} ${report.operation}(s) attempted (${outcomes.ok} acknowledged, ${outcomes.unknown} unknown, ${outcomes.fail} failed), ${report.present} present in the system's records (${report.recovered.length} of them not acknowledged: ${report.failedPresent.length} failed, ${report.recovered.length - report.failedPresent.length} unknown)`;
}
