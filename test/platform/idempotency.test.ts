import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import pg from 'pg';
import { Ledger, priceCents } from '../../fixtures/platform/controller/ledger.ts';
import { migrate } from '../../fixtures/platform/controller/migrate.ts';
import type { ConversionSucceeded } from '../../fixtures/platform/shared/contract.ts';
import {
  auditRows,
  deadPort,
  document,
  fleetHealthy,
  getJson,
  inProcessController,
  inProcessWorker,
  openPool,
  postJson,
  quiet,
  resetStores,
  type Stores,
  startStores,
  Teardown,
  testControllerConfig,
} from './helpers.ts';

const teardown = new Teardown();
let stores: Stores;

before(async () => {
  stores = await startStores(teardown);
});
after(() => teardown.run());
beforeEach(() => resetStores(stores));

async function platform(t: { after: (fn: () => Promise<void>) => void }, controllers = 1) {
  const local = new Teardown();
  t.after(() => local.run());
  const urls: string[] = [];
  for (let i = 0; i < controllers; i++)
    urls.push(
      (await inProcessController(local, testControllerConfig(stores, { HEARTBEAT_TTL_MS: '5000' }))).url,
    );
  const first = urls[0] as string;
  await inProcessWorker(local, 'w1', first);
  await inProcessWorker(local, 'w2', first);
  await fleetHealthy(first, ['w1', 'w2']);
  return { urls, local };
}

async function ledgerRows(requestId: string): Promise<{ worker_id: string; amount_cents: number }[]> {
  const { rows } = await stores.db.query('SELECT worker_id, amount_cents FROM ledger WHERE request_id = $1', [
    requestId,
  ]);
  return rows;
}

