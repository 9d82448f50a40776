import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import pg from 'pg';
import { conversionRecords, readIdempotencyRecords, readLedger } from '../../fixtures/platform/billing.ts';
import { checkExactlyOnce, exactlyOnceVerdict } from '../../support/checks/exactly-once.ts';
import type { Environment } from '../../support/env/environment.ts';
import { startPostgres } from '../../support/env/local/postgres.ts';
import { startRedis } from '../../support/env/local/redis.ts';
import type { RunningService } from '../../support/env/local/service.ts';
import { op } from './synthetic.ts';

// The reference platform's records of conversions (ledger and idempotency store) against real stores: the platform's own migration creates the
// ledger, rows and keys are written the way the controller writes them, and the adapter must read back
// exactly those — so a change of table or key format on either side fails here, not in a scenario.

let redis: RunningService;
let postgres: RunningService;
const env = { storeUrl: (name: string) => (name === 'redis' ? redis.url : postgres.url) } as Environment;
const since = Date.now() - 60_000;

before(async () => {
  [redis, postgres] = await Promise.all([
    startRedis({ name: 'billing-redis' }),
    startPostgres({ name: 'billing-pg' }),
  ]);
  const db = new pg.Client({ connectionString: postgres.url });
  await db.connect();
  try {
    await db.query(readFileSync('fixtures/platform/migrations/001_ledger_and_audit.sql', 'utf8'));
    await db.query(
      `insert into ledger (request_id, worker_id, amount_cents, charged_at) values
         ('r-ok', 'worker-1', 1, now()), ('r-unknown', 'worker-2', 3, now()),
         ('r-ghost', 'worker-1', 1, now()), ('r-old', 'worker-1', 1, now() - interval '2 hours')`,
    );
  } finally {
    await db.end();
  }
  const client = new Redis(redis.url);
  try {
    const stored = (status: string) => JSON.stringify({ status, body: {} });
    await client.set('faultline:conversion:r-ok', stored('succeeded'));
    await client.set('faultline:conversion:r-said-failed', stored('failed'));
    await client.set('faultline:conversion:r-free', stored('succeeded'));
    await client.set('faultline:conversion-lock:r-ok', 'a lock, not an outcome');
  } finally {
    client.disconnect();
  }
});
after(async () => {
  await Promise.all([redis?.stop(), postgres?.stop()]);
});

test('the ledger adapter reads rows charged since the run began, and older rows of its own requests', async () => {
  const recent = await readLedger(postgres.url, [], since);
  assert.deepEqual(recent.map((c) => c.id).sort(), ['r-ghost', 'r-ok', 'r-unknown']);
  const unknown = recent.find((c) => c.id === 'r-unknown');
  assert.equal(unknown?.by, 'worker-2');
  assert.ok(Math.abs((unknown?.at ?? 0) - Date.now()) < 60_000, 'charged_at read as ms epoch');
  const withOld = await readLedger(postgres.url, ['r-old'], since);
  assert.ok(withOld.some((c) => c.id === 'r-old'));
});

test('the idempotency adapter reads stored outcomes, and only for the ids asked', async () => {
  const records = await readIdempotencyRecords(redis.url, ['r-ok', 'r-said-failed', 'r-missing']);
  assert.deepEqual(records, [
    { id: 'r-ok', status: 'succeeded' },
    { id: 'r-said-failed', status: 'failed' },
  ]);
});

test('end to end: evidence read from the stores convicts the requests that broke exactly-once', async () => {
  const history = [
    op('r-ok', 0, 10),
    op('r-unknown', 0, 10, 'unknown'),
    op('r-said-failed', 0, 10),
    op('r-free', 0, 10, 'fail', { status: 502 }),
  ];
  const ids = history.map((o) => o.id);
  const [effects, remembered] = await Promise.all([
    conversionRecords.effects(env, since, ids),
    conversionRecords.remembered?.(env, ids),
  ]);
  const report = checkExactlyOnce(history, { effects, ...(remembered ? { remembered } : {}) });
  const found = report.violations.map((v) => `${v.requestId}: ${v.rule}`).sort();
  assert.deepEqual(found, [
    'r-free: idempotency store disagrees',
    'r-ghost: charged but never requested',
    'r-said-failed: idempotency store disagrees',
    'r-said-failed: not charged',
  ]);
  assert.equal(exactlyOnceVerdict(report).pass, false);
});
