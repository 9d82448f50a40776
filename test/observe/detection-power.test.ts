import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runCucumber } from '../features/cucumber-run.ts';

// A hypothesis verdict that cannot fail proves nothing. Each scenario of features/wrong-hypotheses.feature
// states something the experiment refutes (the last one already before the method), on the reference platform (local backend): each must fail, and
// its message must name the probe, when and by how much.

test('every hypothesis verdict fails when the hypothesis is wrong, naming the probe, when and by how much', async () => {
  const { code, output } = await runCucumber(['test/observe/features/wrong-hypotheses.feature']).done;
  assert.notEqual(code, 0, output);
  assert.match(output, /5 scenarios \(5 failed\)/, output);
  for (const expected of [
    /held throughout \(2 probe\(s\) every 200 ms\): \d+ of \d+ readings deviated: process running of worker-2: false, expected true — tolerance equals true \(\d+ times, from \+\d\.\d\d s after the fault began/,
    /catches each fault within 1000 ms: 1 fault\(s\) never made the hypothesis deviate — worker-2 paused: all \d+ readings while it held were within tolerance/,
    /the failure stays isolated to redis: the failure spread beyond redis \(targeted: redis\) to controller: http GET \/healthz status of controller: 503, expected 200 — tolerance equals 200 at \+\d\.\d\d s after the fault began/,
    /holds again within 0 ms after the faults are rolled back: the hypothesis held again only [\d.]+ ms after the last fault was removed; longer than 0 ms/,
    // Before the method: the step fails, the fault step after it is skipped (never applied).
    /the steady-state hypothesis does not hold before the method \(checked for \d+ ms\), so no experiment starts:\n\s*- redis DBSIZE of redis: \d+, expected 0 — tolerance equals 0/,
  ])
    assert.match(output, expected);
  assert.match(output, /\d+ steps \([^)]*\b2 skipped\b/);
});
