import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import type { Environment } from '../../support/env/environment.ts';
import { verifyClean } from '../../support/faults/clean.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { effectWords } from '../../support/faults/network/effects.ts';
import { networkFault } from '../../support/faults/network/network-fault.ts';
import { whereWords } from '../../support/faults/network/where.ts';
import { parseListen, ToxiproxyClient } from '../../support/proxy/client.ts';
import { type RunningProxyServer, startProxyServer } from '../../support/proxy/server.ts';
import { type Endpoint, proxyName } from '../../support/system/topology.ts';
import { inertControl } from '../helpers/control.ts';
import { pairTopology } from '../helpers/pair.ts';

// Every network fault of the link grammar against real parts: two HTTP services, faultline's proxy, real
// sockets; only the environment object is assembled by hand, so a link can bypass the proxy on purpose.
// For each effect: it applies, proves its effect with the probe its kind calls for, is felt when traffic
// crosses it, its undo leaves the proxy clean and the link answering again; through a link that bypasses
// the proxy, the same fault fails saying it had no effect, and its rollback still leaves nothing behind.

const topology = pairTopology(
  [
    { from: 'client', to: 'service' },
    { from: 'service', to: 'client' },
  ],
  { client: 'http', service: 'http' },
);

let proxy: RunningProxyServer;
let client: ToxiproxyClient;
const servers: Server[] = [];
const ports: Record<string, Endpoint> = {};

// A health answer of about 200 B, so a stream of 100 of them is long enough to time and to cut.
const BODY = JSON.stringify({ status: 'ok', pad: 'x'.repeat(120) });

