import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { now } from '../../support/load/clock.ts';
import { type Result, runLoad, startLoad } from '../../support/load/generator.ts';
import { durationOf, History, latencyOf } from '../../support/load/history.ts';
import { httpTarget } from '../../support/load/http-target.ts';
import { percentile } from '../../support/load/percentile.ts';
import type { LoadPlan } from '../../support/load/plan.ts';
import { closedPort, startServer, type TestServer } from './server.ts';

let server: TestServer;
before(async () => {
  server = await startServer();
});
after(async () => {
  await server.close();
});

async function load(path: string, plan: LoadPlan, connections: number) {
  const target = httpTarget({ url: server.url(path), connections, timeoutMs: plan.timeoutMs });
  try {
    return await runLoad(plan, target);
  } finally {
    await target.close();
  }
}

describe('closed loop', () => {
  test('N clients keep exactly N operations in flight and stop at the count', async () => {
    const history = new History();
    const target = httpTarget({ url: server.url('/delay?ms=10'), connections: 8, timeoutMs: 5_000 });
    const before = server.maxConcurrent();
    const run = await runLoad(
      { shape: { loop: 'closed', clients: 8 }, count: 80, timeoutMs: 5_000 },
      target,
      {
        record: (op) => history.record(op),
      },
    );
    await target.close();
    assert.equal(run.stoppedBy, 'count');
    assert.equal(run.operations.length, 80);
    assert.equal(history.operations.length, 80, 'every operation lands in the history');
    assert.equal(new Set(run.operations.map((op) => op.id)).size, 80, 'ids are unique');
    assert.ok(run.operations.every((op) => op.outcome === 'ok' && op.status === 200));
    assert.ok(run.operations.every((op) => op.intendedAt === undefined && op.completedAt > op.invokedAt));
    assert.ok(
      run.operations.every((op) => durationOf(op) >= 9),
      'a 10 ms answer cannot be measured faster',
    );
    assert.equal(Math.max(before, server.maxConcurrent()), 8, 'never more than 8 at once');
  });

  test('a duration stops the offer; no operation starts after it', async () => {
    const run = await load(
      '/delay?ms=5',
      { shape: { loop: 'closed', clients: 4 }, durationMs: 300, timeoutMs: 5_000 },
      4,
    );
    assert.equal(run.stoppedBy, 'duration');
    assert.ok(run.operations.length >= 8, `only ${run.operations.length} operations in 300 ms`);
    const lastStart = Math.max(...run.operations.map((op) => op.invokedAt));
    assert.ok(
      lastStart <= run.startedAt + 300 + 5,
      `an operation started ${lastStart - run.startedAt} ms in`,
    );
    assert.ok(run.endedAt - run.startedAt < 1_500);
  });
});

describe('open loop', () => {
  test('operations are due at the rate, each stamped with its intended start', async () => {
    const run = await load(
      '/ok',
      { shape: { loop: 'open', ratePerSecond: 200, maxInFlight: 20 }, durationMs: 500, timeoutMs: 5_000 },
      20,
    );
    assert.equal(run.operations.length, 100, '200/s for 0.5 s is 100 operations');
    assert.equal(run.sent, 100);
    assert.equal(run.stoppedBy, 'duration');
    const intended = run.operations.map((op) => op.intendedAt as number).sort((a, b) => a - b);
    for (const [i, at] of intended.entries()) assert.ok(Math.abs(at - (run.startedAt + i * 5)) < 1e-6);
    assert.ok(run.operations.every((op) => op.invokedAt >= (op.intendedAt as number)));
  });

  test('a count bounds the schedule', async () => {
    const run = await load(
      '/ok',
      { shape: { loop: 'open', ratePerSecond: 100, maxInFlight: 5 }, count: 25, timeoutMs: 5_000 },
      5,
    );
    assert.equal(run.operations.length, 25);
    assert.equal(run.stoppedBy, 'count');
  });

  test('latency includes the time an operation waited to be sent (coordinated omission)', async () => {
    // One slot, 20 ms between due starts, 40 ms of service each: the generator falls behind by 20 ms per
    // operation. A tool that times from the send (or a closed loop) would report ~40 ms throughout.
    const run = await load(
      '/serial?ms=40',
      { shape: { loop: 'open', ratePerSecond: 50, maxInFlight: 1 }, count: 25, timeoutMs: 5_000 },
      1,
    );
    assert.equal(run.operations.length, 25);
    assert.equal(run.notSent, 0, 'late operations are still sent');
    const service = run.operations.map(durationOf);
    const latency = run.operations.map(latencyOf);
    assert.ok(percentile(service, 95) < 150, `service time p95 ${percentile(service, 95)} ms`);
    const last = run.operations.at(-1);
    assert.ok(last);
    // The 25th operation was due 480 ms in but completes no earlier than 25 × 40 = 1000 ms in.
    assert.ok(latencyOf(last) >= 1_000 - 480 - 5, `last latency ${latencyOf(last)} ms`);
    assert.ok(percentile(latency, 95) > 3 * percentile(service, 95), 'queueing shows in the percentiles');

    const closed = await load(
      '/serial?ms=40',
      { shape: { loop: 'closed', clients: 1 }, count: 10, timeoutMs: 5_000 },
      1,
    );
    assert.ok(percentile(closed.operations.map(latencyOf), 95) < 150, 'a closed loop hides that delay');
  });

  test('operations that were due but never sent before the time limit still count, as failures', async () => {
    const run = await load(
      '/hang',
      {
        shape: { loop: 'open', ratePerSecond: 100, maxInFlight: 2 },
        durationMs: 300,
        timeoutMs: 250,
        timeLimitMs: 700,
      },
      2,
    );
    assert.equal(run.stoppedBy, 'time limit');
    assert.equal(run.operations.length, 30, 'every due operation is in the history');
    assert.equal(run.sent + run.notSent, 30);
    assert.ok(run.notSent > 0);
    const unsent = run.operations.filter((op) => op.error?.startsWith('never sent'));
    assert.equal(unsent.length, run.notSent);
    assert.ok(
      unsent.every((op) => op.outcome === 'fail' && op.intendedAt !== undefined && latencyOf(op) > 0),
    );
    const sent = run.operations.filter((op) => !op.error?.startsWith('never sent'));
    assert.ok(
      sent.every((op) => op.outcome === 'unknown'),
      'no answer is unknown, not fail',
    );
  });
});

