import assert from 'node:assert/strict';
import { test } from 'node:test';
import { auditShows } from '../../support/checks/audit.ts';
import { certificateRejected, renewalLogged } from '../../support/checks/certificates.ts';
import { errorRateBelow } from '../../support/checks/errors.ts';
import { checkExactlyOnce, exactlyOnceVerdict } from '../../support/checks/exactly-once.ts';
import { latencyBelow, latencyRatioToBaseline, shareWithin } from '../../support/checks/latency.ts';
import { succeededWithin } from '../../support/checks/outcome.ts';
import { detectedWithin, recoveredWithin } from '../../support/checks/recovery.ts';
import { retriedOnAlternate } from '../../support/checks/retry.ts';
import { servedByOthers } from '../../support/checks/served.ts';
import { serverCertificateRefused } from '../../support/checks/server-certificates.ts';
import { trafficShifted } from '../../support/checks/traffic.ts';
import type { Verdict } from '../../support/checks/verdict.ts';
import type { Attempt, Operation } from '../../support/load/history.ts';
import { splitPhases } from '../../support/load/phases.ts';
import { fault, op, series } from './synthetic.ts';

// Every verdict over an empty set fails, and says which set was empty: a check that looked at nothing
// must never read as a pass. Plain data only.

function fails(verdict: Verdict, names: RegExp): void {
  assert.equal(verdict.pass, false, `passed over an empty set: ${verdict.message}`);
  assert.match(verdict.message, names);
}

const attempt = (target: string, outcome: Attempt['outcome'], startedAt: number): Attempt => ({
  target,
  outcome,
  startedAt,
  endedAt: startedAt + 5,
});

test('load verdicts over a phase with no operations fail naming the phase', () => {
  const none = splitPhases([], [fault(1_000, 2_000)]);
  fails(latencyBelow(none.fault, 95, 500), /no operations under fault — nothing was measured/);
  fails(errorRateBelow(none.baseline, 0.01), /no operations at baseline/);
  fails(shareWithin(none.recovery, 0.95, 500), /no operations during recovery/);
  fails(recoveredWithin(none.recovery, 5_000), /no operations during recovery/);
  fails(latencyRatioToBaseline(none, 95, 3), /no operations at baseline/);
  // No fault at all: the fault window is absent and says why.
  const noFault = splitPhases(
    series('a', 10, 0, 10, () => 5),
    [],
  );
  fails(latencyBelow(noFault.fault, 95, 500), /no fault was injected in this scenario/);
  // Every operation unknown, with unknowns not counted: nothing was measured either.
  const unknowns = splitPhases([op('u', 0, 5, 'unknown')], []);
  fails(
    errorRateBelow(unknowns.run, 0.05, 'excluded'),
    /had unknown outcomes, which this check was told not to count/,
  );
});

test('exactly-once over no requests fails', () => {
  fails(exactlyOnceVerdict(checkExactlyOnce([], { effects: [] })), /no requests were recorded/);
});

test('audit, detection and outcome verdicts with no fault of the kind fail naming it', () => {
  fails(
    auditShows(
      [{ at: 5, event: 'x_unreachable', subject: 'w1', detail: {} }],
      ['x_unreachable'],
      [],
      'partition',
    ),
    /no fault of partition was injected/,
  );
  // A fault record that never started (its apply threw) is no fault either.
  const neverStarted = { ...fault(0), startedAt: undefined };
  fails(auditShows([], ['x_unreachable'], [neverStarted]), /no fault of that kind was injected/);
  fails(detectedWithin([], [{ at: 1, event: 'x', subject: 'w1' }], ['x'], 1_000), /no fault was injected/);
  fails(succeededWithin(undefined, 1_000), /no operation was recorded/);
});

test('traffic shift fails when no attempts are reported, none before the fault, or none after the reaction', () => {
  const members = ['w1', 'w2'];
  fails(trafficShifted([], 'w1', members, 100, 200), /no operations were recorded/);
  fails(
    trafficShifted([op('a', 0, 5), op('b', 300, 5)], 'w1', members, 100, 200),
    /none of the 2 operations reports its attempts/,
  );
  const afterOnly = [op('a', 300, 5, 'ok', { attempts: [attempt('w2', 'ok', 300)] })];
  fails(trafficShifted(afterOnly, 'w1', members, 100, 200), /no attempts were made before the fault began/);
  const beforeOnly = [op('a', 0, 5, 'ok', { attempts: [attempt('w1', 'ok', 0)] })];
  fails(
    trafficShifted(beforeOnly, 'w1', members, 100, 200),
    /no attempts were made after the system reacted/,
  );
  fails(trafficShifted(beforeOnly, 'w1', members, 100, undefined), /never reacted/);
});

