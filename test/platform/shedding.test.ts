import assert from 'node:assert/strict';
import { after, before, beforeEach, type TestContext, test } from 'node:test';
import { freePort } from '../../support/env/ports.ts';
import {
  auditRows,
  document,
  eventually,
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

// Load shedding: a controller past CONCURRENCY_LIMIT answers 503 + Retry-After at once, records the storm in
// a bounded number of audit rows, and keeps serving the fleet's own traffic (heartbeats, listings).

const teardown = new Teardown();
let stores: Stores;
before(async () => {
  stores = await startStores(teardown);
});
after(() => teardown.run());
beforeEach(() => resetStores(stores));

/** A controller whose one worker answers each conversion after `holdMs` (its replies cross a slow link). */
async function slowPlatform(t: TestContext, env: Record<string, string>, holdMs: number) {
  const local = new Teardown();
  t.after(() => local.run());
  const controller = await inProcessController(
    local,
    testControllerConfig(stores, { ATTEMPT_TIMEOUT_MS: String(holdMs * 5), ...env }),
  );
  const port = await freePort();
  const link = await TcpLink.open({ host: '127.0.0.1', port });
  local.add(() => link.close());
  link.latency(holdMs);
  await inProcessWorker(local, 'w1', controller.url, {
    WORKER_PORT: String(port),
    ADVERTISE_URL: `http://127.0.0.1:${link.port}`,
  });
  await fleetHealthy(controller.url, ['w1']);
  return controller.url;
}

async function burst(url: string, n: number, prefix: string) {
  return Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const sent = performance.now();
      const response = await fetch(`${url}/v1/conversions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ request_id: `${prefix}-${i}`, document: document(64), target_format: 'txt' }),
        signal: AbortSignal.timeout(30_000),
      });
      const body = (await response.json()) as { error?: string };
      return {
        status: response.status,
        retryAfter: response.headers.get('retry-after'),
        error: body.error,
        ms: performance.now() - sent,
      };
    }),
  );
}

test('past CONCURRENCY_LIMIT: 503 + Retry-After at once, audit rows summed per window, fleet traffic unaffected', async (t) => {
  const url = await slowPlatform(t, { CONCURRENCY_LIMIT: '2' }, 800);
  const replies = burst(url, 6, 'storm');
  // While both slots are taken the controller still lists the fleet and takes heartbeats.
  await eventually('both slots taken', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    return /controller_conversions_in_flight 2\b/.test(metrics) ? true : undefined;
  });
  const listing = await getJson(`${url}/v1/workers`);
  assert.equal(listing.status, 200);
  const beat = await postJson(`${url}/v1/workers/w1/heartbeat`, undefined);
  assert.equal(beat.status, 204);

  const done = await replies;
  const served = done.filter((r) => r.status === 200);
  const shed = done.filter((r) => r.status === 503);
  assert.equal(served.length, 2);
  assert.equal(shed.length, 4);
  for (const r of shed) {
    assert.equal(r.retryAfter, '1');
    assert.match(r.error ?? '', /CONCURRENCY_LIMIT=2/);
    assert.ok(r.ms < 700, `shed in ${Math.round(r.ms)} ms, without waiting for the 800 ms a slot takes`);
  }
  for (const r of served) assert.ok(r.ms >= 800, `served in ${Math.round(r.ms)} ms`);

  // One row at once, one summary when the window closes; their shed counts add up to every 503.
  const rows = await eventually('the window summary is written', async () => {
    const found = await auditRows(stores.db, "event = 'load_shed'");
    return found.reduce((sum, r) => sum + Number(r.detail.shed), 0) === 4 ? found : undefined;
  });
  assert.deepEqual(
    rows.map((r) => r.detail.shed),
    [1, 3],
  );
  assert.equal(rows[0]?.detail.limit, 2);
  const metrics = await (await fetch(`${url}/metrics`)).text();
  assert.match(metrics, /controller_shed_total 4\b/);

  // Slots are given back: the next request is served.
  const after = await postJson(`${url}/v1/conversions`, {
    request_id: 'after-storm',
    document: document(64),
    target_format: 'txt',
  });
  assert.equal(after.status, 200);
});

test('a long storm writes at most two audit rows per second, and the rows still add up', async (t) => {
  const url = await slowPlatform(t, { CONCURRENCY_LIMIT: '1' }, 4_000);
  const holder = burst(url, 1, 'holder');
  await eventually('the slot is taken', async () =>
    /controller_conversions_in_flight 1\b/.test(await (await fetch(`${url}/metrics`)).text())
      ? true
      : undefined,
  );
  const startedAt = Date.now();
  let shedCount = 0;
  for (let wave = 0; Date.now() - startedAt < 2_000; wave++) {
    const replies = await burst(url, 10, `wave-${wave}`);
    assert.ok(replies.every((r) => r.status === 503));
    shedCount += replies.length;
  }
  const seconds = (Date.now() - startedAt) / 1000;
  await holder;
  const rows = await eventually('every shed request is accounted for', async () => {
    const found = await auditRows(stores.db, "event = 'load_shed'");
    return found.reduce((sum, r) => sum + Number(r.detail.shed), 0) === shedCount ? found : undefined;
  });
  assert.ok(shedCount >= 50, `${shedCount} requests shed`);
  assert.ok(
    rows.length <= 2 * Math.ceil(seconds + 1),
    `${rows.length} rows for ${shedCount} shed requests in ${seconds} s`,
  );
});

test('CONCURRENCY_LIMIT=0 turns shedding off: the same burst is served in full', async (t) => {
  const url = await slowPlatform(t, { CONCURRENCY_LIMIT: '0' }, 300);
  const done = await burst(url, 6, 'unlimited');
  assert.deepEqual(
    done.map((r) => r.status),
    [200, 200, 200, 200, 200, 200],
  );
  assert.deepEqual(await auditRows(stores.db, "event = 'load_shed'"), []);
});
