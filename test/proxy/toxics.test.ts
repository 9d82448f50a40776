// The other toxics over real sockets: bandwidth, slicer, limit_data, reset_peer, timeout, slow_close, noop,
// toxicity, and faultline's extensions packet_loss and corrupt (upstream's toxics/*_test.go and §12.2).

import assert from 'node:assert/strict';
import type { Socket } from 'node:net';
import { beforeEach, describe, test } from 'node:test';
import {
  acceptingServer,
  atMost,
  connectTo,
  cutByLimitData,
  echoRoundTrip,
  echoServer,
  pattern,
  portOf,
  readBytes,
  readToEnd,
  sleep,
  startServer,
  timed,
  within,
} from './helpers.ts';

const { api } = await startServer();
// Hooks are scoped to this file's suite, so the files can also share one process (test/proxy/index.js).
describe('toxics', () => {
  beforeEach(() => api.clear());

  async function connectedPair(
    toxics: Record<string, unknown>[] = [],
  ): Promise<{ client: Socket; server: Socket }> {
    const upstream = await acceptingServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
    for (const toxic of toxics) await api.addToxic('p', toxic);
    const client = await connectTo(portOf(proxy.listen));
    const server = await upstream.accepted();
    return { client, server };
  }

  /** Collect every read until `size` bytes arrived; returns the reads (to count segments) and the time. */
  function collect(socket: Socket, size: number, timeoutMs = 5000): Promise<{ reads: Buffer[]; at: number }> {
    return new Promise((resolve, reject) => {
      const reads: Buffer[] = [];
      let received = 0;
      const timer = setTimeout(() => reject(new Error(`only ${received}/${size} bytes`)), timeoutMs);
      socket.on('data', (data: Buffer) => {
        reads.push(data);
        received += data.length;
        if (received >= size) {
          clearTimeout(timer);
          resolve({ reads, at: performance.now() });
        }
      });
    });
  }

  describe('bandwidth', () => {
    for (const stream of ['upstream', 'downstream'] as const) {
      test(`480 KB at rate 1000 KB/s ${stream} arrive in 480 ± 10 ms, intact (TestBandwidthToxic)`, () =>
        timed(
          async () => {
            const { client, server } = await connectedPair([
              { type: 'bandwidth', stream, attributes: { rate: 1000 } },
            ]);
            const [from, to] = stream === 'upstream' ? [client, server] : [server, client];
            const data = pattern(480 * 1000);
            const arrival = collect(to, data.length);
            const started = performance.now();
            from.write(data);
            const { reads, at } = await arrival;
            within(at - started, 480, 10, 'paced transfer');
            assert.ok(Buffer.concat(reads).equals(data), 'intact');
          },
          () => api.clear(),
        ));
    }

    test('rate 0 stalls; removing the toxic (both streams, under load) releases everything (TestRemoveToxicWithBrokenConnection)', async () => {
      const { client, server } = await connectedPair([
        { name: 'up', type: 'bandwidth', stream: 'upstream', attributes: { rate: 0 } },
        { name: 'down', type: 'bandwidth', stream: 'downstream', attributes: { rate: 0 } },
      ]);
      const data = pattern(256 * 1024);
      const upArrival = collect(server, data.length);
      const downArrival = collect(client, data.length);
      client.write(data);
      server.write(data);
      await sleep(100);
      await api.removeToxic('p', 'up');
      await api.removeToxic('p', 'down');
      assert.ok(Buffer.concat((await upArrival).reads).equals(data));
      assert.ok(Buffer.concat((await downArrival).reads).equals(data));
    });

    for (const stream of ['upstream', 'downstream'] as const) {
      test(`a slow ${stream} rate pushes back on the sender (the proxy does not buffer the stream)`, async () => {
        const { client, server } = await connectedPair([
          { type: 'bandwidth', stream, attributes: { rate: 1 } },
        ]);
        const sender = stream === 'upstream' ? client : server;
        const block = Buffer.alloc(64 * 1024);
        let accepted = 0;
        // Keep 1 MiB queued in the sender and give the proxy 50 × 10 ms to read as much as it will; a proxy
        // without back-pressure would take all 50+ MiB, one that pushes back stops after its buffers fill.
        for (let round = 0; round < 50; round++) {
          while (sender.writableLength < 1024 * 1024) {
            sender.write(block);
            accepted += block.length;
          }
          await sleep(10);
        }
        const taken = accepted - sender.writableLength;
        assert.ok(taken < 16 * 1024 * 1024, `the proxy took ${taken} bytes from the sender at 1 KB/s`);
      });
    }
  });

  describe('slicer', () => {
    test('480 KB sliced at 1024 ± 512 with 10 µs delay arrives intact (TestSlicerToxic)', async () => {
      const { client, server } = await connectedPair([
        {
          type: 'slicer',
          stream: 'upstream',
          attributes: { average_size: 1024, size_variation: 512, delay: 10 },
        },
      ]);
      const data = pattern(480 * 1024);
      const arrival = collect(server, data.length);
      client.write(data);
      const { reads } = await arrival;
      assert.ok(Buffer.concat(reads).equals(data));
    });

    test('pieces with a delay arrive as separate small reads', async () => {
      const { client, server } = await connectedPair([
        {
          type: 'slicer',
          stream: 'upstream',
          // 20 ms between pieces: long enough that a busy machine does not coalesce them into one read.
          attributes: { average_size: 1, size_variation: 0, delay: 20_000 },
        },
      ]);
      const data = Buffer.from('abcdefghijklmnopqrstuvwx');
      const arrival = collect(server, data.length);
      const started = performance.now();
      client.write(data);
      const { reads, at } = await arrival;
      assert.equal(Buffer.concat(reads).toString(), data.toString());
      assert.ok(reads.length >= 16, `24 one-byte pieces 20 ms apart arrive in ${reads.length} reads`);
      assert.ok(at - started >= 400, `pacing took ${(at - started).toFixed(1)} ms`);
    });
  });

  describe('limit_data', () => {
    for (const [writes, expected] of [
      [[50], 50],
      [[100], 100],
      [[150], 100],
      [[25, 25, 25, 25], 100],
      [[90, 20], 100],
    ] as const) {
      test(`limit 100, writes ${JSON.stringify(writes)} → ${expected} bytes then close`, async () => {
        const { client, server } = await connectedPair([
          { type: 'limit_data', stream: 'upstream', attributes: { bytes: 100 } },
        ]);
        const ending = readToEnd(server, 2000);
        let seed = 0;
        const sent: Buffer[] = [];
        for (const size of writes) {
          const part = pattern(size, seed++);
          sent.push(part);
          client.write(part);
          await sleep(10);
        }
        if (expected < 100) {
          await sleep(50);
          client.end();
        }
        const end = await ending;
        assert.equal(end.data.length, expected);
        assert.ok(end.data.equals(Buffer.concat(sent).subarray(0, expected)));
        if (expected === 100) await readToEnd(client, 2000); // the whole connection closed
      });
    }

    test('limit 0: the first chunk is dropped and the connection closes when it arrives, not at connect', async () => {
      const { client, server } = await connectedPair([
        { type: 'limit_data', stream: 'upstream', attributes: { bytes: 0 } },
      ]);
      const ending = readToEnd(server, 2000);
      await sleep(50);
      let closed = false;
      void ending.then(() => {
        closed = true;
      });
      await sleep(10);
      assert.equal(closed, false, 'still open before any byte');
      client.write(pattern(100));
      assert.equal((await ending).data.length, 0);
    });

    test('added to a live connection, counting starts then; lowering it below what was sent closes at the next chunk (TestStateCreated)', async () => {
      const { client, server } = await connectedPair();
      client.write(pattern(500));
      await readBytes(server, 500);
      await api.addToxic('p', { type: 'limit_data', stream: 'upstream', attributes: { bytes: 100 } });
      client.write(pattern(60));
      await readBytes(server, 60);
      await api.post('/proxies/p/toxics/limit_data_upstream', { attributes: { bytes: 50 } });
      const ending = readToEnd(server, 2000);
      client.write(pattern(10));
      assert.equal((await ending).data.length, 0);
    });
  });

  describe('reset_peer', () => {
    test('upstream, timeout 0: the client reads ECONNRESET after writing (TestResetToxicNoTimeout)', async () => {
      const { client, server } = await connectedPair([{ type: 'reset_peer', stream: 'upstream' }]);
      const clientEnd = readToEnd(client);
      const serverEnd = readToEnd(server);
      client.write('hello');
      assert.equal((await clientEnd).how, 'ECONNRESET');
      assert.equal((await serverEnd).how, 'ECONNRESET', 'the upstream side is reset too');
    });

    test('upstream, timeout 100: reset ≈100 ms after the first bytes (TestResetToxicWithTimeout)', () =>
      timed(
        async () => {
          const { client } = await connectedPair([
            { type: 'reset_peer', stream: 'upstream', attributes: { timeout: 100 } },
          ]);
          const clientEnd = readToEnd(client);
          const started = performance.now();
          client.write('hello');
          const end = await clientEnd;
          assert.equal(end.how, 'ECONNRESET');
          within(end.at - started, 100, 15, 'reset delay');
        },
        () => api.clear(),
      ));

    test('downstream: fires only once the server sends (TestResetToxicWithTimeoutDownstream)', () =>
      timed(
        async () => {
          const { client, server } = await connectedPair([
            { type: 'reset_peer', stream: 'downstream', attributes: { timeout: 50 } },
          ]);
          const clientEnd = readToEnd(client);
          client.write('request');
          await readBytes(server, 7);
          await sleep(100);
          let ended = false;
          void clientEnd.then(() => {
            ended = true;
          });
          await sleep(5);
          assert.equal(ended, false, 'nothing happens while the server is silent');
          const started = performance.now();
          server.write('reply');
          const end = await clientEnd;
          assert.equal(end.how, 'ECONNRESET');
          assert.equal(end.data.length, 0, 'the reply is dropped');
          within(end.at - started, 50, 15, 'reset delay after the reply');
        },
        () => api.clear(),
      ));

    test('toxicity 0: no reset, data flows', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      await api.addToxic('p', { type: 'reset_peer', stream: 'upstream', toxicity: 0 });
      const client = await connectTo(portOf(proxy.listen));
      await echoRoundTrip(client, Buffer.from('fine'));
    });
  });

  describe('timeout', () => {
    test('timeout 0 swallows data; removing it closes client and server within 1 s (TestTimeoutToxicClosesConnectionOnRemove)', async () => {
      const { client, server } = await connectedPair([{ type: 'timeout', stream: 'upstream' }]);
      const clientEnd = readToEnd(client);
      const serverEnd = readToEnd(server);
      client.write('swallowed');
      await sleep(50);
      const started = performance.now();
      await api.removeToxic('p', 'timeout_upstream');
      const [c, s] = await Promise.all([clientEnd, serverEnd]);
      assert.equal(s.data.length, 0, 'data was swallowed, not released');
      assert.ok(c.at - started < 1000 && s.at - started < 1000, 'both ends closed within 1 s');
    });

    test('latency + timeout 0 with data queued: removing the latency toxic returns within 1 s (TestTimeoutToxicDoesNotCauseHang)', async () => {
      const { client } = await connectedPair([
        { type: 'latency', stream: 'upstream', attributes: { latency: 1000 } },
        { type: 'timeout', stream: 'upstream' },
      ]);
      for (let i = 0; i < 20; i++) client.write(pattern(1000, i));
      await sleep(20);
      const started = performance.now();
      await api.removeToxic('p', 'latency_upstream');
      assert.ok(performance.now() - started < 1000);
    });

    test('timeout 100 closes an idle connection after 100 ms, swallowing data', () =>
      timed(
        async () => {
          const { client, server } = await connectedPair([
            { type: 'timeout', stream: 'upstream', attributes: { timeout: 100 } },
          ]);
          const started = performance.now();
          const serverEnd = readToEnd(server);
          client.write('never arrives');
          const end = await serverEnd;
          assert.equal(end.data.length, 0);
          within(end.at - started, 100, 15, 'idle timeout');
          await readToEnd(client);
        },
        () => api.clear(),
      ));

    test('each swallowed chunk restarts the countdown', () =>
      timed(
        async () => {
          const { client, server } = await connectedPair([
            { type: 'timeout', stream: 'upstream', attributes: { timeout: 100 } },
          ]);
          const serverEnd = readToEnd(server);
          for (let i = 0; i < 5; i++) {
            await sleep(50);
            client.write('keep alive');
          }
          const lastWrite = performance.now();
          const end = await serverEnd;
          within(end.at - lastWrite, 100, 15, 'closed 100 ms after the last chunk');
        },
        () => api.clear(),
      ));

    test('toxicity 0 passes data; updated to toxicity 1 / 100 ms the stream ends within 150 ms (TestToxicity)', () =>
      timed(
        async () => {
          const echo = await echoServer();
          const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
          await api.addToxic('p', { type: 'timeout', toxicity: 0 });
          const client = await connectTo(portOf(proxy.listen));
          await echoRoundTrip(client, Buffer.from('passes'));
          const ending = readToEnd(client);
          const started = performance.now();
          await api.post('/proxies/p/toxics/timeout_downstream', {
            toxicity: 1,
            attributes: { timeout: 100 },
          });
          const end = await ending;
          atMost(end.at - started, 150, 'stream end after the update');
        },
        () => api.clear(),
      ));
  });

  describe('slow_close, noop, toxicity', () => {
    test('slow_close delays the close by `delay` ms; data is not delayed', () =>
      timed(
        async () => {
          const { client, server } = await connectedPair([
            { type: 'slow_close', stream: 'downstream', attributes: { delay: 150 } },
          ]);
          const started = performance.now();
          server.write('data');
          const data = await readBytes(client, 4);
          within(performance.now() - started, 0, 10, 'data not delayed');
          assert.equal(data.toString(), 'data');
          const ending = readToEnd(client);
          const closedAt = performance.now();
          server.end();
          within((await ending).at - closedAt, 150, 15, 'close delayed');
        },
        () => api.clear(),
      ));

    test('noop passes data unchanged', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      await api.addToxic('p', { type: 'noop', stream: 'upstream' });
      await api.addToxic('p', { type: 'noop', stream: 'downstream' });
      const client = await connectTo(portOf(proxy.listen));
      await echoRoundTrip(client, pattern(100_000));
    });

    test('toxicity 0 never applies, 1 always, 0.5 on about half of the connections', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      const affected = async (toxicity: number, connections: number): Promise<number> => {
        await api.addToxic('p', { name: 'cut', type: 'limit_data', stream: 'upstream', toxicity });
        let cut = 0;
        for (let i = 0; i < connections; i++) if (await cutByLimitData(portOf(proxy.listen))) cut++;
        await api.removeToxic('p', 'cut');
        return cut;
      };
      assert.equal(await affected(0, 10), 0);
      assert.equal(await affected(1, 10), 10);
      const half = await affected(0.5, 40);
      assert.ok(half >= 10 && half <= 30, `${half}/40 connections affected at toxicity 0.5`);
    });
  });

  describe('extensions', () => {
    test('packet_loss probability 1 drops everything, 0 nothing', async () => {
      const { client, server } = await connectedPair([
        { name: 'loss', type: 'packet_loss', stream: 'upstream', attributes: { probability: 1 } },
      ]);
      client.write('dropped');
      await sleep(30);
      await api.post('/proxies/p/toxics/loss', { attributes: { probability: 0 } });
      client.write('kept');
      assert.equal((await readBytes(server, 4)).toString(), 'kept');
    });

    test('packet_loss drops about `probability` of the chunks, in bursts when asked', async () => {
      for (const burst of [0, 8]) {
        await api.clear();
        const { client, server } = await connectedPair([
          { type: 'packet_loss', stream: 'upstream', attributes: { probability: 0.3, burst } },
        ]);
        const arrived: number[] = [];
        server.on('data', (data: Buffer) => {
          for (const byte of data) arrived.push(byte);
        });
        for (let i = 0; i < 400; i++) {
          client.write(Buffer.from([i % 256]));
          await new Promise((resolve) => setImmediate(resolve));
          if (i % 20 === 19) await sleep(1);
        }
        await sleep(50);
        const lost = 1 - arrived.length / 400;
        assert.ok(lost > 0.15 && lost < 0.45, `burst ${burst}: lost ${(lost * 100).toFixed(0)}%`);
      }
    });

    test('corrupt probability 1 flips exactly one bit in every byte', async () => {
      const { client, server } = await connectedPair([
        { type: 'corrupt', stream: 'upstream', attributes: { probability: 1 } },
      ]);
      const data = pattern(10_000);
      client.write(data);
      const received = await readBytes(server, data.length);
      for (let i = 0; i < data.length; i++) {
        const diff = data[i]! ^ received[i]!;
        assert.ok(diff !== 0 && (diff & (diff - 1)) === 0, `byte ${i} differs in exactly one bit`);
      }
    });

    test('corrupt at 1% hits about 1% of the bytes and keeps the length', async () => {
      const { client, server } = await connectedPair([
        { type: 'corrupt', stream: 'upstream', attributes: { probability: 0.01 } },
      ]);
      const data = pattern(200_000);
      client.write(data);
      const received = await readBytes(server, data.length);
      let hits = 0;
      for (let i = 0; i < data.length; i++) if (data[i] !== received[i]) hits++;
      assert.ok(hits > 1500 && hits < 2500, `${hits} of 200000 bytes corrupted`);
    });
  });
});
