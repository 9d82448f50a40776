import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { freePort } from '../../support/env/ports.ts';
import {
  auditRows,
  document,
  eventually,
  fleetHealthy,
  inProcessController,
  inProcessWorker,
  postJson,
  resetStores,
  type Stores,
  startStores,
  TcpLink,
  Teardown,
  testControllerConfig,
} from './helpers.ts';

// Peer gossip and split-brain detection against real parts: a controller on real Redis and Postgres, three
// workers that ping each other through TCP links of their own (one per direction, as the fault proxy gives
// the reference platform), and real black holes on those links. Cutting w1 off from w2 and w3 both ways is
// a split brain — every worker still heartbeats the controller — and each of the three is reported; one
// direction cut is not (one worker's word is not enough); healing ends it.

const teardown = new Teardown();
let stores: Stores;
let controllerUrl: string;
const IDS = ['w1', 'w2', 'w3'];
/** links.get('w2>w1'): the link w2 pings w1 through. */
const links = new Map<string, TcpLink>();

before(async () => {
  stores = await startStores(teardown);
  await resetStores(stores);
  const controller = await inProcessController(
    teardown,
    testControllerConfig(stores, { HEARTBEAT_TTL_MS: '3000' }),
  );
  controllerUrl = controller.url;
  const ports = new Map(await Promise.all(IDS.map(async (id) => [id, await freePort()] as const)));
  for (const from of IDS)
    for (const to of IDS.filter((t) => t !== from)) {
      const link = await TcpLink.open({ host: '127.0.0.1', port: ports.get(to)! });
      teardown.add(() => link.close());
      links.set(`${from}>${to}`, link);
    }
  for (const id of IDS) {
    const peers = IDS.filter((p) => p !== id).map(
      (p) => `${p}=http://127.0.0.1:${links.get(`${id}>${p}`)!.port}`,
    );
    await inProcessWorker(teardown, id, controller.url, {
      WORKER_PORT: String(ports.get(id)),
      PEER_URLS: peers.join(','),
      PEER_GOSSIP_INTERVAL_MS: '100',
      PEER_UNREACHABLE_AFTER_MS: '600',
    });
  }
  await eventually('three healthy workers', async () =>
    (await fleetHealthy(controllerUrl, IDS)).length === 3 ? true : undefined,
  );
});
after(() => teardown.run());

const events = (name: string) => auditRows(stores.db, 'event = $1', [name]);

test('a split brain is reported for every worker in it; the workers keep serving; healing ends it', async () => {
  for (const [a, b] of [
    ['w1', 'w2'],
    ['w1', 'w3'],
  ] as const) {
    links.get(`${a}>${b}`)!.blackhole();
    links.get(`${b}>${a}`)!.blackhole();
  }
  const detected = await eventually('split_brain_detected for w1, w2 and w3', async () => {
    const rows = await events('split_brain_detected');
    return rows.length >= 3 ? rows : undefined;
  });
  const bySubject = new Map(detected.map((r) => [r.worker_id, r.detail]));
  // w1 is reported as soon as one peer and it each say so of the other: by then w1 may have heard from
  // one of them only.
  const w1 = bySubject.get('w1') as { cut_off_from: string[]; reaches: string[] };
  assert.ok(w1.cut_off_from.length > 0 && w1.cut_off_from.every((p) => ['w2', 'w3'].includes(p)), String(w1));
  assert.ok(
    w1.reaches.every((p) => !w1.cut_off_from.includes(p)),
    String(w1),
  );
  assert.deepEqual(bySubject.get('w2'), { cut_off_from: ['w1'], reaches: ['w3'] });
  assert.deepEqual(bySubject.get('w3'), { cut_off_from: ['w1'], reaches: ['w2'] });
  // Each half keeps its clients: the controller still reaches every worker, so conversions succeed.
  assert.deepEqual((await fleetHealthy(controllerUrl, IDS)).sort(), IDS);
  for (let i = 0; i < 6; i++) {
    const reply = await postJson(`${controllerUrl}/v1/conversions`, {
      request_id: `split-${i}`,
      document: document(1024),
      target_format: 'txt',
    });
    assert.equal(reply.status, 200, JSON.stringify(reply.body));
  }
  for (const link of links.values()) await link.restore();
  const ended = await eventually('split_brain_ended for w1, w2 and w3', async () => {
    const rows = await events('split_brain_ended');
    return rows.length >= 3 ? rows : undefined;
  });
  assert.deepEqual(ended.map((r) => r.worker_id).sort(), IDS);
  assert.equal(detected.length, 3, 'one detection per worker per split');
});

test('one direction cut is not a split brain: only one side says so', async () => {
  const before = (await events('split_brain_detected')).length;
  links.get('w2>w3')!.blackhole();
  // Three times the time it takes w2 to count w3 unreachable and tell the controller.
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  await links.get('w2>w3')!.restore();
  assert.equal((await events('split_brain_detected')).length, before);
});

test('a heartbeat body that is not a peer view is refused, saying what is accepted', async () => {
  const reply = await postJson(`${controllerUrl}/v1/workers/w1/heartbeat`, { peers: { reachable: 'w2' } });
  assert.equal(reply.status, 400);
  assert.match(
    String((reply.body as { error?: string }).error),
    /peers must be \{"reachable": \[worker ids\], "unreachable": \[worker ids\]\}/,
  );
});
