import type { Operation, Outcome } from '../load/history.ts';
import type { Verdict } from './verdict.ts';

// Exactly-once billing, judged from plain data: the client's history, the ledger's rows, and the
// idempotency store's records — wherever they were read from. The rules, per request id:
//
//   client saw ok        → charged exactly once (never zero: work done for free; never twice: double billing)
//   client saw unknown   → charged at most once (a timeout says nothing about whether it took effect)
//   client saw fail      → charged at most once by default. An HTTP error does not prove the effect did not
//                          happen (a gateway's 502/504, or an error raised after the ledger committed), so
//                          "never twice" is the invariant every system must hold; a system whose contract
//                          is "a failure is never billed" is judged with failed: 'never'. Charged failures
//                          are always counted in the figures, so they are visible either way.
//   charged, never requested by this run → violation (a phantom charge)
//   idempotency store, where read:
//     ok, but stored as failed           → violation: a retry of it would be told it failed
//     charged, but stored as failed      → violation: the store contradicts the ledger
//     stored as succeeded, never charged → violation: a retry would be served for free
//     charged, no stored record          → not a violation (the ledger is the backstop when the store lost
//                                          the key), counted in the figures
//
// One request id may appear in several operations (a client re-submitting it); the id's outcome is the best
// any of its operations saw: ok over unknown over fail.

export interface Charge {
  requestId: string;
  amountCents?: number;
  chargedAt?: number;
  /** Who performed the charged work (a worker id), for the report. */
  by?: string;
}

export interface IdempotencyRecord {
  requestId: string;
  status: 'succeeded' | 'failed';
}

export interface BillingEvidence {
  charges: readonly Charge[];
  /** Absent when the system has no idempotency store, or it was not read. */
  idempotency?: readonly IdempotencyRecord[];
}

export type FailedPolicy = 'at-most-once' | 'never';

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
  /** Requests with at least one ledger row. */
  charged: number;
  failedButCharged: number;
  unknownCharged: number;
  chargedWithoutIdempotencyRecord: number;
  failedPolicy: FailedPolicy;
  violations: Violation[];
}

const RANK: Record<Outcome, number> = { fail: 0, unknown: 1, ok: 2 };

const OUTCOMES: readonly Outcome[] = ['fail', 'unknown', 'ok'];
const NOT_REQUESTED = -1;
const STORED_NONE = 0;
const STORED_SUCCEEDED = 1;
const STORED_FAILED = 2;

export function checkExactlyOnce(
  operations: readonly Operation[],
  evidence: BillingEvidence,
  options: { failed?: FailedPolicy } = {},
): ExactlyOnceReport {
  const failedPolicy = options.failed ?? 'at-most-once';
  // One hash lookup per record into a dense slot, then flat typed arrays: 100,000 operations with their
  // ledger and store are checked in tens of milliseconds, where a Map per source costs several times that.
  const capacity = operations.length + evidence.charges.length;
  const slotOf = new Map<string, number>();
  const ids: string[] = [];
  const rank = new Int8Array(capacity);
  const charges = new Int32Array(capacity);
  const stored = new Int8Array(capacity);
  const slot = (id: string, requested: boolean): number => {
    let s = slotOf.get(id);
    if (s === undefined) {
      s = ids.length;
      slotOf.set(id, s);
      ids.push(id);
      rank[s] = requested ? 0 : NOT_REQUESTED;
    }
    return s;
  };
  for (const op of operations) {
    const known = slotOf.get(op.id);
    const s = known ?? slot(op.id, true);
    const r = RANK[op.outcome];
    if (known === undefined || r > (rank[s] as number)) rank[s] = r;
  }
  for (const charge of evidence.charges) {
    const s = slot(charge.requestId, false);
    charges[s] = (charges[s] as number) + 1;
  }
  const storeRead = evidence.idempotency !== undefined;
  for (const record of evidence.idempotency ?? []) {
    const s = slotOf.get(record.requestId);
    // A stored outcome for an id nobody charged or requested here says nothing about this run.
    if (s !== undefined) stored[s] = record.status === 'succeeded' ? STORED_SUCCEEDED : STORED_FAILED;
  }

  const report: ExactlyOnceReport = {
    requests: 0,
    outcomes: { ok: 0, fail: 0, unknown: 0 },
    charged: 0,
    failedButCharged: 0,
    unknownCharged: 0,
    chargedWithoutIdempotencyRecord: 0,
    failedPolicy,
    violations: [],
  };
  const violate = (requestId: string, rule: ViolationRule, detail: string) =>
    report.violations.push({ requestId, rule, detail });

  for (let s = 0; s < ids.length; s++) {
    const id = ids[s] as string;
    const n = charges[s] as number;
    const r = rank[s] as number;
    if (r === NOT_REQUESTED) {
      violate(
        id,
        'charged but never requested',
        `charged ${n} time(s), but no operation of this run has this id`,
      );
      continue;
    }
    const outcome = OUTCOMES[r] as Outcome;
    report.requests += 1;
    report.outcomes[outcome] += 1;
    if (n > 0) report.charged += 1;
    if (outcome === 'ok' && n === 0) violate(id, 'not charged', 'succeeded but was never charged');
    if (n > 1) violate(id, 'charged more than once', `charged ${n} times (client saw ${outcome})`);
    if (outcome === 'unknown' && n > 0) report.unknownCharged += 1;
    if (outcome === 'fail' && n > 0) {
      report.failedButCharged += 1;
      if (failedPolicy === 'never' && n === 1)
        violate(id, 'charged though failed', 'the client was told it failed, yet it was charged');
    }
    if (!storeRead) continue;
    const status = stored[s];
    if (n > 0 && status === STORED_NONE) report.chargedWithoutIdempotencyRecord += 1;
    if (status === STORED_FAILED && outcome === 'ok')
      violate(id, 'idempotency store disagrees', 'succeeded, but the idempotency store records it as failed');
    else if (status === STORED_FAILED && n > 0)
      violate(id, 'idempotency store disagrees', 'charged, but the idempotency store records it as failed');
    if (status === STORED_SUCCEEDED && n === 0 && outcome !== 'ok')
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
  };
  const summary = `${report.requests} request(s) (${outcomes.ok} ok, ${outcomes.unknown} unknown, ${outcomes.fail} failed), ${report.charged} charged (${report.unknownCharged} of the unknown, ${report.failedButCharged} of the failed)`;
  if (report.requests === 0 && violations.length === 0)
    return { check, pass: false, message: 'no requests were recorded — nothing was checked', figures };
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
