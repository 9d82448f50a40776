import assert from 'node:assert/strict';
import { test } from 'node:test';
import { errorRateBelow } from '../../support/checks/errors.ts';
import { splitPhases } from '../../support/load/phases.ts';
import { fault, op, series } from './synthetic.ts';

// 200 operations: 196 ok, 2 × 503, 2 unknown (timeouts).
const ops = [
  ...series('ok', 196, 0, 1, () => 10),
  op('shed-1', 300, 2, 'fail', { status: 503 }),
  op('shed-2', 301, 2, 'fail', { status: 503 }),
  op('lost-1', 302, 5_000, 'unknown', { error: 'timeout: no answer within 5000 ms' }),
  op('lost-2', 303, 5_000, 'unknown', { error: 'timeout: no answer within 5000 ms' }),
];
const { run } = splitPhases(ops, []);

test('unknown outcomes count as errors by default', () => {
  const verdict = errorRateBelow(run, 0.01);
  assert.equal(verdict.pass, false);
  assert.equal(verdict.figures.errors, 4);
  assert.equal(verdict.figures.rate, 0.02);
  assert.match(
    verdict.message,
    /4 of 200 operations over the whole run were errors \(2%\), not below 1%: 2 × status 503, 2 × unknown \(timeout: no answer within 5000 ms\)/,
  );
  assert.equal(errorRateBelow(run, 0.025).pass, true);
  // "below" is strict: exactly at the bound fails.
  assert.equal(errorRateBelow(run, 0.02).pass, false);
});

test('when told not to count unknown outcomes they leave numerator and denominator', () => {
  const verdict = errorRateBelow(run, 0.011, 'excluded');
  assert.equal(verdict.pass, true, verdict.message);
  assert.equal(verdict.figures.counted, 198);
  assert.match(verdict.message, /2 of 198 operations over the whole run were errors \(1.01%\), below 1.1%/);
  const allUnknown = splitPhases([op('x', 0, 1, 'unknown')], []).run;
  const nothing = errorRateBelow(allUnknown, 0.5, 'excluded');
  assert.equal(nothing.pass, false);
  assert.match(nothing.message, /all 1 operations .* had unknown outcomes.*nothing was measured/);
});

test('per phase, and an empty window fails', () => {
  const phases = splitPhases(ops, [fault(300, 1_000)]);
  assert.equal(errorRateBelow(phases.baseline, 0.01).pass, true);
  const under = errorRateBelow(phases.fault, 0.5);
  assert.equal(under.pass, false);
  assert.match(under.message, /4 of 4 operations under fault were errors \(100%\)/);
  const empty = errorRateBelow(phases.recovery, 0.01);
  assert.equal(empty.pass, false);
  assert.match(empty.message, /no operations during recovery/);
});
