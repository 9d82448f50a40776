import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { DependencyHealth, RedisGuard } from '../../fixtures/platform/controller/dependencies.ts';
import { KEYS, WorkerRegistry } from '../../fixtures/platform/controller/registry.ts';
import { CURSOR_KEY, Router } from '../../fixtures/platform/controller/routing.ts';
import { quiet, resetStores, type Stores, startStores, Teardown } from './helpers.ts';

// The controller's Redis fallback against a real Redis: while the registry cannot be read (unreadable data,
// or Redis failing) routing uses the last good read of the fleet, at most FLEET_FALLBACK_MAX_AGE_MS old, and
// its own round-robin cursor; switched off (REDIS_FALLBACK_ENABLED=false) the same failures fail the plan.

const teardown = new Teardown();
let stores: Stores;
let now = 1_000_000;
const clock = () => now;

before(async () => {
  stores = await startStores(teardown);
});
after(() => teardown.run());
beforeEach(async () => {
  await resetStores(stores);
  now = 1_000_000;
});

function routing(enabled: boolean, fallbackMaxAgeMs = 10_000) {
  const guard = new RedisGuard(stores.redisClient, new DependencyHealth('redis', quiet), enabled);
  teardown.add(async () => guard.close());
  const registry = new WorkerRegistry(stores.redisClient, 3_000, clock, {
    guard,
    fallbackMaxAgeMs: enabled ? fallbackMaxAgeMs : 0,
  });
  return { guard, registry, router: new Router(stores.redisClient, registry, { guard }) };
}

test('an unreadable registry: routing goes on from the last good read, within its age bound', async () => {
  const { registry, router } = routing(true, 5_000);
  for (const id of ['w1', 'w2']) await registry.register(id, `http://127.0.0.1:1/${id}`);
  assert.equal((await router.plan()).next()?.id, 'w1');
  await stores.redisClient.hset(KEYS.workers, 'w1', '\u00ff\u0000not json');
  now += 1_000;
  const plan = await router.plan();
  assert.deepEqual(
    plan.order.map((w) => w.id),
    ['w2', 'w1'],
    'the stale fleet, rotated',
  );
  now += 5_000; // older than the bound: no fallback
  await assert.rejects(router.plan(), /JSON|Unexpected token|not valid/);
});

test('a corrupted cursor: the controller rotates with its own', async () => {
  const { registry, router } = routing(true);
  for (const id of ['a', 'b', 'c']) await registry.register(id, `http://127.0.0.1:1/${id}`);
  await router.plan();
  await stores.redisClient.set(CURSOR_KEY, Buffer.from([0xff, 0xfe, 0x00]));
  const picks = [];
  for (let i = 0; i < 3; i++) picks.push((await router.plan()).next()?.id);
  assert.deepEqual([...picks].sort(), ['a', 'b', 'c'], `every worker in turn: ${picks.join(', ')}`);
});

test('switched off, the same failures fail the plan', async () => {
  const { registry, router } = routing(false);
  await registry.register('w1', 'http://127.0.0.1:1/w1');
  await router.plan();
  await stores.redisClient.set(CURSOR_KEY, 'not a number');
  await assert.rejects(router.plan(), /not an integer/);
  await stores.redisClient.set(CURSOR_KEY, '1');
  await stores.redisClient.hset(KEYS.heartbeats, 'w1', 'garbage');
  now += 1;
  await assert.rejects(router.plan(), /worker registry unreadable: the heartbeat of w1 is not a number/);
});

test('a Redis error reply is not an outage: the guard stays closed', async () => {
  const { guard } = routing(true);
  await stores.redisClient.set('k', 'v');
  await assert.rejects(
    guard.run(() => stores.redisClient.incr('k')),
    /not an integer/,
  );
  assert.equal(guard.skip(), false);
  assert.equal(guard.health.failing, false);
});

test('a registry that lost its data (Redis flushed): routing goes on from the last good read until workers re-register', async () => {
  const { registry, router } = routing(true);
  for (const id of ['w1', 'w2']) await registry.register(id, `http://127.0.0.1:1/${id}`);
  await router.plan();
  await stores.redisClient.flushall();
  now += 500;
  assert.deepEqual((await router.plan()).order.map((w) => w.id).sort(), ['w1', 'w2'], 'the last good fleet');
  await registry.register('w2', 'http://127.0.0.1:1/w2');
  now += 500;
  assert.deepEqual(
    (await router.plan()).order.map((w) => w.id),
    ['w2'],
    'the registry again, once it holds anything',
  );
  // Switched off: an empty fleet is an empty fleet.
  const off = routing(false);
  await off.registry.register('w1', 'http://127.0.0.1:1/w1');
  await off.router.plan();
  await stores.redisClient.flushall();
  now += 500;
  assert.equal((await off.router.plan()).next(), undefined);
});
