import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Redis } from 'ioredis';
import { WorkerRegistry } from '../../fixtures/platform/controller/registry.ts';
import { Router } from '../../fixtures/platform/controller/routing.ts';
import { resetStores, type Stores, startStores, Teardown } from './helpers.ts';

// Worker selection against a real Redis. Time is a controlled clock so health is exact, not timing-dependent.

const TTL = 3_000;
const teardown = new Teardown();
let stores: Stores;
let now = 1_000_000;
const clock = () => now;
let registry: WorkerRegistry;
let router: Router;

before(async () => {
  stores = await startStores(teardown);
  registry = new WorkerRegistry(stores.redisClient, TTL, clock);
  router = new Router(stores.redisClient, registry);
});
after(() => teardown.run());
beforeEach(async () => {
  await resetStores(stores);
  now = 1_000_000;
});

async function registerAll(ids: string[]): Promise<void> {
  // Registered out of order on purpose: routing order is by id, not by arrival.
  for (const id of [...ids].reverse()) await registry.register(id, `http://127.0.0.1:1/${id}`);
}

const ids = (workers: readonly { id: string }[]) => workers.map((w) => w.id);

test('requests go round-robin over the healthy workers in id order', async () => {
  await registerAll(['w1', 'w2', 'w3']);
  const firstPicks: (string | undefined)[] = [];
  for (let i = 0; i < 7; i++) {
    const announced = (await router.routingOrder())[0]?.id;
    const picked = (await router.plan()).next()?.id;
    assert.equal(picked, announced, 'GET /v1/workers routing_order[0] is the next worker routed to');
    firstPicks.push(picked);
  }
  assert.deepEqual(firstPicks, ['w1', 'w2', 'w3', 'w1', 'w2', 'w3', 'w1']);
});

test('a retry goes to the next worker in that order not yet tried, wrapping around, then none', async () => {
  await registerAll(['w1', 'w2', 'w3', 'w4']);
  await router.plan(); // cursor now points at w2
  const plan = await router.plan();
  const tried = [plan.next()?.id, plan.next()?.id, plan.next()?.id, plan.next()?.id];
  assert.deepEqual(tried, ['w2', 'w3', 'w4', 'w1']);
  assert.equal(plan.next(), undefined, 'each worker is tried at most once per request');
});

test('the round-robin cursor is shared by every controller on the same Redis', async () => {
  await registerAll(['a', 'b', 'c']);
  const other = new Redis(stores.redis.url, { maxRetriesPerRequest: 1 });
  try {
    const second = new Router(other, new WorkerRegistry(other, TTL, clock));
    const picks = [
      (await router.plan()).next()?.id,
      (await second.plan()).next()?.id,
      (await router.plan()).next()?.id,
      (await second.plan()).next()?.id,
    ];
    assert.deepEqual(picks, ['a', 'b', 'c', 'a']);
  } finally {
    await other.quit();
  }
});

test('a worker whose heartbeat is older than the TTL is not routed to, and is routed again after a heartbeat', async () => {
  await registerAll(['w1', 'w2', 'w3']);
  now += TTL - 1;
  assert.equal(await registry.heartbeat('w1'), 'ok');
  assert.equal(await registry.heartbeat('w3'), 'ok');
  assert.deepEqual(
    ids(await registry.healthy()),
    ['w1', 'w2', 'w3'],
    'just inside the TTL everyone is healthy',
  );
  now += 1;
  const fleet = await registry.list();
  assert.deepEqual(
    fleet.map((w) => [w.id, w.healthy, w.last_heartbeat_ms_ago]),
    [
      ['w1', true, 1],
      ['w2', false, TTL],
      ['w3', true, 1],
    ],
  );
  for (let i = 0; i < 4; i++) {
    const plan = await router.plan();
    assert.ok(!ids(plan.order).includes('w2'), `plan ${i} avoids the stale worker: ${ids(plan.order)}`);
  }
  assert.ok(!ids(await router.routingOrder()).includes('w2'));

  assert.equal(await registry.heartbeat('w2'), 'ok');
  assert.deepEqual(ids(await registry.healthy()), ['w1', 'w2', 'w3']);
});

test('an expiry is reported exactly once, even to several controllers, and again after a recovery', async () => {
  await registerAll(['w1', 'w2']);
  now += TTL;
  await registry.heartbeat('w1');
  const seen = await Promise.all([registry.newlyExpired(), registry.newlyExpired(), registry.newlyExpired()]);
  assert.deepEqual(seen.flatMap(ids), ['w2'], 'one caller sees w2 expire; the others see nothing new');
  assert.deepEqual(ids(await registry.newlyExpired()), []);
  await registry.heartbeat('w2');
  now += TTL;
  await registry.heartbeat('w1');
  assert.deepEqual(
    ids(await registry.newlyExpired()),
    ['w2'],
    'a worker that came back and went again expires again',
  );
});

test('no healthy worker means an empty plan; an unknown worker heartbeat is told to register', async () => {
  assert.equal((await router.plan()).next(), undefined);
  assert.equal(await registry.heartbeat('ghost'), 'unknown');
  await registerAll(['w1']);
  now += TTL;
  assert.equal((await router.plan()).peek(), undefined);
  assert.deepEqual(await router.routingOrder(), []);
});

test('a filter (where a circuit breaker will join) removes workers from routing', async () => {
  await registerAll(['w1', 'w2', 'w3']);
  const filtered = new Router(stores.redisClient, registry);
  filtered.addFilter((w) => w.id !== 'w2');
  const plan = await filtered.plan();
  assert.deepEqual(ids(plan.order).sort(), ['w1', 'w3']);
});

test('re-registering replaces the URL and reports the previous one', async () => {
  assert.deepEqual(await registry.register('w1', 'http://127.0.0.1:1'), { previousUrl: undefined });
  assert.deepEqual(await registry.register('w1', 'http://127.0.0.1:2'), {
    previousUrl: 'http://127.0.0.1:1',
  });
  assert.deepEqual(
    (await registry.list()).map((w) => w.url),
    ['http://127.0.0.1:2'],
  );
});
