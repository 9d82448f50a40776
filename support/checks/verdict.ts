import { expect } from 'chai';

/**
 * A check's judgement: what it claimed, whether the evidence supports it, and the measured figures.
 * Tri-state: a check that could not answer (a probe did not reply, no series matched, too few samples) is
 * `unknown` — and `pass: false`, so no code path can mistake it for a pass.
 */
export interface Verdict {
  check: string;
  pass: boolean;
  /** Set when the evidence could not decide either way; `pass` is then false. */
  unknown?: true;
  /** Says what was measured, in words a stakeholder can read; on failure it names the broken expectation. */
  message: string;
  figures: Record<string, number | string | string[]>;
}

export type VerdictStatus = 'pass' | 'fail' | 'unknown';

export const statusOf = (verdict: Verdict): VerdictStatus =>
  verdict.unknown ? 'unknown' : verdict.pass ? 'pass' : 'fail';

/** A verdict the evidence could not decide: `message` says what was missing (no reply, no series, too few samples). */
export function unknownVerdict(check: string, message: string, figures: Verdict['figures'] = {}): Verdict {
  return { check, pass: false, unknown: true, message, figures };
}

/**
 * An experiment whose verdict could not be judged proved nothing either way: not a product defect (no
 * assertion failed), and never a pass. Thrown as a plain error, so Allure shows it "broken", and its message
 * starts with UNKNOWN, which the report's categories and the run's exit code read.
 */
export class VerdictUnknown extends Error {
  constructor(verdict: Verdict) {
    super(`UNKNOWN ${verdict.check}: ${verdict.message}`);
    this.name = 'VerdictUnknown';
    // The missing evidence is the news, not where in our code it was noticed.
    this.stack = this.message;
  }
}

export function assertVerdict(verdict: Verdict): void {
  if (verdict.unknown) throw new VerdictUnknown(verdict);
  expect(verdict.pass, `${verdict.check}: ${verdict.message}`).to.equal(true);
}
