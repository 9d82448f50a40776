import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Environment } from '../../support/env/environment.ts';
import { verifyClean } from '../../support/faults/clean.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { partition } from '../../support/faults/network/partition.ts';
import { parseListen, ToxiproxyClient } from '../../support/proxy/client.ts';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';
import type { Endpoint } from '../../support/system/topology.ts';
import { inertControl } from '../helpers/control.ts';
import { pairTopology } from '../helpers/pair.ts';

// Real parts: an HTTP service, the fault proxy, real sockets. Only the environment object is assembled by
// hand, so a link can be wired wrongly on purpose.

const topology = pairTopology(
  [
    { from: 'client', to: 'service' },
    { from: 'service', to: 'client' },
  ],
  { client: 'http', service: 'http' },
);

let proxy: RunningProxyServer;
let serviceServer: Server;
let clientServer: Server;
let client: ToxiproxyClient;
const ports: Record<string, Endpoint> = {};

function listen(): Promise<Server> {
  const server = createServer((_, res) => res.end('ok'));
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  proxy = await startProxyServer({ host: '127.0.0.1', port: 0, seed: 1 });
  client = new ToxiproxyClient(proxy.url);
  serviceServer = await listen();
  clientServer = await listen();
  for (const [name, server] of [
    ['service', serviceServer],
    ['client', clientServer],
  ] as const) {
    const { port } = server.address() as AddressInfo;
    ports[name] = { host: '127.0.0.1', port };
  }
  for (const link of topology.links) {
    const created = await client.createProxy({
      name: `${link.from}-to-${link.to}`,
      listen: '127.0.0.1:0',
      upstream: `127.0.0.1:${ports[link.to]!.port}`,
    });
    ports[`${link.from}->${link.to}`] = parseListen(created.listen);
  }
});

after(async () => {
  await proxy.close();
  serviceServer.closeAllConnections();
  clientServer.closeAllConnections();
  serviceServer.close();
  clientServer.close();
});

function environment(bypassProxy: boolean): Environment {
  return {
    backend: 'test',
    topology,
    toxiproxy: client,
    endpoint: (name) => ports[name]!,
    linkEndpoint: (from, to) => (bypassProxy ? ports[to]! : ports[`${from}->${to}`]!),
    storeUrl: () => {
      throw new Error('no stores here');
    },
    control: () => inertControl(),
    logs: () => [],
    lifecycle: () => [],
    down: async () => {},
  };
}

test('a partition cuts both directions, proves it, and its undo leaves the proxy clean', async () => {
  const env = environment(false);
  const ledger = new FaultLedger();
  const fault = await ledger.inject(partition(env, 'client', 'service'));
  assert.equal(fault.evidence.length, 2);
  for (const line of fault.evidence)
    assert.match(line, /answered in \d+ ms before, no reply within 500 ms after/);
  assert.ok((await verifyClean(env)).length === 4, 'two links with two toxics each are reported dirty');
  assert.deepEqual(await ledger.rollback(), []);
  assert.deepEqual(await verifyClean(env), []);
  const healed = await fetch(`http://127.0.0.1:${ports['client->service']!.port}/`);
  assert.equal(await healed.text(), 'ok');
});

test('a partition whose traffic does not cross the proxy fails, saying it had no effect', async () => {
  const env = environment(true);
  const ledger = new FaultLedger();
  await assert.rejects(
    ledger.inject(partition(env, 'client', 'service')),
    /the partition had no effect: .* still answered/,
  );
  // Its undo was registered before it was applied, so rollback still removes the toxics it did add.
  assert.deepEqual(await ledger.rollback(), []);
  assert.deepEqual(await verifyClean(env), []);
});

test('a disabled link is reported as dirty by name', async () => {
  const env = environment(false);
  await client.setEnabled('client-to-service', false);
  try {
    assert.deepEqual(await verifyClean(env), ['link client-to-service is still disabled']);
  } finally {
    await client.setEnabled('client-to-service', true);
  }
});

test('a service that is not running, or running but silent, is reported as dirty by name', async () => {
  const silent = createServer(() => {}); // accepts, never answers: a paused process looks like this
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', () => r()));
  try {
    const env = environment(false);
    const aliveOf: Record<string, boolean> = { client: false, service: true };
    const dirty: Environment = {
      ...env,
      endpoint: (name) =>
        name === 'service'
          ? { host: '127.0.0.1', port: (silent.address() as AddressInfo).port }
          : ports[name]!,
      control: (name) => ({ ...env.control(name), alive: () => aliveOf[name]! }),
    };
    const problems = await verifyClean(dirty, 300);
    assert.equal(problems.length, 2, problems.join('\n'));
    // No fault of the scenario killed it: a finding about the system, listed first.
    assert.equal(
      problems[0],
      'service client exited during the experiment (exit status not known) and was not brought back: no fault of this scenario killed it',
    );
    assert.match(problems[1]!, /^service service is running but does not answer \(no reply within \d+ ms\)$/);
  } finally {
    silent.closeAllConnections();
    silent.close();
  }
});

test('a partition is felt when the system’s traffic ran into one of its links; each link’s figures are kept', async () => {
  const env = environment(false);
  const ledger = new FaultLedger();
  const fault = await ledger.inject(partition(env, 'client', 'service'));
  // The system's own request while the partition holds: swallowed, never answered, but it reached the fault.
  const swallowed = await fetch(`http://127.0.0.1:${ports['client->service']!.port}/`, {
    signal: AbortSignal.timeout(300),
  }).catch((error: Error) => error);
  assert.ok(swallowed instanceof Error, 'no answer through the partition');
  assert.deepEqual(await ledger.rollback(), []);
  assert.equal(fault.felt?.ok, true, fault.felt?.evidence);
  assert.match(
    fault.felt?.evidence ?? '',
    /client → service: 1 connection accepted, \d+ B from client, 0 B from service; service → client: 0 connections accepted, 0 B from service, 0 B from client in \d+\.\d s$/,
  );
  assert.deepEqual(ledger.withoutEffect(), []);
});

test('a partition no traffic ran into is an invalid experiment naming both links', async () => {
  const env = environment(false);
  const ledger = new FaultLedger();
  await ledger.inject(partition(env, 'client', 'service'));
  assert.deepEqual(await ledger.rollback(), []);
  assert.match(
    ledger.withoutEffect().join('\n'),
    /^fault had no effect: no traffic of the system crossed client → service, service → client while it held \(.*\) — fault #1, network partition between client and service$/,
  );
});
