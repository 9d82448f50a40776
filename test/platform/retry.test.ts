import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { after, before, beforeEach, describe, type TestContext, test } from 'node:test';
import { RetryableFailure, retryPolicy } from '../../fixtures/platform/controller/retry.ts';
import type { Attempt } from '../../fixtures/platform/shared/contract.ts';
import {
  auditRows,
  deadPort,
  document,
  getJson,
  inProcessController,
  inProcessWorker,
  postJson,
  resetStores,
  type Stores,
  startStores,
  Teardown,
  testControllerConfig,
} from './helpers.ts';

describe('retry policy (cockatiel)', () => {
  const config = { enabled: true, maxAttempts: 6, baseDelayMs: 2, maxDelayMs: 16 };

  async function failingRun(cfg: typeof config): Promise<{ calls: number; delays: number[] }> {
    const policy = retryPolicy(cfg);
    const delays: number[] = [];
    policy.onRetry(({ delay }) => delays.push(delay));
    let calls = 0;
    await assert.rejects(
      policy.execute(() => {
        calls++;
        throw new RetryableFailure('worker down');
      }),
      RetryableFailure,
    );
    return { calls, delays };
  }

  test('makes RETRY_MAX_ATTEMPTS attempts in all, the first included', async () => {
    assert.equal((await failingRun(config)).calls, 6);
    assert.equal((await failingRun({ ...config, maxAttempts: 1 })).calls, 1);
  });

  test('with retry disabled a failed attempt is final', async () => {
    const run = await failingRun({ ...config, enabled: false });
    assert.equal(run.calls, 1);
    assert.deepEqual(run.delays, []);
  });

  test('does not retry what is not a retryable failure', async () => {
    let calls = 0;
    await assert.rejects(
      retryPolicy(config).execute(() => {
        calls++;
        throw new Error('final');
      }),
      /final/,
    );
    assert.equal(calls, 1);
  });

  test('backoff is exponential, capped, and jittered within [d/2, d)', async () => {
    const ceilings = [2, 4, 8, 16, 16]; // min(max, base·2^(n-1)) for retries 1..5
    const byRetry: number[][] = ceilings.map(() => []);
    for (let run = 0; run < 25; run++) {
      const { delays } = await failingRun(config);
      assert.equal(delays.length, 5);
      delays.forEach((delay, i) => {
        const d = ceilings[i] ?? Number.NaN;
        assert.ok(
          delay >= Math.floor(d / 2) && delay < d,
          `retry ${i + 1}: delay ${delay} outside [${d / 2}, ${d})`,
        );
        byRetry[i]?.push(delay);
      });
    }
    assert.ok(new Set(byRetry[3]).size > 1, `retry 4 delays vary (jitter): ${byRetry[3]}`);
  });
});

