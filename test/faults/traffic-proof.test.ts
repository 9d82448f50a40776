// The traffic proof of a network fault, over the real embedded proxy and real TCP: it passes when the
// system's traffic crossed a faulted link while the fault held, fails with the invalid-experiment message
// when none did, is unknown (never a pass) on a proxy that cannot count, and is taken by the ledger just
// before the undo, on the fault's timer or at rollback. Allure's own matcher files the message under
// 'Invalid experiment'.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { extractErrorMatchingData, matchCategory, normalizeCategoriesConfig } from '@allurereport/core-api';
import { FaultLedger, type FaultSpec } from '../../support/faults/ledger.ts';
import { watchTraffic } from '../../support/faults/network/traffic.ts';
import { ToxiproxyClient } from '../../support/proxy/client.ts';
import { CATEGORIES } from '../../support/report/categories.ts';
import {
  connectTo,
  echoServer,
  onCleanup,
  portOf,
  readBytes,
  startServer,
  tcpServer,
} from '../proxy/helpers.ts';

/** A proxy server with one proxied echo link per name; returns the client and each link's listen port. */
async function links(...names: string[]) {
  const { server, api } = await startServer();
  const echo = await echoServer();
  const ports: Record<string, number> = {};
  for (const name of names)
    ports[name] = portOf((await api.createProxy(name, `127.0.0.1:${echo.port}`)).listen);
  return { client: new ToxiproxyClient(server.url), api, ports };
}

async function roundTrip(port: number, bytes: number): Promise<void> {
  const socket = await connectTo(port);
  socket.write(Buffer.alloc(bytes, 7));
  await readBytes(socket, bytes);
}