function listen(): Promise<Server> {
  const server = createServer((_, res) => res.end(BODY));
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

before(async () => {
  proxy = await startProxyServer({ host: '127.0.0.1', port: 0, seed: 7 });
  client = new ToxiproxyClient(proxy.url);
  for (const name of ['client', 'service']) {
    const { port } = (await listen()).address() as AddressInfo;
    ports[name] = { host: '127.0.0.1', port };
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

function environment(bypassProxy = false): Environment {
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

/** The system's own request through client → service while a fault holds: its outcome does not matter. */
const traffic = () =>
  fetch(`http://127.0.0.1:${ports['client->service']!.port}/`, { signal: AbortSignal.timeout(300) })
    .then((r) => r.text())
    .catch(() => undefined);

function fault(words: string, effect: string, env = environment(), durationMs?: number) {
  const where = whereWords(topology, words);
  const target = where.kind === 'services' ? where.targets.members[0] : undefined;
  return networkFault(env, where, effectWords(effect), durationMs, target);
}

/** Each effect, where it is aimed, and what its evidence must say. */
const CASES: [string, string, RegExp][] = [
  [
    'the link from client to service',
    'unreachable',
    /answered in \d+ ms before, no reply within 500 ms after/,
  ],
  [
    'the traffic from client to service',
    'black-holed',
    /client → service: .*no reply within 500 ms after[\s\S]*service → client: .*(no reply within 500 ms|closed without a reply) after/,
  ],
  ['the network between client and service', 'refused', /after: connection error: read ECONNRESET in \d+ ms/],
  [
    'the link from client to service',
    'slowed by 200ms with 50ms jitter',
    /answered in \d+ ms before, (1[5-9]\d|2[0-9]\d) ms after/,
  ],
  [
    'the link from client to service',
    'hit by a latency bomb from 100 ms to 400 ms',
    /answered in \d+ ms before, ([1-4]\d\d) ms after/,
  ],
  [
    'the link from client to service',
    '5% packet loss',
    /the proxy holds faultline-packet-loss-\d+-up \(packet_loss \{"probability":0\.05,"burst":0\}\), faultline-packet-loss-\d+-down .*a probe cannot tell a 5% loss from none/,
  ],
  [
    'the link from client to service',
    'limited to 8 KB/s',
    /after, a stream of \d+ B of replies in \d+ reads over \d+ ms \(([0-9]|10)\.\d KB\/s\)/,
  ],
  [
    'the link from client to service',
    'sliced into 64 B pieces',
    /after, a stream of \d+ B of replies in \d{2,} reads/,
  ],
  [
    'the link from client to service',
    'closed 700 ms late',
    /closed ([7-9]\d\d|1\d{3}) ms after its last byte/,
  ],
  [
    'the link from client to service',
    'cut after 1 KB',
    /after, a stream of (\d{1,3}|1000) B of replies .*closed \d+ ms after its last byte/,
  ],
  [
    'the link from client to service',
    '1% byte corruption',
    /the proxy holds faultline-corruption-\d+-down \(corrupt \{"probability":0\.01\}\)/,
  ],
  [
    'service',
    'unreachable',
    /client → service: http probe answered in \d+ ms before, no reply within 500 ms after/,
  ],
];

for (const [where, effect, evidence] of CASES)
  test(`${where} ${effect}: applied, proven, felt, undone clean`, async () => {
    const env = environment();
    const ledger = new FaultLedger();
    try {
      const record = await ledger.inject(fault(where, effect, env));
      assert.match(record.evidence.join('\n'), evidence);
      assert.ok((await verifyClean(env)).length > 0, 'the toxics are in the proxy while it holds');
      await traffic();
    } finally {
      assert.deepEqual(await ledger.rollback(), []);
    }
    const [record] = ledger.records;
    assert.equal(record?.felt?.ok, true, record?.felt?.evidence);
    assert.deepEqual(await verifyClean(env), []);
    assert.equal(await traffic(), BODY, 'the link answers again after the undo');
  });

for (const [where, effect] of CASES.filter(([, e]) => !/packet loss|corruption/.test(e)))
  test(`${where} ${effect} through a link that bypasses the proxy: "had no effect", nothing left behind`, async () => {
    const env = environment(true);
    const ledger = new FaultLedger();
    await assert.rejects(ledger.inject(fault(where, effect, env)), /had no effect: .* through /);
    assert.deepEqual(await ledger.rollback(), []);
    assert.deepEqual(await verifyClean(env), []);
  });

test('a fault no traffic crossed while it held is an invalid experiment', async () => {
  const ledger = new FaultLedger();
  await ledger.inject(fault('the link from client to service', 'has 5% packet loss'.slice(4)));
  assert.deepEqual(await ledger.rollback(), []);
  assert.match(
    ledger.withoutEffect().join('\n'),
    /^fault had no effect: no traffic of the system crossed client → service while it held .* — fault #1, 5% packet loss \(seeded\) on the link from client to service$/,
  );
});

test('a flapping link goes down and up on its period, each flip in the evidence, and ends clean', async () => {
  const env = environment();
  const ledger = new FaultLedger();
  const record = await ledger.inject(
    fault('the link from client to service', 'flapping every 300 ms', env, 1_000),
  );
  assert.match(record.evidence.join('\n'), /no reply within 500 ms after[\s\S]*every 300 ms/);
  await traffic();
  await new Promise((r) => setTimeout(r, 1_300));
  assert.equal(record.state, 'undone', 'healed by itself after its duration');
  assert.match(record.felt?.evidence ?? '', /flipped [2-4] times \(up at \+0\.\d s, down at \+0\.\d s/);
  assert.deepEqual(await verifyClean(env), []);
  assert.deepEqual(await ledger.rollback(), []);
});

test('one direction only: the other direction still answers', async () => {
  const env = environment();
  const ledger = new FaultLedger();
  // Only what service sends: client → service loses its replies, service → client its requests.
  await ledger.inject(fault('the traffic from service to client', 'black-holed', env));
  const proxies = await client.proxies();
  const streams = proxies.flatMap((p) => p.toxics.map((t) => `${p.name}:${t.stream}`)).sort();
  assert.deepEqual(streams, ['client-to-service:downstream', 'service-to-client:upstream']);
  assert.deepEqual(await ledger.rollback(), []);
  assert.deepEqual(await verifyClean(env), []);
});

test('two faults of one kind on one link each keep their own toxics: the first undone leaves the second', async () => {
  const env = environment();
  const ledger = new FaultLedger();
  const first = fault('the network between client and service', 'unreachable', env);
  await ledger.inject(first);
  await ledger.inject(fault('service', 'unreachable', env));
  const toxics = async () => (await client.proxy('client-to-service')).toxics.map((t) => t.name);
  const both = await toxics();
  assert.equal(both.length, 4, both.join(', '));
  assert.equal(new Set(both).size, 4, 'no two share a name');
  await first.undo();
  const left = await toxics();
  assert.equal(left.length, 2, left.join(', '));
  const stem = (names: string[]) => [...new Set(names.map((n) => n.replace(/-(up|down)$/, '')))];
  const removed = both.filter((n) => !left.includes(n));
  assert.equal(stem(left).length, 1, "what is left is one fault's, up and down");
  assert.equal(stem(removed).length, 1, "what was removed is the other fault's, up and down");
  assert.notEqual(stem(left)[0], stem(removed)[0]);
  assert.deepEqual(await ledger.rollback(), []);
  assert.deepEqual(await verifyClean(env), []);
});
