import assert from 'node:assert/strict';
import { test } from 'node:test';
import { defineSystem, redis, service } from '../../support/system/declare.ts';
import { instantiate } from '../../support/system/instantiate.ts';
import type { Topology } from '../../support/system/topology.ts';
import {
  coordinatedWords,
  coordinatorAndMember,
  coordinatorWord,
  countWord,
  groupWord,
  linkedWords,
  linkWords,
  memberWord,
  scaleWords,
  serviceWord,
  steadyStateWords,
  subjectWord,
  targetWords,
  WordError,
} from '../../support/system/words.ts';
import { referenceSystem } from '../helpers/reference.ts';

// Each role a step word can play, against real topologies built from declarations: the reference platform
// (a coordinator and its worker group) and a system of another shape (a service in front of two stores,
// no group), with the error text a user reads for each wrong word.

const reference = async (workers = 3): Promise<Topology> =>
  (await referenceSystem({ workers }, false)).topology;

// A group whose name is not the plural of its service's name: "nodes" made of "replica-1 …".
const other: Topology = instantiate(
  defineSystem({
    services: [
      redis('cache'),
      service('api', { command: ['true'], env: (w) => ({ CACHE: w.url('cache') }) }),
      service('replica', { command: ['true'], replicas: 2, group: 'nodes' }),
      redis('unused'),
    ],
    // A declared link from a service to a replicated one stands for a link to each replica.
    links: [{ from: 'api', to: 'replica' }],
  }),
  {},
  { name: 'other', baseDir: process.cwd(), origin: 'test' },
).topology;

/** The WordError a call throws, or a failure naming what it returned instead. */
function wordError(call: () => unknown): string {
  try {
    const value = call();
    assert.fail(`expected a WordError, got ${JSON.stringify(value)}`);
  } catch (error) {
    assert.ok(error instanceof WordError, String(error));
    return error.message;
  }
}

test('a service is named by its own name; a wrong one lists the services, a large group by its span', async () => {
  const topology = await reference(5);
  assert.equal(serviceWord(topology, 'controller'), 'controller');
  assert.equal(serviceWord(topology, 'worker-4'), 'worker-4');
  assert.equal(
    wordError(() => serviceWord(topology, 'kafka')),
    "'kafka' is not a service of the system 'reference-platform'; its services: redis, postgres, controller, worker-1 … worker-5",
  );
});

test('a group is named as a group, by its singular, or by the name its replicas were made from', async () => {
  const topology = await reference();
  assert.equal(groupWord(topology, 'workers'), 'workers');
  assert.equal(groupWord(topology, 'worker'), 'workers');
  assert.equal(groupWord(other, 'nodes'), 'nodes');
  assert.equal(groupWord(other, 'node'), 'nodes');
  assert.equal(groupWord(other, 'replica'), 'nodes');
  assert.equal(
    wordError(() => groupWord(topology, 'bananas')),
    "'bananas' is not a group of the system 'reference-platform'; its groups: workers (members worker-1, worker-2, worker-3; a step says 'workers' or 'worker')",
  );
  assert.match(
    wordError(() => groupWord(other, 'apis')),
    /'api' is a single service: declare it with replicas/,
  );
  const single = instantiate(
    defineSystem({ services: [redis('redis'), service('api', { command: ['true'] })] }),
    {},
    { name: 'single', baseDir: process.cwd(), origin: 'test' },
  ).topology;
  assert.match(
    wordError(() => groupWord(single, 'workers')),
    /its groups: none \(a service declared with replicas or a group makes one\)$/,
  );
});

test('a member word names its group; a wrong one lists the groups and their words', async () => {
  const topology = await reference();
  assert.equal(memberWord(topology, 'worker'), 'workers');
  assert.equal(
    wordError(() => memberWord(topology, 'worker-2')),
    "'worker-2' is one member of the workers; this step speaks of the members the fault struck: say 'workers' or 'worker'",
  );
  assert.equal(
    wordError(() => memberWord(topology, 'banana')),
    "'banana' names no member of a group of the system 'reference-platform'; its groups: workers (members worker-1, worker-2, worker-3; a step says 'workers' or 'worker')",
  );
});

test('a coordinator links to every member of the group; a store, a member or an unknown word does not', async () => {
  const topology = await reference();
  assert.equal(coordinatorWord(topology, 'controller', 'workers'), 'controller');
  assert.equal(coordinatorWord(other, 'api', 'nodes'), 'api');
  assert.equal(
    wordError(() => coordinatorWord(topology, 'redis', 'workers')),
    "'redis' does not coordinate the workers of the system 'reference-platform': it has no link to worker-1, worker-2, worker-3; coordinators of the workers (services with a link to every member): controller",
  );
  assert.match(
    wordError(() => coordinatorWord(topology, 'worker-1', 'workers')),
    /^'worker-1' is one of the workers itself, not their coordinator; coordinators of the workers .*: controller$/,
  );
  assert.match(
    wordError(() => coordinatorWord(topology, 'kafka', 'workers')),
    /^'kafka' is not a service of the system 'reference-platform', so it cannot coordinate the workers; .*: controller$/,
  );
});

