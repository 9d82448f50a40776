import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AssertionError } from 'chai';
import {
  assertVerdict,
  statusOf,
  unknownVerdict,
  type Verdict,
  VerdictUnknown,
} from '../../support/checks/verdict.ts';
import { journalEntry } from '../../support/report/journal-entry.ts';

// Tri-state verdicts: a check the evidence could not decide is unknown — never a pass anywhere a verdict
// is read (its pass is false), and distinct from a failure where it is shown.

const passed: Verdict = { check: 'a', pass: true, message: 'ok', figures: {} };
const failed: Verdict = { check: 'b', pass: false, message: 'broke', figures: {} };
const unknown = unknownVerdict('c', 'no series matched', { series: 0 });

test('statusOf tells pass, fail and unknown apart; an unknown verdict never has pass true', () => {
  assert.equal(statusOf(passed), 'pass');
  assert.equal(statusOf(failed), 'fail');
  assert.equal(statusOf(unknown), 'unknown');
  assert.equal(unknown.pass, false);
});

test('asserting a verdict: a failure is an assertion, an unknown one an UNKNOWN error naming the check', () => {
  assert.doesNotThrow(() => assertVerdict(passed));
  assert.throws(() => assertVerdict(failed), AssertionError);
  assert.throws(
    () => assertVerdict(unknown),
    (error: unknown) =>
      error instanceof VerdictUnknown &&
      !(error instanceof AssertionError) &&
      error.message === 'UNKNOWN c: no series matched',
  );
});

test('the journal records each verdict with its tri-state status', () => {
  const entry = journalEntry({
    scenario: 's',
    seed: 1,
    startedAt: Date.now(),
    faults: [],
    phases: [],
    verdicts: [passed, failed, unknown],
    operations: [],
    problems: [],
  });
  assert.deepEqual(
    entry.verdicts.map((v) => v.status),
    ['pass', 'fail', 'unknown'],
  );
});
