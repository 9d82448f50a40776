import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkExactlyOnce, exactlyOnceVerdict } from '../../support/checks/exactly-once.ts';
import type { Operation } from '../../support/load/history.ts';
import { op } from './synthetic.ts';

const charge = (id: string) => ({ id, by: 'worker-1' });
const rules = (ops: Operation[], charges: string[], idempotency?: [string, 'succeeded' | 'failed'][]) =>
  checkExactlyOnce(ops, {
    effects: charges.map(charge),
    ...(idempotency ? { remembered: idempotency.map(([id, status]) => ({ id, status })) } : {}),
  });

test('a clean run: every ok charged once, unknown and failed at most once', () => {
  const ops = [
    op('a', 0, 1),
    op('b', 0, 1),
    op('u1', 0, 1, 'unknown'),
    op('u2', 0, 1, 'unknown'),
    op('f1', 0, 1, 'fail'),
  ];
  const report = rules(
    ops,
    ['a', 'b', 'u1', 'f1'],
    [
      ['a', 'succeeded'],
      ['b', 'succeeded'],
    ],
  );
  assert.deepEqual(report.violations, []);
  assert.equal(report.unknownCharged, 1);
  assert.equal(report.failedButCharged, 1);
  const verdict = exactlyOnceVerdict(report);
  assert.equal(verdict.pass, true, verdict.message);
  assert.match(
    verdict.message,
    /5 request\(s\) \(2 ok, 2 unknown, 1 failed\), 4 charged \(1 of the unknown, 1 of the failed\): every ok request charged exactly once, none charged twice; 2 charged without an idempotency record/,
  );
});

test('every violation is reported with its request id', () => {
  const ops = [
    op('double', 0, 1),
    op('free', 0, 1),
    op('u-double', 0, 1, 'unknown'),
    op('f-double', 0, 1, 'fail'),
    op('said-failed', 0, 1),
    op('f-stored-ok', 0, 1, 'fail'),
    op('charged-stored-failed', 0, 1, 'unknown'),
  ];
  const report = rules(
    ops,
    [
      'double',
      'double',
      'u-double',
      'u-double',
      'f-double',
      'f-double',
      'said-failed',
      'ghost',
      'charged-stored-failed',
    ],
    [
      ['said-failed', 'failed'],
      ['f-stored-ok', 'succeeded'],
      ['charged-stored-failed', 'failed'],
    ],
  );
  const found = report.violations.map((v) => `${v.requestId}: ${v.rule}`).sort();
  assert.deepEqual(found, [
    'charged-stored-failed: idempotency store disagrees',
    'double: charged more than once',
    'f-double: charged more than once',
    'f-stored-ok: idempotency store disagrees',
    'free: not charged',
    'ghost: charged but never requested',
    'said-failed: idempotency store disagrees',
    'u-double: charged more than once',
  ]);
  const verdict = exactlyOnceVerdict(report);
  assert.equal(verdict.pass, false);
  assert.match(verdict.message, /8 violation\(s\) — 3 charged more than once, 1 not charged/);
  assert.match(verdict.message, /double charged 2 times \(client saw ok\)/);
  assert.match(verdict.message, /free succeeded but was never charged/);
  assert.match(verdict.message, /ghost charged 1 time\(s\), but no operation of this run has this id/);
  assert.equal((verdict.figures.violations as string[]).length, 8);
});

test('a request submitted twice counts once, with the best outcome any submission saw', () => {
  const ops = [op('r', 0, 1, 'unknown'), op('r', 10, 1, 'ok')];
  assert.deepEqual(rules(ops, ['r']).violations, []);
  assert.equal(rules(ops, []).violations[0]?.rule, 'not charged');
  assert.equal(rules(ops, ['r', 'r']).violations[0]?.rule, 'charged more than once');
});

test("failed requests: at most once by default; never, when the system's contract says so", () => {
  const ops = [op('f', 0, 1, 'fail', { status: 502 })];
  assert.equal(checkExactlyOnce(ops, { effects: [charge('f')] }).violations.length, 0);
  const strict = checkExactlyOnce(ops, { effects: [charge('f')] }, { failed: 'never' });
  assert.equal(strict.violations[0]?.rule, 'charged though failed');
  assert.match(exactlyOnceVerdict(strict).message, /f the client was told it failed, yet it was charged/);
});

test('no requests is a failing verdict; a long list is cut in the message but complete in the figures', () => {
  assert.equal(exactlyOnceVerdict(rules([], [])).pass, false);
  const ops = Array.from({ length: 50 }, (_, i) => op(`r${i}`, 0, 1));
  const verdict = exactlyOnceVerdict(rules(ops, []));
  assert.match(verdict.message, /and 30 more \(all in the figures\)/);
  assert.equal((verdict.figures.violations as string[]).length, 50);
});
