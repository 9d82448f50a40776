import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import { after, before, beforeEach, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import {
  ConversionAborted,
  convertDocument,
  measureHashRate,
} from '../../fixtures/platform/worker/convert.ts';
import { freePort } from '../../support/env/ports.ts';
import {
  document,
  eventually,
  type FleetReply,
  fleetHealthy,
  getJson,
  inProcessController,
  inProcessWorker,
  postJson,
  resetStores,
  type Stores,
  spawnService,
  startStores,
  Teardown,
  testControllerConfig,
  WORKER_MAIN,
} from './helpers.ts';

const MIB = 1024 * 1024;
const teardown = new Teardown();
let stores: Stores;

before(async () => {
  stores = await startStores(teardown);
});
after(() => teardown.run());
beforeEach(() => resetStores(stores));

function content(bytes: number): Buffer {
  const buffer = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i += 97) buffer[i] = i % 251;
  return buffer;
}

test('a conversion really hashes and compresses the content', async () => {
  const input = content(300_000);
  const result = await convertDocument(input, 0, 1, new AbortController().signal);
  assert.deepEqual(result, {
    sha256: createHash('sha256').update(input).digest('hex'),
    bytes_in: input.length,
    bytes_out: gzipSync(input).length,
  });
});

test('the extra work grows with the size of the document and with COST_MS_PER_MB', async () => {
  const rate = measureHashRate();
  const signal = new AbortController().signal;
  // CPU time of this process, not wall time: other processes on a shared machine do not inflate it.
  const timed = async (bytes: number, cost: number) => {
    const input = content(bytes);
    const started = process.cpuUsage();
    await convertDocument(input, cost, rate, signal);
    const used = process.cpuUsage(started);
    return (used.user + used.system) / 1000;
  };
  const free = await timed(2 * MIB, 0);
  const small = await timed(2 * MIB, 100);
  const large = await timed(4 * MIB, 100);
  // 2 MiB at 100 ms/MB is ~200 ms of hashing at the calibrated speed. On a shared machine the calibration
  // itself may run while another process holds the CPU and read the speed up to ~2x low; the work then
  // finishes early once the CPU is free again. So the bound is half the nominal time.
  assert.ok(small >= 100, `2 MiB at 100 ms/MB took ${small.toFixed(0)} ms of CPU`);
  assert.ok(small > free + 60, `cost adds work: ${free.toFixed(0)} ms without, ${small.toFixed(0)} ms with`);
  assert.ok(
    large > small * 1.4,
    `twice the size, about twice the work: ${small.toFixed(0)} → ${large.toFixed(0)} ms`,
  );
});

test('a conversion stops when its caller gives up', async () => {
  const abort = new AbortController();
  const started = performance.now();
  setTimeout(() => abort.abort(), 50);
  await assert.rejects(
    convertDocument(content(8 * MIB), 1_000, measureHashRate(), abort.signal),
    ConversionAborted,
  );
  const took = performance.now() - started;
  assert.ok(took < 1_000, `stopped after ${took.toFixed(0)} ms of an ~8 s conversion`);
});

test('the worker keeps heartbeating while it converts a large document', async (t) => {
  const local = new Teardown();
  t.after(() => local.run());
  const controller = await inProcessController(
    local,
    testControllerConfig(stores, { HEARTBEAT_TTL_MS: '1500', ATTEMPT_TIMEOUT_MS: '120000' }),
  );
  // Its own process, as deployed: only the worker's own work competes with its heartbeats.
  await spawnService(local, 'busy', WORKER_MAIN, {
    WORKER_ID: 'busy',
    CONTROLLER_URL: controller.url,
    HEARTBEAT_INTERVAL_MS: '100',
    COST_MS_PER_MB: '100',
  });
  await fleetHealthy(controller.url, ['busy']);
  let converting = true;
  const started = Date.now();
  const conversion = postJson(`${controller.url}/v1/conversions`, {
    request_id: 'large',
    document: document(30 * MIB, 0x61),
    target_format: 'pdf',
  }).finally(() => {
    converting = false;
  });
  const staleness: number[] = [];
  while (converting) {
    const fleet = await getJson<FleetReply>(`${controller.url}/v1/workers`);
    staleness.push(fleet.body.workers[0]?.last_heartbeat_ms_ago ?? Number.POSITIVE_INFINITY);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  const reply = await conversion;
  const took = Date.now() - started;
  assert.equal(reply.status, 200, JSON.stringify(reply.body));
  // ~3 s of hashing at 100 ms/MB: a worker that did not yield would miss the 1.5 s TTL by far. (The TTL
  // leaves room for reading and decoding the 40 MB body, which is not sliced, on a busy shared CPU.)
  assert.ok(took >= 2_700, `the conversion took ${took} ms`);
  assert.ok(
    Math.max(...staleness) < 1_500,
    `heartbeat never older than the TTL: ${Math.max(...staleness)} ms`,
  );
});

test('a document given by URL is fetched and converted', async (t) => {
  const body = content(50_000);
  const server = createServer((req, res) => {
    if (req.url === '/doc.bin') res.end(body);
    else {
      res.statusCode = 404;
      res.end();
    }
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const local = new Teardown();
  t.after(() => local.run());
  const controller = await inProcessController(
    local,
    testControllerConfig(stores, { RETRY_ENABLED: 'false' }),
  );
  await inProcessWorker(local, 'w1', controller.url);
  await fleetHealthy(controller.url, ['w1']);
  const ok = await postJson(`${controller.url}/v1/conversions`, {
    request_id: 'by-url',
    document: { url: `${base}/doc.bin` },
    target_format: 'txt',
  });
  assert.equal(ok.status, 200, JSON.stringify(ok.body));
  assert.equal(ok.body.result?.sha256, createHash('sha256').update(body).digest('hex'));
  const missing = await postJson(`${controller.url}/v1/conversions`, {
    request_id: 'by-url-missing',
    document: { url: `${base}/nope` },
    target_format: 'txt',
  });
  assert.equal(missing.status, 502);
  assert.deepEqual(
    missing.body.attempts?.map((a) => [a.outcome, a.status]),
    [['error', 422]],
  );
  assert.match(missing.body.attempts?.[0]?.error ?? '', /answered 404/);
});

test('a worker started before its controller keeps trying to register until it is admitted', async (t) => {
  const local = new Teardown();
  t.after(() => local.run());
  const port = await freePort();
  const worker = await inProcessWorker(local, 'early', `http://127.0.0.1:${port}`);
  await new Promise((resolve) => setTimeout(resolve, 400));
  assert.equal(worker.registration.registered, false);
  const controller = await inProcessController(
    local,
    testControllerConfig(stores, { CONTROLLER_PORT: String(port) }),
  );
  await fleetHealthy(controller.url, ['early']);
  await eventually('worker knows it is registered', async () =>
    worker.registration.registered ? true : undefined,
  );
  const health = await getJson<{ registered: boolean }>(`${worker.advertiseUrl}/healthz`);
  assert.equal(health.body.registered, true);
});
