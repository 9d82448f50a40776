// TCP behaviour of one proxy: upstream's proxy_test.go and proxy_collection_test.go, plus the lifecycle
// items of §12.2 (disable/delete/update close live connections, half-close handling).

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { beforeEach, describe, test } from 'node:test';
import {
  acceptingServer,
  connectTo,
  echoRoundTrip,
  echoServer,
  freePort,
  type ProxyJson,
  pattern,
  portOf,
  readBytes,
  readToEnd,
  startServer,
  tryConnect,
} from './helpers.ts';

const { api } = await startServer();
// Hooks are scoped to this file's suite, so the files can also share one process (test/proxy/index.js).
describe('proxy TCP behaviour', () => {
  beforeEach(() => api.clear());

  describe('data path', () => {
    test('a message reaches the upstream intact (TestProxySimpleMessage)', async () => {
      const upstream = await acceptingServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
      const client = await connectTo(portOf(proxy.listen));
      client.write('hello world');
      const server = await upstream.accepted();
      assert.equal((await readBytes(server, 11)).toString(), 'hello world');
    });

    test('64 KB and two-part messages arrive intact and in order (TestProxyBigMessage, TestProxyTwoPartMessage)', async () => {
      const upstream = await acceptingServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
      const client = await connectTo(portOf(proxy.listen));
      const big = pattern(64 * 1024);
      client.write(big);
      client.write('part one ');
      client.write('part two');
      const server = await upstream.accepted();
      assert.ok((await readBytes(server, big.length)).equals(big));
      assert.equal((await readBytes(server, 17)).toString(), 'part one part two');
    });

    test('echo round trips both ways through the proxy', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      const client = await connectTo(portOf(proxy.listen));
      for (let i = 0; i < 50; i++) await echoRoundTrip(client, pattern(100 + i, i));
    });

    test('upstream down: connect succeeds, then EOF (TestProxyToDownUpstream)', async () => {
      const dead = await freePort();
      const proxy = await api.createProxy('p', `127.0.0.1:${dead}`);
      const client = await connectTo(portOf(proxy.listen));
      const end = await readToEnd(client);
      assert.equal(end.data.length, 0);
    });

    test('the server answering then closing: the client gets the answer, then EOF; both sockets close', async () => {
      const upstream = await acceptingServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
      const client = await connectTo(portOf(proxy.listen));
      client.write('request');
      const server = await upstream.accepted();
      await readBytes(server, 7);
      server.end('response');
      const end = await readToEnd(client);
      assert.equal(end.data.toString(), 'response');
      assert.equal(end.how, 'end');
    });

    test('a client half-close ends the whole connection (half-close is not propagated, as upstream)', async () => {
      const upstream = await acceptingServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
      const client = await connectTo(portOf(proxy.listen));
      client.end('bye');
      const server = await upstream.accepted();
      const serverEnd = await readToEnd(server);
      assert.equal(serverEnd.data.toString(), 'bye');
      const clientEnd = await readToEnd(client);
      assert.equal(clientEnd.data.length, 0);
    });

    test('connections are independent: closing one leaves the other working', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      const a = await connectTo(portOf(proxy.listen));
      const b = await connectTo(portOf(proxy.listen));
      await echoRoundTrip(a, Buffer.from('a'));
      a.destroy();
      await echoRoundTrip(b, Buffer.from('still here'));
    });
  });

  describe('lifecycle', () => {
    test('disable closes live connections and refuses new ones; enable reuses the port', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      const port = portOf(proxy.listen);
      const client = await connectTo(port);
      await echoRoundTrip(client, Buffer.from('x'));
      const ended = readToEnd(client);
      const disabled = await api.post<ProxyJson>('/proxies/p', { enabled: false });
      assert.equal(disabled.body.enabled, false);
      assert.equal((await ended).how, 'end');
      assert.equal(await tryConnect(port), 'ECONNREFUSED');
      const enabled = await api.post<ProxyJson>('/proxies/p', { enabled: true });
      assert.equal(enabled.body.listen, proxy.listen);
      const again = await connectTo(port);
      await echoRoundTrip(again, Buffer.from('back'));
    });

    test('disable closes the upstream side of live connections too', async () => {
      const upstream = await acceptingServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${upstream.port}`);
      await connectTo(portOf(proxy.listen));
      const server = await upstream.accepted();
      const ended = readToEnd(server);
      await api.post('/proxies/p', { enabled: false });
      assert.equal((await ended).data.length, 0);
    });

    test('delete closes live connections', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      const client = await connectTo(portOf(proxy.listen));
      await echoRoundTrip(client, Buffer.from('x'));
      const ended = readToEnd(client);
      assert.equal((await api.delete('/proxies/p')).status, 204);
      await ended;
    });

    test('stopping twice is harmless (TestClosingProxyMultipleTimes, TestStopProxyBeforeStarting)', async () => {
      await api.createProxy('p', '127.0.0.1:1', '127.0.0.1:0', false);
      assert.equal((await api.post('/proxies/p', { enabled: false })).status, 200);
      await api.post('/proxies/p', { enabled: true });
      assert.equal((await api.post('/proxies/p', { enabled: false })).status, 200);
      assert.equal((await api.post('/proxies/p', { enabled: false })).status, 200);
      assert.equal((await api.post('/proxies/p', { enabled: true })).status, 200);
      assert.equal((await api.post('/proxies/p', { enabled: true })).status, 200);
    });

    test('changing the upstream drops live connections; identical addresses (hostname form) keep them (TestProxyUpdateWithHostname)', async () => {
      const echo = await echoServer();
      const other = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      const port = portOf(proxy.listen);
      const client = await connectTo(port);
      await echoRoundTrip(client, Buffer.from('x'));
      const same = await api.post<ProxyJson>('/proxies/p', {
        listen: `localhost:${port}`,
        upstream: `127.0.0.1:${echo.port}`,
        enabled: true,
      });
      assert.equal(same.body.listen, `127.0.0.1:${port}`);
      await echoRoundTrip(client, Buffer.from('still connected'));
      const ended = readToEnd(client);
      const moved = await api.post<ProxyJson>('/proxies/p', { upstream: `127.0.0.1:${other.port}` });
      assert.equal(moved.body.enabled, true);
      await ended;
      const fresh = await connectTo(port);
      await echoRoundTrip(fresh, Buffer.from('new upstream'));
    });

    test('enable fails with 500 while the port is taken and works once it is free (TestRestartFailedToStartProxy)', async () => {
      const port = await freePort();
      await api.createProxy('p', '127.0.0.1:1', `127.0.0.1:${port}`, false);
      const squatter = createServer();
      squatter.listen(port, '127.0.0.1');
      await once(squatter, 'listening');
      const failed = await api.post<{ error: string }>('/proxies/p', { enabled: true });
      assert.equal(failed.status, 500);
      assert.equal(failed.body.error, `listen tcp 127.0.0.1:${port}: bind: address already in use`);
      assert.equal((await api.get<ProxyJson>('/proxies/p')).body.enabled, false);
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      assert.equal((await api.post<ProxyJson>('/proxies/p', { enabled: true })).body.enabled, true);
    });

    test('reset re-enables a disabled proxy; a bind failure there is a 500 with Go text', async () => {
      const port = await freePort();
      await api.createProxy('p', '127.0.0.1:1', `127.0.0.1:${port}`, false);
      const squatter = createServer();
      squatter.listen(port, '127.0.0.1');
      await once(squatter, 'listening');
      const failed = await api.post<{ error: string }>('/reset');
      assert.equal(failed.status, 500);
      assert.equal(failed.body.error, `listen tcp 127.0.0.1:${port}: bind: address already in use`);
      await new Promise<void>((resolve) => squatter.close(() => resolve()));
      assert.equal((await api.post('/reset')).status, 204);
      assert.equal((await api.get<ProxyJson>('/proxies/p')).body.enabled, true);
    });

    test('an empty listen binds every interface on a free port', async () => {
      const echo = await echoServer();
      const response = await api.post<ProxyJson>('/proxies', {
        name: 'p',
        upstream: `127.0.0.1:${echo.port}`,
      });
      assert.equal(response.status, 201);
      assert.match(response.body.listen, /^\[::\]:\d+$/);
      const client = await connectTo(portOf(response.body.listen));
      await echoRoundTrip(client, Buffer.from('any interface'));
    });

    test('reset keeps live connections working when there is nothing to remove (TestPersistentConnections)', async () => {
      const echo = await echoServer();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`);
      const client = await connectTo(portOf(proxy.listen));
      await api.addToxic('p', { type: 'noop', stream: 'upstream' });
      await api.addToxic('p', { type: 'noop', stream: 'downstream' });
      await echoRoundTrip(client, Buffer.from('one'));
      await api.post('/reset');
      await echoRoundTrip(client, Buffer.from('two'));
      await api.post('/reset');
      await echoRoundTrip(client, Buffer.from('three'));
    });

    test('a wildcard listen binds every interface (testcontainers uses 0.0.0.0:<port>)', async () => {
      const echo = await echoServer();
      const port = await freePort();
      const proxy = await api.createProxy('p', `127.0.0.1:${echo.port}`, `0.0.0.0:${port}`);
      assert.equal(proxy.listen, `0.0.0.0:${port}`);
      const client = await connectTo(port);
      await echoRoundTrip(client, Buffer.from('hi'));
    });
  });
});