test('certificate verdicts fail when nothing was forged', () => {
  fails(
    certificateRejected([{ at: 5, member: 'w1', reason: 'expired', serial: 'AA' }], [], 'expired'),
    /no certificate was forged in this scenario/,
  );
  fails(
    renewalLogged([], () => [{ at: 5, stream: 'stdout', line: 'certificate renewal required' }], 'renewal'),
    /no certificate fault struck any member the step names/,
  );
  // A refusal of another serial (the member's earlier certificate) is not a refusal of the forged one.
  const forged = [{ member: 'w1', serial: 'BB', since: 0 }];
  fails(
    certificateRejected([{ at: 5, member: 'w1', reason: 'expired', serial: 'AA' }], forged, 'expired'),
    /no refusal as expired of the forged certificate of w1 \(serial BB\); refusals seen: w1: expired \(serial AA\)/,
  );
  const good = certificateRejected(
    [{ at: 5, member: 'w1', reason: 'expired', serial: 'BB' }],
    forged,
    'expired',
  );
  assert.equal(good.pass, true, good.message);
  const certificate = { ...fault(10), kind: 'certificate' };
  const logged = renewalLogged(
    [certificate],
    () => [{ at: 11, stream: 'stdout', line: 'certificate renewal required' }],
    /renewal required/,
  );
  assert.equal(logged.pass, true, logged.message);
  fails(
    renewalLogged(
      [certificate],
      () => [{ at: 9, stream: 'stdout', line: 'certificate renewal required' }],
      /renewal required/,
    ),
    /in the log of worker-1 since its certificate was forged/,
  );
});

test('"served by the other members" fails with nothing sent, no member excluded, or no server named', () => {
  const members = ['w1', 'w2', 'w3'];
  const served = (by: string | undefined, id = 'o') =>
    op(id, 0, 5, 'ok', by === undefined ? {} : { servedBy: by });
  fails(servedByOthers([], ['w1'], 'workers', members), /no operations were sent/);
  // The known false pass: "0 served by a rejected member ()" — nothing was excluded, nothing is proven.
  fails(servedByOthers([served('w2')], [], 'workers', members), /no member of workers is under a fault/);
  fails(
    servedByOthers([served('w2'), served(undefined, 'p')], ['w1'], 'workers', members),
    /1 of 2 operations do not say which member served them/,
  );
  fails(
    servedByOthers([served('w1')], ['w1'], 'workers', members),
    /1 served by a faulted member \(w1\): o by w1/,
  );
  fails(
    servedByOthers([served('db')], ['w1'], 'workers', members),
    /served by a service outside workers \(db\)/,
  );
  const good = servedByOthers([served('w2'), served('w3', 'p')], ['w1'], 'workers', members);
  assert.equal(good.pass, true, good.message);
});

test('a retry verdict fails unless the operation went to the coordinator and a faulted failure preceded an alternate success', () => {
  const members = ['w1', 'w2', 'w3'];
  const expectation = { coordinator: 'api', group: 'workers', members, faulted: ['w1'] };
  const retried = (attempts: Attempt[], extra: Partial<Operation> = {}) =>
    op('r', 0, 50, 'ok', { service: 'api', attempts, ...extra });
  const good = retried([attempt('w1', 'timeout', 0), attempt('w2', 'ok', 10)]);
  assert.equal(retriedOnAlternate(good, expectation).pass, true);
  fails(
    retriedOnAlternate({ ...good, service: undefined }, expectation),
    /does not say which service it was sent to/,
  );
  // The known false pass: the words before "retries" were ignored. The coordinator must be where it went.
  fails(retriedOnAlternate(good, { ...expectation, coordinator: 'gateway' }), /was sent to api, not gateway/);
  // No fault hit a member of the group the step names.
  fails(
    retriedOnAlternate(good, { ...expectation, faulted: [] }),
    /no fault of this scenario hit a member of workers/,
  );
  fails(retriedOnAlternate(retried([]), expectation), /reports no attempts/);
  // A success that came before the faulted failure is not a retry after it.
  fails(
    retriedOnAlternate(retried([attempt('w2', 'ok', 0), attempt('w1', 'timeout', 10)]), expectation),
    /never served by an alternate member after failing on w1/,
  );
  // An attempt that failed on a member no fault hit does not count as hitting the fault.
  fails(
    retriedOnAlternate(retried([attempt('w3', 'error', 0), attempt('w2', 'ok', 10)]), expectation),
    /no attempt of r failed on a faulted member \(w1\)/,
  );
  fails(
    retriedOnAlternate(retried([attempt('w1', 'timeout', 0), attempt('cache', 'ok', 10)]), expectation),
    /succeeded on cache, which is not a member of workers/,
  );
});

test('"the clients refuse the service\'s certificate" fails with nothing forged, a client silent or too late', () => {
  const line = (at: number) => ({ at, stream: 'stdout' as const, line: 'controller certificate refused' });
  fails(
    serverCertificateRefused([], ['w1'], () => [line(5)], 'certificate refused', 1000),
    /no service of this scenario presented a forged certificate/,
  );
  const forged = [{ service: 'controller', serial: 'BB', since: 10 }];
  // A refusal before the forged certificate was presented is about something else.
  fails(
    serverCertificateRefused(forged, ['w1'], () => [line(9)], 'certificate refused', 1000),
    /w1 \(no such line since controller presented serial BB\)/,
  );
  fails(
    serverCertificateRefused(forged, ['w1'], () => [line(2000)], 'certificate refused', 1000),
    /w1 \(only after 1990 ms\)/,
  );
  const good = serverCertificateRefused(forged, ['w1', 'w2'], () => [line(300)], /refused/, 1000);
  assert.equal(good.pass, true, good.message);
  assert.deepEqual(good.figures.refusedAfter, ['w1 290 ms', 'w2 290 ms']);
});
