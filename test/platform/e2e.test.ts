import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { LocalProcess } from '../../support/env/local/process.ts';
import {
  auditRows,
  CONTROLLER_MAIN,
  document,
  eventually,
  type FleetReply,
  fleetHealthy,
  getJson,
  postJson,
  type Stores,
  spawnService,
  startStores,
  Teardown,
  WORKER_MAIN,
} from './helpers.ts';

// The whole platform as the local backend runs it: Redis, Postgres, the controller and two workers, each a
// child process started through its entrypoint with environment variables only.

const teardown = new Teardown();
let stores: Stores;
let controller: LocalProcess;
let url: string;
const workers = new Map<string, LocalProcess>();

before(async () => {
  stores = await startStores(teardown);
  const started = await spawnService(teardown, 'controller', CONTROLLER_MAIN, {
    REDIS_URL: stores.redis.url,
    DATABASE_URL: stores.postgres.url,
    HEARTBEAT_TTL_MS: '1500',
  });
  controller = started.process;
  url = `http://127.0.0.1:${started.port}`;
  for (const id of ['w1', 'w2']) {
    const worker = await spawnService(teardown, id, WORKER_MAIN, {
      WORKER_ID: id,
      CONTROLLER_URL: url,
      HEARTBEAT_INTERVAL_MS: '300',
    });
    workers.set(id, worker.process);
  }
});
after(() => teardown.run());

test('one worker killed: the request succeeds on the other, with a truthful attempt history and audit rows', async () => {
  const order = await fleetHealthy(url, ['w1', 'w2']);
  const [victim, survivor] = order as [string, string];
  const victimProcess = workers.get(victim) as LocalProcess;
  await victimProcess.kill();
  assert.equal(victimProcess.exitInfo?.signal, 'SIGKILL');

  const sentAt = Date.now();
  const reply = await postJson(`${url}/v1/conversions`, {
    request_id: 'e2e-kill',
    document: document(1024 * 1024, 0x33),
    target_format: 'html',
  });
  const answeredAt = Date.now();
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  assert.equal(reply.body.worker_id, survivor);
  assert.equal(reply.body.duplicate, false);
  assert.equal(reply.body.result?.bytes_in, 1024 * 1024);
  assert.equal(reply.body.result?.format, 'html');

  const [failed, served] = reply.body.attempts ?? [];
  assert.equal(reply.body.attempts?.length, 2);
  assert.equal(
    failed?.worker_id,
    victim,
    'the killed worker was still in the routing order and was tried first',
  );
  assert.equal(failed?.outcome, 'unreachable');
  assert.match(failed?.error ?? '', /ECONNREFUSED/);
  assert.equal(served?.worker_id, survivor);
  assert.equal(served?.outcome, 'ok');
  const times = [failed?.started_at, failed?.ended_at, served?.started_at, served?.ended_at].map((t) =>
    Date.parse(t ?? ''),
  );
  assert.ok(
    times.every((t, i) => t >= (times[i - 1] ?? sentAt - 1)),
    `attempt times in order: ${times}`,
  );
  assert.ok((times[3] ?? 0) <= answeredAt + 1, 'no attempt ends after the answer');
  assert.ok((times[2] ?? 0) - (times[1] ?? 0) >= 24, 'the retry waited its backoff (≥ base/2)');

  const audit = await auditRows(stores.db, 'request_id = $1', ['e2e-kill']);
  assert.deepEqual(
    audit.map((r) => [r.event, r.worker_id]),
    [
      ['worker_unreachable', victim],
      ['retry', survivor],
    ],
  );
  assert.equal(audit[0]?.detail.outcome, 'unreachable');
  assert.deepEqual(
    [audit[1]?.detail.from, audit[1]?.detail.to, audit[1]?.detail.attempt],
    [victim, survivor, 2],
  );
  const { rows } = await stores.db.query('SELECT worker_id, amount_cents FROM ledger WHERE request_id = $1', [
    'e2e-kill',
  ]);
  assert.deepEqual(rows, [{ worker_id: survivor, amount_cents: 1 }]);

  // Without heartbeats the victim expires: reported once, and no longer routed to.
  const expired = await eventually('worker_expired audit row', async () => {
    const rows = await auditRows(stores.db, "event = 'worker_expired'");
    return rows.length > 0 ? rows : undefined;
  });
  assert.deepEqual(
    expired.map((r) => r.worker_id),
    [victim],
  );
  assert.ok((expired[0]?.detail.last_heartbeat_ms_ago as number) >= 1500);
  const fleet = (await getJson<FleetReply>(`${url}/v1/workers`)).body;
  assert.deepEqual(
    fleet.workers.map((w) => [w.id, w.healthy]).sort(),
    [
      [victim, false],
      [survivor, true],
    ].sort(),
  );
  assert.deepEqual(fleet.routing_order, [survivor]);
  const next = await postJson(`${url}/v1/conversions`, {
    request_id: 'e2e-after',
    document: document(10),
    target_format: 'txt',
  });
  assert.deepEqual(
    next.body.attempts?.map((a) => [a.worker_id, a.outcome]),
    [[survivor, 'ok']],
  );
});

