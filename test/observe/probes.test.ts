import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Environment } from '../../support/env/environment.ts';
import type { FaultRecord } from '../../support/faults/ledger.ts';
import { isolatedTo } from '../../support/observe/blast-radius.ts';
import { Hypothesis } from '../../support/observe/hypothesis.ts';
import {
  caughtWithin,
  heldAgainWithin,
  heldThroughout,
  restoredAfter,
} from '../../support/observe/hypothesis-verdicts.ts';
import { parseHypothesis, readProbe } from '../../support/observe/probe.ts';
import { type StoresEnv, startStores, topology } from '../stores/stores-env.ts';

// Every probe kind against the real thing (redis-server, postgres, an HTTP server, a process, its log), and
// the hypothesis verdicts over real readings: a store killed mid-method is caught, the blast radius names
// it, a probe that cannot answer never makes a verdict pass.

let s: StoresEnv;
let server: Server;
let env: Environment;
const status = 200;

before(async () => {
  s = await startStores();
  server = createServer((req, res) => {
    if (req.url === '/v1/fleet') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ workers: [{ id: 'a' }, { id: 'b' }, { id: 'c' }] }));
      return;
    }
    res.writeHead(status);
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const { port } = server.address() as AddressInfo;
  // The test's HTTP server plays the process service 'app'; the stores are the real ones.
  env = {
    ...s.env,
    endpoint: (name) => (name === 'app' ? { host: '127.0.0.1', port } : s.env.endpoint(name)),
  };
});
after(async () => {
  server?.close();
  await s?.close();
});

const table = (...rows: string[][]) =>
  parseHypothesis([{ cells: ['probe', 'of', 'tolerance'] }, ...rows.map((cells) => ({ cells }))], topology);

test('each probe kind reads its value from the real service', async () => {
  const probes = table(
    ['http GET /healthz status', 'app', 'equals 200'],
    ['http GET /healthz latency', 'app', 'at most 1 s'],
    ['http GET /v1/fleet $.workers.length', 'app', 'equals 3'],
    ['http GET /v1/fleet $.workers[2].id', 'app', 'equals "c"'],
    ['sql select 40 + 2', 'postgres', 'equals 42'],
    ['sql select count(*) from pg_database', 'postgres', 'at least 1'],
    ['redis PING', 'redis', 'equals "PONG"'],
    ['redis DBSIZE', 'redis', 'at least 0'],
    ['log line matching "Ready to accept"', 'redis', 'present'],
    ['process alive', 'redis', 'equals true'],
    ['process running', 'postgres', 'equals true'],
  );
  for (const p of probes) {
    const value = await readProbe(env, p, 2_000);
    assert.equal(p.tolerance.accepts(value), true, `${p.text} of ${p.service}: ${value}`);
  }
  // A write hidden in a query that reads: Postgres refuses it, the probe has no value.
  const [sneaky] = table([
    'sql with gone as (delete from pg_class returning 1) select count(*) from gone',
    'postgres',
    'equals 0',
  ]);
  await assert.rejects(readProbe(env, sneaky!, 2_000), /read-only transaction/);
  const latency = await readProbe(env, probes[1]!, 2_000);
  assert.equal(typeof latency, 'number');
});

test('a probe that cannot answer gives no value, and a hypothesis of such readings is never a pass', async () => {
  const h = new Hypothesis(env, table(['http GET /nothing $.a', 'app', 'equals 1']), 100);
  const [sample] = await h.round('method');
  assert.equal(sample?.holds, false);
  assert.match(sample?.error ?? '', /body that is not JSON/);
  const verdict = heldThroughout(h, []);
  assert.equal(verdict.unknown, true);
  assert.equal(verdict.pass, false);
  assert.match(verdict.message, /1 of 1 readings got no answer/);
  // Nothing read while the method ran: unknown too.
  assert.equal(heldThroughout(new Hypothesis(env, h.probes, 100), []).unknown, true);
});

