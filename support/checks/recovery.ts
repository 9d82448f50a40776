import type { FaultRecord } from '../faults/ledger.ts';
import { type Operation, startOf } from '../load/history.ts';
import type { Window } from '../load/phases.ts';
import { emptyWindow, ms, round3 } from './figures.ts';
import type { Verdict } from './verdict.ts';

/** How many successes in a row, after the fault was removed, show the service serving again. */
export const DEFAULT_STREAK = 5;

export interface Recovery {
  /** When the last fault was removed (epoch ms). */
  removedAt: number;
  /** When the client saw the first success of the streak (epoch ms), if it came. */
  recoveredAt?: number;
  /** MTTR: removedAt → recoveredAt. */
  timeToRecoverMs?: number;
  operations: number;
  /** Operations after removal that were not ok, before the streak. */
  failuresBefore: number;
  longestStreak: number;
  lastFailure?: Operation;
}

/**
 * MTTR, measured from the client's side: from the removal of the (last) fault to the completion of the
 * first of `streak` consecutive successful operations, in the order they were due. Using the completion of
 * the first success — not its start — is the conservative reading: that is when a client first saw the
 * service serve again. Lone successes among failures (one request lucky enough to hit a healthy member) are
 * not recovery; that is what the streak is for.
 */
export function measureRecovery(recovery: Window, streak = DEFAULT_STREAK): Recovery {
  const ops = [...recovery.operations].sort((a, b) => startOf(a) - startOf(b));
  const result: Recovery = {
    removedAt: recovery.from,
    operations: ops.length,
    failuresBefore: 0,
    longestStreak: 0,
  };
  let run = 0;
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as Operation;
    if (op.outcome !== 'ok') {
      run = 0;
      result.failuresBefore += 1;
      result.lastFailure = op;
      continue;
    }
    run += 1;
    result.longestStreak = Math.max(result.longestStreak, run);
    if (run === streak) {
      const first = ops[i - streak + 1] as Operation;
      result.recoveredAt = first.completedAt;
      result.timeToRecoverMs = first.completedAt - recovery.from;
      return result;
    }
  }
  return result;
}

export function recoveredWithin(recovery: Window, boundMs: number, streak = DEFAULT_STREAK): Verdict {
  const check = `recovery within ${ms(boundMs)} (${streak} consecutive successes)`;
  if (recovery.operations.length === 0)
    return {
      check,
      pass: false,
      message: `${emptyWindow(recovery)}; keep the load running after the fault is removed`,
      figures: { operations: 0, streak },
    };
  const r = measureRecovery(recovery, streak);
  const figures: Verdict['figures'] = {
    operations: r.operations,
    streak,
    longest_streak: r.longestStreak,
    failures_before_recovery: r.failuresBefore,
    bound_ms: boundMs,
  };
  if (r.timeToRecoverMs === undefined) {
    const last = r.lastFailure;
    const lastText = last
      ? `; the last failure was ${last.id} due ${ms(startOf(last) - r.removedAt)} after removal (${last.outcome}${last.status !== undefined ? ` ${last.status}` : ''}${last.error ? `: ${last.error}` : ''})`
      : '';
    return {
      check,
      pass: false,
      message: `the service did not recover: no ${streak} consecutive successes among the ${r.operations} operations after the fault was removed (longest run ${r.longestStreak})${lastText}`,
      figures,
    };
  }
  figures.mttr_ms = round3(r.timeToRecoverMs);
  const measured = `the first of ${streak} consecutive successes completed ${ms(r.timeToRecoverMs)} after the fault was removed, after ${r.failuresBefore} failed or unknown operation(s)`;
  return r.timeToRecoverMs <= boundMs
    ? { check, pass: true, message: `${measured}; within ${ms(boundMs)}`, figures }
    : { check, pass: false, message: `${measured}; longer than ${ms(boundMs)}`, figures };
}

/** Something the system or the harness observed: an audit event, a breaker state change, a metric crossing. */
export interface Signal {
  at: number;
  event: string;
  /** The member it is about; a signal about no member counts for every fault. */
  subject?: string;
}

/**
 * MTTD: for every fault, from its start to the first expected signal about one of its targets. Every fault
 * must be detected within the bound — a fault nobody noticed is exactly what this check exists to catch.
 */
export function detectedWithin(
  faults: readonly FaultRecord[],
  signals: readonly Signal[],
  expected: readonly string[],
  boundMs: number,
): Verdict {
  const check = `detection (${expected.join(' or ')}) within ${ms(boundMs)} of each fault`;
  const started = faults.filter((f) => f.startedAt !== undefined);
  if (started.length === 0)
    return {
      check,
      pass: false,
      message: 'no fault was injected, so there was nothing to detect',
      figures: {},
    };
  const relevant = signals.filter((s) => expected.includes(s.event)).sort((a, b) => a.at - b.at);
  const lines: string[] = [];
  const undetected: string[] = [];
  const late: string[] = [];
  let worst = 0;
  for (const fault of started) {
    const start = fault.startedAt as number;
    const hit = relevant.find(
      (s) => s.at >= start && (s.subject === undefined || fault.targets.includes(s.subject)),
    );
    if (!hit) {
      undetected.push(fault.description);
      lines.push(`${fault.description}: not detected`);
      continue;
    }
    const mttd = hit.at - start;
    worst = Math.max(worst, mttd);
    if (mttd > boundMs) late.push(fault.description);
    lines.push(
      `${fault.description}: ${hit.event}${hit.subject ? ` about ${hit.subject}` : ''} after ${ms(mttd)}`,
    );
  }
  const figures = {
    faults: started.length,
    detected: started.length - undetected.length,
    worst_mttd_ms: round3(worst),
    bound_ms: boundMs,
    per_fault: lines,
  };
  if (undetected.length > 0)
    return {
      check,
      pass: false,
      message: `${undetected.length} of ${started.length} fault(s) were never detected (no ${expected.join('/')} signal about their targets after they began; signals seen: ${[...new Set(signals.map((s) => s.event))].join(', ') || 'none'}) — ${lines.join('; ')}`,
      figures,
    };
  return late.length > 0
    ? {
        check,
        pass: false,
        message: `${late.length} fault(s) detected later than ${ms(boundMs)} (worst ${ms(worst)}) — ${lines.join('; ')}`,
        figures,
      }
    : {
        check,
        pass: true,
        message: `every fault detected within ${ms(boundMs)} (worst ${ms(worst)}) — ${lines.join('; ')}`,
        figures,
      };
}
