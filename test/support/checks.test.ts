import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditShows } from '../../support/checks/audit.ts';
import { succeededWithin } from '../../support/checks/outcome.ts';
import { retriedOnAlternate } from '../../support/checks/retry.ts';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import type { Attempt, Operation } from '../../support/load/history.ts';

const attempt = (
  target: string,
  outcome: Attempt['outcome'],
  startedAt: number,
  endedAt: number,
): Attempt => ({
  target,
  outcome,
  startedAt,
  endedAt,
});
const op = (attempts: Attempt[], outcome: Operation['outcome'] = 'ok', took = 1_200): Operation => ({
  kind: 'k',
  id: 'op-1',
  service: 'api',
  invokedAt: 1_000,
  completedAt: 1_000 + took,
  outcome,
  attempts,
});

const retry = (faulted: string[], coordinator = 'api') => ({
  coordinator,
  group: 'ws',
  members: ['w1', 'w2', 'w3', 'w4'],
  faulted,
});

test('a retry counts only when a faulted member failed and a different, healthy one served', () => {
  const good = retriedOnAlternate(
    op([attempt('w1', 'timeout', 0, 1000), attempt('w4', 'ok', 1050, 1100)]),
    retry(['w1', 'w2']),
  );
  assert.equal(good.pass, true, good.message);
  // First attempt simply succeeded: nothing proves a retry happened.
  const lucky = retriedOnAlternate(op([attempt('w4', 'ok', 0, 10)]), retry(['w1']));
  assert.equal(lucky.pass, false);
  assert.match(lucky.message, /no attempt of op-1 failed on a faulted member \(w1\)/);
  // Retry switched off: the faulted attempt is final.
  const noRetry = retriedOnAlternate(op([attempt('w1', 'timeout', 0, 1000)], 'fail'), retry(['w1']));
  assert.equal(noRetry.pass, false);
  assert.match(noRetry.message, /never served by an alternate member after failing on w1/);
  // "Success" on another faulted member is not an alternate.
  const wrong = retriedOnAlternate(
    op([attempt('w1', 'timeout', 0, 1), attempt('w2', 'ok', 2, 3)]),
    retry(['w1', 'w2']),
  );
  assert.equal(wrong.pass, false);
  assert.match(wrong.message, /succeeded on w2, which is itself faulted/);
  assert.equal(retriedOnAlternate(undefined, retry(['w1'])).pass, false);
});

test('success within a bound is judged from the measured duration and outcome', () => {
  assert.equal(succeededWithin(op([], 'ok', 9_999), 10_000).pass, true);
  assert.equal(succeededWithin(op([], 'ok', 10_001), 10_000).pass, false);
  const failed = succeededWithin(op([], 'fail', 10), 10_000);
  assert.equal(failed.pass, false);
  assert.match(failed.message, /did not succeed: fail/);
});

test('the audit log must name a faulted member after the fault began', () => {
  const fault = { targets: ['w1'], startedAt: 10_000 } as FaultRecord;
  const seen = auditShows(
    [{ at: 10_500, event: 'worker_unreachable', subject: 'w1', detail: {} }],
    ['worker_unreachable'],
    [fault],
  );
  assert.equal(seen.pass, true, seen.message);
  const otherMember = auditShows(
    [{ at: 10_500, event: 'worker_unreachable', subject: 'w9', detail: {} }],
    ['worker_unreachable'],
    [fault],
  );
  assert.equal(otherMember.pass, false);
  const tooEarly = auditShows(
    [{ at: 1_000, event: 'worker_unreachable', subject: 'w1', detail: {} }],
    ['worker_unreachable'],
    [fault],
  );
  assert.equal(tooEarly.pass, false);
  assert.match(tooEarly.message, /no worker_unreachable event about w1/);
  assert.equal(auditShows([], ['worker_unreachable'], []).pass, false);
});
