import { expect } from 'chai';

/** A check's judgement: what it claimed, whether the evidence supports it, and the measured figures. */
export interface Verdict {
  check: string;
  pass: boolean;
  /** Says what was measured, in words a stakeholder can read; on failure it names the broken expectation. */
  message: string;
  figures: Record<string, number | string | string[]>;
}

export function assertVerdict(verdict: Verdict): void {
  expect(verdict.pass, `${verdict.check}: ${verdict.message}`).to.equal(true);
}
