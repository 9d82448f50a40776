import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { AuditLog } from '../../fixtures/platform/controller/audit.ts';
import { migrate } from '../../fixtures/platform/controller/migrate.ts';
import {
  auditRows,
  eventually,
  openPool,
  quiet,
  resetStores,
  type Stores,
  startStores,
  Teardown,
} from './helpers.ts';

// The bounded audit writer against a real Postgres: a burst of one event name beyond the queue limit is not
// queued but counted, and audited as such (one audit_coalesced row per name, with the count), so every event
// is accounted for and the queue never holds more than the limit per name; a rare event amid the burst is
// still written as itself. AUDIT_QUEUE_LIMIT=0 (the switch) queues all.

const teardown = new Teardown();
let stores: Stores;

before(async () => {
  stores = await startStores(teardown);
  await migrate(stores.db, quiet);
});
after(() => teardown.run());
beforeEach(() => resetStores(stores));

async function burst(queueLimit: number, n: number) {
  const pool = openPool(stores.postgres.url, 2);
  const audit = new AuditLog(pool, quiet, { queueLimit, retryIntervalMs: 100 });
  let coalesced = 0;
  audit.onCoalesced = () => coalesced++;
  let peak = 0;
  const writes: Promise<void>[] = [];
  for (let i = 0; i < n; i++) {
    writes.push(audit.record({ event: 'registration_rejected', worker_id: `flood-${i}` }));
    // A rare event amid the flood: the limit is per name, so it is queued and written as itself.
    if (i === n / 2)
      writes.push(audit.record({ event: 'dependency_unavailable', detail: { dependency: 'redis' } }));
    peak = Math.max(peak, audit.waiting);
  }
  await Promise.all(writes);
  return { audit, pool, coalesced, peak };
}

test('a burst past the queue limit is counted, never queued, and audited as audit_coalesced', async () => {
  const { audit, pool, coalesced, peak } = await burst(20, 500);
  assert.equal(peak, 21, 'the queue never holds more than its limit of one name (+ the rare event)');
  assert.equal(coalesced, 480);
  const rows = await eventually('the coalesced row is written', async () => {
    const found = await auditRows(stores.db, "event = 'audit_coalesced'");
    return found.length > 0 ? found : undefined;
  });
  assert.equal(rows.length, 1);
  assert.equal(rows[0]?.detail.event, 'registration_rejected');
  assert.equal(rows[0]?.detail.count, 480);
  assert.equal(rows[0]?.detail.queue_limit, 20);
  const written = await auditRows(stores.db, "event = 'registration_rejected'");
  assert.equal(written.length, 20, 'the first 20 are written one by one');
  assert.equal((await auditRows(stores.db, "event = 'dependency_unavailable'")).length, 1);
  await audit.close();
  await pool.end();
});

test('AUDIT_QUEUE_LIMIT=0: every event is queued (no bound), none coalesced', async () => {
  const { audit, pool, coalesced, peak } = await burst(0, 300);
  assert.equal(coalesced, 0);
  assert.equal(peak, 301, 'without a bound the whole burst waits in the queue');
  assert.equal((await auditRows(stores.db, "event = 'registration_rejected'")).length, 300);
  assert.equal((await auditRows(stores.db, "event = 'audit_coalesced'")).length, 0);
  await audit.close();
  await pool.end();
});