describe('retry on an alternate worker (controller with real workers and real failures)', () => {
  const teardown = new Teardown();
  let stores: Stores;
  const sockets = new Set<Socket>();
  let silentPort: number;
  let failingPort: number;

  before(async () => {
    stores = await startStores(teardown);
    // A worker that accepts connections and never answers: only the per-attempt timeout ends the attempt.
    const silent = createTcpServer((socket) => {
      sockets.add(socket);
      socket.resume();
    });
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    silentPort = (silent.address() as { port: number }).port;
    teardown.add(
      () =>
        new Promise<void>((resolve) => {
          for (const s of sockets) s.destroy();
          silent.close(() => resolve());
        }),
    );
    // A worker that answers every conversion with a server error.
    const failing = createHttpServer((_req, res) => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"disk full"}');
    });
    failing.listen(0, '127.0.0.1');
    await once(failing, 'listening');
    failingPort = (failing.address() as { port: number }).port;
    teardown.add(() => new Promise<void>((resolve) => failing.close(() => resolve())));
  });
  after(() => teardown.run());
  beforeEach(() => resetStores(stores));

  /** A controller (and whatever the test adds to `local`) that lives exactly as long as the test. */
  async function controller(t: TestContext, env: Record<string, string>) {
    const local = new Teardown();
    t.after(() => local.run());
    // A long TTL: these workers never heartbeat, and must stay routable for the test.
    const c = await inProcessController(
      local,
      testControllerConfig(stores, { HEARTBEAT_TTL_MS: '600000', ...env }),
    );
    return { url: c.url, local };
  }

  async function register(controllerUrl: string, id: string, url: string): Promise<void> {
    const reply = await postJson(`${controllerUrl}/v1/workers/register`, { id, url });
    assert.equal(reply.status, 201);
  }

  function gapsMs(attempts: Attempt[]): number[] {
    return attempts
      .slice(1)
      .map((a, i) => Date.parse(a.started_at) - Date.parse(attempts[i]?.ended_at ?? ''));
  }

  test('every attempt fails: RETRY_MAX_ATTEMPTS distinct workers in routing order, then 502', async (t) => {
    const { url } = await controller(t, { RETRY_MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '10' });
    for (const id of ['w1', 'w2', 'w3', 'w4'])
      await register(url, id, `http://127.0.0.1:${await deadPort()}`);
    const order = (await getJson<{ routing_order: string[] }>(`${url}/v1/workers`)).body.routing_order;
    const reply = await postJson(`${url}/v1/conversions`, {
      request_id: 'all-fail',
      document: document(10),
      target_format: 'txt',
    });
    assert.equal(reply.status, 502);
    const attempts = reply.body.attempts ?? [];
    assert.deepEqual(
      attempts.map((a) => [a.worker_id, a.outcome]),
      order.slice(0, 3).map((id) => [id, 'unreachable']),
    );
    assert.match(reply.body.error ?? '', /3 attempt\(s\).*retry limit reached \(RETRY_MAX_ATTEMPTS=3\)/);
    for (const a of attempts) assert.match(a.error ?? '', /ECONNREFUSED/);

    const audit = await auditRows(stores.db, 'request_id = $1', ['all-fail']);
    assert.deepEqual(
      audit.map((r) => [r.event, r.worker_id]),
      [
        ['worker_unreachable', order[0]],
        ['retry', order[1]],
        ['worker_unreachable', order[1]],
        ['retry', order[2]],
        ['worker_unreachable', order[2]],
      ],
    );
    const retries = audit.filter((r) => r.event === 'retry').map((r) => r.detail);
    assert.deepEqual(
      retries.map((d) => [d.from, d.to, d.attempt]),
      [
        [order[0], order[1], 2],
        [order[1], order[2], 3],
      ],
    );
    const { rows } = await stores.db.query('SELECT count(*)::int AS n FROM ledger');
    assert.equal(rows[0].n, 0, 'a failed conversion is not charged');
  });

  test('with RETRY_ENABLED=false the failed first attempt is final even though a healthy worker exists', async (t) => {
    const { url, local } = await controller(t, { RETRY_ENABLED: 'false' });
    const dead = await deadPort();
    await register(url, 'a-dead', `http://127.0.0.1:${dead}`);
    await inProcessWorker(local, 'b-live', url);
    const reply = await postJson(`${url}/v1/conversions`, {
      request_id: 'no-retry',
      document: document(10),
      target_format: 'txt',
    });
    assert.equal(reply.status, 502);
    assert.deepEqual(
      reply.body.attempts?.map((a) => [a.worker_id, a.outcome]),
      [['a-dead', 'unreachable']],
    );
    assert.match(reply.body.error ?? '', /retry is disabled \(RETRY_ENABLED=false\)/);
    const events = (await auditRows(stores.db, 'request_id = $1', ['no-retry'])).map((r) => r.event);
    assert.deepEqual(events, ['worker_unreachable']);
  });

  test('an unreachable worker is followed by a success on the alternate worker', async (t) => {
    const { url, local } = await controller(t, {});
    await register(url, 'a-dead', `http://127.0.0.1:${await deadPort()}`);
    await inProcessWorker(local, 'b-live', url);
    const reply = await postJson(`${url}/v1/conversions`, {
      request_id: 'alt',
      document: document(1000),
      target_format: 'md',
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    assert.equal(reply.body.worker_id, 'b-live');
    assert.deepEqual(
      reply.body.attempts?.map((a) => [a.worker_id, a.outcome, a.status]),
      [
        ['a-dead', 'unreachable', undefined],
        ['b-live', 'ok', 200],
      ],
    );
    const events = (await auditRows(stores.db, 'request_id = $1', ['alt'])).map((r) => [
      r.event,
      r.worker_id,
    ]);
    assert.deepEqual(events, [
      ['worker_unreachable', 'a-dead'],
      ['retry', 'b-live'],
    ]);
  });

  test('a silent worker ends in "timeout" after ATTEMPT_TIMEOUT_MS; a failing one in "error" with its status', async (t) => {
    const { url, local } = await controller(t, { ATTEMPT_TIMEOUT_MS: '300' });
    await register(url, 'a-silent', `http://127.0.0.1:${silentPort}`);
    await register(url, 'b-failing', `http://127.0.0.1:${failingPort}`);
    await inProcessWorker(local, 'c-live', url);
    const reply = await postJson(`${url}/v1/conversions`, {
      request_id: 'kinds',
      document: document(10),
      target_format: 'pdf',
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    const [silent, failing, live] = reply.body.attempts ?? [];
    assert.equal(silent?.outcome, 'timeout');
    assert.match(silent?.error ?? '', /within 300 ms/);
    const waited = Date.parse(silent?.ended_at ?? '') - Date.parse(silent?.started_at ?? '');
    assert.ok(waited >= 299 && waited < 1000, `the timeout fired after ${waited} ms`);
    assert.equal(failing?.outcome, 'error');
    assert.equal(failing?.status, 500);
    assert.match(failing?.error ?? '', /disk full/);
    assert.equal(live?.outcome, 'ok');
    assert.equal(live?.worker_id, 'c-live');
    const unreachable = await auditRows(stores.db, "request_id = $1 AND event = 'worker_unreachable'", [
      'kinds',
    ]);
    assert.deepEqual(
      unreachable.map((r) => [r.worker_id, r.detail.outcome]),
      [
        ['a-silent', 'timeout'],
        ['b-failing', 'error'],
      ],
    );
  });

  test('the attempt history shows the backoff between attempts', async (t) => {
    const { url } = await controller(t, {
      RETRY_BASE_DELAY_MS: '100',
      RETRY_MAX_DELAY_MS: '150',
      RETRY_MAX_ATTEMPTS: '4',
    });
    for (const id of ['w1', 'w2', 'w3', 'w4'])
      await register(url, id, `http://127.0.0.1:${await deadPort()}`);
    const reply = await postJson(`${url}/v1/conversions`, {
      request_id: 'backoff',
      document: document(10),
      target_format: 'txt',
    });
    assert.equal(reply.status, 502);
    const gaps = gapsMs(reply.body.attempts ?? []);
    const ceilings = [100, 150, 150];
    assert.equal(gaps.length, 3);
    gaps.forEach((gap, i) => {
      const d = ceilings[i] ?? Number.NaN;
      // Timers never fire early; ISO timestamps have millisecond resolution, hence the 1 ms allowance.
      assert.ok(
        gap >= d / 2 - 1 && gap < d + 150,
        `gap before attempt ${i + 2}: ${gap} ms, expected [${d / 2}, ${d})`,
      );
    });
    const delays = (await auditRows(stores.db, "request_id = $1 AND event = 'retry'", ['backoff'])).map(
      (r) => r.detail.delay_ms as number,
    );
    delays.forEach((delay, i) => {
      const d = ceilings[i] ?? Number.NaN;
      assert.ok(delay >= d / 2 && delay <= d, `recorded delay ${delay} for retry ${i + 1}`);
    });
  });

  test('no healthy worker: 503 with Retry-After, and nothing attempted', async (t) => {
    const { url } = await controller(t, {});
    const reply = await postJson(`${url}/v1/conversions`, {
      request_id: 'nobody',
      document: document(10),
      target_format: 'txt',
    });
    assert.equal(reply.status, 503);
    assert.ok(Number(reply.headers.get('retry-after')) >= 1);
    assert.match(reply.body.error ?? '', /no healthy worker/);
  });
});
