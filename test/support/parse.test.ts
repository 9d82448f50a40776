import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDuration, parsePercent, StepInputError } from '../../support/parse.ts';

test('durations in the units scenarios use', () => {
  assert.equal(parseDuration('30 seconds'), 30_000);
  assert.equal(parseDuration('500ms'), 500);
  assert.equal(parseDuration('1.5 s'), 1_500);
  assert.equal(parseDuration('2 minutes'), 120_000);
  assert.equal(parseDuration('1 second'), 1_000);
});

test('a malformed duration names what is accepted', () => {
  assert.throws(
    () => parseDuration('30 parsecs'),
    (e: Error) => e instanceof StepInputError && /units: ms, s/.test(e.message),
  );
  assert.throws(() => parseDuration('soon'), /is not a duration/);
});

test('percentages become fractions and are bounded', () => {
  assert.equal(parsePercent('1%'), 0.01);
  assert.equal(parsePercent('99.5 %'), 0.995);
  assert.throws(() => parsePercent('150%'), /from 0 to 100/);
  assert.throws(() => parsePercent('5'), /is not a percentage/);
});
