// HTTP API contract: upstream's api_test.go (§12.1) and the derived API items of §12.2, over real HTTP.

import assert from 'node:assert/strict';
import { beforeEach, describe, test } from 'node:test';
import { freePort, type ProxyJson, portOf, startServer, type ToxicJson, tryConnect } from './helpers.ts';

const { api } = await startServer();
// Hooks are scoped to this file's suite, so the files can also share one process (test/proxy/index.js).
describe('proxy HTTP API', () => {
  beforeEach(() => api.clear());

  const upstream = 'localhost:20001';

  describe('generic HTTP behaviour', () => {
    test('every matched response carries X-Toxiproxy-Request-Id (TestRequestId)', async () => {
      const first = await api.get('/version');
      const second = await api.get('/proxies');
      const id = first.headers.get('x-toxiproxy-request-id');
      assert.match(id ?? '', /^[0-9a-v]{20}$/);
      assert.notEqual(id, second.headers.get('x-toxiproxy-request-id'));
    });

    test('a browser User-Agent gets 403 (TestBrowserGets403)', async () => {
      const response = await api.request('GET', '/proxies', undefined, { 'User-Agent': 'Mozilla/5.0 (X11)' });
      assert.equal(response.status, 403);
      assert.equal(response.text, 'User agent not allowed\n');
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    });

    test('other user agents are served (TestNonBrowserGets200)', async () => {
      const response = await api.request('GET', '/proxies', undefined, { 'User-Agent': 'Wget/2.1' });
      assert.equal(response.status, 200);
    });

    test('unknown path is 404 text without request id; trailing slash is unknown', async () => {
      for (const path of ['/nothing', '/proxies/']) {
        const response = await api.get(path);
        assert.equal(response.status, 404);
        assert.equal(response.text, '404 page not found\n');
        assert.equal(response.headers.get('x-toxiproxy-request-id'), null);
      }
    });

    test('known path with a wrong method is 405 with an empty body', async () => {
      const response = await api.request('PUT', '/proxies');
      assert.equal(response.status, 405);
      assert.equal(response.text, '');
    });

    test('GET /version is exactly {"version": "2.12.0"} plus newline (TestVersionEndpointReturnsVersion)', async () => {
      const response = await api.get('/version');
      assert.equal(response.status, 200);
      assert.equal(response.text, '{"version": "2.12.0"}\n');
      assert.equal(response.headers.get('content-type'), 'application/json;charset=utf-8');
    });

    test('/metrics does not exist unless enabled', async () => {
      assert.equal((await api.get('/metrics')).status, 404);
    });
  });

  describe('proxies', () => {
    test('empty server lists {} (TestIndexWithNoProxies)', async () => {
      const response = await api.get('/proxies');
      assert.equal(response.status, 200);
      assert.equal(response.text, '{}');
    });

    test('blank name and blank upstream are 400 with upstream messages', async () => {
      const noName = await api.post('/proxies', { name: '', listen: 'localhost:0', upstream });
      assert.equal(noName.status, 400);
      assert.deepEqual(noName.body, { error: 'missing required field: name', status: 400 });
      assert.equal(noName.text.endsWith('\n'), true);
      const noUpstream = await api.post('/proxies', { name: 'x', listen: 'localhost:0' });
      assert.equal(noUpstream.status, 400);
      assert.deepEqual(noUpstream.body, { error: 'missing required field: upstream', status: 400 });
    });

    test('malformed and empty bodies are 400 "bad request body: …"', async () => {
      const malformed = await api.post('/proxies', '{bad}');
      assert.equal(malformed.status, 400);
      assert.match((malformed.body as { error: string }).error, /^bad request body: /);
      const empty = await api.post('/proxies', '');
      assert.deepEqual(empty.body, { error: 'bad request body: EOF', status: 400 });
      const wrongType = await api.post('/proxies', { name: 5, upstream });
      assert.equal(wrongType.status, 400);
      assert.match(
        (wrongType.body as { error: string }).error,
        /cannot unmarshal number into Go struct field/,
      );
    });

    test('decoding is lenient like Go: case-insensitive keys, unknown keys and trailing bytes ignored', async () => {
      const response = await api.post(
        '/proxies',
        '{"NAME":"lenient","Upstream":"x:1","Listen":"127.0.0.1:0","extra":1} trailing',
      );
      assert.equal(response.status, 201);
      assert.equal((response.body as ProxyJson).name, 'lenient');
    });

    test('create returns 201, the resolved listen address and no toxics; get returns the same (TestCreateAndGetProxy, TestListingProxies)', async () => {
      const port = await freePort();
      const created = await api.post<ProxyJson>('/proxies', {
        name: 'mysql',
        listen: `localhost:${port}`,
        upstream,
      });
      assert.equal(created.status, 201);
      assert.equal(created.headers.get('content-type'), 'application/json');
      assert.deepEqual(created.body, {
        name: 'mysql',
        listen: `127.0.0.1:${port}`,
        upstream,
        enabled: true,
        toxics: [],
      });
      assert.equal(created.text.endsWith('}'), true, 'no trailing newline on success');
      const got = await api.get<ProxyJson>('/proxies/mysql');
      assert.deepEqual(got.body, created.body);
      const list = await api.get<Record<string, ProxyJson>>('/proxies');
      assert.deepEqual(list.body, { mysql: created.body });
      assert.equal(await tryConnect(port), 'connected');
    });

    test('list is keyed by name with sorted keys', async () => {
      for (const name of ['b', 'a', 'c']) await api.createProxy(name, upstream);
      const list = await api.get('/proxies');
      assert.deepEqual(Object.keys(JSON.parse(list.text)), ['a', 'b', 'c']);
    });

    test('created disabled: listen kept verbatim, not listening; enable/disable (TestCreateDisabledProxy…AndEnable)', async () => {
      const port = await freePort();
      const created = await api.createProxy('mysql', upstream, `localhost:${port}`, false);
      assert.equal(created.listen, `localhost:${port}`);
      assert.equal(created.enabled, false);
      assert.equal(await tryConnect(port), 'ECONNREFUSED');
      const enabled = await api.post<ProxyJson>('/proxies/mysql', { enabled: true });
      assert.equal(enabled.status, 200);
      assert.equal(enabled.body.enabled, true);
      assert.equal(enabled.body.listen, `127.0.0.1:${port}`);
      assert.equal(await tryConnect(port), 'connected');
      const disabled = await api.patch<ProxyJson>('/proxies/mysql', { enabled: false });
      assert.equal(disabled.body.enabled, false);
      assert.equal(await tryConnect(port), 'ECONNREFUSED');
    });

    test('delete closes the port; a second delete is 404 (TestDeleteProxy)', async () => {
      const proxy = await api.createProxy('mysql', upstream);
      const deleted = await api.delete('/proxies/mysql');
      assert.equal(deleted.status, 204);
      assert.equal(deleted.text, '');
      assert.equal(await tryConnect(portOf(proxy.listen)), 'ECONNREFUSED');
      assert.equal((await api.get('/proxies')).text, '{}');
      const again = await api.delete('/proxies/mysql');
      assert.equal(again.status, 404);
      assert.deepEqual(again.body, { error: 'proxy not found', status: 404 });
    });

    test('port conflict is 500 with Go text; works after the first is deleted (TestCreateProxyPortConflict)', async () => {
      const port = await freePort();
      await api.createProxy('mysql', upstream, `127.0.0.1:${port}`);
      const conflict = await api.post('/proxies', { name: 'other', listen: `127.0.0.1:${port}`, upstream });
      assert.equal(conflict.status, 500);
      assert.deepEqual(conflict.body, {
        error: `listen tcp 127.0.0.1:${port}: bind: address already in use`,
        status: 500,
      });
      assert.equal(
        (await api.get('/proxies/other')).status,
        404,
        'a proxy that failed to bind is not registered',
      );
      await api.delete('/proxies/mysql');
      assert.equal(
        (await api.post('/proxies', { name: 'other', listen: `127.0.0.1:${port}`, upstream })).status,
        201,
      );
    });

    test('name conflict is 409; works after delete (TestCreateProxyNameConflict)', async () => {
      await api.createProxy('mysql', upstream);
      const conflict = await api.post('/proxies', { name: 'mysql', listen: '127.0.0.1:0', upstream });
      assert.equal(conflict.status, 409);
      assert.deepEqual(conflict.body, { error: 'proxy already exists', status: 409 });
      await api.delete('/proxies/mysql');
      assert.equal(
        (await api.post('/proxies', { name: 'mysql', listen: '127.0.0.1:0', upstream })).status,
        201,
      );
    });

    test('unknown proxy is 404 on every proxy route', async () => {
      const routes: [string, string, unknown?][] = [
        ['GET', '/proxies/none'],
        ['POST', '/proxies/none', { enabled: false }],
        ['PATCH', '/proxies/none', { enabled: false }],
        ['DELETE', '/proxies/none'],
        ['GET', '/proxies/none/toxics'],
        ['POST', '/proxies/none/toxics', { type: 'latency' }],
        ['GET', '/proxies/none/toxics/t'],
        ['POST', '/proxies/none/toxics/t', {}],
        ['DELETE', '/proxies/none/toxics/t'],
      ];
      for (const [method, path, body] of routes) {
        const response = await api.request(method, path, body);
        assert.equal(response.status, 404, `${method} ${path}`);
        assert.deepEqual(response.body, { error: 'proxy not found', status: 404 });
      }
    });

    test('an unknown proxy is reported before a malformed body (upstream check order)', async () => {
      for (const path of ['/proxies/none', '/proxies/none/toxics', '/proxies/none/toxics/t']) {
        const response = await api.post(path, '{malformed');
        assert.equal(response.status, 404, path);
      }
    });

    test('update with a new upstream applies and keeps the port; unresolvable listen is 500', async () => {
      const proxy = await api.createProxy('mysql', upstream);
      const updated = await api.post<ProxyJson>('/proxies/mysql', { upstream: 'localhost:20002' });
      assert.equal(updated.body.upstream, 'localhost:20002');
      assert.equal(updated.body.listen, proxy.listen);
      const bad = await api.post('/proxies/mysql', { listen: 'foo' });
      assert.equal(bad.status, 500);
      assert.deepEqual(bad.body, { error: 'address foo: missing port in address', status: 500 });
    });

    test('update to host:0 moves to a new port; same listen again keeps listening (TestProxyUpdate)', async () => {
      const proxy = await api.createProxy('mysql', upstream);
      const moved = await api.post<ProxyJson>('/proxies/mysql', { listen: 'localhost:0' });
      assert.notEqual(moved.body.listen, proxy.listen);
      assert.equal(await tryConnect(portOf(moved.body.listen)), 'connected');
      assert.equal(await tryConnect(portOf(proxy.listen)), 'ECONNREFUSED');
      const same = await api.post<ProxyJson>('/proxies/mysql', { listen: moved.body.listen });
      assert.equal(same.body.listen, moved.body.listen);
      assert.equal(await tryConnect(portOf(same.body.listen)), 'connected');
    });
  });

  describe('populate', () => {
    test('two proxies are created in order and listening (TestPopulateProxy)', async () => {
      const [p1, p2] = [await freePort(), await freePort()];
      const response = await api.post<{ proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: `localhost:${p1}`, upstream, enabled: true },
        { name: 'two', listen: `localhost:${p2}`, upstream, enabled: true },
      ]);
      assert.equal(response.status, 201);
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.deepEqual(
        response.body.proxies.map((p) => [p.name, p.listen, p.enabled]),
        [
          ['one', `127.0.0.1:${p1}`, true],
          ['two', `127.0.0.1:${p2}`, true],
        ],
      );
      assert.equal(await tryConnect(p1), 'connected');
      assert.equal(await tryConnect(p2), 'connected');
    });

    test('enabled defaults to true (TestPopulateDefaultEnabled)', async () => {
      const response = await api.post<{ proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: '127.0.0.1:0', upstream },
      ]);
      assert.equal(response.status, 201);
      assert.equal(response.body.proxies[0]!.enabled, true);
      assert.equal(await tryConnect(portOf(response.body.proxies[0]!.listen)), 'connected');
    });

    test('a disabled entry is created but does not listen (TestPopulateDisabledProxy)', async () => {
      const port = await freePort();
      const response = await api.post<{ proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: `127.0.0.1:${port}`, upstream, enabled: false },
        { name: 'two', listen: '127.0.0.1:0', upstream },
      ]);
      assert.equal(response.status, 201);
      assert.equal(response.body.proxies[0]!.enabled, false);
      assert.equal(await tryConnect(port), 'ECONNREFUSED');
      assert.equal(await tryConnect(portOf(response.body.proxies[1]!.listen)), 'connected');
    });

    test('an identical entry keeps the existing proxy and its toxic; a different listen replaces it (TestPopulateExistingProxy)', async () => {
      const [p1, p2] = [await freePort(), await freePort()];
      await api.createProxy('one', upstream, `127.0.0.1:${p1}`);
      await api.createProxy('two', upstream, `127.0.0.1:${p2}`);
      await api.addToxic('one', { type: 'latency', attributes: { latency: 100 } });
      const p3 = await freePort();
      const response = await api.post<{ proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: `localhost:${p1}`, upstream },
        { name: 'two', listen: `localhost:${p3}`, upstream },
      ]);
      assert.equal(response.status, 201);
      const [one, two] = response.body.proxies;
      assert.equal(one!.listen, `127.0.0.1:${p1}`);
      assert.equal(one!.toxics.length, 1, 'identical entry keeps the toxic');
      assert.equal(two!.listen, `127.0.0.1:${p3}`);
      assert.equal(await tryConnect(p2), 'ECONNREFUSED');
      assert.equal(await tryConnect(p3), 'connected');
    });

    test('populate with the same concrete listen is idempotent (keeps enabled state); host:0 replaces', async () => {
      const first = await api.post<{ proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: '127.0.0.1:0', upstream },
      ]);
      const bound = first.body.proxies[0]!.listen;
      await api.post('/proxies/one', { enabled: false });
      const again = await api.post<{ proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: bound, upstream },
      ]);
      assert.equal(again.body.proxies[0]!.enabled, false, 'existing proxy untouched, entry enabled ignored');
      assert.equal(again.body.proxies[0]!.listen, bound);
      const replaced = await api.post<{ proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: '127.0.0.1:0', upstream },
      ]);
      assert.equal(replaced.body.proxies[0]!.enabled, true);
      assert.notEqual(replaced.body.proxies[0]!.listen, bound);
    });

    test('missing name at entry 2 is 400 and nothing is created (TestPopulateWithBadName)', async () => {
      const response = await api.post('/populate', [
        { name: 'one', listen: '127.0.0.1:0', upstream },
        { name: '', listen: '127.0.0.1:0', upstream },
      ]);
      assert.equal(response.status, 400);
      assert.deepEqual(response.body, {
        error: 'missing required field: name at proxy 2',
        status: 400,
        proxies: [],
      });
      assert.equal(response.headers.get('content-type'), 'application/json');
      assert.equal((await api.get('/proxies')).text, '{}');
      const noUpstream = await api.post('/populate', [{ name: 'one', listen: '127.0.0.1:0' }]);
      assert.equal(
        (noUpstream.body as { error: string }).error,
        'missing required field: upstream at proxy 1',
      );
    });

    test('a bad listen at entry 2 stops processing: entry 1 exists, 2 and 3 do not (TestPopulateProxyWithBadDataShouldReturnError)', async () => {
      const response = await api.post<{ error: string; proxies: ProxyJson[] }>('/populate', [
        { name: 'one', listen: '127.0.0.1:0', upstream },
        { name: 'two', listen: 'local373', upstream },
        { name: 'three', listen: '127.0.0.1:0', upstream },
      ]);
      assert.equal(response.status, 500);
      assert.equal(response.body.error, 'address local373: missing port in address');
      assert.deepEqual(
        response.body.proxies.map((p) => p.name),
        ['one'],
      );
      assert.equal((await api.get('/proxies/one')).status, 200);
      assert.equal((await api.get('/proxies/two')).status, 404);
      assert.equal((await api.get('/proxies/three')).status, 404);
    });

    test('a proxy from populate accepts a toxic (TestPopulateAddToxic)', async () => {
      await api.post('/populate', [{ name: 'one', listen: '127.0.0.1:0', upstream }]);
      const toxic = await api.post('/proxies/one/toxics', { type: 'latency', attributes: { latency: 10 } });
      assert.equal(toxic.status, 200);
    });

    test('[] and null give {"proxies":[]} (not null), a non-array is 400', async () => {
      for (const body of ['[]', 'null']) {
        const response = await api.post('/populate', body);
        assert.equal(response.status, 201);
        assert.equal(response.text, '{"proxies":[]}');
      }
      const object = await api.post('/populate', { name: 'x' });
      assert.equal(object.status, 400);
      assert.match((object.body as { error: string }).error, /^bad request body: /);
    });
  });

  describe('toxics API', () => {
    test('a new proxy has no toxics (TestListingToxics)', async () => {
      await api.createProxy('mysql', upstream);
      const response = await api.get('/proxies/mysql/toxics');
      assert.equal(response.status, 200);
      assert.equal(response.text, '[]');
    });

    test('create returns 200 and echoes the toxic; listing shows toxicity 1 (TestAddToxic)', async () => {
      await api.createProxy('mysql', upstream);
      const created = await api.post<ToxicJson>('/proxies/mysql/toxics', {
        name: 'foobar',
        type: 'latency',
        stream: 'downstream',
        attributes: { latency: 100, jitter: 10 },
      });
      assert.equal(created.status, 200);
      assert.equal(
        created.text,
        '{"attributes":{"latency":100,"jitter":10},"name":"foobar","type":"latency","stream":"downstream","toxicity":1}',
      );
      const listed = await api.get<ToxicJson[]>('/proxies/mysql/toxics');
      assert.deepEqual(listed.body, [created.body]);
      assert.deepEqual((await api.get('/proxies/mysql/toxics/foobar')).body, created.body);
    });

    test('two toxics on one stream; unspecified attributes read back 0 (TestAddMultipleToxics)', async () => {
      await api.createProxy('mysql', upstream);
      await api.addToxic('mysql', { name: 'latency1', type: 'latency', attributes: { latency: 100 } });
      await api.addToxic('mysql', { name: 'latency2', type: 'latency', attributes: { jitter: 7 } });
      const listed = await api.get<ToxicJson[]>('/proxies/mysql/toxics');
      assert.deepEqual(
        listed.body.map((t) => [t.name, t.attributes]),
        [
          ['latency1', { latency: 100, jitter: 0 }],
          ['latency2', { latency: 0, jitter: 7 }],
        ],
      );
    });

    test('same name, different type is 409 and the original is unchanged (TestAddConflictingToxic)', async () => {
      await api.createProxy('mysql', upstream);
      await api.addToxic('mysql', { name: 'foobar', type: 'latency', attributes: { latency: 100 } });
      const conflict = await api.post('/proxies/mysql/toxics', { name: 'foobar', type: 'slow_close' });
      assert.equal(conflict.status, 409);
      assert.deepEqual(conflict.body, { error: 'toxic already exists', status: 409 });
      const toxic = await api.get<ToxicJson>('/proxies/mysql/toxics/foobar');
      assert.equal(toxic.body.type, 'latency');
    });

    test('names are unique per proxy across streams (TestAddConflictingToxicsMultistream)', async () => {
      await api.createProxy('mysql', upstream);
      await api.addToxic('mysql', { name: 'foobar', type: 'latency', stream: 'upstream' });
      const conflict = await api.post('/proxies/mysql/toxics', {
        name: 'foobar',
        type: 'latency',
        stream: 'downstream',
      });
      assert.equal(conflict.status, 409);
    });

    test('default names are <type>_<stream>; listing is upstream first (TestAddConflictingToxicsMultistreamDefaults)', async () => {
      await api.createProxy('mysql', upstream);
      const down = await api.addToxic('mysql', { type: 'latency', stream: 'downstream' });
      const up = await api.addToxic('mysql', { type: 'latency', stream: 'upstream' });
      assert.equal(down.name, 'latency_downstream');
      assert.equal(up.name, 'latency_upstream');
      const listed = await api.get<ToxicJson[]>('/proxies/mysql/toxics');
      assert.deepEqual(
        listed.body.map((t) => t.name),
        ['latency_upstream', 'latency_downstream'],
      );
      const proxy = await api.get<ProxyJson>('/proxies/mysql');
      assert.deepEqual(
        proxy.body.toxics.map((t) => t.name),
        ['latency_upstream', 'latency_downstream'],
      );
    });

    test('stream is case-insensitive and stored as sent; the default name uses it verbatim', async () => {
      await api.createProxy('mysql', upstream);
      const toxic = await api.addToxic('mysql', { type: 'noop', stream: 'UpStream' });
      assert.equal(toxic.stream, 'UpStream');
      assert.equal(toxic.name, 'noop_UpStream');
    });

    test('toxicity is stored and returned (TestAddToxicWithToxicity), not range-checked', async () => {
      await api.createProxy('mysql', upstream);
      assert.equal(
        (await api.addToxic('mysql', { name: 'a', type: 'latency', toxicity: 0.2 })).toxicity,
        0.2,
      );
      assert.equal(
        (await api.addToxic('mysql', { name: 'b', type: 'latency', toxicity: 2.5 })).toxicity,
        2.5,
      );
    });

    test('noop is a toxic: default stream downstream, toxicity 1, attributes {} (TestAddNoop)', async () => {
      await api.createProxy('mysql', upstream);
      const toxic = await api.addToxic('mysql', { type: 'noop' });
      assert.deepEqual(toxic, {
        attributes: {},
        name: 'noop_downstream',
        type: 'noop',
        stream: 'downstream',
        toxicity: 1,
      });
    });

    test('every type lists all its attributes with zeros when created without attributes', async () => {
      await api.createProxy('mysql', upstream);
      const zeros: Record<string, Record<string, number>> = {
        latency: { latency: 0, jitter: 0 },
        bandwidth: { rate: 0 },
        slow_close: { delay: 0 },
        timeout: { timeout: 0 },
        reset_peer: { timeout: 0 },
        limit_data: { bytes: 0 },
        packet_loss: { probability: 0, burst: 0 },
        corrupt: { probability: 0 },
      };
      for (const [type, attributes] of Object.entries(zeros)) {
        const toxic = await api.addToxic('mysql', { type, attributes: { unknown: 5 } });
        assert.deepEqual(toxic.attributes, attributes, type);
      }
    });

    test('update merges attributes and keeps toxicity when omitted, by POST and PATCH (TestUpdateToxics)', async () => {
      await api.createProxy('mysql', upstream);
      await api.addToxic('mysql', {
        name: 'foobar',
        type: 'latency',
        toxicity: 0.5,
        attributes: { latency: 100, jitter: 10 },
      });
      const posted = await api.post<ToxicJson>('/proxies/mysql/toxics/foobar', {
        attributes: { latency: 1000 },
      });
      assert.equal(posted.status, 200);
      assert.deepEqual(posted.body.attributes, { latency: 1000, jitter: 10 });
      assert.equal(posted.body.toxicity, 0.5);
      const patched = await api.patch<ToxicJson>('/proxies/mysql/toxics/foobar', {
        toxicity: 0.9,
        name: 'ignored',
        type: 'bandwidth',
        stream: 'upstream',
      });
      assert.deepEqual(patched.body, {
        attributes: { latency: 1000, jitter: 10 },
        name: 'foobar',
        type: 'latency',
        stream: 'downstream',
        toxicity: 0.9,
      });
    });

    test('delete removes it from the listing (TestRemoveToxic); unknown toxic is 404', async () => {
      await api.createProxy('mysql', upstream);
      await api.addToxic('mysql', { name: 'foobar', type: 'latency' });
      const deleted = await api.delete('/proxies/mysql/toxics/foobar');
      assert.equal(deleted.status, 204);
      assert.equal((await api.get('/proxies/mysql/toxics')).text, '[]');
      for (const method of ['GET', 'POST', 'PATCH', 'DELETE']) {
        const response = await api.request(
          method,
          '/proxies/mysql/toxics/foobar',
          method === 'GET' ? undefined : {},
        );
        assert.equal(response.status, 404);
        assert.deepEqual(response.body, { error: 'toxic not found', status: 404 });
      }
    });

    test('invalid stream, invalid type (including "down"), bad attributes are 400 (TestInvalidStream)', async () => {
      await api.createProxy('mysql', upstream);
      const cases: [unknown, string | RegExp][] = [
        [
          { type: 'latency', stream: 'walrustream' },
          'stream was invalid, can be either upstream or downstream',
        ],
        [{ type: 'latency', stream: '' }, 'stream was invalid, can be either upstream or downstream'],
        [{ type: 'down' }, 'invalid toxic type'],
        [{ type: '' }, 'invalid toxic type'],
        [{}, 'invalid toxic type'],
        [
          { type: 'latency', attributes: { latency: 1.5 } },
          /cannot unmarshal number 1.5 into Go struct field/,
        ],
        [{ type: 'latency', attributes: { latency: 'slow' } }, /cannot unmarshal string/],
        [{ type: 'latency', attributes: [1] }, /cannot unmarshal array/],
        [{ type: 'latency', toxicity: 'high' }, /cannot unmarshal string/],
      ];
      for (const [body, message] of cases) {
        const response = await api.post<{ error: string; status: number }>('/proxies/mysql/toxics', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        if (typeof message === 'string') assert.equal(response.body.error, message);
        else assert.match(response.body.error, message);
      }
      assert.equal((await api.get('/proxies/mysql/toxics')).text, '[]');
    });

    test('check order: invalid stream wins over invalid type; conflict wins over bad attributes', async () => {
      await api.createProxy('mysql', upstream);
      const both = await api.post<{ error: string }>('/proxies/mysql/toxics', {
        type: 'nope',
        stream: 'sideways',
      });
      assert.equal(both.body.error, 'stream was invalid, can be either upstream or downstream');
      await api.addToxic('mysql', { name: 't', type: 'latency' });
      const conflict = await api.post('/proxies/mysql/toxics', {
        name: 't',
        type: 'latency',
        attributes: { latency: 'x' },
      });
      assert.equal(conflict.status, 409);
    });

    test('inputs that crash upstream are 400 with a clear message (negative rate, slicer sizes)', async () => {
      await api.createProxy('mysql', upstream);
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ type: 'bandwidth', attributes: { rate: -1 } }, /bandwidth rate must be >= 0/],
        [{ type: 'slicer', attributes: { average_size: 0 } }, /average_size must be >= 1/],
        [
          { type: 'slicer', attributes: { average_size: 10, size_variation: 11 } },
          /must not exceed average_size/,
        ],
        [
          { type: 'slicer', attributes: { average_size: 10, size_variation: -1 } },
          /size_variation must be >= 0/,
        ],
        [{ type: 'packet_loss', attributes: { probability: 1.5 } }, /between 0 and 1/],
        [{ type: 'corrupt', attributes: { probability: -0.1 } }, /between 0 and 1/],
      ];
      for (const [body, message] of cases) {
        const response = await api.post<{ error: string }>('/proxies/mysql/toxics', body);
        assert.equal(response.status, 400, JSON.stringify(body));
        assert.match(response.body.error, message);
      }
      await api.addToxic('mysql', { name: 'bw', type: 'bandwidth', attributes: { rate: 10 } });
      const update = await api.post<{ error: string }>('/proxies/mysql/toxics/bw', {
        attributes: { rate: -5 },
      });
      assert.equal(update.status, 400);
      assert.equal(
        (await api.get<ToxicJson>('/proxies/mysql/toxics/bw')).body.attributes.rate,
        10,
        'unchanged',
      );
    });

    test('extensions accept fractional attributes', async () => {
      await api.createProxy('mysql', upstream);
      const toxic = await api.addToxic('mysql', {
        type: 'packet_loss',
        attributes: { probability: 0.25, burst: 3 },
      });
      assert.deepEqual(toxic.attributes, { probability: 0.25, burst: 3 });
    });
  });

  describe('reset', () => {
    test('re-enables proxies, removes all toxics, keeps proxies (TestResetState)', async () => {
      const proxy = await api.createProxy('mysql', upstream);
      await api.addToxic('mysql', { type: 'latency', attributes: { latency: 100 } });
      await api.post('/proxies/mysql', { enabled: false });
      const reset = await api.post('/reset');
      assert.equal(reset.status, 204);
      assert.equal(reset.text, '');
      const after = await api.get<ProxyJson>('/proxies/mysql');
      assert.equal(after.body.enabled, true);
      assert.deepEqual(after.body.toxics, []);
      assert.equal(after.body.listen, proxy.listen, 'same port after re-enable');
      assert.equal(await tryConnect(portOf(proxy.listen)), 'connected');
    });
  });
});
