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
  sleep,
  startServer,
  TimingError,
  timed,
  within,
} from './helpers.ts';

const { api } = await startServer();
// Hooks are scoped to this file's suite, so the files can also share one process (test/proxy/index.js).
describe('latency toxic', () => {
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

  const message = pattern(32 * 1024);

  for (const [name, up, down] of [
    ['TestUpstreamLatency', 100, 0],
    ['TestDownstreamLatency', 0, 100],
    ['TestFullstreamLatencyEven', 100, 100],
    ['TestFullstreamLatencyBiasUp', 1000, 100],
    ['TestFullstreamLatencyBiasDown', 100, 1000],
    ['TestZeroLatency', 0, 0],
  ] as const) {
    test(`${name}: upstream ${up} ms, downstream ${down} ms, 32 KB intact`, () =>
      timed(
        async () => {
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
        },
        () => api.clear(),
      ));
  }

  test('jitter keeps each traversal within latency ± (jitter + 10 ms) and never reorders', () =>
    timed(
      async () => {
        const { client, server } = await connectedPair();
        await api.addToxic('p', {
          type: 'latency',
          stream: 'upstream',
          attributes: { latency: 60, jitter: 30 },
        });
        const delays: number[] = [];
        for (let i = 0; i < 8; i++) delays.push(await oneWay(client, server, pattern(100, i)));
        for (const delay of delays) within(delay, 60, 40, 'jittered latency');
        assert.ok(
          new Set(delays.map((d) => Math.round(d / 5))).size > 1,
          `jitter varies the delay: ${delays}`,
        );
        // Many small writes in a burst: jitter must not reorder them.
        const burst = Array.from({ length: 200 }, (_, i) => Buffer.from(`${String(i).padStart(4, '0')};`));
        for (const part of burst) client.write(part);
        const received = await readBytes(server, burst.length * 5, 5000);
        assert.equal(received.toString(), Buffer.concat(burst).toString());
      },
      () => api.clear(),
    ));

  test('TestTwoLatencyToxics: two 500 ms upstream toxics add up to 1000 ± 10 ms', () =>
    timed(
      async () => {
        const { client, server } = await connectedPair();
        await api.addToxic('p', {
          name: 'a',
          type: 'latency',
          stream: 'upstream',
          attributes: { latency: 500 },
        });
        await api.addToxic('p', {
          name: 'b',
          type: 'latency',
          stream: 'upstream',
          attributes: { latency: 500 },
        });
        within(await oneWay(client, server, message), 1000, 10, 'two stacked latencies');
      },
      () => api.clear(),
    ));

  test('a latency toxic added to a live connection applies to the next bytes; removal releases held data', () =>
    timed(
      async () => {
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
      },
      () => api.clear(),
    ));

  test('updating latency restarts the held chunk with the new value (measured from its arrival)', () =>
    timed(
      async () => {
        const { client, server } = await connectedPair();
        await api.addToxic('p', { type: 'latency', stream: 'upstream', attributes: { latency: 1000 } });
        const started = performance.now();
        client.write('held');
        setTimeout(
          () => void api.post('/proxies/p/toxics/latency_upstream', { attributes: { latency: 150 } }),
          30,
        );
        await readBytes(server, 4);
        within(performance.now() - started, 150, 10, 'updated latency');
      },
      () => api.clear(),
    ));

  test('end-of-stream follows the last delayed chunk (data then FIN, not FIN first)', () =>
    timed(
      async () => {
        const { client, server } = await connectedPair();
        await api.addToxic('p', { type: 'latency', stream: 'downstream', attributes: { latency: 100 } });
        const started = performance.now();
        server.end('last words');
        const end = await readToEnd(client);
        assert.equal(end.data.toString(), 'last words');
        within(end.at - started, 100, 10, 'close delayed with the data');
      },
      () => api.clear(),
    ));

  /** MB/s arriving at the client while the upstream writes flat out, measured after `warmupMs`. */
  async function downstreamThroughput(latencyMs: number | undefined): Promise<number> {
    await api.clear();
    const upstream = await acceptingServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
    const client = await connectTo(portOf(proxy.listen));
    const server = await upstream.accepted();
    if (latencyMs !== undefined) {
      await api.addToxic('p', { type: 'latency', stream: 'downstream', attributes: { latency: latencyMs } });
    }
    const block = Buffer.alloc(256 * 1024, 7);
    let writing = true;
    const write = () => {
      while (writing) if (!server.write(block)) return void server.once('drain', write);
    };
    write();
    let received = 0;
    client.on('data', (data: Buffer) => {
      received += data.length;
    });
    await sleep(250); // past the 100 ms the first byte is held, so the pipeline is full
    const before = received;
    const started = performance.now();
    await sleep(400);
    const mbPerSecond = (received - before) / 1e6 / ((performance.now() - started) / 1000);
    writing = false;
    client.destroy();
    server.destroy();
    return mbPerSecond;
  }

  // Upstream asserts an absolute 100 MB/s here. The suite shares a 2-core machine with the process under
  // test's own client and server (and other work), so the absolute figure is checked by bench/proxy.ts on a
  // dedicated run; this test pins down the property behind it: a 100 ms latency toxic does not throttle the
  // stream (it only delays it), compared with the same proxy without toxics, measured back to back.
  test('TestLatencyToxicBandwidth: a 100 ms latency toxic keeps the throughput of the toxic-free proxy', (t) =>
    timed(async () => {
      const plain = await downstreamThroughput(undefined);
      const delayed = await downstreamThroughput(100);
      t.diagnostic(`no toxic ${plain.toFixed(0)} MB/s, 100 ms latency ${delayed.toFixed(0)} MB/s`);
      if (delayed < plain * 0.5) {
        throw new TimingError(
          `latency toxic: ${delayed.toFixed(0)} MB/s vs ${plain.toFixed(0)} MB/s without`,
        );
      }
    }));

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
});
