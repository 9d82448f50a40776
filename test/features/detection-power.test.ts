import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCucumber } from './cucumber-run.ts';

// A suite that cannot fail proves nothing. Switch off the mechanism the partition scenario guards (the
// controller's retry) and the scenario must fail, naming the broken expectation.
test('the partition scenario fails when the controller does not retry', { timeout: 120_000 }, async () => {
  const run = await runCucumber(['features/network/partition.feature'], {
    FAULTLINE_PLATFORM_RETRY_ENABLED: 'false',
  }).done;
  assert.notEqual(run.code, 0, run.output);
  assert.match(run.output, /1 scenario \(1 failed\)/, run.output);
  assert.match(run.output, /retry on an alternate member: .*never retried successfully/, run.output);
});

test('the partition scenario passes with the retry switched on', { timeout: 120_000 }, async () => {
  const run = await runCucumber(['features/network/partition.feature'], {
    FAULTLINE_PLATFORM_RETRY_ENABLED: 'true',
  }).done;
  assert.equal(run.code, 0, run.output);
  assert.match(run.output, /1 scenario \(1 passed\)/, run.output);
});
