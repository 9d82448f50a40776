import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSystem, postgres, redis, service } from '../../support/system/declare.ts';
import { ConfigError, instantiate } from '../../support/system/instantiate.ts';
import { startOrder } from '../../support/system/topology.ts';
import { groupsOf, targetWords } from '../../support/system/words.ts';

// Declaring streaming replicas: postgres('db', { replicas: N }) stands for db and db-replica-1 … N, the group
// db-replicas (what "1 of the db replicas" and the target grammar pick from); a scenario's scale overrides N;
// none unless asked for; a mistake names the field and what is accepted.

const options = { name: 'shop', baseDir: '/tmp', origin: 'faultline.config.ts: systems.shop' };
const app = service('app', { command: ['node', 'app.ts'], env: (w) => ({ DATABASE_URL: w.url('db') }) });

test('replicas are services of their own, a group, started after their primary; none unless declared', () => {
  const { topology } = instantiate(
    defineSystem({ services: [postgres('db', { replicas: 2 }), app] }),
    {},
    options,
  );
  assert.deepEqual(
    topology.services.filter((s) => s.kind === 'postgres'),
    [
      { kind: 'postgres', name: 'db' },
      { kind: 'postgres', name: 'db-replica-1', replicaOf: 'db', group: 'db-replicas' },
      { kind: 'postgres', name: 'db-replica-2', replicaOf: 'db', group: 'db-replicas' },
    ],
  );
  assert.deepEqual(groupsOf(topology).get('db-replicas'), ['db-replica-1', 'db-replica-2']);
  assert.equal(targetWords(topology, '1 of the db-replicas').count, 1);
  // No link into a replica: the system's services reach the primary; the replicas follow it directly.
  assert.deepEqual(topology.links, [{ from: 'app', to: 'db' }]);
  const waves = startOrder(topology).map((w) => w.map((s) => s.name).sort());
  assert.deepEqual(waves, [['db'], ['app', 'db-replica-1', 'db-replica-2']]);

  const plain = instantiate(defineSystem({ services: [postgres('db'), app] }), {}, options).topology;
  assert.deepEqual(
    plain.services.map((s) => s.name),
    ['db', 'app'],
  );
  const scaled = instantiate(
    defineSystem({ services: [postgres('db'), app] }),
    { 'db-replicas': 3 },
    options,
  );
  assert.equal(
    scaled.topology.services.filter((s) => s.kind === 'postgres' && s.replicaOf === 'db').length,
    3,
  );
});

test('a replica count that is not a whole number, replicas of redis, a taken name: named with what is accepted', () => {
  assert.throws(
    () => instantiate(defineSystem({ services: [postgres('db', { replicas: -1 })] }), {}, options),
    (e: Error) =>
      e instanceof ConfigError &&
      /faultline\.config\.ts: systems\.shop\.services\[0\]\.replicas: replicas: 0 or more streaming replicas/.test(
        e.message,
      ),
  );
  assert.throws(
    () => instantiate(defineSystem({ services: [postgres('db', { replicas: 1.5 })] }), {}, options),
    /services\[0\]\.replicas: replicas: a whole number of streaming replicas, e\.g\. replicas: 2/,
  );
  assert.throws(
    () =>
      instantiate(
        defineSystem({ services: [{ ...redis('cache'), replicas: 2 } as ReturnType<typeof redis>] }),
        {},
        options,
      ),
    /services\[0\]: Unrecognized key: "replicas"/,
  );
  assert.throws(
    () =>
      instantiate(
        defineSystem({
          services: [service('db-replica-1', { command: ['x'] }), postgres('db', { replicas: 1 })],
        }),
        {},
        options,
      ),
    /services\[1\]: the name 'db-replica-1' is used twice .*every service needs its own/,
  );
});
