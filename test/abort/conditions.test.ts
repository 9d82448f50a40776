import assert from 'node:assert/strict';
import { test } from 'node:test';
import { breachOf, MIN_OPERATIONS, recentWindow, WINDOW_MS } from '../../support/load/abort.ts';
import { AbortWatch } from '../../support/load/abort-watch.ts';
import { startLoad, type Target } from '../../support/load/generator.ts';
import { History } from '../../support/load/history.ts';
import { op, series } from '../checks/synthetic.ts';

const errorRate = (above: number) => ({ kind: 'error rate', above }) as const;
const p99 = (aboveMs: number) => ({ kind: 'latency', percentile: 99, aboveMs }) as const;

test('nothing is judged before the minimum sample: 19 failures in a row do not abort', () => {
  const failures = series(
    'f',
    MIN_OPERATIONS - 1,
    0,
    10,
    () => 5,
    () => 'fail',
  );
  assert.equal(breachOf(errorRate(0.05), failures, 1_000), undefined);
  const one = [...failures, op('f-last', 500, 5, 'fail', { status: 503 })];
  const breach = breachOf(errorRate(0.05), one, 1_000);
  assert.ok(breach);
  assert.equal(breach.figure, 1);
  assert.match(
    breach.message,
    /^error rate 100% \(20 of 20 failed or unknown: 19 × failed \(no detail\), 1 × status 503\)/,
  );
  assert.match(breach.message, /exceeded the 5% abort threshold after 20 operations/);
});

test('the error rate is judged over the last 10 s of completed operations; unknown counts as an error', () => {
  // 200 ok operations long ago, then 100 recent: 6 unknown + 4 failed = 10%.
  const old = series('old', 200, 0, 10, () => 5);
  const at = 100_000;
  const recent = series(
    'new',
    100,
    at - 5_000,
    50,
    () => 5,
    (i) => (i < 6 ? 'unknown' : i < 10 ? 'fail' : 'ok'),
  );
  const history = [...old, ...recent];
  assert.equal(recentWindow(history, at).length, 100, 'the old operations are outside the window');
  const breach = breachOf(errorRate(0.05), history, at);
  assert.equal(breach?.figure, 0.1);
  assert.equal(breach?.window, 100);
  assert.equal(breach?.total, 300);
  // Strictly "exceeds": exactly at the threshold holds.
  assert.equal(breachOf(errorRate(0.1), history, at), undefined);
  assert.equal(breachOf(errorRate(0.099), history, at)?.figure, 0.1);
});

test('a window with few recent completions is topped up to the minimum sample from older ones', () => {
  const at = 60_000;
  const old = series('old', 30, 0, 100, () => 5);
  const recent = series('slow', 5, at - WINDOW_MS + 1, 100, () => 8_000);
  const window = recentWindow([...old, ...recent], at + 8_000);
  assert.equal(window.length, MIN_OPERATIONS);
  assert.deepEqual(
    window.slice(0, 5).map((o) => o.id),
    ['slow-4', 'slow-3', 'slow-2', 'slow-1', 'slow-0'],
  );
});

test('p99 latency: with fewer than 100 operations it is the slowest, so one slow operation in 20 aborts', () => {
  const fast = series('fast', 19, 0, 10, () => 100);
  const slow = op('slow', 200, 6_000);
  assert.equal(breachOf(p99(5_000), fast, 10_000), undefined);
  const breach = breachOf(p99(5_000), [...fast, slow], 10_000);
  assert.equal(breach?.figure, 6_000);
  assert.match(
    breach?.message ?? '',
    /^p99 latency 6 s exceeded the 5 s abort threshold after 20 operations/,
  );
  assert.equal(breachOf(p99(6_000), [...fast, slow], 10_000), undefined, 'exactly at the threshold holds');
});

/** The promise's value, or a failed test (not a hung one) when it does not settle in time. */
async function within<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`nothing within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

// A target that fails every operation once `failing` is set, or answers late once `slowMs` is, as a fault
// would make it.
function switchable() {
  const state = { failing: false, slowMs: 0 };
  const target: Target = {
    kind: 'op',
    id: (i) => `op-${i}`,
    invoke: () =>
      new Promise((resolve) =>
        setTimeout(
          () =>
            resolve(
              state.failing
                ? { outcome: 'fail', status: 503, attempts: [] }
                : { outcome: 'ok', attempts: [] },
            ),
          2 + state.slowMs,
        ),
      ),
  };
  return { state, target };
}

test('the watch stops a real load within a check interval of the breach, and acts once', async () => {
  const history = new History();
  const { state, target } = switchable();
  const load = startLoad(
    { shape: { loop: 'closed', clients: 4 }, durationMs: 30_000, timeoutMs: 1_000 },
    target,
    { record: (o) => history.record(o) },
  );
  let acted = 0;
  const watch = new AbortWatch(
    () => history.operations,
    async () => {
      acted += 1;
      load.stop();
      return [];
    },
  );
  watch.add(errorRate(0.05));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(watch.brake, undefined, 'a healthy load is not aborted');
  const faultAt = Date.now();
  state.failing = true;
  const brake = await within(watch.braked, 10_000);
  const run = await load.done;
  assert.equal(run.stoppedBy, 'aborted');
  assert.ok(Date.now() - faultAt < 2_000, `stopped ${Date.now() - faultAt} ms after the fault`);
  assert.ok(brake.breach.figure > 0.05);
  assert.equal(watch.check(), brake, 'later checks return the same brake');
  assert.equal(acted, 1);
  watch.close();
});

test('a latency condition stops a real load once the slow answers reach the p99', async () => {
  const history = new History();
  const { state, target } = switchable();
  const load = startLoad(
    { shape: { loop: 'closed', clients: 4 }, durationMs: 30_000, timeoutMs: 5_000 },
    target,
    { record: (o) => history.record(o) },
  );
  const watch = new AbortWatch(
    () => history.operations,
    async () => {
      load.stop();
      return [];
    },
  );
  watch.add(p99(200));
  await new Promise((r) => setTimeout(r, 300));
  assert.equal(watch.brake, undefined, 'fast answers do not abort');
  state.slowMs = 400;
  const brake = await within(watch.braked, 10_000);
  assert.equal((await load.done).stoppedBy, 'aborted');
  assert.ok(brake.breach.figure >= 400, `p99 ${brake.breach.figure} ms`);
  assert.match(
    brake.breach.message,
    /^p99 latency 0\.4\d* s exceeded the 0\.2 s abort threshold after \d+ operations/,
  );
  watch.close();
});
