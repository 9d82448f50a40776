import type { Operation, Outcome } from '../load/history.ts';
import { reportOf } from './consistency/effects.ts';
import { outcomeAt, type RecordedEffect, type RememberedOutcome, tally } from './consistency/tally.ts';
import { unknownVerdict, type Verdict } from './verdict.ts';

// Exactly-once billing: the queue checker (support/checks/consistency/) over the effects the system records
// for an operation (its `records`: ledger rows, one per charge), plus the cross-check against what the
// system remembers of each outcome (an idempotency store), in the words of the step that judges it. Per id:
//
//   client saw ok        → charged exactly once (never zero: work done for free; never twice: double billing)
//   client saw unknown   → charged at most once (a timeout says nothing about whether it took effect)
//   client saw fail      → charged at most once by default. An HTTP error does not prove the effect did not
//                          happen (a gateway's 502/504, or an error raised after the ledger committed), so
//                          "never twice" is the invariant every system must hold; a system whose contract
//                          is "a failure is never billed" is judged with failed: 'never'. Charged failures
//                          are always counted in the figures, so they are visible either way.
//   charged, never requested by this run → violation (a phantom charge)
//   remembered outcome, where the system declares one:
//     ok, but remembered as failed           → violation: a retry of it would be told it failed
//     charged, but remembered as failed      → violation: the store contradicts the ledger
//     remembered as succeeded, never charged → violation: a retry would be served for free
//     charged, nothing remembered            → not a violation (the ledger is the backstop when the store
//                                              lost the key), counted in the figures
//
// One request id may appear in several operations (a client re-submitting it); the id's outcome is the best
// any of its operations saw: ok over unknown over fail.

/** What the system recorded of an operation's effects, read through its declared `records`. */
export interface EffectEvidence {
  effects: readonly RecordedEffect[];
  /** Absent when the system declares no remembered outcomes (no idempotency store), or they were not read. */
  remembered?: readonly RememberedOutcome[];
}

export type { FailedPolicy } from './consistency/effects.ts';

import type { FailedPolicy } from './consistency/effects.ts';

export type ViolationRule =
  | 'not charged'
  | 'charged more than once'
  | 'charged though failed'
  | 'charged but never requested'
  | 'idempotency store disagrees';

export interface Violation {
  requestId: string;
  rule: ViolationRule;
  detail: string;
}

export interface ExactlyOnceReport {
  requests: number;
  outcomes: Record<Outcome, number>;
  /** Requests with at least one recorded effect. */
  charged: number;
  failedButCharged: number;
  unknownCharged: number;
  chargedWithoutIdempotencyRecord: number;
  failedPolicy: FailedPolicy;
  violations: Violation[];
  /** Every id behind the figures, for the report's attachment. */
  lost: string[];
  duplicated: Record<string, number>;
  unexpected: string[];
}

const REMEMBERED_NONE = 0;
const REMEMBERED_SUCCEEDED = 1;
const REMEMBERED_FAILED = 2;

