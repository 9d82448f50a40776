import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RunningController } from '../../fixtures/platform/controller/app.ts';
import type { LocalProcess } from '../../support/env/local/process.ts';
import {
  auditRows,
  document,
  fleetHealthy,
  inProcessController,
  logLine,
  logRecords,
  postJson,
  type Stores,
  spawnService,
  startStores,
  Teardown,
  testControllerConfig,
  WORKER_MAIN,
} from './helpers.ts';

// The worker-crash experiment at full size: a 50 MiB document whose conversion takes seconds of real CPU
// work (the worker's default cost), the converting worker SIGKILLed two seconds in.

const MIB = 1024 * 1024;
const teardown = new Teardown();
let stores: Stores;
let controller: RunningController;
const workers = new Map<string, LocalProcess>();

before(async () => {
  stores = await startStores(teardown);
  // Default attempt timeout (1000 ms) and per-MB allowance (400 ms): 21 s for 50 MiB.
  controller = await inProcessController(teardown, testControllerConfig(stores));
  for (const id of ['wa', 'wb']) {
    const { process } = await spawnService(teardown, id, WORKER_MAIN, {
      WORKER_ID: id,
      CONTROLLER_URL: controller.url,
      HEARTBEAT_INTERVAL_MS: '300',
      LOG_LEVEL: 'debug',
    });
    workers.set(id, process);
  }
});
after(() => teardown.run());

test('a 50 MiB conversion whose worker is SIGKILLed 2 s in is retried on the other worker, succeeds, and is charged once', async () => {
  const [victimId, survivorId] = (await fleetHealthy(controller.url, ['wa', 'wb'])) as [string, string];
  const victim = workers.get(victimId) as LocalProcess;
  const requestId = 'crash-50mib';
  const pending = postJson(`${controller.url}/v1/conversions`, {
    request_id: requestId,
    document: document(50 * MIB, 0x5c),
    target_format: 'pdf',
  });
  const started = await logLine(
    victim,
    'conversion started',
    (r) => r.msg === 'conversion started' && r.request_id === requestId,
    20_000,
  );
  assert.equal(started.bytes_in, 50 * MIB);
  const startedAt = Date.parse(String(started.time));
  await sleep(Math.max(0, startedAt + 2_000 - Date.now()));
  await victim.kill();
  const killedAt = Date.now();
  assert.equal(victim.exitInfo?.signal, 'SIGKILL');
  assert.deepEqual(
    logRecords(victim, (r) => r.msg === 'converted'),
    [],
    'the victim died mid-conversion, before it finished',
  );

  const reply = await pending;
  assert.equal(reply.status, 200, JSON.stringify(reply.body).slice(0, 500));
  assert.equal(reply.body.worker_id, survivorId);
  assert.equal(reply.body.result?.bytes_in, 50 * MIB);
  const [lost, served] = reply.body.attempts ?? [];
  assert.equal(reply.body.attempts?.length, 2);
  assert.equal(lost?.worker_id, victimId);
  assert.equal(lost?.outcome, 'unreachable', `the crash is seen as a lost connection: ${lost?.error}`);
  const detectedMs = Date.parse(lost?.ended_at ?? '') - killedAt;
  assert.ok(detectedMs < 1_000, `detected ${detectedMs} ms after the kill, not at the 21 s timeout`);
  assert.ok(
    killedAt - Date.parse(lost?.started_at ?? '') >= 2_000,
    'the attempt had been running for 2 s when the worker was killed',
  );
  assert.equal(served?.worker_id, survivorId);
  assert.equal(served?.outcome, 'ok');

  const { rows } = await stores.db.query(
    'select request_id, worker_id, amount_cents from ledger where request_id = $1',
    [requestId],
  );
  assert.deepEqual(rows, [{ request_id: requestId, worker_id: survivorId, amount_cents: 50 }]);
  const audit = await auditRows(stores.db, 'request_id = $1', [requestId]);
  assert.deepEqual(
    audit.map((r) => [r.event, r.worker_id]),
    [
      ['worker_unreachable', victimId],
      ['retry', survivorId],
    ],
  );
});

test('the attempt timeout grows with the document: without ATTEMPT_TIMEOUT_PER_MB_MS a long conversion is cut off', async (t) => {
  // The survivor of the first test, alone now; 8 MiB take ~0.8 s of work at its default cost.
  const local = new Teardown();
  t.after(() => local.run());
  const env = { ATTEMPT_TIMEOUT_MS: '300', RETRY_MAX_ATTEMPTS: '1' };
  const fixed = await inProcessController(
    local,
    testControllerConfig(stores, { ...env, ATTEMPT_TIMEOUT_PER_MB_MS: '0' }),
  );
  const scaled = await inProcessController(local, testControllerConfig(stores, env));
  const body = (id: string) => ({ request_id: id, document: document(8 * MIB, 0x21), target_format: 'txt' });
  const cut = await postJson(`${fixed.url}/v1/conversions`, body('fixed-timeout'));
  assert.equal(cut.status, 502);
  assert.equal(cut.body.attempts?.[0]?.outcome, 'timeout');
  assert.match(cut.body.attempts?.[0]?.error ?? '', /within 300 ms/);
  const ok = await postJson(`${scaled.url}/v1/conversions`, body('scaled-timeout'));
  assert.equal(ok.status, 200, JSON.stringify(ok.body).slice(0, 300));
  const attempt = ok.body.attempts?.[0];
  const tookMs = Date.parse(attempt?.ended_at ?? '') - Date.parse(attempt?.started_at ?? '');
  assert.ok(tookMs > 300, `the conversion took ${tookMs} ms, longer than the fixed bound`);
});
