import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
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

// The controller's links to Redis and Postgres run through a TCP forwarder that the test cuts (connections
// reset, new ones refused) or black-holes (accepted, nothing ever answered), as the fault proxy does in the
// scenarios. The controller must fail the affected requests within bounded time, never hang or crash, and
// recover on its own when the link is back.

const teardown = new Teardown();
let stores: Stores;

before(async () => {
  stores = await startStores(teardown);
});
after(() => teardown.run());
beforeEach(() => resetStores(stores));

async function platform(t: { after: (fn: () => Promise<void>) => void }) {
  const local = new Teardown();
  t.after(() => local.run());
  const redisLink = await TcpLink.open(stores.redis);
  local.add(() => redisLink.close());
  const pgLink = await TcpLink.open(stores.postgres);
  local.add(() => pgLink.close());
  const controller = await inProcessController(
    local,
    testControllerConfig(stores, {
      REDIS_URL: redisLink.url(stores.redis.url),
      DATABASE_URL: pgLink.url(stores.postgres.url),
      HEARTBEAT_TTL_MS: '600000',
    }),
  );
  await inProcessWorker(local, 'w1', controller.url);
  await fleetHealthy(controller.url, ['w1']);
  return { url: controller.url, redisLink, pgLink };
}

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = Date.now();
  const value = await fn();
  return { value, ms: Date.now() - started };
}

const convert = (url: string, id: string) =>
  postJson(`${url}/v1/conversions`, { request_id: id, document: document(100), target_format: 'txt' });

test('postgres cut: requests fail fast and uncharged, audit rows are kept and written once it is back', async (t) => {
  const { url, pgLink } = await platform(t);
  await pgLink.cut();
  const health = await timed(() => getJson<{ postgres: string; redis: string }>(`${url}/healthz`));
  assert.equal(health.value.status, 503);
  assert.match(health.value.body.postgres, /^down: /);
  assert.equal(health.value.body.redis, 'ok');

  const reply = await timed(() => convert(url, 'pg-cut'));
  assert.equal(reply.value.status, 503, JSON.stringify(reply.value.body));
  assert.match(reply.value.body.error ?? '', /billing ledger unavailable.*nothing was charged/);
  assert.ok(reply.ms < 5_000, `answered in ${reply.ms} ms`);

  // An audited event while Postgres is unreachable: buffered, not lost, and not failing the registration.
  const cutAt = new Date();
  const registered = await postJson(`${url}/v1/workers/register`, { id: 'w9', url: 'http://127.0.0.1:1' });
  assert.equal(registered.status, 201);
  await pgLink.restore();
  const rows = await eventually('buffered audit row written', async () => {
    const found = await auditRows(stores.db, "event = 'worker_registered' AND worker_id = 'w9'");
    return found.length > 0 ? found : undefined;
  });
  assert.equal(rows.length, 1);
  assert.ok(
    Math.abs((rows[0]?.at.getTime() ?? 0) - cutAt.getTime()) < 1_000,
    'the row keeps the time of the event, not of the late write',
  );

  const healed = await convert(url, 'pg-cut');
  assert.equal(healed.status, 200, JSON.stringify(healed.body));
  assert.equal(healed.body.duplicate, false, 'the failed try was not charged, so this is the original');
});

test('postgres black-holed: health and requests answer within their bounds; the pool recovers', async (t) => {
  const { url, pgLink } = await platform(t);
  pgLink.blackhole();
  const health = await timed(() => getJson<{ postgres: string }>(`${url}/healthz`));
  assert.equal(health.value.status, 503);
  assert.ok(health.ms < 2_500, `healthz answered in ${health.ms} ms`);

  const reply = await timed(() => convert(url, 'pg-hole'));
  assert.equal(reply.value.status, 503);
  assert.ok(reply.ms < 12_000, `the request failed in ${reply.ms} ms instead of hanging`);

  await pgLink.restore();
  await eventually('healthz ok again', async () =>
    (await getJson(`${url}/healthz`)).status === 200 ? true : undefined,
  );
  const healed = await convert(url, 'pg-hole');
  assert.equal(healed.status, 200, JSON.stringify(healed.body));
});

test('redis cut, then black-holed: 503 within bounds, then recovery without a restart', async (t) => {
  const { url, redisLink } = await platform(t);
  await redisLink.cut();
  const cut = await timed(() => convert(url, 'redis-cut'));
  assert.equal(cut.value.status, 503, JSON.stringify(cut.value.body));
  assert.match(cut.value.body.error ?? '', /worker registry unavailable \(Redis\)/);
  assert.ok(cut.ms < 8_000, `answered in ${cut.ms} ms`);
  const health = await getJson<{ redis: string; postgres: string }>(`${url}/healthz`);
  assert.equal(health.status, 503);
  assert.match(health.body.redis, /^down: /);
  assert.equal(health.body.postgres, 'ok');

  await redisLink.restore();
  await eventually('redis reachable again', async () =>
    (await getJson(`${url}/healthz`)).status === 200 ? true : undefined,
  );
  redisLink.blackhole();
  const hole = await timed(() => convert(url, 'redis-hole'));
  assert.equal(hole.value.status, 503);
  assert.ok(hole.ms < 8_000, `answered in ${hole.ms} ms`);

  await redisLink.restore();
  await eventually('redis reachable after the black hole', async () =>
    (await getJson(`${url}/healthz`)).status === 200 ? true : undefined,
  );
  await fleetHealthy(url, ['w1']);
  const healed = await convert(url, 'redis-hole');
  assert.equal(healed.status, 200, JSON.stringify(healed.body));
});
