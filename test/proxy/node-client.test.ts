// Compatibility with the real clients, unchanged: toxiproxy-node-client 4.1's own test scenarios (§12.3),
// and the exact HTTP calls @testcontainers/toxiproxy makes (§10), driven without Docker.

import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer as createHttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { beforeEach, describe, test } from 'node:test';
import { type Proxy as ClientProxy, type ICreateToxicBody, Toxiproxy } from 'toxiproxy-node-client';
import { freePort, onCleanup, startServer } from './helpers.ts';

const { server } = await startServer();
const toxiproxy = new Toxiproxy(server.url);

async function removeAllProxies(): Promise<void> {
  const proxies = await toxiproxy.getAll();
  for (const name of Object.keys(proxies)) await proxies[name]!.remove();
}

function createProxy(name: string): Promise<ClientProxy> {
  return toxiproxy.createProxy({ name, listen: 'localhost:0', upstream: 'localhost:6379' });
}

/** The client types every toxic field as required; its own suite sends partial bodies too (omitted keys take defaults). */
function toxicBody(
  body: Partial<ICreateToxicBody<Record<string, number>>>,
): ICreateToxicBody<Record<string, number>> {
  return body as ICreateToxicBody<Record<string, number>>;
}

// Hooks are scoped to this file's suite, so the files can also share one process (test/proxy/index.js).
describe('real clients', () => {
  beforeEach(removeAllProxies);

  describe('toxiproxy-node-client suite', () => {
    test('Toxiproxy: create, get, version, reset', async () => {
      const proxy = await createProxy('create-test');
      assert.match(proxy.listen, /^127\.0\.0\.1:\d+$/);
      assert.equal(proxy.enabled, true);
      const fetched = await toxiproxy.get('create-test');
      assert.equal(fetched.name, proxy.name);
      assert.equal(await toxiproxy.getVersion(), '{"version": "2.12.0"}\n');
      await toxiproxy.reset();
      await proxy.remove();
    });

    test('Toxiproxy: populate one proxy, then remove it', async () => {
      const proxies = await toxiproxy.populate([
        { name: 'get-all-test', listen: 'localhost:0', upstream: 'localhost:6379' },
      ]);
      assert.deepEqual(Object.keys(proxies), ['get-all-test']);
      await Promise.all(Object.values(proxies).map((proxy) => proxy.remove()));
      assert.deepEqual(Object.keys(await toxiproxy.getAll()), []);
    });

    test('Toxiproxy: populate two concrete listens; getAll has exactly those, listen strings unchanged', async () => {
      const [p1, p2] = [await freePort(), await freePort()];
      const proxy1 = { name: 'get-all-test1', listen: `127.0.0.1:${p1}`, upstream: 'localhost:6379' };
      const proxy2 = { name: 'get-all-test2', listen: `127.0.0.1:${p2}`, upstream: 'localhost:12345' };
      await toxiproxy.populate([proxy1, proxy2]);
      const proxies = await toxiproxy.getAll();
      assert.equal(Object.keys(proxies).length, 2);
      for (const expected of [proxy1, proxy2]) {
        const proxy = proxies[expected.name]!;
        assert.equal(proxy.name, expected.name);
        assert.equal(proxy.listen, expected.listen);
        assert.equal(proxy.upstream, expected.upstream);
      }
    });

    test('Toxiproxy: populate with an empty list does not crash the client (we send [] where upstream sends null)', async () => {
      assert.deepEqual(await toxiproxy.populate([]), {});
    });

    test('Proxy: disable, then enable with a new upstream; remove', async () => {
      const proxy = await createProxy('update-proxy-test');
      const disabled = await proxy.update({ enabled: false, listen: proxy.listen, upstream: proxy.upstream });
      assert.equal(disabled.enabled, false);
      const updated = await proxy.update({ enabled: true, listen: proxy.listen, upstream: 'somehost:12345' });
      assert.equal(updated.enabled, true);
      assert.equal(updated.upstream, 'somehost:12345');
      assert.equal(updated.listen, proxy.listen);
      await proxy.remove();
    });

    test('Proxy: creating the same proxy twice rejects with status 409', async () => {
      const proxy = await createProxy('duplicate');
      await assert.rejects(createProxy('duplicate'), { message: 'Request failed with status code 409' });
      await proxy.remove();
    });

    test('Toxic: CRUD (name latency_downstream, toxicity 1, update echoed, 404 after removal)', async () => {
      const proxy = await createProxy('remove-toxic-test');
      const toxic = await proxy.addToxic(
        toxicBody({ type: 'latency', attributes: { latency: 1000, jitter: 100 } }),
      );
      assert.equal(toxic.name, 'latency_downstream');
      assert.equal(toxic.toxicity, 1);
      assert.deepEqual(toxic.attributes, { latency: 1000, jitter: 100 });
      const fromServer = await proxy.getToxic(toxic.name);
      assert.equal(fromServer.name, toxic.name);
      assert.equal(fromServer.type, toxic.type);
      assert.equal(fromServer.stream, toxic.stream);
      assert.equal(fromServer.toxicity, toxic.toxicity);
      const updated = await toxic.update(toxicBody({ attributes: { latency: 12345, jitter: 42 } }));
      assert.deepEqual(updated.attributes, { latency: 12345, jitter: 42 });
      await toxic.remove();
      await assert.rejects(proxy.getToxic('latency_downstream'), {
        message: 'Request failed with status code 404',
      });
      await proxy.remove();
    });

    test('Toxic: creating the same toxic twice rejects with status 409', async () => {
      const proxy = await createProxy('duplicate-toxic-test');
      const body = toxicBody({ type: 'latency', attributes: { latency: 1000, jitter: 100 } });
      await proxy.addToxic(body);
      await assert.rejects(proxy.addToxic(body), { message: 'Request failed with status code 409' });
      await proxy.remove();
    });

    const types: [string, Record<string, number>][] = [
      ['latency', { latency: 1000, jitter: 100 }],
      ['bandwidth', { rate: 1000 }],
      ['slow_close', { delay: 1000 }],
      ['timeout', { timeout: 5000 }],
      ['slicer', { average_size: 1000, delay: 1000, size_variation: 1000 }],
      ['reset_peer', { timeout: 1000 }],
      ['limit_data', { bytes: 42 }],
    ];
    for (const [type, attributes] of types) {
      test(`ToxicTypes: ${type} attributes are echoed`, async () => {
        const proxy = await createProxy(`add-${type}-toxic-test`);
        const toxic = await proxy.addToxic(
          toxicBody({ type: type as ICreateToxicBody<unknown>['type'], attributes }),
        );
        for (const [key, value] of Object.entries(attributes)) {
          assert.equal((toxic.attributes as Record<string, number>)[key], value, key);
        }
        await proxy.remove();
      });
    }
  });

  // ---- @testcontainers/toxiproxy, without Docker ----------------------------------------------------------

  const FIRST_PORT = 8666;
  const LAST_PORT = 8697;

  /** The module's createProxy: mark ports in use from getAll, take the lowest free one, listen on 0.0.0.0. */
  async function containerCreateProxy(client: Toxiproxy, body: { name: string; upstream: string }) {
    const used = new Set(
      Object.values(await client.getAll()).map((proxy) =>
        Number(proxy.listen.slice(proxy.listen.lastIndexOf(':') + 1)),
      ),
    );
    let port: number | undefined;
    for (let candidate = FIRST_PORT; candidate <= LAST_PORT; candidate++) {
      if (!used.has(candidate)) {
        port = candidate;
        break;
      }
    }
    if (port === undefined) throw new Error('No available ports left');
    const listen = `0.0.0.0:${port}`;
    const instance = await client.createProxy({ ...body, listen });
    return {
      host: '127.0.0.1',
      port,
      instance,
      setEnabled: (enabled: boolean) => instance.update({ enabled, listen, upstream: body.upstream }),
    };
  }

  describe('@testcontainers/toxiproxy flow', async () => {
    const web = createHttpServer((_request, response) => response.end('ok'));
    web.listen(0, '127.0.0.1');
    await once(web, 'listening');
    onCleanup(() => new Promise<void>((resolve) => web.close(() => resolve())));
    const upstream = `127.0.0.1:${(web.address() as AddressInfo).port}`;
    const get = (port: number) =>
      fetch(`http://127.0.0.1:${port}/`, {
        headers: { connection: 'close' },
        signal: AbortSignal.timeout(5000),
      });

    test('creates a proxy on 0.0.0.0:8666 and an HTTP GET through it succeeds', async () => {
      const proxy = await containerCreateProxy(toxiproxy, { name: 'web', upstream });
      assert.equal(proxy.port, FIRST_PORT);
      assert.equal(proxy.instance.listen, `0.0.0.0:${FIRST_PORT}`);
      assert.equal((await get(proxy.port)).status, 200);
    });

    test('setEnabled(false) makes requests fail, setEnabled(true) restores them', async () => {
      const proxy = await containerCreateProxy(toxiproxy, { name: 'web', upstream });
      const disabled = await proxy.setEnabled(false);
      assert.equal(disabled.enabled, false);
      await assert.rejects(get(proxy.port));
      const enabled = await proxy.setEnabled(true);
      assert.equal(enabled.enabled, true);
      assert.equal((await get(proxy.port)).status, 200);
    });

    test('an upstream latency toxic {1500, jitter 50} slows a request beyond 1000 ms; removing it restores', async () => {
      const proxy = await containerCreateProxy(toxiproxy, { name: 'web', upstream });
      const toxic = await proxy.instance.addToxic({
        name: 'upstream-latency',
        type: 'latency',
        stream: 'upstream',
        toxicity: 1,
        attributes: { latency: 1500, jitter: 50 },
      });
      const started = performance.now();
      assert.equal((await get(proxy.port)).status, 200);
      assert.ok(performance.now() - started > 1000);
      await toxic.remove();
      const again = performance.now();
      assert.equal((await get(proxy.port)).status, 200);
      assert.ok(performance.now() - again < 500);
    });

    test('two proxies work at the same time, on consecutive ports', async () => {
      const a = await containerCreateProxy(toxiproxy, { name: 'a', upstream });
      const b = await containerCreateProxy(toxiproxy, { name: 'b', upstream });
      assert.deepEqual([a.port, b.port], [FIRST_PORT, FIRST_PORT + 1]);
      const [ra, rb] = await Promise.all([get(a.port), get(b.port)]);
      assert.deepEqual([ra.status, rb.status], [200, 200]);
    });

    test('32 proxies fit the port range; the 33rd is refused', async () => {
      for (let i = 0; i < 32; i++) await containerCreateProxy(toxiproxy, { name: `p${i}`, upstream });
      await assert.rejects(containerCreateProxy(toxiproxy, { name: 'p32', upstream }), {
        message: 'No available ports left',
      });
    });
  });
});