describe('watchTraffic', () => {
  test('traffic that crosses the link while the watch runs passes, with its figures', async () => {
    const { client, ports } = await links('worker-3-to-redis');
    await roundTrip(ports['worker-3-to-redis']!, 10); // before the watch: a probe's, not counted
    const watch = await watchTraffic(client, [{ from: 'worker-3', to: 'redis', proxy: 'worker-3-to-redis' }]);
    await roundTrip(ports['worker-3-to-redis']!, 2048);
    const proof = await watch.felt();
    assert.equal(proof.ok, true, proof.evidence);
    assert.match(
      proof.evidence,
      /^the system's traffic crossed the faulted link while it held: worker-3 → redis: 1 connection accepted, 2\.0 KiB from worker-3, 2\.0 KiB from redis in \d+\.\d s$/,
    );
  });

  test('bytes on a connection opened before the fault count (a pooled connection is the system’s traffic)', async () => {
    const { client, ports } = await links('app-to-db');
    const pooled = await connectTo(ports['app-to-db']!);
    pooled.write('a');
    await readBytes(pooled, 1);
    const watch = await watchTraffic(client, [{ from: 'app', to: 'db', proxy: 'app-to-db' }]);
    pooled.write('more');
    await readBytes(pooled, 4);
    const proof = await watch.felt();
    assert.equal(proof.ok, true, proof.evidence);
    assert.match(proof.evidence, /app → db: 0 connections accepted, 4 B from app, 4 B from db/);
  });

  test('no traffic while the watch runs fails, naming the link and its zero figures', async () => {
    const { client, ports } = await links('worker-3-to-redis');
    await roundTrip(ports['worker-3-to-redis']!, 10);
    const watch = await watchTraffic(client, [{ from: 'worker-3', to: 'redis', proxy: 'worker-3-to-redis' }]);
    const proof = await watch.felt();
    assert.equal(proof.ok, false);
    assert.equal(proof.unknown, undefined);
    assert.match(
      proof.evidence,
      /^no traffic of the system crossed worker-3 → redis while it held \(worker-3 → redis: 0 connections accepted, 0 B from worker-3, 0 B from redis in \d+\.\d s\)$/,
    );
  });

  test('over several links (a partition), one that carried traffic is enough; each link is listed', async () => {
    const { client, ports } = await links('a-to-b', 'b-to-a');
    const watch = await watchTraffic(client, [
      { from: 'a', to: 'b', proxy: 'a-to-b' },
      { from: 'b', to: 'a', proxy: 'b-to-a' },
    ]);
    await roundTrip(ports['b-to-a']!, 3);
    const proof = await watch.felt();
    assert.equal(proof.ok, true, proof.evidence);
    assert.match(
      proof.evidence,
      /a → b: 0 connections accepted, 0 B from a, 0 B from b; b → a: 1 connection accepted, 3 B/,
    );
  });

  test('traffic swallowed by a partition (timeout toxic) counts: it reached the fault', async () => {
    const { server, api } = await startServer();
    const { port } = await tcpServer(() => {});
    const listen = portOf((await api.createProxy('x-to-y', `127.0.0.1:${port}`)).listen);
    await api.addToxic('x-to-y', { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    const watch = await watchTraffic(new ToxiproxyClient(server.url), [
      { from: 'x', to: 'y', proxy: 'x-to-y' },
    ]);
    const socket = await connectTo(listen);
    socket.write('PING\r\n');
    await new Promise((r) => setTimeout(r, 100));
    const proof = await watch.felt();
    assert.equal(proof.ok, true, proof.evidence);
    assert.match(proof.evidence, /x → y: 1 connection accepted, 6 B from x, 0 B from y/);
  });

  test('a fault proxy that cannot count traffic gives an unknown proof, never a pass', async () => {
    // Answers every route as Shopify's Toxiproxy answers one it does not have (it cannot run here).
    const upstreamLike = createServer((_request, response) => {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('404 page not found\n');
    });
    upstreamLike.listen(0, '127.0.0.1');
    await new Promise((resolve) => upstreamLike.once('listening', resolve));
    onCleanup(() => new Promise<void>((resolve) => upstreamLike.close(() => resolve())));
    const url = `http://127.0.0.1:${(upstreamLike.address() as AddressInfo).port}`;
    const watch = await watchTraffic(new ToxiproxyClient(url), [{ from: 'a', to: 'b', proxy: 'a-to-b' }]);
    const proof = await watch.felt();
    assert.equal(proof.ok, false);
    assert.equal(proof.unknown, true);
    assert.match(
      proof.evidence,
      new RegExp(`^the fault proxy at ${url} cannot count traffic .* a → b .* is unknown`),
    );
  });
});

test('a watch whose first read fails does not fail the fault: its proof is unknown, and says why', async () => {
  const { client } = await links('present');
  const watch = await watchTraffic(client, [{ from: 'a', to: 'b', proxy: 'absent' }]);
  const proof = await watch.felt();
  assert.equal(proof.unknown, true);
  assert.match(
    proof.evidence,
    /^the traffic on a → b could not be counted when the fault began: .*404: proxy not found/,
  );
});

describe('the ledger takes the proof at the end of the hold', () => {
  /** A fault whose proof watches one real proxied link, recording the order of its calls. */
  async function watchedFault(durationMs?: number) {
    const { client, ports } = await links('svc-to-dep');
    const calls: string[] = [];
    let watch: Awaited<ReturnType<typeof watchTraffic>> | undefined;
    const spec: FaultSpec = {
      kind: 'latency',
      description: '100 ms latency on dep',
      targets: ['dep'],
      durationMs,
      async apply() {
        watch = await watchTraffic(client, [{ from: 'svc', to: 'dep', proxy: 'svc-to-dep' }]);
        return ['applied'];
      },
      async undo() {
        calls.push('undo');
      },
      async felt() {
        calls.push('felt');
        return watch!.felt();
      },
    };
    return { spec, calls, port: ports['svc-to-dep']! };
  }

  test('healing on its timer: proof before undo, kept on the record and in its evidence', async () => {
    const { spec, calls, port } = await watchedFault(300);
    const ledger = new FaultLedger();
    const record = await ledger.inject(spec);
    await roundTrip(port, 100);
    await new Promise((r) => setTimeout(r, 500));
    assert.deepEqual(calls, ['felt', 'undo']);
    assert.equal(record.felt?.ok, true, record.felt?.evidence);
    assert.match(
      record.evidence.at(-1) ?? '',
      /^traffic: the system's traffic crossed .*1 connection accepted/,
    );
    assert.deepEqual(ledger.withoutEffect(), []);
    assert.deepEqual(await ledger.rollback(), []);
    assert.deepEqual(calls, ['felt', 'undo'], 'taken once');
  });

  test('at rollback, with no traffic: the invalid-experiment line, filed under Invalid experiment', async () => {
    const { spec, calls } = await watchedFault();
    const ledger = new FaultLedger();
    const record = await ledger.inject(spec);
    assert.deepEqual(await ledger.rollback(), []);
    assert.deepEqual(calls, ['felt', 'undo']);
    assert.equal(record.felt?.ok, false);
    const [line, ...rest] = ledger.withoutEffect();
    assert.deepEqual(rest, []);
    assert.match(
      line ?? '',
      /^fault had no effect: no traffic of the system crossed svc → dep while it held \(svc → dep: 0 connections accepted, 0 B from svc, 0 B from dep in \d+\.\d s\) — fault #1, 100 ms latency on dep$/,
    );
    const rules = normalizeCategoriesConfig({ rules: CATEGORIES as never });
    const category = matchCategory(
      rules,
      extractErrorMatchingData({ status: 'broken', labels: [], error: { message: line }, flaky: false }),
    );
    assert.equal(category?.id, 'fault-without-effect');
  });

  test('a proof that throws is unknown, and says why; the undo still runs', async () => {
    const undone: string[] = [];
    const ledger = new FaultLedger();
    const record = await ledger.inject({
      kind: 'partition',
      description: 'network partition between a and b',
      targets: ['b'],
      apply: async () => [],
      undo: async () => {
        undone.push('undo');
      },
      felt: async () => {
        throw new Error('toxiproxy GET /proxies/a-to-b/traffic → 500: boom');
      },
    });
    assert.deepEqual(await ledger.rollback(), []);
    assert.deepEqual(undone, ['undo']);
    assert.equal(record.felt?.unknown, true);
    assert.match(
      ledger.withoutEffect()[0] ?? '',
      /^fault had no effect that could be proven: the traffic proof could not be read: toxiproxy GET .* boom — fault #1/,
    );
  });

  test('a fault without a proof (a killed process proves itself) adds no line', async () => {
    const ledger = new FaultLedger();
    await ledger.inject({
      kind: 'process-kill',
      description: 'worker-1 killed',
      targets: ['worker-1'],
      apply: async () => ['gone'],
      undo: async () => {},
    });
    await ledger.rollback();
    assert.deepEqual(ledger.withoutEffect(), []);
  });
});
