// latency toxic over real sockets with upstream's tolerances (toxics/latency_test.go): each direction within
// ±(jitter + 10 ms), round trips within ±(jitters + 20 ms), stacked toxics add up, throughput is kept.

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { beforeEach, describe, test } from 'node:test';
import {
  acceptingServer,
  connectTo,
  echoServer,
  pattern,
  portOf,
  readBytes,
  readToEnd,
  startServer,
} from './helpers.ts';

const { api } = await startServer();
beforeEach(() => api.clear());

async function connectedPair(): Promise<{ client: Socket; server: Socket }> {
  const upstream = await acceptingServer();
  const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
  const client = await connectTo(portOf(proxy.listen));
  client.write('x');
  const server = await upstream.accepted();
  await readBytes(server, 1);
  return { client, server };
}

/** Time for `message` to get from one socket to the other through the proxy (ms); checks integrity. */
async function oneWay(from: Socket, to: Socket, message: Buffer): Promise<number> {
  const started = performance.now();
  from.write(message);
  const received = await readBytes(to, message.length);
  const elapsed = performance.now() - started;
  assert.ok(received.equals(message), 'message intact');
  return elapsed;
}

function within(actual: number, expected: number, tolerance: number, what: string): void {
  assert.ok(
    Math.abs(actual - expected) <= tolerance,
    `${what}: ${actual.toFixed(1)} ms, expected ${expected} ± ${tolerance} ms`,
  );
}

const message = pattern(32 * 1024);

for (const [name, up, down] of [
  ['TestUpstreamLatency', 100, 0],
  ['TestDownstreamLatency', 0, 100],
  ['TestFullstreamLatencyEven', 100, 100],
  ['TestFullstreamLatencyBiasUp', 1000, 100],
  ['TestFullstreamLatencyBiasDown', 100, 1000],
  ['TestZeroLatency', 0, 0],
] as const) {
  test(`${name}: upstream ${up} ms, downstream ${down} ms, 32 KB intact`, async () => {
    const { client, server } = await connectedPair();
    if (up > 0 || name === 'TestZeroLatency')
      await api.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: up } });
    if (down > 0 || name === 'TestZeroLatency')
      await api.addToxic('p', { type: 'latency', stream: 'downstream', attributes: { latency: down } });
    within(await oneWay(client, server, message), up, 10, 'upstream');
    within(await oneWay(server, client, message), down, 10, 'downstream');
    const started = performance.now();
    client.write(message);
    await readBytes(server, message.length);
    server.write(message);
    await readBytes(client, message.length);
    within(performance.now() - started, up + down, 20, 'round trip');
  });
}

test('jitter keeps each traversal within latency ± (jitter + 10 ms) and never reorders', async () => {
  const { client, server } = await connectedPair();
  await api.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: 60, jitter: 30 } });
  const delays: number[] = [];
  for (let i = 0; i < 8; i++) delays.push(await oneWay(client, server, pattern(100, i)));
  for (const delay of delays) within(delay, 60, 40, 'jittered latency');
  assert.ok(new Set(delays.map((d) => Math.round(d / 5))).size > 1, `jitter varies the delay: ${delays}`);
  // Many small writes in a burst: jitter must not reorder them.
  const burst = Array.from({ length: 200 }, (_, i) => Buffer.from(`${String(i).padStart(4, '0')};`));
  for (const part of burst) client.write(part);
  const received = await readBytes(server, burst.length * 5, 5000);
  assert.equal(received.toString(), Buffer.concat(burst).toString());
});

test('TestTwoLatencyToxics: two 500 ms upstream toxics add up to 1000 ± 10 ms', async () => {
  const { client, server } = await connectedPair();
  await api.addToxic('p', { name: 'a', type: 'latency', stream: 'upstream', attributes: { latency: 500 } });
  await api.addToxic('p', { name: 'b', type: 'latency', stream: 'upstream', attributes: { latency: 500 } });
  within(await oneWay(client, server, message), 1000, 10, 'two stacked latencies');
});

test('a latency toxic added to a live connection applies to the next bytes; removal releases held data', async () => {
  const { client, server } = await connectedPair();
  within(await oneWay(client, server, Buffer.from('before')), 0, 10, 'no toxic');
  await api.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: 200 } });
  within(await oneWay(client, server, Buffer.from('during')), 200, 10, 'added live');
  const started = performance.now();
  client.write('held');
  setTimeout(() => void api.removeToxic('p', 'latency_upstream'), 50);
  await readBytes(server, 4);
  within(performance.now() - started, 50, 15, 'released on removal');
  within(await oneWay(client, server, Buffer.from('after')), 0, 10, 'removed live');
});

test('updating latency restarts the held chunk with the new value (measured from its arrival)', async () => {
  const { client, server } = await connectedPair();
  await api.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: 1000 } });
  const started = performance.now();
  client.write('held');
  setTimeout(() => void api.post('/proxies/p/toxics/latency_upstream', { attributes: { latency: 150 } }), 30);
  await readBytes(server, 4);
  within(performance.now() - started, 150, 10, 'updated latency');
});

test('end-of-stream follows the last delayed chunk (data then FIN, not FIN first)', async () => {
  const { client, server } = await connectedPair();
  await api.addToxic('p', { type: 'latency', stream: 'downstream', attributes: { latency: 100 } });
  const started = performance.now();
  server.end('last words');
  const end = await readToEnd(client);
  assert.equal(end.data.toString(), 'last words');
  within(end.at - started, 100, 10, 'close delayed with the data');
});

test('TestLatencyToxicBandwidth: at least 100 MB/s through a 100 ms latency toxic', async () => {
  const upstream = await acceptingServer();
  const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
  await api.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: 100 } });
  const client = await connectTo(portOf(proxy.listen));
  const block = Buffer.alloc(1024 * 1024, 7);
  const total = 64 * 1024 * 1024;
  const started = performance.now();
  const done = upstream.accepted().then(
    (server) =>
      new Promise<number>((resolve) => {
        let received = 0;
        server.on('data', (data: Buffer) => {
          received += data.length;
          if (received >= total) resolve(performance.now());
        });
      }),
  );
  let written = 0;
  const write = () => {
    while (written < total) {
      written += block.length;
      if (!client.write(block)) return void client.once('drain', write);
    }
  };
  write();
  const finished = await done;
  const mbPerSecond = total / 1e6 / ((finished - started) / 1000);
  assert.ok(mbPerSecond >= 100, `${mbPerSecond.toFixed(0)} MB/s through 100 ms latency`);
});

test('TestLatencyToxicCloseRace: add latency, connect, write, close, remove — 200 times without failure', async () => {
  const echo = await echoServer();
  const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
  for (let i = 0; i < 200; i++) {
    await api.addToxic('p', { type: 'latency', attributes: { latency: 5 } });
    const client = await connectTo(portOf(proxy.listen));
    client.write('race');
    client.destroy();
    await api.removeToxic('p', 'latency_downstream');
  }
  assert.equal((await api.get('/version')).status, 200, 'server still serving');
});