test('a store killed mid-method is caught, named in the blast radius, and the hypothesis holds again after', async () => {
  const h = new Hypothesis(
    env,
    table(
      ['http GET /healthz status', 'app', 'equals 200'],
      ['sql select 1', 'postgres', 'equals 1'],
      ['redis DBSIZE', 'redis', 'at least 0'],
      ['process alive', 'redis', 'equals true'],
    ),
    100,
  );
  const before = await h.settle('before', 5_000);
  assert.equal(before.held, true);
  h.start();
  await sleep(300);
  const fault: FaultRecord = {
    id: 1,
    kind: 'crash',
    description: 'redis killed',
    targets: ['redis'],
    state: 'active',
    startedAt: Date.now(),
    evidence: [],
  };
  await env.control('redis').kill();
  await sleep(600);
  await env.control('redis').restart();
  fault.stoppedAt = Date.now();
  fault.state = 'undone';
  const deadline = Date.now() + 5_000;
  while (restoredAfter(h, fault.stoppedAt) === undefined && Date.now() < deadline) await sleep(100);
  await h.stop();

  const held = heldThroughout(h, [fault]);
  assert.equal(held.pass, false);
  assert.equal(held.unknown, undefined);
  assert.match(
    held.message,
    /process alive of redis: false, expected true — tolerance equals true \(\d+ times, from \+0\.\d+ s after the fault began/,
  );

  const caught = caughtWithin(h, [fault], 1_000);
  assert.equal(caught.pass, true, caught.message);
  assert.match(caught.message, /redis killed: caught after [\d.]+ ms/);

  const isolated = isolatedTo(h, [fault], ['redis'], 'redis');
  assert.equal(isolated.pass, true, isolated.message);
  assert.match(
    isolated.message,
    /deviated while a fault held: redis \(targeted: redis\); app, postgres held/,
  );

  // Claimed to stay with postgres while redis was the one struck: redis is a target, so it is allowed, but
  // a fault recorded against postgres shows redis's deviation as the failure spreading.
  const wrong = isolatedTo(h, [{ ...fault, targets: ['postgres'] }], ['postgres'], 'postgres');
  assert.equal(wrong.pass, false);
  assert.match(
    wrong.message,
    /spread beyond postgres \(targeted: postgres\) to redis: process alive of redis: false/,
  );

  const again = heldAgainWithin(h, fault.stoppedAt, 5_000);
  assert.equal(again.pass, true, again.message);
  assert.equal(heldAgainWithin(h, fault.stoppedAt, 0).pass, false);
});

test('blast radius: nothing read during the fault, or nothing watched outside the targets, is UNKNOWN', async () => {
  const h = new Hypothesis(env, table(['process alive', 'redis', 'equals true']), 100);
  await h.round('before');
  const fault: FaultRecord = {
    id: 1,
    kind: 'crash',
    description: 'redis killed',
    targets: ['redis'],
    state: 'undone',
    startedAt: Date.now() + 1_000,
    stoppedAt: Date.now() + 2_000,
    evidence: [],
  };
  const none = isolatedTo(h, [fault], ['redis'], 'redis');
  assert.equal(none.unknown, true);
  assert.match(none.message, /no probe was read while a fault held/);
  h.samples.push({
    probe: 0,
    service: 'redis',
    at: fault.startedAt! + 10,
    ms: 1,
    phase: 'method',
    value: true,
    holds: true,
  });
  const blind = isolatedTo(h, [fault], ['redis'], 'redis');
  assert.equal(blind.unknown, true);
  assert.match(blind.message, /every probe watches a service inside redis: add a probe of another service/);
  assert.equal(isolatedTo(h, [], ['redis'], 'redis').unknown, true);
  assert.equal(caughtWithin(h, [], 1_000).unknown, true);
  assert.equal(heldAgainWithin(h, undefined, 1_000).unknown, true);
});

test('the table: every mistake named with its row, the services checked against the topology', () => {
  assert.throws(
    () =>
      table(
        ['http GET /healthz status', 'kafka', 'equals 200'],
        ['ping the app', 'app', 'equals 1'],
        ['sql select 1', 'redis', 'equals 1'],
        ['redis FLUSHALL', 'redis', 'equals "OK"'],
        ['sql delete from t', 'postgres', 'equals 0'],
        ['process alive', 'app', 'roughly true'],
        ['http GET /x status', 'postgres', 'equals 200'],
      ),
    (e: Error) => {
      for (const line of [
        /row 1 \| http GET \/healthz status \| kafka \| equals 200 \|: 'kafka' is not a service of the system 'stores'; its services: app, redis, postgres/,
        /row 2 .*unknown probe kind 'ping'; the kinds: http, sql, redis, log, process/,
        /row 3 .*'redis' is a redis service: a sql probe reads a postgres \(postgres\)/,
        /row 4 .*a redis probe sends one read-only command: DBSIZE, PING/,
        /row 5 .*a sql probe runs a read-only query .* not 'delete'/,
        /row 6 .*tolerance 'roughly true' cannot be parsed/,
        /row 7 .*'postgres' is a postgres store, which does not answer HTTP/,
        /7 mistake\(s\)/,
      ])
        assert.match(e.message, line);
      return true;
    },
  );
  assert.throws(
    () => parseHypothesis([{ cells: ['probe', 'service', 'tolerance'] }], topology),
    /header is \| probe \| service \| tolerance \|: write \| probe \| of \| tolerance \|/,
  );
});
