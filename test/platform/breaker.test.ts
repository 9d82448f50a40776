import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, type TestContext, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Attempt } from '../../fixtures/platform/shared/contract.ts';
import { freePort } from '../../support/env/ports.ts';
import {
  auditRows,
  document,
  eventually,
  fleet,
  fleetHealthy,
  getJson,
  inProcessController,
  inProcessWorker,
  postJson,
  resetStores,
  type Stores,
  startStores,
  TcpLink,
  Teardown,
  testControllerConfig,
} from './helpers.ts';

// Per-worker circuit breakers against a worker made slow for real: its answers cross a TCP link that holds
// every byte coming back for longer than the attempt timeout.

const teardown = new Teardown();
let stores: Stores;
before(async () => {
  stores = await startStores(teardown);
});
after(() => teardown.run());
beforeEach(() => resetStores(stores));

const TIMEOUT_MS = 300;
const HALF_OPEN_MS = 1_500;

/** A controller and three workers; w1's answers cross `slowLink`. */
async function platform(t: TestContext, env: Record<string, string>) {
  const local = new Teardown();
  t.after(() => local.run());
  const controller = await inProcessController(
    local,
    testControllerConfig(stores, {
      ATTEMPT_TIMEOUT_MS: String(TIMEOUT_MS),
      BREAKER_THRESHOLD: '3',
      BREAKER_HALF_OPEN_MS: String(HALF_OPEN_MS),
      RETRY_BASE_DELAY_MS: '5',
      RETRY_MAX_DELAY_MS: '20',
      ...env,
    }),
  );
  const port = await freePort();
  const slowLink = await TcpLink.open({ host: '127.0.0.1', port });
  local.add(() => slowLink.close());
  await inProcessWorker(local, 'w1', controller.url, {
    WORKER_PORT: String(port),
    ADVERTISE_URL: `http://127.0.0.1:${slowLink.port}`,
  });
  await inProcessWorker(local, 'w2', controller.url);
  await inProcessWorker(local, 'w3', controller.url);
  await fleetHealthy(controller.url, ['w1', 'w2', 'w3']);
  let n = 0;
  const convert = async () => {
    const reply = await postJson(`${controller.url}/v1/conversions`, {
      request_id: `req-${n++}`,
      document: document(128),
      target_format: 'txt',
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
    return reply.body.attempts as Attempt[];
  };
  return { url: controller.url, slowLink, convert };
}

const onW1 = (attempts: Attempt[]) => attempts.filter((a) => a.worker_id === 'w1');

describe('per-worker circuit breaker', () => {
  test('opens after BREAKER_THRESHOLD timeouts, traffic shifts to the others, a failed probe re-opens it, and it closes after recovery', async (t) => {
    const { url, slowLink, convert } = await platform(t, {});
    slowLink.latency(TIMEOUT_MS * 4);

    // Until the breaker opens, w1 gets its round-robin share and every attempt there times out.
    const w1Attempts: Attempt[] = [];
    for (let i = 0; i < 30 && (await auditRows(stores.db, "event = 'breaker_open'")).length === 0; i++)
      w1Attempts.push(...onW1(await convert()));
    const [opened, ...more] = await auditRows(stores.db, "event = 'breaker_open'");
    assert.ok(opened, 'the breaker opened');
    assert.deepEqual(more, []);
    assert.equal(opened.worker_id, 'w1');
    assert.equal(opened.detail.threshold, 3);
    assert.equal(opened.detail.last_outcome, 'timeout');
    assert.deepEqual(
      w1Attempts.map((a) => a.outcome),
      ['timeout', 'timeout', 'timeout'],
    );

    let listed = await fleet(url);
    assert.equal(listed.get('w1')?.breaker, 'open');
    assert.equal(listed.get('w1')?.healthy, true, 'healthy (heartbeating), only held back by its breaker');
    assert.deepEqual([listed.get('w1')?.requests_total, listed.get('w1')?.ok_total], [3, 0]);
    const routed = await getJson<{ routing_order: string[] }>(`${url}/v1/workers`);
    assert.deepEqual([...routed.body.routing_order].sort(), ['w2', 'w3']);

    // While it is open, w1 is not tried at all.
    const before = { w2: listed.get('w2')?.requests_total ?? 0, w3: listed.get('w3')?.requests_total ?? 0 };
    const openUntil = opened.at.getTime() + HALF_OPEN_MS;
    let whileOpen = 0;
    while (Date.now() < openUntil - 300) {
      assert.deepEqual(onW1(await convert()), [], 'no attempt on w1 while its breaker is open');
      whileOpen++;
    }
    assert.ok(whileOpen >= 3, `${whileOpen} requests while open`);
    listed = await fleet(url);
    assert.equal(listed.get('w1')?.requests_total, 3);
    const shifted =
      (listed.get('w2')?.requests_total ?? 0) -
      before.w2 +
      (listed.get('w3')?.requests_total ?? 0) -
      before.w3;
    assert.equal(shifted, whileOpen, 'every request went to w2 or w3');

    // Half-open while still slow: one probe, it times out, the breaker opens again.
    await sleep(Math.max(0, openUntil - Date.now()) + 50);
    const probeAttempts: Attempt[] = [];
    for (let i = 0; i < 10 && probeAttempts.length === 0; i++) probeAttempts.push(...onW1(await convert()));
    assert.deepEqual(
      probeAttempts.map((a) => a.outcome),
      ['timeout'],
    );
    const reopened = await eventually('breaker re-opened', async () => {
      const rows = await auditRows(stores.db, "event = 'breaker_open'");
      return rows.length === 2 ? rows[1] : undefined;
    });
    assert.equal(reopened.detail.after, 'failed probe');
    assert.equal((await fleet(url)).get('w1')?.requests_total, 4);

    // The worker recovers: the next probe succeeds and the breaker closes; w1 is routed to again.
    slowLink.latency(0);
    await sleep(HALF_OPEN_MS + 50);
    for (let i = 0; i < 10 && (await auditRows(stores.db, "event = 'breaker_close'")).length === 0; i++)
      await convert();
    const [closed] = await auditRows(stores.db, "event = 'breaker_close'");
    assert.equal(closed?.worker_id, 'w1');
    assert.ok(Number(closed?.detail.open_ms) >= 2 * HALF_OPEN_MS, `open for ${closed?.detail.open_ms} ms`);
    for (let i = 0; i < 6; i++) await convert();
    listed = await fleet(url);
    assert.equal(listed.get('w1')?.breaker, 'closed');
    assert.ok(
      (listed.get('w1')?.ok_total ?? 0) >= 2,
      `w1 served ${listed.get('w1')?.ok_total} after closing`,
    );
  });

  test('BREAKER_ENABLED=false keeps routing to the slow worker: every third request waits out a timeout', async (t) => {
    const { url, slowLink, convert } = await platform(t, { BREAKER_ENABLED: 'false' });
    slowLink.latency(TIMEOUT_MS * 4);
    const w1Attempts: Attempt[] = [];
    for (let i = 0; i < 15; i++) w1Attempts.push(...onW1(await convert()));
    assert.equal(w1Attempts.length, 5, 'w1 keeps its round-robin share');
    assert.ok(w1Attempts.every((a) => a.outcome === 'timeout'));
    const listed = await fleet(url);
    assert.equal(listed.get('w1')?.breaker, 'disabled');
    assert.deepEqual([listed.get('w1')?.requests_total, listed.get('w1')?.ok_total], [5, 0]);
    assert.deepEqual(await auditRows(stores.db, "event LIKE 'breaker_%'"), []);
  });

  test("a 4xx answer is the request's fault, not the worker's: it does not open the breaker", async (t) => {
    const { url } = await platform(t, { RETRY_ENABLED: 'false' });
    for (let i = 0; i < 6; i++) {
      const reply = await postJson(`${url}/v1/conversions`, {
        request_id: `bad-url-${i}`,
        document: { url: 'http://127.0.0.1:1/missing' },
        target_format: 'txt',
      });
      assert.equal(reply.status, 502);
      assert.equal(reply.body.attempts?.[0]?.status, 422);
    }
    const listed = await fleet(url);
    assert.deepEqual(
      [...listed.values()].map((w) => [w.id, w.breaker, w.requests_total]),
      [
        ['w1', 'closed', 2],
        ['w2', 'closed', 2],
        ['w3', 'closed', 2],
      ],
    );
  });

  test('a burst reaches a slow worker only up to WORKER_MAX_IN_FLIGHT; the rest waits for the workers that answer', async (t) => {
    const { url, slowLink, convert } = await platform(t, { WORKER_MAX_IN_FLIGHT: '2' });
    slowLink.latency(TIMEOUT_MS * 4);
    const bursts = await Promise.all(Array.from({ length: 30 }, () => convert()));
    const firstTries = bursts.map((attempts) => attempts[0]?.worker_id);
    assert.equal(firstTries.filter((w) => w === 'w1').length, 2, 'w1 held 2 requests, no more');
    assert.equal(bursts.flatMap(onW1).length, 2, 'and no retry was sent to it either');
    assert.ok(
      bursts.flatMap(onW1).every((a) => a.outcome === 'timeout'),
      'the 2 it held timed out and were served elsewhere',
    );
    const listed = await fleet(url);
    assert.equal(listed.get('w1')?.requests_total, 2);
  });

  test('WORKER_MAX_IN_FLIGHT=0: the burst queues inside every worker, a third of it on the slow one', async (t) => {
    const { slowLink, convert } = await platform(t, { WORKER_MAX_IN_FLIGHT: '0', BREAKER_THRESHOLD: '100' });
    slowLink.latency(TIMEOUT_MS * 4);
    const bursts = await Promise.all(Array.from({ length: 30 }, () => convert()));
    assert.ok(
      bursts.flatMap(onW1).length >= 9,
      `without the bound w1 takes its round-robin share: ${bursts.flatMap(onW1).length} attempts`,
    );
  });
});
