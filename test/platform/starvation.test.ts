import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { starvationMonitor } from '../../fixtures/platform/worker/starvation.ts';

// The worker's starvation figure is the share of the time its event loop ran late. A loop kept from running
// for most of each 100 ms (as a CPU quota throttles it) must read starved; an idle one must not.

function busyFor(ms: number) {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

test('a loop kept waiting 80 ms of every 100 reads starved; an idle loop does not', async () => {
  const monitor = starvationMonitor(40);
  try {
    await sleep(500);
    const idle = monitor.report();
    monitor.delivered();
    assert.ok(idle, 'a report');
    assert.equal(idle.starved, false, `idle: ${JSON.stringify(idle)}`);
    assert.ok(idle.late_pct < 20, `idle loop late ${idle.late_pct}%`);

    const end = performance.now() + 600;
    while (performance.now() < end) {
      busyFor(80);
      await sleep(20);
    }
    const held = monitor.report();
    assert.ok(held);
    assert.equal(held.starved, true, `held: ${JSON.stringify(held)}`);
    assert.ok(held.late_pct >= 60 && held.late_pct <= 100, `held loop late ${held.late_pct}%`);
    assert.ok(held.lag_ms >= 70, `worst delay ${held.lag_ms} ms`);

    // Not delivered: the next report still carries the worst share since the last delivered one.
    await sleep(200);
    assert.equal(monitor.report()?.starved, true);
    monitor.delivered();
    await sleep(300);
    assert.equal(monitor.report()?.starved, false);
  } finally {
    monitor.stop();
  }
});

test('a threshold of 0 switches the report off', () => {
  assert.equal(starvationMonitor(0).report(), undefined);
});
