import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  latencyBelow,
  latencyRatioToBaseline,
  parsePercentile,
  shareWithin,
} from '../../support/checks/latency.ts';
import { splitPhases } from '../../support/load/phases.ts';
import { fault, op, series } from './synthetic.ts';

// 100 operations with latencies 1..100 ms: p95 is exactly 95 ms.
const hundred = series('a', 100, 0, 10, (i) => i + 1);

test('p95 below a bound: passes strictly below, states the figure, fails naming the broken bound', () => {
  const { run } = splitPhases(hundred, []);
  const pass = latencyBelow(run, 95, 96);
  assert.equal(pass.pass, true, pass.message);
  assert.equal(pass.figures.p95_ms, 95);
  assert.match(
    pass.message,
    /p95 latency over the whole run was 95 ms over 100 operations \(100 ok, 0 failed, 0 unknown\), below the 96 ms bound/,
  );
  const fail = latencyBelow(run, 95, 95);
  assert.equal(fail.pass, false);
  assert.match(
    fail.message,
    /was 95 ms .*: not below the 95 ms bound — 6 operation\(s\) \(6%\) took 95 ms or longer, the slowest 100 ms/,
  );
});

test('latency counts from the intended start, so queueing in the client is not hidden', () => {
  // Service time 10 ms, but due 400 ms earlier: the client waited 410 ms.
  const queued = [op('q', 1_000, 10, 'ok', { intendedAt: 600 })];
  const verdict = latencyBelow(splitPhases(queued, []).run, 95, 100);
  assert.equal(verdict.pass, false);
  assert.equal(verdict.figures.p95_ms, 410);
});

test('unknown outcomes count at the time the client waited, so timeouts raise the percentile', () => {
  const ops = [
    ...series('ok', 90, 0, 1, () => 10),
    ...series(
      'to',
      10,
      100,
      1,
      () => 5_000,
      () => 'unknown',
    ),
  ];
  const verdict = latencyBelow(splitPhases(ops, []).run, 95, 500);
  assert.equal(verdict.pass, false);
  assert.equal(verdict.figures.p95_ms, 5_000);
  assert.match(verdict.message, /90 ok, 0 failed, 10 unknown/);
});

test('a window is judged on its own operations; an empty window is a failing verdict, never a pass', () => {
  const ops = [...series('base', 50, 0, 10, () => 20), ...series('hurt', 50, 1_000, 10, () => 900)];
  const phases = splitPhases(ops, [fault(1_000, 2_000)]);
  assert.equal(latencyBelow(phases.baseline, 95, 500).pass, true);
  const under = latencyBelow(phases.fault, 95, 500);
  assert.equal(under.pass, false);
  assert.match(under.message, /p95 latency under fault was 900 ms over 50 operations/);
  const recovery = latencyBelow(phases.recovery, 95, 500);
  assert.equal(recovery.pass, false);
  assert.match(recovery.message, /no operations during recovery — nothing was measured/);
  const noFault = latencyBelow(splitPhases(ops, []).fault, 95, 500);
  assert.match(noFault.message, /no operations under fault: no fault was injected/);
});

test('ratio to baseline: at most k times, with both figures stated', () => {
  const ops = [
    ...series('base', 100, 0, 10, (i) => i + 1),
    ...series('hurt', 100, 2_000, 10, (i) => 3 * (i + 1)),
  ];
  const phases = splitPhases(ops, [fault(2_000, 5_000)]);
  const pass = latencyRatioToBaseline(phases, 95, 3);
  assert.equal(pass.pass, true, pass.message);
  assert.equal(pass.figures.ratio, 3);
  assert.match(
    pass.message,
    /p95 under fault was 285 ms \(100 operations\) against 95 ms at baseline \(100 operations\): 3×, within 3×/,
  );
  const fail = latencyRatioToBaseline(phases, 95, 2.5);
  assert.equal(fail.pass, false);
  assert.match(fail.message, /3×, more than the allowed 2.5×/);
  const noBaseline = latencyRatioToBaseline(splitPhases(ops, [fault(0, 5_000)]), 95, 3);
  assert.equal(noBaseline.pass, false);
  assert.match(
    noBaseline.message,
    /no operations at baseline.*needs operations both at baseline and under fault/,
  );
});

test('share within the SLO: only successes within the bound count as complete', () => {
  // 90 fast ok, 5 slow ok, 3 fast failures, 2 unknown: 90% complete within 500 ms.
  const ops = [
    ...series('fast', 90, 0, 1, () => 100),
    ...series('slow', 5, 100, 1, () => 2_000),
    ...series(
      'err',
      3,
      200,
      1,
      () => 5,
      () => 'fail',
    ),
    ...series(
      'lost',
      2,
      300,
      1,
      () => 10_000,
      () => 'unknown',
    ),
  ];
  const { run } = splitPhases(ops, []);
  const fail = shareWithin(run, 0.95, 500);
  assert.equal(fail.pass, false);
  assert.equal(fail.figures.within, 90);
  assert.match(
    fail.message,
    /90 of 100 operations over the whole run \(90%\) completed ok within 500 ms: fewer than the required 95% — 5 succeeded too slowly, 3 failed, 2 unknown/,
  );
  const pass = shareWithin(run, 0.9, 500);
  assert.equal(pass.pass, true, pass.message);
  assert.equal(shareWithin(splitPhases([], []).run, 0.9, 500).pass, false);
});

test('percentile words', () => {
  assert.equal(parsePercentile('p95'), 95);
  assert.equal(parsePercentile('p99.9'), 99.9);
  assert.equal(parsePercentile('median'), 50);
  assert.throws(() => parsePercentile('95th'), /'95th' is not a percentile: write p followed by a number/);
  assert.throws(() => parsePercentile('p0'), /not a percentile/);
});