test('the whole system, a service or a group can be a subject ("the service recovers within 5 seconds")', async () => {
  const topology = await reference();
  assert.deepEqual(subjectWord(topology, 'service'), { kind: 'system' });
  assert.deepEqual(subjectWord(topology, 'system'), { kind: 'system' });
  assert.deepEqual(subjectWord(topology, 'controller'), { kind: 'service', name: 'controller' });
  assert.deepEqual(subjectWord(topology, 'worker'), {
    kind: 'group',
    group: 'workers',
    members: ['worker-1', 'worker-2', 'worker-3'],
  });
  assert.equal(
    wordError(() => subjectWord(other, 'kafka')),
    "'kafka' names nothing in the system 'other': write 'service' or 'system' for the whole system, a service (cache, unused, api, replica-1, replica-2), or a group (nodes (members replica-1, replica-2; a step says 'nodes' or 'node' or 'replica'))",
  );
});

test('a count must be one the group has at this scale', async () => {
  const topology = await reference(5);
  assert.equal(countWord(topology, 'workers', 5).length, 5);
  for (const count of [0, 7, 1.5])
    assert.equal(
      wordError(() => countWord(topology, 'workers', count)),
      `cannot strike ${count} of 5 workers: choose between 1 and 5, or start more in the steady-state step`,
    );
});

test('"N of the <coordinator>\'s <group>" checks all three words and names every wrong one at once', async () => {
  const topology = await reference(5);
  assert.deepEqual(coordinatedWords(topology, 'controller', 3, 'workers'), {
    coordinator: 'controller',
    group: 'workers',
    members: ['worker-1', 'worker-2', 'worker-3', 'worker-4', 'worker-5'],
  });
  const both = wordError(() => coordinatedWords(topology, 'redis', 7, 'workers'));
  assert.match(both, /'redis' does not coordinate the workers.*; and cannot strike 7 of 5 workers/);
  const unknown = wordError(() => coordinatedWords(topology, 'kafka', 1, 'bananas'));
  assert.match(
    unknown,
    /^'bananas' is not a group .*; and 'kafka' is not a service .*its services: redis, postgres/,
  );
  assert.deepEqual(coordinatorAndMember(topology, 'controller', 'worker'), {
    coordinator: 'controller',
    group: 'workers',
  });
  // Without a group there is no coordinator role to check: the other word is checked as a service.
  assert.doesNotMatch(
    wordError(() => coordinatorAndMember(topology, 'postgres', 'banana')),
    /postgres/,
  );
  assert.match(
    wordError(() => coordinatorAndMember(topology, 'kafka', 'banana')),
    /^'banana' names no member.*; and 'kafka' is not a service/,
  );
});

test('the steady state and the scale read the declared system: any count ≥ 1 is a scale to start', async () => {
  const declared = await reference();
  assert.deepEqual(steadyStateWords(declared, 'controller', 9, 'workers'), {
    coordinator: 'controller',
    group: 'workers',
    scale: { workers: 9 },
  });
  assert.deepEqual(steadyStateWords(declared, 'controller', 1, 'worker').scale, { workers: 1 });
  assert.deepEqual(scaleWords(declared, 4, 'workers'), { workers: 4 });
  assert.match(
    wordError(() => steadyStateWords(declared, 'kafka', 3, 'bananas')),
    /'bananas' is not a group.*; and 'kafka' is not a service/,
  );
  assert.equal(
    wordError(() => scaleWords(declared, 0, 'workers')),
    'cannot start 0 workers: a group needs at least 1 member',
  );
});

test('a partition needs a link between its two services, a slowed link one from the first to the second', () => {
  assert.deepEqual(linkedWords(other, 'cache', 'api'), { a: 'cache', b: 'api' });
  assert.deepEqual(linkWords(other, 'api', 'cache'), { from: 'api', to: 'cache' });
  assert.equal(
    wordError(() => linkedWords(other, 'api', 'unused')),
    "no link runs between api and unused in the system 'other', so there is nothing to partition; links of api: api → cache, api → replica-1, api → replica-2; of unused: (none)",
  );
  assert.equal(
    wordError(() => linkWords(other, 'cache', 'api')),
    "cache has no link to api in the system 'other'; links of cache: api → cache",
  );
  assert.match(
    wordError(() => linkedWords(other, 'kafka', 'zookeeper')),
    /^'kafka' is not a service .*; and 'zookeeper' is not a service/,
  );
});

test('a fault target is a service, a whole group, or N of a group', async () => {
  const topology = await reference(3);
  assert.deepEqual(targetWords(topology, 'redis'), { phrase: 'redis', members: ['redis'], count: 1 });
  assert.deepEqual(targetWords(topology, 'worker-2').members, ['worker-2']);
  const all = targetWords(topology, 'the workers');
  assert.deepEqual([all.group, all.count, all.members.length], ['workers', 3, 3]);
  const some = targetWords(topology, '2 of the workers');
  assert.deepEqual([some.group, some.count, some.members.length], ['workers', 2, 3]);
  assert.equal(targetWords(other, '1 of its nodes').group, 'nodes');
  assert.throws(() => targetWords(topology, '4 of the workers'), /cannot strike 4 of 3 workers/);
  assert.throws(() => targetWords(topology, 'the cache'), /'cache' is neither a service nor a group.*redis/);
  assert.throws(() => targetWords(topology, 'all the workers'), /write a service/);
});