export function checkExactlyOnce(
  operations: readonly Operation[],
  evidence: EffectEvidence,
  options: { failed?: FailedPolicy } = {},
): ExactlyOnceReport {
  const failedPolicy = options.failed ?? 'at-most-once';
  const t = tally(operations, evidence.effects);
  const queue = reportOf('request', t, evidence.effects.length, failedPolicy);
  const report: ExactlyOnceReport = {
    requests: queue.attempted,
    outcomes: queue.outcomes,
    charged: queue.present,
    failedButCharged: queue.failedPresent.length,
    unknownCharged: queue.recovered.length - queue.failedPresent.length,
    chargedWithoutIdempotencyRecord: 0,
    failedPolicy,
    violations: [],
    lost: queue.lost,
    duplicated: queue.duplicated,
    unexpected: queue.unexpected,
  };
  const violate = (requestId: string, rule: ViolationRule, detail: string) =>
    report.violations.push({ requestId, rule, detail });
  const countOf = (id: string): number => t.effects[t.slotOf.get(id) as number] as number;
  for (const [id, n] of Object.entries(queue.duplicated))
    if ((t.rank[t.slotOf.get(id) as number] as number) >= 0)
      violate(
        id,
        'charged more than once',
        `charged ${n} times (client saw ${outcomeAt(t, t.slotOf.get(id) as number)})`,
      );
  for (const id of queue.lost) violate(id, 'not charged', 'succeeded but was never charged');
  if (failedPolicy === 'never')
    for (const id of queue.failedPresent)
      if (countOf(id) === 1)
        violate(id, 'charged though failed', 'the client was told it failed, yet it was charged');
  for (const id of queue.unexpected)
    violate(
      id,
      'charged but never requested',
      `charged ${countOf(id)} time(s), but no operation of this run has this id`,
    );
  if (evidence.remembered === undefined) return report;

  const remembered = new Int8Array(t.ids.length);
  for (const record of evidence.remembered) {
    const s = t.slotOf.get(record.id);
    // A remembered outcome for an id nobody charged or requested here says nothing about this run.
    if (s !== undefined)
      remembered[s] = record.status === 'succeeded' ? REMEMBERED_SUCCEEDED : REMEMBERED_FAILED;
  }
  for (let s = 0; s < t.ids.length; s++) {
    const outcome = outcomeAt(t, s);
    if (outcome === undefined) continue;
    const id = t.ids[s] as string;
    const n = t.effects[s] as number;
    const status = remembered[s];
    if (n > 0 && status === REMEMBERED_NONE) report.chargedWithoutIdempotencyRecord += 1;
    if (status === REMEMBERED_FAILED && outcome === 'ok')
      violate(id, 'idempotency store disagrees', 'succeeded, but the idempotency store records it as failed');
    else if (status === REMEMBERED_FAILED && n > 0)
      violate(id, 'idempotency store disagrees', 'charged, but the idempotency store records it as failed');
    if (status === REMEMBERED_SUCCEEDED && n === 0 && outcome !== 'ok')
      violate(
        id,
        'idempotency store disagrees',
        `recorded as succeeded but never charged (client saw ${outcome})`,
      );
  }
  return report;
}

/** How many violations the message spells out; the figures list every one. */
const SHOWN = 20;

export function exactlyOnceVerdict(report: ExactlyOnceReport): Verdict {
  const check = 'every successful request charged exactly once';
  const { outcomes, violations } = report;
  const figures: Verdict['figures'] = {
    requests: report.requests,
    ok: outcomes.ok,
    unknown: outcomes.unknown,
    failed: outcomes.fail,
    charged: report.charged,
    unknown_charged: report.unknownCharged,
    failed_but_charged: report.failedButCharged,
    charged_without_idempotency_record: report.chargedWithoutIdempotencyRecord,
    failed_policy: report.failedPolicy,
    violations: violations.map((v) => `${v.requestId}: ${v.rule}: ${v.detail}`),
    lost: report.lost,
    duplicated: Object.entries(report.duplicated).map(([id, n]) => `${id} × ${n}`),
    unexpected: report.unexpected,
  };
  const summary = `${report.requests} request(s) (${outcomes.ok} ok, ${outcomes.unknown} unknown, ${outcomes.fail} failed), ${report.charged} charged (${report.unknownCharged} of the unknown, ${report.failedButCharged} of the failed)`;
  if (report.requests === 0 && violations.length === 0)
    return unknownVerdict(check, 'no requests were recorded — nothing was checked', figures);
  if (violations.length === 0)
    return {
      check,
      pass: true,
      message: `${summary}: every ok request charged exactly once, none charged twice${report.chargedWithoutIdempotencyRecord > 0 ? `; ${report.chargedWithoutIdempotencyRecord} charged without an idempotency record (the ledger was the backstop)` : ''}`,
      figures,
    };
  const byRule = new Map<ViolationRule, number>();
  for (const v of violations) byRule.set(v.rule, (byRule.get(v.rule) ?? 0) + 1);
  const shown = violations.slice(0, SHOWN).map((v) => `${v.requestId} ${v.detail}`);
  const more =
    violations.length > SHOWN ? `; and ${violations.length - SHOWN} more (all in the figures)` : '';
  return {
    check,
    pass: false,
    message: `${summary}; ${violations.length} violation(s) — ${[...byRule].map(([rule, n]) => `${n} ${rule}`).join(', ')}: ${shown.join('; ')}${more}`,
    figures,
  };
}
