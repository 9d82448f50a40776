import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parsePercentile } from '../../support/checks/latency.ts';
import { parseProblem } from '../../support/faults/tls/certificate.ts';
import { parsePhase } from '../../support/load/phases.ts';
import { operationKind, planFromWords } from '../../support/load/phrases.ts';
import { parseDuration, parsePercent } from '../../support/parse.ts';
import { runSeed } from '../../support/random.ts';

// Every piece of step input is parsed strictly, and a rejection names the bad token and what is accepted.
// (The feature file and line come from cucumber, which prints them beside the failing step: see
// test/errors/feature-errors.test.ts for that end of it.)

const rejects = (fn: () => unknown, token: string, accepted: RegExp) =>
  assert.throws(fn, (e: Error) => {
    assert.ok(e.message.includes(`'${token}'`), `names '${token}': ${e.message}`);
    assert.match(e.message, accepted);
    return true;
  });

test('durations: a unit is required and must be one of the accepted ones', () => {
  const accepted = /e\.g\. 500ms, 2 s, 30 seconds, 1\.5 minutes \(units: ms, s, seconds, m, minutes\)/;
  for (const bad of ['30 parsecs', 'thirty seconds', '1,5 s', '30', '-5 s', '2 fortnights', ''])
    rejects(() => parseDuration(bad), bad, accepted);
  assert.equal(parseDuration('1.5 minutes'), 90_000);
  assert.equal(parseDuration('250 milliseconds'), 250);
});

test('percentages: 0 to 100 followed by %', () => {
  const accepted = /a number from 0 to 100 followed by %, e\.g\. 1% or 99\.5%/;
  for (const bad of ['150%', '5', 'five %', '-1%', '5 percent'])
    rejects(() => parsePercent(bad), bad, accepted);
  assert.equal(parsePercent('0%'), 0);
  assert.equal(parsePercent('100%'), 1);
});

test('percentiles, phases, certificate problems, load words and operations name what is accepted', () => {
  rejects(() => parsePercentile('p100.5'), 'p100.5', /e\.g\. p50, p95, p99\.9, or "median"/);
  rejects(() => parsePercentile('95th'), '95th', /write p followed by a number/);
  rejects(
    () => parsePhase('in the middle'),
    'in the middle',
    /"at baseline", .*"under fault", .*"during recovery"/,
  );
  rejects(
    () => parseProblem('stolen'),
    'stolen',
    /accepted: 'expired', 'not yet valid', 'signed by an unknown CA', 'revoked'/,
  );
  rejects(() => planFromWords({ clients: '0', count: '10' }), '0', /a whole number ≥ 1/);
  rejects(
    () => planFromWords({ rate: 'fast', count: '10' }),
    'fast',
    /a number of requests per second > 0, e\.g\. 50/,
  );
  assert.throws(
    () => planFromWords({ clients: 4 }),
    /say how much load: a duration \("for 30 seconds"\), a count/,
  );
  rejects(
    () => operationKind('pizza orders', ['document conversion request']),
    'pizza orders',
    /write one of "document conversion requests"/,
  );
});

test('FAULTLINE_SEED: a non-negative 32-bit whole number, named by its variable', () => {
  const saved = process.env.FAULTLINE_SEED;
  try {
    for (const bad of ['-1', 'abc', '1.5', '4294967296']) {
      process.env.FAULTLINE_SEED = bad;
      assert.throws(
        () => runSeed(),
        new RegExp(
          `^Error: FAULTLINE_SEED=${bad.replace('.', '\\.')} is not a seed: use a whole number from 0 to 4294967295`,
        ),
      );
    }
    process.env.FAULTLINE_SEED = '4294967295';
    assert.equal(runSeed(), 4294967295);
  } finally {
    if (saved === undefined) delete process.env.FAULTLINE_SEED;
    else process.env.FAULTLINE_SEED = saved;
  }
});
