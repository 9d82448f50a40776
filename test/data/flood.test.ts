import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import { type AddressInfo, createServer as createTcpServer } from 'node:net';
import { after, before, test } from 'node:test';
import { type Flood, floodRequests, malformedFlood } from '../../support/data/flood.ts';
import type { Environment } from '../../support/env/environment.ts';
import { FaultLedger } from '../../support/faults/ledger.ts';
import { derive } from '../../support/random.ts';
import { inertControl } from '../helpers/control.ts';

// A flood of malformed requests is a ledger fault: sent against a real HTTP service it proves itself by the
// service's own answers (each line naming the mutation and what came back), the service's memory is
// sampled from /proc while it runs (the test process stands in for the service), and a flood that reaches
// no service at all is refused as having had no effect. The same seed sends the same bytes.

let server: Server;
let port: number;
const bodies: string[] = [];

before(async () => {
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      bodies.push(Buffer.concat(chunks).toString('latin1'));
      res.writeHead(400, { 'content-type': 'application/json' });
      res.end('{"error":"malformed"}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
after(() => new Promise<void>((resolve) => server.close(() => resolve())));

function environment(at: number): Environment {
  return {
    endpoint: () => ({ host: '127.0.0.1', port: at }),
    control: () => ({ ...inertControl(), pid: async () => process.pid }),
  } as unknown as Environment;
}

const options = (env: Environment, floods: Flood[], seed = 7) => {
  let n = 0;
  return {
    env,
    kind: 'order request',
    request: ({ id }: { id: string }) => ({
      service: 'api',
      path: '/orders',
      json: { order_id: id, note: 'gift' },
    }),
    kinds: [{ family: 'invalid JSON' as const }, { family: 'invalid UTF-8' as const }],
    count: 6,
    seed,
    nextId: () => `order-${++n}`,
    random: (purpose: string) => derive(seed, purpose),
    started: (f: Flood) => void floods.push(f),
  };
};

test('a flood proves itself by the answers, one line per request, and samples the memory of the service', async () => {
  const floods: Flood[] = [];
  const ledger = new FaultLedger();
  const record = await ledger.inject(malformedFlood(options(environment(port), floods)));
  await ledger.heal(record);
  assert.equal(record.state, 'undone');
  assert.deepEqual(record.targets, ['api']);
  assert.match(
    record.evidence[0] ?? '',
    /^seed 7 \(FAULTLINE_SEED=7 sends these bytes again\); 6 of 6 answered by api$/,
  );
  assert.equal(record.evidence.length, 7);
  assert.match(
    record.evidence[1] ?? '',
    /^order-1: invalid JSON: .* → 400 "\{\\"error\\":\\"malformed\\"\}" in \d+ ms$/,
  );
  assert.match(record.evidence[2] ?? '', /^order-2: invalid UTF-8: .* in order_id \(\d+ B\) → 400/);
  const [flood] = floods;
  assert.equal(flood?.answers.length, 6);
  assert.ok((flood?.memory?.baseline.length ?? 0) >= 1 && (flood?.memory?.samples.length ?? 0) >= 1);
  assert.ok((flood?.memory?.samples[0]?.rssBytes ?? 0) > 10_000_000, 'a real RSS, read from /proc');
});

test('the same seed sends the same bytes; another seed other bytes', () => {
  const bytesOf = (seed: number) => {
    const requests = floodRequests(options(environment(port), [], seed));
    return Array.from({ length: requests.count }, (_, i) =>
      (requests.at(i).body() as Buffer).toString('hex'),
    );
  };
  const [a, b, c] = [bytesOf(7), bytesOf(7), bytesOf(8)];
  assert.deepEqual(a, b);
  assert.notDeepEqual(a, c);
});

test('a flood that reaches no service had no effect: the fault fails, naming why', async () => {
  // A port that was free a moment ago: nothing listens there.
  const probe = createTcpServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const closed = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const ledger = new FaultLedger();
  await assert.rejects(
    ledger.inject(malformedFlood(options(environment(closed), []))),
    /the malformed requests had no effect: none of the 6 reached api \(.*ECONNREFUSED.*\)/,
  );
});