test('health, validation errors and metrics over HTTP', async () => {
  const health = await getJson<{ status: string; redis: string; postgres: string }>(`${url}/healthz`);
  assert.deepEqual([health.status, health.body], [200, { status: 'ok', redis: 'ok', postgres: 'ok' }]);

  const invalid = await postJson(`${url}/v1/conversions`, {
    request_id: '',
    document: { content_base64: 'not base64!' },
    target_format: 'docx',
  });
  assert.equal(invalid.status, 400);
  assert.match(invalid.body.error ?? '', /request_id must be 1 to 128 characters/);
  assert.match(invalid.body.error ?? '', /document/);
  assert.match(
    invalid.body.error ?? '',
    /target_format "docx" is not accepted; accepted: pdf, txt, html, md/,
  );
  const notJson = await fetch(`${url}/v1/conversions`, { method: 'POST', body: '{' });
  assert.equal(notJson.status, 400);

  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /^controller_attempts_total\{outcome="unreachable"\} 1$/m);
  assert.match(metrics, /^controller_attempts_total\{outcome="ok"\} 2$/m);
  assert.match(metrics, /^controller_retries_total 1$/m);
  assert.match(metrics, /^controller_workers\{state="healthy"\} 1$/m);
  assert.match(metrics, /^controller_workers\{state="unhealthy"\} 1$/m);
  assert.match(metrics, /^controller_conversion_duration_seconds_count\{outcome="ok"\} 2$/m);
});

test('a worker the controller has forgotten registers again on its next heartbeat', async () => {
  const forgottenAt = new Date();
  await stores.redisClient.del('faultline:workers', 'faultline:workers:heartbeats');
  const [survivor, process] = [...workers].find(([, p]) => p.running) as [string, LocalProcess];
  await fleetHealthy(url, [survivor]);
  // Registered again because a heartbeat was answered 404 — not by chance. (On a busy machine a
  // registration can outlast the worker's call timeout and be sent twice, so the rows are counted at least.)
  assert.ok(
    process.logs.some((l) => l.line.includes('controller does not know this worker; registering again')),
  );
  await eventually('registered again after the 404 heartbeat', async () => {
    const again = await auditRows(stores.db, "event = 'worker_registered' AND worker_id = $1 AND at >= $2", [
      survivor,
      forgottenAt,
    ]);
    return again.length >= 1 ? true : undefined;
  });
});

test('SIGTERM: worker and controller shut down gracefully with exit code 0', async () => {
  for (const [, worker] of workers) {
    if (!worker.running) continue;
    await worker.stop();
    assert.equal(worker.exitInfo?.code, 0, worker.tail(5));
  }
  await controller.stop();
  assert.equal(controller.exitInfo?.code, 0, controller.tail(5));
  assert.ok(controller.logs.some((l) => l.line.includes('"msg":"stopped"')));
});
