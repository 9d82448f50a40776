import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { PeerGossip } from '../../fixtures/platform/worker/peers.ts';
import { eventually, quiet } from './helpers.ts';

// A worker's peer view against a real peer (an HTTP server answering GET /v1/peer as the platform's worker
// does): reachable while it answers, unreachable once it stops, and never "unreachable" merely because this
// worker itself was stalled (a paused process or a blocked event loop) — it was away, not the peer.

let server: Server;
let answerAs = 'w2';
let url: string;
let gossip: PeerGossip;

before(async () => {
  server = createServer((req, res) => {
    res.writeHead(req.url === '/v1/peer' ? 200 : 404, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ worker_id: answerAs }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  gossip = new PeerGossip({
    self: 'w1',
    peers: [{ id: 'w2', url }],
    intervalMs: 50,
    unreachableAfterMs: 300,
    logger: quiet,
  });
  gossip.start();
});
after(async () => {
  await gossip.stop();
  server.closeAllConnections();
  server.close();
});

test('a peer that answers is reachable; one that answers as someone else is not that peer', async () => {
  assert.deepEqual(gossip.view(), { reachable: ['w2'], unreachable: [] });
  answerAs = 'w3';
  await eventually('w2 unreachable', async () =>
    gossip.view()?.unreachable.includes('w2') ? true : undefined,
  );
  answerAs = 'w2';
  await eventually('w2 reachable again', async () =>
    gossip.view()?.reachable.includes('w2') ? true : undefined,
  );
});

test('a stall of this worker is not its peers going away', () => {
  // The event loop blocked for ten times the window: no ping could be sent or answered meanwhile.
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 3_000);
  assert.deepEqual(gossip.view(), { reachable: ['w2'], unreachable: [] });
});

test('gossip off: no view, nothing reported', () => {
  const off = new PeerGossip({
    self: 'w1',
    peers: [{ id: 'w2', url }],
    intervalMs: 0,
    unreachableAfterMs: 300,
    logger: quiet,
  });
  off.start();
  assert.equal(off.view(), undefined);
});
