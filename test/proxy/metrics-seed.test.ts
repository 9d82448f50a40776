// Prometheus metrics with Toxiproxy's names (metrics_test.go) and the seed: the same seed repeats every
// random draw, a different seed does not.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  acceptingServer,
  connectTo,
  cutByLimitData,
  echoServer,
  eventually,
  pattern,
  portOf,
  readBytes,
  readToEnd,
  startServer,
} from './helpers.ts';

describe('metrics', () => {
  test('5 bytes upstream → received and sent counters are 5 with the four labels (TestProxyMetricsReceivedSentBytes)', async () => {
    const { api } = await startServer({ metrics: true });
    const upstream = await acceptingServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
    const client = await connectTo(portOf(proxy.listen));
    client.end('hello');
    const server = await upstream.accepted();
    await readToEnd(server);
    await readToEnd(client);
    const labels = `direction="upstream",listener="${proxy.listen}",proxy="p",upstream="127.0.0.1:${upstream.port}"`;
    await eventually(async () =>
      (await api.get('/metrics')).text.includes(`toxiproxy_proxy_sent_bytes_total{${labels}} 5`),
    );
    const metrics = await api.get('/metrics');
    assert.equal(metrics.status, 200);
    assert.match(metrics.headers.get('content-type') ?? '', /^text\/plain/);
    assert.ok(metrics.text.includes(`toxiproxy_proxy_received_bytes_total{${labels}} 5`));
    assert.ok(metrics.text.includes(`toxiproxy_proxy_sent_bytes_total{${labels}} 5`));
  });

  test('runtime metrics are exported too (the Node process, in place of Go runtime metrics)', async () => {
    const { api } = await startServer({ metrics: true });
    const metrics = await api.get('/metrics');
    assert.match(metrics.text, /^process_cpu_user_seconds_total /m);
    assert.match(metrics.text, /^nodejs_eventloop_lag_seconds /m);
  });
});

describe('seed', () => {
  /** What a 64 KB stream looks like after a 1% corrupt toxic, on a fresh server with this seed. */
  async function corrupted(seed: number): Promise<Buffer> {
    const { api, server } = await startServer({ seed });
    const upstream = await acceptingServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
    await api.addToxic('p', { type: 'corrupt', stream: 'upstream', attributes: { probability: 0.01 } });
    const client = await connectTo(portOf(proxy.listen));
    client.write(pattern(64 * 1024));
    const received = await readBytes(await upstream.accepted(), 64 * 1024);
    client.destroy();
    await server.close();
    return received;
  }

  test('the same seed corrupts the same bytes the same way; another seed does not', async () => {
    const first = await corrupted(42);
    const second = await corrupted(42);
    const other = await corrupted(43);
    assert.ok(!first.equals(pattern(64 * 1024)), 'something was corrupted');
    assert.ok(first.equals(second), 'same seed, same corruption');
    assert.ok(!first.equals(other), 'different seed, different corruption');
  });

  /** Which of 24 consecutive connections a toxicity-0.5 toxic hit, with this seed. */
  async function affectedConnections(seed: number): Promise<string> {
    const { api, server } = await startServer({ seed });
    const echo = await echoServer();
    const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
    await api.addToxic('p', { type: 'limit_data', stream: 'upstream', toxicity: 0.5 });
    let hits = '';
    for (let i = 0; i < 24; i++) hits += (await cutByLimitData(portOf(proxy.listen))) ? 'x' : '.';
    await server.close();
    return hits;
  }

  test('the same seed makes the same toxicity draws per connection', async () => {
    const first = await affectedConnections(7);
    assert.equal(await affectedConnections(7), first);
    assert.notEqual(await affectedConnections(8), first, 'another seed draws differently');
    assert.ok(first.includes('x') && first.includes('.'), `a mix of hits and misses: ${first}`);
  });
});
