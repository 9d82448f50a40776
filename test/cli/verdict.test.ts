import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractErrorMatchingData, matchCategory, normalizeCategoriesConfig } from '@allurereport/core-api';
import { TestStepResultStatus as S, type TestStepResult } from '@cucumber/messages';
import { CATEGORIES, categoryOf, type FailureStatus } from '../../support/report/categories.ts';
import { type Failure, kindOf } from '../../support/run/outcomes.ts';
import { judgeRun } from '../../support/run/verdict.ts';

// The exit code of `faultline run` comes from the report's categories: the same rules, read the same way
// as Allure reads them, and a precedence when a run has several kinds of failure.

const MESSAGES: [FailureStatus, string][] = [
  ['failed', 'p95 under fault below 500 ms: p95 812 ms: expected false to equal true'],
  ['broken', 'ABORTED: error rate 12.58% exceeded the 5% abort threshold'],
  ['broken', 'the partition had no effect: worker-2 still answered'],
  ['broken', 'rollback left the environment dirty:\n- service worker-1 is not running'],
  ['broken', 'redis exited before it was ready (code 1, signal null)'],
  ['broken', 'steady state not reached within 30000 ms: controller sees 2/3'],
  ['broken', 'FAULTLINE_SYSTEM=nope is not a known system'],
  ['failed', 'the partition had no effect'],
  ['broken', 'UNKNOWN the PromQL "up" stays below 1: no series matched; the probe timed out'],
];

test('categoryOf files every failure where the Allure report files it', () => {
  const rules = normalizeCategoriesConfig({ rules: CATEGORIES as never });
  for (const [status, message] of MESSAGES) {
    const allure = matchCategory(
      rules,
      extractErrorMatchingData({ status, labels: [], error: { message }, flaky: false }),
    );
    assert.equal(categoryOf(status, message)?.id, allure?.id, `${status}: ${message}`);
  }
});

const result = (status: TestStepResult['status'], message?: string, type = 'Error'): TestStepResult => ({
  status,
  duration: { seconds: 0, nanos: 0 },
  ...(message === undefined ? {} : { message, exception: { type, message } }),
});

test('a step result gets the kind the report would give it; steps that could not run are unrunnable', () => {
  assert.equal(kindOf(result(S.PASSED)), undefined);
  assert.equal(kindOf(result(S.SKIPPED)), undefined);
  assert.equal(
    kindOf(result(S.FAILED, 'success within 1 ms: 42 ms: expected false to equal true', 'AssertionError')),
    'product-defect',
  );
  assert.equal(
    kindOf(result(S.FAILED, 'ABORTED: error rate 40% exceeded the 5% abort threshold')),
    'product-defect',
  );
  assert.equal(
    kindOf(result(S.FAILED, 'the partition had no effect: worker-2 still answered')),
    'fault-without-effect',
  );
  assert.equal(
    kindOf(result(S.FAILED, 'rollback left the environment dirty:\n- toxic left')),
    'dirty-rollback',
  );
  assert.equal(kindOf(result(S.FAILED, 'worker-1 did not start: spawn ENOENT')), 'infrastructure');
  assert.equal(
    kindOf(result(S.FAILED, "'3 parsecs' is not a duration; accepted: 30 seconds, 500ms")),
    'test-defect',
  );
  assert.equal(
    kindOf(result(S.FAILED, 'UNKNOWN http GET /healthz of controller: no reply (timeout after 2 s)')),
    'unknown-verdict',
    'an unknown verdict is neither a product defect nor infrastructure, whatever words it quotes',
  );
  assert.equal(kindOf(result(S.UNDEFINED)), 'unrunnable-step');
  assert.equal(kindOf(result(S.AMBIGUOUS)), 'unrunnable-step');
  assert.equal(kindOf(result(S.PENDING)), 'unrunnable-step');
});

const failure = (kind: Failure['kind'], scenario: string): Failure => ({
  kind,
  scenario,
  where: 'x.feature:3',
  message: '',
});

test('exit codes: 0 passed, 1 product defect, 2 invalid experiment, 3 infrastructure; the lowest non-zero wins', () => {
  assert.deepEqual(judgeRun([], true), { code: 0, summary: [] });
  assert.equal(judgeRun([], false).code, 3, 'cucumber failed the run without a failing step: not a pass');
  assert.equal(judgeRun([failure('infrastructure', 'a'), failure('test-defect', 'b')], false).code, 3);
  assert.equal(judgeRun([failure('unrunnable-step', 'a'), failure('run-setup', 'b')], false).code, 3);
  assert.equal(
    judgeRun([failure('infrastructure', 'a'), failure('fault-without-effect', 'b')], false).code,
    2,
  );
  assert.equal(judgeRun([failure('dirty-rollback', 'a')], false).code, 2);
  assert.equal(judgeRun([failure('unknown-verdict', 'a')], false).code, 2, 'unknown never passes');
  const mixed = judgeRun(
    [
      failure('dirty-rollback', 'a'),
      failure('product-defect', 'b'),
      failure('infrastructure', 'c'),
      failure('product-defect', 'b'),
    ],
    false,
  );
  assert.equal(mixed.code, 1);
  assert.equal(mixed.summary.length, 3, mixed.summary.join('\n'));
  assert.match(
    mixed.summary[0]!,
    /^exit 1 product defect .*: "b" \(x\.feature:3: product defect\)$/,
    'one mention per scenario',
  );
  assert.match(mixed.summary[1]!, /^exit 2 invalid experiment .*: "a" \(x\.feature:3: dirty rollback\)$/);
  assert.match(mixed.summary[2]!, /^exit 3 .*: "c" \(x\.feature:3: infrastructure\)$/);
});
