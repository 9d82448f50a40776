// The link pipeline on live connections (upstream's link_test.go and toxic_test.go): no data lost or
// reordered while toxics come and go, the fast path switching to the chunk pipeline and back under load,
// round trips staying correct during concurrent changes, and the no-toxic added latency.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { beforeEach, describe, test } from 'node:test';
import {
  acceptingServer,
  atMost,
  connectTo,
  echoRoundTrip,
  echoServer,
  portOf,
  readBytes,
  readToEnd,
  startServer,
  timed,
} from './helpers.ts';

const { api } = await startServer();
// Hooks are scoped to this file's suite, so the files can also share one process (test/proxy/index.js).
describe('link pipeline', () => {
  beforeEach(() => api.clear());

  async function connectedPair(): Promise<{ client: Socket; server: Socket }> {
    const upstream = await acceptingServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
    const client = await connectTo(portOf(proxy.listen));
    const server = await upstream.accepted();
    return { client, server };
  }

  /** Keep adding and removing a toxic until `stop` resolves; returns how many cycles ran. */
  async function churn(
    toxic: Record<string, unknown>,
    name: string,
    stop: Promise<unknown>,
  ): Promise<number> {
    let stopped = false;
    void stop.then(() => {
      stopped = true;
    });
    let cycles = 0;
    while (!stopped) {
      await api.addToxic('p', { name, ...toxic });
      await new Promise((resolve) => setTimeout(resolve, 2));
      await api.removeToxic('p', name);
      cycles++;
    }
    return cycles;
  }

  test('TestNoDataDropped: 65535 ordered messages survive continuous add/remove of a 1 s latency toxic, then EOF', async () => {
    const { client, server } = await connectedPair();
    const count = 65535;
    const received = readToEnd(server, 20_000);
    const writing = (async () => {
      for (let i = 0; i < count; i += 512) {
        const batch = Buffer.alloc(Math.min(512, count - i) * 2);
        for (let j = 0; j < batch.length / 2; j++) batch.writeUInt16BE(i + j, j * 2);
        client.write(batch);
        await new Promise((resolve) => setTimeout(resolve, 1));
      }
    })();
    const cycles = await churn(
      { type: 'latency', stream: 'upstream', attributes: { latency: 1000 } },
      'lag',
      writing,
    );
    client.end();
    const { data } = await received;
    assert.ok(cycles >= 5, `only ${cycles} add/remove cycles overlapped the stream`);
    assert.equal(data.length, count * 2);
    for (let i = 0; i < count; i++) {
      if (data.readUInt16BE(i * 2) !== i) assert.fail(`message ${i} is ${data.readUInt16BE(i * 2)}`);
    }
  });

  test('a fast downstream stream stays byte-exact while toxics are spliced in and out of it', async () => {
    const { client, server } = await connectedPair();
    const total = 32 * 1024 * 1024;
    const block = Buffer.alloc(256 * 1024);
    for (let i = 0; i < block.length; i += 4) block.writeUInt32BE(i / 4, i);
    let offset = 0;
    let mismatch: string | undefined;
    const done = new Promise<void>((resolve) => {
      client.on('data', (data: Buffer) => {
        for (let i = 0; i < data.length && mismatch === undefined; i++) {
          if (data[i] !== block[(offset + i) % block.length]) mismatch = `byte ${offset + i}`;
        }
        offset += data.length;
        if (offset >= total || mismatch) resolve();
      });
    });
    let sent = 0;
    const write = () => {
      while (sent < total) {
        sent += block.length;
        if (!server.write(block)) return void server.once('drain', write);
      }
    };
    write();
    const kinds = [
      { type: 'noop', stream: 'downstream' },
      { type: 'latency', stream: 'downstream', attributes: { latency: 3 } },
      { type: 'slicer', stream: 'downstream', attributes: { average_size: 4096, size_variation: 1000 } },
      { type: 'bandwidth', stream: 'downstream', attributes: { rate: 100_000 } },
    ];
    let cycles = 0;
    let finished = false;
    void done.then(() => {
      finished = true;
    });
    while (!finished) {
      const toxic = kinds[cycles % kinds.length]!;
      await api.addToxic('p', { name: 'splice', ...toxic });
      await new Promise((resolve) => setTimeout(resolve, 3));
      await api.removeToxic('p', 'splice');
      cycles++;
    }
    assert.equal(mismatch, undefined);
    assert.equal(offset, total);
    assert.ok(cycles >= 4, `${cycles} splice cycles during the stream`);
  });

  test('TestToxicAddRemove: 100 echo round trips stay correct while noop toxics are added and removed', async () => {
    const echo = await echoServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
    const client = await connectTo(portOf(proxy.listen));
    let finished = false;
    const trips = (async () => {
      for (let i = 0; i < 100; i++) await echoRoundTrip(client, Buffer.from(`message ${i} `.repeat(i + 1)));
      finished = true;
    })();
    let cycles = 0;
    while (!finished) {
      const stream = cycles % 2 === 0 ? 'upstream' : 'downstream';
      await api.addToxic('p', { name: `noop${cycles}`, type: 'noop', stream });
      if (cycles >= 2) await api.removeToxic('p', `noop${cycles - 2}`);
      cycles++;
    }
    await trips;
    assert.ok(cycles > 0);
  });

  test('TestProxyLatency: mean added latency per traversal without toxics is below 300 µs', async () => {
    const echo = await echoServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
    const direct = await connectTo(echo.port);
    const proxied = await connectTo(portOf(proxy.listen));
    const message = Buffer.from('ping');
    for (let i = 0; i < 20; i++) {
      await echoRoundTrip(direct, message);
      await echoRoundTrip(proxied, message);
    }
    await timed(async () => {
      let directTotal = 0;
      let proxiedTotal = 0;
      for (let i = 0; i < 100; i++) {
        directTotal += await echoRoundTrip(direct, message);
        proxiedTotal += await echoRoundTrip(proxied, message);
      }
      // Each round trip crosses the proxy twice.
      const perTraversalMs = (proxiedTotal - directTotal) / 100 / 2;
      atMost(perTraversalMs, 0.3, 'mean added latency per traversal');
    });
  });

  test('a toxic takes effect for the very next write after the API answered (remove, then add)', async () => {
    const { client, server } = await connectedPair();
    await api.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: 1000 } });
    await api.removeToxic('p', 'latency_upstream');
    const started = performance.now();
    client.write('after');
    assert.equal((await readBytes(server, 5)).toString(), 'after');
    // Far below the 1000 ms the toxic would add: the removal applies to the very next write.
    assert.ok(performance.now() - started < 500, 'the removed latency no longer applies');
    await api.addToxic('p', { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    const serverEnd = readToEnd(server);
    client.write('swallowed');
    await api.removeToxic('p', 'timeout_upstream');
    assert.equal((await serverEnd).data.length, 0, 'the write right after adding was swallowed');
  });
});