describe('outcomes', () => {
  test('a timeout is unknown, not fail, and frees the connection for the next operation', async () => {
    const run = await load('/hang', { shape: { loop: 'closed', clients: 1 }, count: 3, timeoutMs: 200 }, 1);
    assert.equal(run.operations.length, 3);
    for (const op of run.operations) {
      assert.equal(op.outcome, 'unknown');
      assert.match(op.error ?? '', /timeout: no answer within 200 ms/);
      // Each one times out on its own: a connection still held by the previous one would add 200 ms.
      assert.ok(durationOf(op) >= 199 && durationOf(op) < 350, `took ${durationOf(op)} ms`);
    }
  });

  test('an error status is fail, with the status', async () => {
    const run = await load(
      '/status?code=503',
      { shape: { loop: 'closed', clients: 2 }, count: 4, timeoutMs: 2_000 },
      2,
    );
    assert.ok(run.operations.every((op) => op.outcome === 'fail' && op.status === 503));
  });

  test('a refused connection is fail: the request never reached the server', async () => {
    const port = await closedPort();
    const target = httpTarget({ url: `http://127.0.0.1:${port}/`, connections: 1, timeoutMs: 2_000 });
    const run = await runLoad({ shape: { loop: 'closed', clients: 1 }, count: 3, timeoutMs: 2_000 }, target);
    await target.close();
    assert.equal(run.operations.length, 3);
    assert.ok(run.operations.every((op) => op.outcome === 'fail' && /ECONNREFUSED/.test(op.error ?? '')));
  });

  test('stopping a load settles it at once; what was in flight is unknown', async () => {
    const target = httpTarget({ url: server.url('/hang'), connections: 3, timeoutMs: 10_000 });
    const handle = startLoad(
      { shape: { loop: 'closed', clients: 3 }, durationMs: 10_000, timeoutMs: 10_000 },
      target,
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const stoppedAt = Date.now();
    handle.stop();
    const run = await handle.done;
    await target.close();
    assert.ok(Date.now() - stoppedAt < 200);
    assert.equal(run.stoppedBy, 'aborted');
    assert.equal(run.operations.length, 3);
    assert.ok(run.operations.every((op) => op.outcome === 'unknown' && /stopped/.test(op.error ?? '')));
  });
});

test('a target that knows when its request went on the wire moves the start there', async () => {
  let sentAt = 0;
  const target = {
    kind: 'held',
    id: (i: number) => `held-${i}`,
    // Held back 30 ms by the "client library" before it is written.
    invoke: () =>
      new Promise<Result>((resolve) =>
        setTimeout(() => {
          sentAt = now();
          setTimeout(() => resolve({ outcome: 'ok', attempts: [], sentAt }), 10);
        }, 30),
      ),
  };
  const run = await runLoad({ shape: { loop: 'closed', clients: 1 }, count: 1, timeoutMs: 1_000 }, target);
  const op = run.operations[0];
  assert.ok(op);
  assert.equal(op.invokedAt, sentAt);
  assert.ok(
    durationOf(op) >= 9 && durationOf(op) < 30,
    `service time ${durationOf(op)} ms excludes the hold`,
  );
});
