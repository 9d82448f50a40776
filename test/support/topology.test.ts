import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  groupMembers,
  linksBetween,
  startOrder,
  type Topology,
  validateTopology,
} from '../../support/system/topology.ts';
import { referenceSystem } from '../helpers/reference.ts';

test('the reference platform starts stores, then the controller, then the workers', async () => {
  const { topology } = await referenceSystem({ workers: 3 }, false);
  validateTopology(topology);
  const waves = startOrder(topology).map((wave) => wave.map((s) => s.name).sort());
  assert.deepEqual(waves, [['postgres', 'redis'], ['controller'], ['worker-1', 'worker-2', 'worker-3']]);
  assert.deepEqual(groupMembers(topology, 'workers'), ['worker-1', 'worker-2', 'worker-3']);
  // A partition between controller and a worker cuts both directions: the controller's calls, and the
  // worker's registration over its primary and secondary links.
  assert.equal(linksBetween(topology, 'controller', 'worker-2').length, 3);
  // The workers gossip with each other, each through its own link to every other (n·(n−1) links): the
  // links a split brain cuts. Peers of one group order nothing, so the workers still start in one wave.
  const peers = topology.links.filter((l) => l.from.startsWith('worker-') && l.to.startsWith('worker-'));
  assert.deepEqual(
    peers.map((l) => `${l.from}>${l.to}`).sort(),
    ['1>2', '1>3', '2>1', '2>3', '3>1', '3>2'].map((p) => p.replace(/(\d)>(\d)/, 'worker-$1>worker-$2')),
  );
  assert.equal(linksBetween(topology, 'worker-1', 'worker-2').length, 2);
});

test('unknown names are reported with what is known', async () => {
  const { topology } = await referenceSystem({ workers: 2 }, false);
  assert.throws(() => groupMembers(topology, 'wrokers'), /no group 'wrokers'; known groups: workers/);
  const broken: Topology = { ...topology, links: [...topology.links, { from: 'controller', to: 'cache' }] };
  assert.throws(
    () => validateTopology(broken),
    /unknown service 'cache'.*known services: redis, postgres, controller/,
  );
});

test('a dependency cycle is refused before anything starts', () => {
  const cyclic: Topology = {
    name: 'cyclic',
    links: [],
    probes: {},
    services: [
      {
        kind: 'process',
        name: 'a',
        command: ['node', 'a.ts'],
        cwd: '.',
        portEnv: 'P',
        readiness: { kind: 'port', timeoutMs: 1_000 },
        dependsOn: ['b'],
        env: () => ({}),
      },
      {
        kind: 'process',
        name: 'b',
        command: ['node', 'b.ts'],
        cwd: '.',
        portEnv: 'P',
        readiness: { kind: 'port', timeoutMs: 1_000 },
        dependsOn: ['a'],
        env: () => ({}),
      },
    ],
  };
  assert.throws(() => validateTopology(cyclic), /dependency cycle .* a, b/);
});