/** Attempts the controller sent to workers with outcome ok, read from its Prometheus metrics. */
async function okAttempts(controllerUrl: string): Promise<number> {
  const text = await (await fetch(`${controllerUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith('controller_attempts_total{outcome="ok"}'));
  return line ? Number(line.split(' ')[1]) : 0;
}

const request = (id: string, bytes = 3 * 1024 * 1024 + 1) => ({
  request_id: id,
  document: document(bytes, 0x42),
  target_format: 'pdf',
});

test('a completed request_id returns the stored result marked duplicate and is not charged again', async (t) => {
  const { urls } = await platform(t);
  const url = urls[0] as string;
  const first = await postJson(`${url}/v1/conversions`, request('dup-1'));
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.equal(first.body.duplicate, false);
  const second = await postJson(`${url}/v1/conversions`, request('dup-1'));
  assert.equal(second.status, 200);
  assert.equal(second.body.duplicate, true);
  assert.deepEqual(
    { ...second.body, duplicate: false },
    first.body,
    'the very same result and attempt history',
  );
  assert.deepEqual(await ledgerRows('dup-1'), [{ worker_id: first.body.worker_id, amount_cents: 4 }]);
  assert.equal(priceCents(3 * 1024 * 1024 + 1), 4, 'one cent per started MiB');
  const audit = await auditRows(stores.db, "event = 'duplicate'");
  assert.deepEqual(
    audit.map((r) => [r.request_id, r.worker_id, r.detail.source]),
    [['dup-1', first.body.worker_id, 'redis']],
  );
  assert.equal(await okAttempts(url), 1, 'the worker converted it once');

  const stored = await getJson(`${url}/v1/conversions/dup-1`);
  assert.equal(stored.status, 200);
  assert.equal(stored.body.status, 'succeeded');
  assert.equal(stored.body.result?.sha256, first.body.result?.sha256);
  assert.equal((await getJson(`${url}/v1/conversions/never-seen`)).status, 404);
});

test('concurrent submissions of one request_id: converted once, charged once, every caller gets the result', async (t) => {
  const { urls } = await platform(t);
  const url = urls[0] as string;
  const replies = await Promise.all(
    Array.from({ length: 12 }, () => postJson(`${url}/v1/conversions`, request('burst'))),
  );
  assert.deepEqual(
    replies.map((r) => r.status),
    replies.map(() => 200),
  );
  assert.equal(replies.filter((r) => r.body.duplicate === false).length, 1, 'exactly one original');
  assert.equal(new Set(replies.map((r) => r.body.result?.sha256)).size, 1);
  assert.equal((await ledgerRows('burst')).length, 1);
  assert.equal(await okAttempts(url), 1, 'the others waited for the first instead of converting again');
});

test('two controllers racing on one request_id charge it once', async (t) => {
  const { urls } = await platform(t, 2);
  const replies = await Promise.all(
    Array.from({ length: 10 }, (_, i) => postJson(`${urls[i % 2]}/v1/conversions`, request('race'))),
  );
  assert.ok(replies.every((r) => r.status === 200));
  assert.equal(replies.filter((r) => r.body.duplicate === false).length, 1);
  assert.equal((await ledgerRows('race')).length, 1);
});

test('when Redis lost the idempotency key, the ledger still recognises the duplicate', async (t) => {
  const { urls } = await platform(t);
  const url = urls[0] as string;
  const first = await postJson(`${url}/v1/conversions`, request('lost-key', 100));
  assert.equal(first.status, 200);
  await stores.redisClient.flushall();
  const again = await postJson(`${url}/v1/conversions`, request('lost-key', 100));
  assert.equal(again.status, 200);
  assert.equal(again.body.duplicate, true);
  assert.equal(again.body.result?.sha256, first.body.result?.sha256);
  assert.equal((await ledgerRows('lost-key')).length, 1);
  const audit = await auditRows(stores.db, "event = 'duplicate' AND request_id = 'lost-key'");
  assert.equal(audit[0]?.detail.source, 'ledger');
  assert.equal((await getJson(`${url}/v1/conversions/lost-key`)).body.status, 'succeeded');
});

test('a failed request_id is not a duplicate: it can be submitted again, and is then charged once', async (t) => {
  const local = new Teardown();
  t.after(() => local.run());
  const { url } = await inProcessController(
    local,
    testControllerConfig(stores, { HEARTBEAT_TTL_MS: '600000' }),
  );
  await postJson(`${url}/v1/workers/register`, { id: 'a-dead', url: `http://127.0.0.1:${await deadPort()}` });
  const failed = await postJson(`${url}/v1/conversions`, request('again', 10));
  assert.equal(failed.status, 502);
  const stored = await getJson(`${url}/v1/conversions/again`);
  assert.equal(stored.body.status, 'failed');
  assert.equal(stored.body.attempts?.length, 1);

  await inProcessWorker(local, 'b-live', url);
  await fleetHealthy(url, ['a-dead', 'b-live']);
  const retried = await postJson(`${url}/v1/conversions`, request('again', 10));
  assert.equal(retried.status, 200, JSON.stringify(retried.body));
  assert.equal(retried.body.duplicate, false);
  assert.equal(retried.body.worker_id, 'b-live');
  assert.deepEqual(await ledgerRows('again'), [{ worker_id: 'b-live', amount_cents: 1 }]);
  assert.equal((await getJson(`${url}/v1/conversions/again`)).body.status, 'succeeded');
});

test('ledger: concurrent charges of one request_id leave exactly one row', async (t) => {
  const pool = openPool(stores.postgres.url, 10);
  t.after(() => pool.end());
  await migrate(pool, quiet);
  const ledger = new Ledger(pool);
  const outcome = (worker: string): ConversionSucceeded => ({
    request_id: 'ledger-race',
    worker_id: worker,
    result: { sha256: 'a'.repeat(64), bytes_in: 10, bytes_out: 5, format: 'txt' },
    attempts: [],
    duplicate: false,
  });
  const results = await Promise.all(Array.from({ length: 20 }, (_, i) => ledger.charge(outcome(`w${i}`))));
  assert.equal(results.filter((r) => r === 'charged').length, 1);
  assert.equal(results.filter((r) => r === 'already_charged').length, 19);
  const rows = await ledgerRows('ledger-race');
  assert.equal(rows.length, 1);
  assert.equal(
    (await ledger.find('ledger-race'))?.worker_id,
    rows[0]?.worker_id,
    'the stored outcome is the charged one',
  );
});

test('migrations: concurrent controllers apply each file once; a second run applies nothing', async () => {
  const admin = new pg.Client({ connectionString: stores.postgres.url });
  await admin.connect();
  await admin.query('DROP DATABASE IF EXISTS migrations_race');
  await admin.query('CREATE DATABASE migrations_race');
  await admin.end();
  const url = stores.postgres.url.replace(/\/[^/]+$/, '/migrations_race');
  const pools = Array.from({ length: 3 }, () => openPool(url, 2));
  try {
    const applied = await Promise.all(pools.map((p) => migrate(p, quiet)));
    const all = applied.flat().sort();
    assert.ok(all.length > 0);
    assert.equal(new Set(all).size, all.length, `no file applied twice: ${all}`);
    const { rows } = await (pools[0] as pg.Pool).query(
      'SELECT version FROM schema_migrations ORDER BY version',
    );
    assert.deepEqual(
      rows.map((r) => r.version),
      all,
    );
    assert.deepEqual(await migrate(pools[1] as pg.Pool, quiet), []);
    const tables = await (pools[0] as pg.Pool).query(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    assert.deepEqual(
      tables.rows.map((r) => r.table_name),
      ['audit_log', 'conversions', 'ledger', 'schema_migrations'],
    );
  } finally {
    await Promise.all(pools.map((p) => p.end()));
  }
});
