import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startLoad, type Target } from '../../support/load/generator.ts';
import { finished, loadsOf, stopAll, track } from '../../support/load/running.ts';

// A target that answers after `ms`, without I/O.
const after = (ms: number): Target => ({
  kind: 'tick',
  id: (i) => `tick-${i}`,
  invoke: () => new Promise((resolve) => setTimeout(() => resolve({ outcome: 'ok', attempts: [] }), ms)),
});

test('background loads: Then steps wait for them; the After hook stops what is left and gets every run', async () => {
  const scenario = {};
  const short = startLoad({ shape: { loop: 'closed', clients: 2 }, count: 6, timeoutMs: 1_000 }, after(5));
  track(scenario, short);
  assert.equal(loadsOf(scenario).length, 1);
  const [run] = await finished(scenario);
  assert.equal(run?.operations.length, 6);

  const long = startLoad(
    { shape: { loop: 'closed', clients: 2 }, durationMs: 60_000, timeoutMs: 10_000 },
    after(1_000),
  );
  track(scenario, long);
  const t0 = Date.now();
  const runs = await stopAll(scenario);
  assert.ok(Date.now() - t0 < 200, 'stopping does not wait out the load');
  assert.deepEqual(
    runs.map((r) => r.stoppedBy),
    ['count', 'aborted'],
  );
  assert.equal(runs[1]?.operations.filter((op) => op.outcome === 'unknown').length, 2);
  assert.equal(loadsOf(scenario).length, 0);
});
