import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Environment } from '../../support/env/environment.ts';
import { verifyClean } from '../../support/faults/clean.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { splitBrain } from '../../support/faults/network/split-brain.ts';
import { splitWords } from '../../support/faults/network/where.ts';
import { parseListen, ToxiproxyClient } from '../../support/proxy/client.ts';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';
import {
  type Endpoint,
  type ProcessService,
  proxyName,
  type Topology,
} from '../../support/system/topology.ts';
import { inertControl } from '../helpers/control.ts';

// Split brain against real parts: a group of four members that talk to each other (every member links to
// every other) and a client linked to each, through faultline's proxy. The split cuts exactly the links
// between the two halves, both ways; the links inside a half and the client's links are untouched (each
// half keeps its clients); its undo leaves the proxy clean. A group whose members never talk to each other
// is refused by name, before anything is applied.

const member = (name: string, group?: string): ProcessService => ({
  kind: 'process',
  name,
  command: ['node', 'x.ts'],
  cwd: '.',
  portEnv: 'P',
  readiness: { kind: 'port', timeoutMs: 1_000 },
  dependsOn: [],
  env: () => ({}),
  ...(group ? { group } : {}),
});
const NODES = ['node-1', 'node-2', 'node-3', 'node-4'];
const topology: Topology = {
  name: 'cluster',
  services: [member('client'), ...NODES.map((n) => member(n, 'nodes'))],
  links: [
    ...NODES.flatMap((a) => NODES.filter((b) => b !== a).map((b) => ({ from: a, to: b }))),
    ...NODES.map((n) => ({ from: 'client', to: n })),
  ],
  probes: Object.fromEntries(NODES.map((n) => [n, 'http' as const])),
};

let proxy: RunningProxyServer;
let client: ToxiproxyClient;
const servers: Server[] = [];
const ports: Record<string, Endpoint> = {};

before(async () => {
  proxy = await startProxyServer({ host: '127.0.0.1', port: 0, seed: 3 });
  client = new ToxiproxyClient(proxy.url);
  for (const name of ['client', ...NODES]) {
    const server = createServer((_, res) => res.end(name));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    ports[name] = { host: '127.0.0.1', port: (server.address() as AddressInfo).port };
  }
  for (const link of topology.links) {
    const created = await client.createProxy({
      name: proxyName(link),
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${ports[link.to]!.port}`,
    });
    ports[`${link.from}->${link.to}`] = parseListen(created.listen);
  }
});

after(async () => {
  await proxy.close();
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
});

const env: Environment = {
  backend: 'test',
  topology,
  toxiproxy: {} as ToxiproxyClient,
  endpoint: (name) => ports[name]!,
  linkEndpoint: (from, to) => ports[`${from}->${to}`]!,
  storeUrl: () => {
    throw new Error('no stores here');
  },
  control: () => inertControl(),
  logs: () => [],
  lifecycle: () => [],
  down: async () => {},
};

const answers = (from: string, to: string) =>
  fetch(`http://127.0.0.1:${ports[`${from}->${to}`]!.port}/`, { signal: AbortSignal.timeout(300) })
    .then((r) => r.text())
    .catch(() => 'no answer');

test('a split brain cuts the links between the halves both ways, keeps the rest, and undoes clean', async () => {
  const world = { ...env, toxiproxy: client };
  const ledger = new FaultLedger();
  // The order is the step's seeded draw; here it is given: node-3, node-1 | node-4, node-2.
  const record = await ledger.inject(splitBrain(world, 'nodes', ['node-3', 'node-1', 'node-4', 'node-2']));
  assert.equal(
    record.description,
    'split brain of the nodes: node-3, node-1 cut from node-4, node-2, each keeping its clients',
  );
  assert.deepEqual(record.touches, ['node-3', 'node-1', 'node-4', 'node-2']);
  const cut = (await client.proxies())
    .filter((p) => p.toxics.length > 0)
    .map((p) => p.name)
    .sort();
  assert.deepEqual(cut, [
    'node-1-to-node-2',
    'node-1-to-node-4',
    'node-2-to-node-1',
    'node-2-to-node-3',
    'node-3-to-node-2',
    'node-3-to-node-4',
    'node-4-to-node-1',
    'node-4-to-node-3',
  ]);
  assert.equal(record.evidence.length, 8);
  for (const line of record.evidence)
    assert.match(line, /answered in \d+ ms before, no reply within 500 ms after/);
  assert.equal(await answers('node-1', 'node-3'), 'node-3', 'inside a half: still talking');
  assert.equal(await answers('client', 'node-4'), 'node-4', 'each half keeps its clients');
  assert.equal(await answers('node-1', 'node-4'), 'no answer', 'across the halves: cut');
  assert.deepEqual(await ledger.rollback(), []);
  assert.equal(record.felt?.ok, true, record.felt?.evidence);
  assert.deepEqual(await verifyClean(world), []);
  assert.equal(await answers('node-1', 'node-4'), 'node-4');
});

test('a group whose members never talk to each other has no brain to split: refused by name', () => {
  const star: Topology = { ...topology, links: NODES.map((n) => ({ from: 'client', to: n })) };
  assert.throws(
    () => splitWords(star, 'nodes', NODES),
    /no link runs between members of the nodes in the system 'cluster', so there is no brain to split: .*; links of the nodes: client → node-1, client → node-2/,
  );
  assert.throws(
    () => splitWords(topology, 'nodes', ['node-1']),
    /cannot split the nodes in two: it has 1 member/,
  );
});
