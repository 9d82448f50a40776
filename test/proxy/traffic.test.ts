// Live traffic figures per proxy (GET /proxies/{proxy}/traffic, a faultline extension): counted while bytes
// flow, not when a connection finishes; swallowed bytes still count as received; the upstream-compatible
// routes and JSON shapes do not change; ToxiproxyClient tells a server without the route from a missing proxy.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { type ProxyTraffic, ToxiproxyClient } from '../../support/proxy/client.ts';
import {
  connectTo,
  echoServer,
  eventually,
  onCleanup,
  portOf,
  readBytes,
  startServer,
  tcpServer,
} from './helpers.ts';

describe('traffic figures', () => {
  test('bytes appear while the connection is still open, in both directions, and stay after it closes', async () => {
    const { api } = await startServer();
    const echo = await echoServer();
    const proxy = await api.createProxy('echo', `127.0.0.1:${echo.port}`);
    const zero = await api.get<ProxyTraffic>('/proxies/echo/traffic');
    assert.equal(zero.status, 200);
    assert.deepEqual(zero.body, {
      name: 'echo',
      connections: { accepted: 0, open: 0 },
      upstream: { received: 0, sent: 0 },
      downstream: { received: 0, sent: 0 },
    });

    const client = await connectTo(portOf(proxy.listen));
    client.write(Buffer.alloc(100, 1));
    await readBytes(client, 100);
    const live = (await api.get<ProxyTraffic>('/proxies/echo/traffic')).body;
    assert.deepEqual(live.connections, { accepted: 1, open: 1 });
    assert.deepEqual(live.upstream, { received: 100, sent: 100 });
    assert.deepEqual(live.downstream, { received: 100, sent: 100 });

    client.write(Buffer.alloc(900, 2));
    await readBytes(client, 900);
    const more = (await api.get<ProxyTraffic>('/proxies/echo/traffic')).body;
    assert.deepEqual(
      more.upstream,
      { received: 1000, sent: 1000 },
      'the same open connection keeps counting',
    );

    client.end();
    await eventually(
      async () => (await api.get<ProxyTraffic>('/proxies/echo/traffic')).body.connections.open === 0,
      2000,
      'the connection closed',
    );
    const closed = (await api.get<ProxyTraffic>('/proxies/echo/traffic')).body;
    assert.deepEqual(closed.connections, { accepted: 1, open: 0 });
    assert.deepEqual(closed.upstream, { received: 1000, sent: 1000 }, 'a finished connection is not lost');
    assert.deepEqual(closed.downstream, { received: 1000, sent: 1000 });
  });

  test('a timeout toxic swallows the bytes, but they count as received from the client', async () => {
    const { api } = await startServer();
    const { port } = await tcpServer(() => {});
    const proxy = await api.createProxy('cut', `127.0.0.1:${port}`);
    await api.addToxic('cut', { type: 'timeout', stream: 'upstream', attributes: { timeout: 0 } });
    const client = await connectTo(portOf(proxy.listen));
    client.write('PING\r\n');
    await eventually(
      async () => (await api.get<ProxyTraffic>('/proxies/cut/traffic')).body.upstream.received === 6,
      2000,
      'the swallowed bytes counted',
    );
    const figures = (await api.get<ProxyTraffic>('/proxies/cut/traffic')).body;
    assert.equal(figures.upstream.sent, 0, 'nothing passed the toxic');
    assert.equal(figures.connections.accepted, 1);
  });

  test('a connection counts as accepted even before its upstream answers (or when it never does)', async () => {
    const { api } = await startServer({ dialTimeoutMs: 300 });
    // A port nothing listens on: the dial fails and the client is closed, as upstream does.
    const { server, port } = await tcpServer(() => {});
    await new Promise<void>((resolve) => server.close(() => resolve()));
    const proxy = await api.createProxy('nowhere', `127.0.0.1:${port}`);
    const client = await connectTo(portOf(proxy.listen));
    await eventually(
      async () => (await api.get<ProxyTraffic>('/proxies/nowhere/traffic')).body.connections.accepted === 1,
    );
    client.destroy();
  });

  test('counters outlive disable/enable and /reset; a deleted proxy has none (JSON 404)', async () => {
    const { api } = await startServer();
    const echo = await echoServer();
    let proxy = await api.createProxy('kept', `127.0.0.1:${echo.port}`);
    const client = await connectTo(portOf(proxy.listen));
    client.write('abc');
    await readBytes(client, 3);
    await api.post('/proxies/kept', { enabled: false });
    await api.post('/proxies/kept', { enabled: true });
    await api.post('/reset');
    proxy = (await api.get<typeof proxy>('/proxies/kept')).body;
    const figures = (await api.get<ProxyTraffic>('/proxies/kept/traffic')).body;
    assert.equal(figures.connections.accepted, 1);
    assert.equal(figures.upstream.received, 3);
    await api.delete('/proxies/kept');
    const gone = await api.get('/proxies/kept/traffic');
    assert.equal(gone.status, 404);
    assert.deepEqual(gone.body, { error: 'proxy not found', status: 404 });
  });

  test('upstream routes keep their exact shapes: no traffic field on the proxy JSON', async () => {
    const { api } = await startServer();
    const echo = await echoServer();
    await api.createProxy('plain', `127.0.0.1:${echo.port}`);
    const got = await api.get<Record<string, unknown>>('/proxies/plain');
    assert.deepEqual(Object.keys(got.body), ['name', 'listen', 'upstream', 'enabled', 'toxics']);
    const wrongMethod = await api.post('/proxies/plain/traffic', {});
    assert.equal(wrongMethod.status, 405);
  });

  test('Prometheus: connections accepted are counted at accept (byte totals stay upstream: at finish)', async () => {
    const { api } = await startServer({ metrics: true });
    const echo = await echoServer();
    const proxy = await api.createProxy('m', `127.0.0.1:${echo.port}`);
    const client = await connectTo(portOf(proxy.listen));
    client.write('x');
    await readBytes(client, 1);
    const text = (await api.get('/metrics')).text;
    assert.match(
      text,
      new RegExp(
        `^faultline_proxy_connections_accepted_total\\{listener="${proxy.listen}",proxy="m",upstream="127.0.0.1:${echo.port}"\\} 1$`,
        'm',
      ),
    );
    assert.doesNotMatch(text, /^toxiproxy_proxy_received_bytes_total\{/m, 'an open link is not yet in them');
  });
});

describe('ToxiproxyClient.traffic', () => {
  test('reads the figures from faultline’s proxy', async () => {
    const { server, api } = await startServer();
    const echo = await echoServer();
    const proxy = await api.createProxy('c', `127.0.0.1:${echo.port}`);
    const client = await connectTo(portOf(proxy.listen));
    client.write('hello');
    await readBytes(client, 5);
    const figures = await new ToxiproxyClient(server.url).traffic('c');
    assert.equal(figures?.upstream.received, 5);
    assert.equal(figures?.downstream.received, 5);
  });

  test('a missing proxy on faultline’s proxy is an error that says so', async () => {
    const { server } = await startServer();
    await assert.rejects(new ToxiproxyClient(server.url).traffic('absent'), /→ 404: .*proxy not found/);
  });

  test('a server without the route (Shopify’s Toxiproxy answers "404 page not found") cannot count: undefined', async () => {
    // Shopify's server cannot run here (no Go toolchain or image); this answers the route as its router does.
    const upstreamLike = createServer((_request, response) => {
      response.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' });
      response.end('404 page not found\n');
    });
    upstreamLike.listen(0, '127.0.0.1');
    await new Promise((resolve) => upstreamLike.once('listening', resolve));
    onCleanup(() => new Promise<void>((resolve) => upstreamLike.close(() => resolve())));
    const url = `http://127.0.0.1:${(upstreamLike.address() as AddressInfo).port}`;
    assert.equal(await new ToxiproxyClient(url).traffic('any'), undefined);
  });
});
