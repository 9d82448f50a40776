import assert from 'node:assert/strict';
import { test } from 'node:test';
import { poll, until } from '../../support/poll.ts';

// Real timers, short intervals; elapsed times are only bounded below, or above by a wide margin (a shared
// machine may stall any wait).

test('the first attempt is made at once, and the poll ends at the first value that holds', async () => {
  let attempts = 0;
  const polled = await poll(
    () => ++attempts,
    (n) => n === 3,
    { timeoutMs: 10_000, everyMs: 5 },
  );
  assert.deepEqual(polled, { held: true, value: 3 });
  assert.equal(attempts, 3);
});

test('when the time runs out, the last value is returned and did not hold', async () => {
  let attempts = 0;
  const started = Date.now();
  const polled = await poll(
    async () => ++attempts,
    () => false,
    { timeoutMs: 60, everyMs: 10 },
  );
  assert.equal(polled.held, false);
  assert.equal(polled.value, attempts);
  assert.ok(attempts >= 2, `${attempts} attempt(s) in 60 ms at a 10 ms interval`);
  assert.ok(Date.now() - started >= 60, 'gave up before the deadline');
});

test('a deadline already past allows exactly one attempt', async () => {
  let attempts = 0;
  const held = await until(
    () => {
      attempts += 1;
      return false;
    },
    { deadline: Date.now() - 1, everyMs: 10_000 },
  );
  assert.equal(held, false);
  assert.equal(attempts, 1);
});

test('until takes a synchronous or an asynchronous check', async () => {
  let n = 0;
  assert.equal(await until(() => ++n > 2, { timeoutMs: 10_000, everyMs: 1 }), true);
  assert.equal(await until(async () => ++n > 4, { timeoutMs: 10_000, everyMs: 1 }), true);
  assert.equal(n, 5);
});

test('an attempt that throws ends the poll with its error', async () => {
  await assert.rejects(
    poll(
      () => {
        throw new Error('store refused');
      },
      () => true,
      { timeoutMs: 10_000, everyMs: 1 },
    ),
    /store refused/,
  );
});

test('toDeadline cuts the last wait short: the last attempt is made at the deadline, not an interval later', async () => {
  const at: number[] = [];
  const started = Date.now();
  const polled = await poll(
    () => at.push(Date.now()),
    () => false,
    { timeoutMs: 50, everyMs: 60_000, toDeadline: true },
  );
  // Two attempts, or a third when a timer fires a hair early (libuv's cached loop time): never one an
  // interval later.
  const last = at.at(-1)! - started;
  assert.equal(polled.held, false);
  assert.ok(at.length >= 2 && at.length <= 4, `${at.length} attempts`);
  assert.ok(last >= 45, `the last attempt came ${last} ms in, well before the 50 ms deadline`);
  assert.ok(last < 30_000, 'the last attempt waited the whole interval');
});

test('an abort signal ends the wait at once, with its reason', { timeout: 20_000 }, async () => {
  const controller = new AbortController();
  let attempts = 0;
  const polling = poll(
    () => ++attempts,
    () => false,
    { timeoutMs: 60_000, everyMs: 60_000, signal: controller.signal },
  );
  setTimeout(() => controller.abort(new Error('scenario stopped')), 10);
  await assert.rejects(polling, /scenario stopped|aborted/);
  assert.equal(attempts, 1);
  await assert.rejects(
    poll(
      () => ++attempts,
      () => true,
      { timeoutMs: 1_000, everyMs: 1, signal: controller.signal },
    ),
    /scenario stopped/,
  );
  assert.equal(attempts, 1, 'an attempt was made although the signal had already aborted');
});
