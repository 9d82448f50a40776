import assert from 'node:assert/strict';
import { after, before, beforeEach, type TestContext, test } from 'node:test';
import { readLedger } from '../../fixtures/platform/billing.ts';
import { checkExactlyOnce } from '../../support/checks/exactly-once.ts';
import type { Operation } from '../../support/load/history.ts';
import {
  document,
  fleetHealthy,
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

// IDEMPOTENCY_ENABLED=false is the regression the exactly-once checker must catch: the same submissions
// that are charged once with idempotency on are charged again with it off, and the suite's own checker,
// reading the ledger the way a scenario does, says so.

const teardown = new Teardown();
let stores: Stores;
before(async () => {
  stores = await startStores(teardown);
});
after(() => teardown.run());
beforeEach(() => resetStores(stores));

async function platform(t: TestContext, env: Record<string, string>): Promise<string> {
  const local = new Teardown();
  t.after(() => local.run());
  const controller = await inProcessController(local, testControllerConfig(stores, env));
  await inProcessWorker(local, 'w1', controller.url);
  await inProcessWorker(local, 'w2', controller.url);
  await fleetHealthy(controller.url, ['w1', 'w2']);
  return controller.url;
}

/** A client re-submitting r-seq (a retry after a lost answer) and three racing submissions of r-race. */
async function submitDuplicates(url: string): Promise<Operation[]> {
  const submit = async (id: string): Promise<Operation> => {
    const invokedAt = Date.now();
    const reply = await postJson(`${url}/v1/conversions`, {
      request_id: id,
      document: document(2048),
      target_format: 'md',
    });
    return {
      kind: 'document conversion request',
      id,
      invokedAt,
      completedAt: Date.now(),
      outcome: reply.status === 200 ? 'ok' : 'fail',
      status: reply.status,
      attempts: [],
    };
  };
  const first = await submit('r-seq');
  const again = await submit('r-seq');
  const racing = await Promise.all([submit('r-race'), submit('r-race'), submit('r-race')]);
  return [first, again, ...racing];
}

async function chargesPerRequest(): Promise<Record<string, number>> {
  const { rows } = await stores.db.query<{ request_id: string; n: number }>(
    'select request_id, count(*)::int as n from ledger group by request_id order by request_id',
  );
  return Object.fromEntries(rows.map((r) => [r.request_id, r.n]));
}

test('idempotency on (default): duplicates are answered from the first outcome and charged once', async (t) => {
  const since = Date.now() - 1_000;
  const url = await platform(t, {});
  const history = await submitDuplicates(url);
  assert.ok(history.every((op) => op.outcome === 'ok'));
  assert.deepEqual(await chargesPerRequest(), { 'r-race': 1, 'r-seq': 1 });
  const report = checkExactlyOnce(history, { effects: await readLedger(stores.postgres.url, [], since) });
  assert.deepEqual(report.violations, []);
});

test('IDEMPOTENCY_ENABLED=false: every submission is converted and charged again, and the exactly-once checker catches it', async (t) => {
  const since = Date.now() - 1_000;
  const url = await platform(t, { IDEMPOTENCY_ENABLED: 'false' });
  const history = await submitDuplicates(url);
  assert.ok(history.every((op) => op.outcome === 'ok'));
  assert.deepEqual(await chargesPerRequest(), { 'r-race': 3, 'r-seq': 2 });
  const second = await postJson(`${url}/v1/conversions`, {
    request_id: 'r-seq',
    document: document(2048),
    target_format: 'md',
  });
  assert.equal(second.body.duplicate, false, 'not recognised as a duplicate');
  // The outcome is still readable the usual way.
  const stored = await getJson(`${url}/v1/conversions/r-seq`);
  assert.equal(stored.status, 200);
  assert.equal(stored.body.status, 'succeeded');

  const report = checkExactlyOnce(history, { effects: await readLedger(stores.postgres.url, [], since) });
  assert.deepEqual(report.violations.map((v) => [v.requestId, v.rule]).sort(), [
    ['r-race', 'charged more than once'],
    ['r-seq', 'charged more than once'],
  ]);
});
