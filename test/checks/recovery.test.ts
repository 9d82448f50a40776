import assert from 'node:assert/strict';
import { test } from 'node:test';
import { detectedWithin, measureRecovery, recoveredWithin } from '../../support/checks/recovery.ts';
import { splitPhases } from '../../support/load/phases.ts';
import { fault, op, series } from './synthetic.ts';

// Fault from 1 000 to 5 000 ms. After removal: failures until 6 200, one lucky success at 5 500,
// then successes every 100 ms from 6 300, each taking 50 ms.
const history = [
  ...series('base', 10, 0, 100, () => 20),
  ...series(
    'hurt',
    40,
    1_000,
    100,
    () => 30,
    () => 'fail',
  ),
  op('f1', 5_000, 30, 'fail', { status: 503 }),
  op('lucky', 5_500, 40),
  op('f2', 5_600, 3_000, 'unknown', { error: 'timeout' }),
  op('f3', 6_200, 10, 'fail', { status: 502 }),
  ...series('back', 20, 6_300, 100, () => 50),
];
const phases = splitPhases(history, [fault(1_000, 5_000)]);

test('MTTR: removal → completion of the first of N consecutive successes', () => {
  const r = measureRecovery(phases.recovery, 5);
  assert.equal(r.removedAt, 5_000);
  assert.equal(r.recoveredAt, 6_350, 'back-0 completed at 6 300 + 50');
  assert.equal(r.timeToRecoverMs, 1_350);
  assert.equal(r.failuresBefore, 3, 'f1, f2, f3 — the lucky lone success is not recovery');
});

test('recovers within a bound: pass and fail both state the measured time', () => {
  const pass = recoveredWithin(phases.recovery, 2_000, 5);
  assert.equal(pass.pass, true, pass.message);
  assert.equal(pass.figures.mttr_ms, 1_350);
  assert.match(
    pass.message,
    /the first of 5 consecutive successes completed 1350 ms after the fault was removed, after 3 failed or unknown operation\(s\); within 2000 ms/,
  );
  const fail = recoveredWithin(phases.recovery, 1_000, 5);
  assert.equal(fail.pass, false);
  assert.match(fail.message, /1350 ms .*; longer than 1000 ms/);
});

test('no streak of N successes is a failure that names the last failure', () => {
  const never = [
    ...series(
      'x',
      10,
      5_000,
      100,
      () => 10,
      (i) => (i % 3 === 2 ? 'fail' : 'ok'),
    ),
  ];
  const verdict = recoveredWithin(splitPhases(never, [fault(1_000, 5_000)]).recovery, 10_000, 5);
  assert.equal(verdict.pass, false);
  assert.match(
    verdict.message,
    /did not recover: no 5 consecutive successes among the 10 operations after the fault was removed \(longest run 2\); the last failure was x-8 due 800 ms after removal \(fail\)/,
  );
});

test('no operations after removal, or a fault never removed, is a failing verdict', () => {
  const early = splitPhases(
    series('a', 5, 0, 100, () => 10),
    [fault(1_000, 5_000)],
  );
  const none = recoveredWithin(early.recovery, 5_000);
  assert.equal(none.pass, false);
  assert.match(
    none.message,
    /no operations during recovery — .*keep the load running after the fault is removed/,
  );
  const stuck = recoveredWithin(splitPhases(history, [fault(1_000)]).recovery, 5_000);
  assert.equal(stuck.pass, false);
  assert.match(stuck.message, /the fault was never removed/);
});

test('MTTD: each fault to its first expected signal about one of its targets', () => {
  const faults = [fault(1_000, 5_000, ['worker-1']), { ...fault(1_200, 5_000, ['worker-2']), id: 2 }];
  const signals = [
    { at: 900, event: 'worker_unreachable', subject: 'worker-1' }, // before the fault: not a detection
    { at: 1_300, event: 'retry', subject: 'worker-1' }, // not an expected event
    { at: 1_800, event: 'worker_unreachable', subject: 'worker-3' }, // not a faulted target
    { at: 2_500, event: 'worker_unreachable', subject: 'worker-1' },
    { at: 1_700, event: 'breaker_open', subject: 'worker-2' },
  ];
  const expected = ['worker_unreachable', 'breaker_open'];
  const pass = detectedWithin(faults, signals, expected, 1_500);
  assert.equal(pass.pass, true, pass.message);
  assert.equal(pass.figures.worst_mttd_ms, 1_500);
  assert.match(
    pass.message,
    /partition of worker-1: worker_unreachable about worker-1 after 1500 ms; partition of worker-2: breaker_open about worker-2 after 500 ms/,
  );
  const late = detectedWithin(faults, signals, expected, 1_000);
  assert.equal(late.pass, false);
  assert.match(late.message, /1 fault\(s\) detected later than 1000 ms \(worst 1500 ms\)/);
  const missed = detectedWithin(faults, signals.slice(0, 4), expected, 5_000);
  assert.equal(missed.pass, false);
  assert.match(
    missed.message,
    /1 of 2 fault\(s\) were never detected .*signals seen: worker_unreachable, retry/,
  );
  assert.equal(detectedWithin([], signals, expected, 5_000).pass, false);
});
